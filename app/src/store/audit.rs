//! The append-only audit log.
use crate::domain::UserId;
use sqlx::SqliteConnection;

/// Appends one entry. `actor` is `None` for the command line.
pub async fn record(
    conn: &mut SqliteConnection,
    actor: Option<UserId>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO audit_log (actor_id, action, entity, entity_id, detail) VALUES (?, ?, ?, ?, ?)")
        .bind(actor.map(|u| u.0))
        .bind(action)
        .bind(entity)
        .bind(entity_id)
        .bind(detail.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

/// Appends one entry in a write transaction of its own (for actions that write nothing else,
/// such as a download).
pub async fn append(
    pool: &sqlx::SqlitePool,
    actor: Option<UserId>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    let mut tx = super::begin_write(pool).await?;
    record(&mut tx, actor, action, entity, entity_id, detail).await?;
    tx.commit().await
}
