//! Datasets and their per-reviewer progress.
use crate::domain::{DatasetId, DatasetName, UserId};
use crate::datasets::DatasetSummary;
use sqlx::{SqliteConnection, SqlitePool};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DatasetRecord {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub overlap_target: i64,
    pub lease_seconds: i64,
}

impl DatasetRecord {
    pub fn id(&self) -> DatasetId {
        DatasetId(self.id)
    }
}

pub async fn by_name(pool: &SqlitePool, name: &DatasetName) -> Result<Option<DatasetRecord>, sqlx::Error> {
    sqlx::query_as("SELECT id, name, kind, overlap_target, lease_seconds FROM datasets WHERE name = ?")
        .bind(name.as_str())
        .fetch_optional(pool)
        .await
}

/// Returns the dataset's id, creating a compare dataset with default settings if it is new.
pub async fn get_or_create(
    conn: &mut SqliteConnection,
    name: &DatasetName,
    actor: Option<UserId>,
) -> Result<DatasetId, sqlx::Error> {
    let existing: Option<i64> = sqlx::query_scalar("SELECT id FROM datasets WHERE name = ?")
        .bind(name.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(id) = existing {
        return Ok(DatasetId(id));
    }
    let id: i64 = sqlx::query_scalar("INSERT INTO datasets (name) VALUES (?) RETURNING id")
        .bind(name.as_str())
        .fetch_one(&mut *conn)
        .await?;
    let detail = serde_json::json!({ "name": name.as_str() });
    super::audit::record(conn, actor, "dataset.create", "dataset", Some(id), detail).await?;
    Ok(DatasetId(id))
}

/// Compare datasets with their size and how many items this reviewer has judged.
pub async fn summaries_for(pool: &SqlitePool, user: UserId) -> Result<Vec<DatasetSummary>, sqlx::Error> {
    sqlx::query_as(
        "SELECT d.name,
                (SELECT COUNT(*) FROM items i WHERE i.dataset_id = d.id AND i.excluded_at IS NULL) AS items,
                (SELECT COUNT(*) FROM judgments j JOIN items i ON i.id = j.item_id
                  WHERE i.dataset_id = d.id AND j.user_id = ?) AS my_done
           FROM datasets d WHERE d.kind = 'compare' ORDER BY d.name",
    )
    .bind(user.0)
    .fetch_all(pool)
    .await
}
