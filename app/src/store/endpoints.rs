//! OpenAI-compatible endpoints configured by admins (`model_endpoints`).
use super::Db;
use crate::domain::UserId;
use crate::domain::endpoint::EndpointConfig;

const COLUMNS: &str = "name, base_url, model, api_key, timeout_secs, retries";

/// The stored row with its key opened (see [`super::sealed`]).
fn opened(db: &Db, mut c: EndpointConfig) -> EndpointConfig {
    c.api_key = c.api_key.and_then(|k| super::sealed::open(db, &k));
    c
}

pub async fn by_name(db: &Db, name: &str) -> Result<Option<EndpointConfig>, sqlx::Error> {
    on!(db, pool => {
        let row: Option<EndpointConfig> = sqlx::query_as(&format!("SELECT {COLUMNS} FROM model_endpoints WHERE name = $1"))
            .bind(name)
            .fetch_optional(pool)
            .await?;
        Ok(row.map(|c| opened(db, c)))
    })
}

pub async fn all(db: &Db) -> Result<Vec<EndpointConfig>, sqlx::Error> {
    on!(db, pool => {
        let rows: Vec<EndpointConfig> =
            sqlx::query_as(&format!("SELECT {COLUMNS} FROM model_endpoints ORDER BY name")).fetch_all(pool).await?;
        Ok(rows.into_iter().map(|c| opened(db, c)).collect())
    })
}

/// Seals keys stored before sealing existed (run when the store opens).
pub async fn seal_plain_keys(db: &Db) -> Result<(), sqlx::Error> {
    on!(db, pool => {
        let keys: Vec<(String, String)> =
            sqlx::query_as("SELECT name, api_key FROM model_endpoints WHERE api_key IS NOT NULL").fetch_all(pool).await?;
        let plain: Vec<_> = keys.into_iter().filter(|(_, k)| !super::sealed::is_sealed(k)).collect();
        if plain.is_empty() {
            return Ok(());
        }
        let mut tx = begin_write(pool).await?;
        for (name, key) in plain {
            sqlx::query("UPDATE model_endpoints SET api_key = $1 WHERE name = $2 AND api_key = $3")
                .bind(super::sealed::seal(db, &key)?)
                .bind(&name)
                .bind(&key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await
    })
}

/// Adds or replaces the endpoint `c.name`. A `None` key keeps the stored one (the console
/// never shows keys, so leaving the field empty must not erase it).
pub async fn save(db: &Db, c: &EndpointConfig, actor: UserId) -> Result<(), sqlx::Error> {
    on!(db, pool => {
        let sealed = c.api_key.as_deref().map(|k| super::sealed::seal(db, k)).transpose()?;
        let mut tx = begin_write(pool).await?;
        sqlx::query(
            "INSERT INTO model_endpoints (name, base_url, model, api_key, timeout_secs, retries, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (name) DO UPDATE SET base_url = excluded.base_url, model = excluded.model,
             api_key = COALESCE(excluded.api_key, model_endpoints.api_key),
             timeout_secs = excluded.timeout_secs, retries = excluded.retries",
        )
        .bind(&c.name)
        .bind(&c.base_url)
        .bind(&c.model)
        .bind(&sealed)
        .bind(c.timeout_secs)
        .bind(c.retries)
        .bind(actor.0)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({ "name": c.name, "base_url": c.base_url, "model": c.model });
        super::audit::record(&mut tx, Some(actor), "endpoint_saved", "model_endpoint", None, detail).await?;
        tx.commit().await
    })
}

pub async fn remove(db: &Db, name: &str, actor: UserId) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let gone = sqlx::query("DELETE FROM model_endpoints WHERE name = $1").bind(name).execute(&mut *tx).await?;
        if gone.rows_affected() > 0 {
            let detail = serde_json::json!({ "name": name });
            super::audit::record(&mut tx, Some(actor), "endpoint_removed", "model_endpoint", None, detail).await?;
        }
        tx.commit().await?;
        Ok(gone.rows_affected() > 0)
    })
}
