//! Datasets and their per-reviewer progress.
use super::{Conn, Db};
use crate::domain::DatasetKind;
use crate::domain::judgment::ReviewSettings;
use crate::domain::{DatasetId, DatasetName, UserId};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DatasetRecord {
    pub id: DatasetId,
    pub name: String,
    #[sqlx(try_from = "String")]
    pub kind: DatasetKind,
    pub overlap_target: i64,
    pub lease_seconds: i64,
    /// JSON of [`ReviewSettings`].
    pub settings: String,
    /// Markdown written by an admin.
    pub guidelines: String,
    pub department: Option<String>,
    pub prompt_template: Option<String>,
}

impl DatasetRecord {
    pub fn id(&self) -> DatasetId {
        self.id
    }

    pub fn review_settings(&self) -> Result<ReviewSettings, sqlx::Error> {
        serde_json::from_str(&self.settings).map_err(|e| sqlx::Error::Decode(e.into()))
    }
}

/// Changes to a dataset's review set-up; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct DatasetChanges {
    pub overlap_target: Option<i64>,
    pub lease_seconds: Option<i64>,
    pub settings: Option<ReviewSettings>,
    pub guidelines: Option<String>,
    /// `Some("")` clears it.
    pub department: Option<String>,
    pub prompt_template: Option<String>,
}

/// Applies the changes and records old and new values in the audit log; `false` if there
/// is no such dataset.
pub async fn configure(
    db: &Db,
    name: &DatasetName,
    changes: &DatasetChanges,
    actor: Option<UserId>,
) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let Some(old) = sqlx::query_as::<_, DatasetRecord>(&format!("{SELECT} AND name = $1"))
            .bind(name.as_str())
            .fetch_optional(&mut *tx)
            .await?
        else {
            return Ok(false);
        };
        let settings = changes.settings.as_ref().map(|s| serde_json::to_string(s).expect("settings serialise"));
        sqlx::query(
            "UPDATE datasets SET overlap_target = COALESCE($1, overlap_target), lease_seconds = COALESCE($2, lease_seconds),
                settings = COALESCE($3, settings), guidelines = COALESCE($4, guidelines),
                department = NULLIF(COALESCE($5, department), ''), prompt_template = NULLIF(COALESCE($6, prompt_template), '')
          WHERE id = $7",
        )
        .bind(changes.overlap_target)
        .bind(changes.lease_seconds)
        .bind(&settings)
        .bind(&changes.guidelines)
        .bind(&changes.department)
        .bind(&changes.prompt_template)
        .bind(old.id)
        .execute(&mut *tx)
        .await?;
        let detail = serde_json::json!({
            "old": { "overlap_target": old.overlap_target, "lease_seconds": old.lease_seconds,
                     "settings": old.settings, "guidelines": old.guidelines,
                     "department": old.department, "prompt_template": old.prompt_template },
            "new": { "overlap_target": changes.overlap_target, "lease_seconds": changes.lease_seconds,
                     "settings": settings, "guidelines": changes.guidelines,
                     "department": changes.department, "prompt_template": changes.prompt_template },
        });
        super::audit::record(&mut tx, actor, "dataset.configure", "dataset", Some(old.id.0), detail).await?;
        tx.commit().await?;
        Ok(true)
    })
}

/// Published datasets only: a staging dataset (an import not yet published, see
/// `staging`) is reachable by no name and no id.
const SELECT: &str = "SELECT id, name, kind, overlap_target, lease_seconds, settings, guidelines, department, prompt_template FROM datasets WHERE staging_of IS NULL";

pub async fn by_name(db: &Db, name: &DatasetName) -> Result<Option<DatasetRecord>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!("{SELECT} AND name = $1")).bind(name.as_str()).fetch_optional(pool).await
    })
}

/// The dataset an assignment's item belongs to.
pub async fn of_assignment(
    db: &Db,
    assignment: crate::domain::AssignmentId,
) -> Result<Option<DatasetRecord>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!(
            "{SELECT} AND id = (SELECT i.dataset_id FROM assignments a JOIN items i ON i.id = a.item_id WHERE a.id = $1)"
        ))
        .bind(assignment.0)
        .fetch_optional(pool)
        .await
    })
}

pub async fn by_id(db: &Db, id: DatasetId) -> Result<Option<DatasetRecord>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!("{SELECT} AND id = $1")).bind(id).fetch_optional(pool).await
    })
}

/// The id of the dataset of that name, if there is one.
pub async fn id_of(conn: impl Into<Conn<'_>>, name: &DatasetName) -> Result<Option<DatasetId>, sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query_scalar("SELECT id FROM datasets WHERE name = $1").bind(name.as_str()).fetch_optional(&mut *conn).await
    })
}

/// Returns the dataset's id, creating it with default settings if it is new; `Ok(Err(kind))`
/// when a dataset of that name exists with another kind.
pub async fn get_or_create(
    conn: impl Into<Conn<'_>>,
    name: &DatasetName,
    kind: DatasetKind,
    actor: Option<UserId>,
) -> Result<Result<DatasetId, DatasetKind>, sqlx::Error> {
    on!(conn.into(), conn => {
        let existing: Option<(i64, String)> = sqlx::query_as("SELECT id, kind FROM datasets WHERE name = $1")
            .bind(name.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if let Some((id, existing_kind)) = existing {
            let existing_kind: DatasetKind = existing_kind.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?;
            return Ok(if existing_kind == kind { Ok(DatasetId(id)) } else { Err(existing_kind) });
        }
        let id: i64 = sqlx::query_scalar("INSERT INTO datasets (name, kind) VALUES ($1, $2) RETURNING id")
            .bind(name.as_str())
            .bind(kind.as_str())
            .fetch_one(&mut *conn)
            .await?;
        let detail = serde_json::json!({ "name": name.as_str(), "kind": kind });
        super::audit::record(&mut *conn, actor, "dataset.create", "dataset", Some(id), detail).await?;
        Ok(Ok(DatasetId(id)))
    })
}

/// Creates an empty dataset (then configured like any other); `Ok(None)` if the name is taken.
pub async fn create(
    db: &Db,
    name: &DatasetName,
    kind: DatasetKind,
    actor: Option<UserId>,
) -> Result<Option<DatasetId>, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let taken: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM datasets WHERE name = $1)")
            .bind(name.as_str())
            .fetch_one(&mut *tx)
            .await?;
        if taken {
            return Ok(None);
        }
        let id = get_or_create(&mut tx, name, kind, actor).await?.expect("a new name has no other kind");
        tx.commit().await?;
        Ok(Some(id))
    })
}

/// A dataset with its size and one reviewer's decisions on it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SummaryRow {
    pub name: String,
    pub kind: DatasetKind,
    pub items: i64,
    pub my_done: i64,
}

/// Every dataset with its kind, size, and how many items this reviewer has decided.
pub async fn summaries_for(db: &Db, user: UserId) -> Result<Vec<SummaryRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT d.name, d.kind,
                (SELECT COUNT(*) FROM items i WHERE i.dataset_id = d.id AND i.excluded_at IS NULL) AS items,
                (SELECT COUNT(*) FROM judgments j JOIN items i ON i.id = j.item_id
                  WHERE i.dataset_id = d.id AND j.user_id = $1)
              + (SELECT COUNT(*) FROM corrections c JOIN items i ON i.id = c.item_id
                  WHERE i.dataset_id = d.id AND c.user_id = $1) AS my_done
           FROM datasets d WHERE d.staging_of IS NULL ORDER BY d.name",
        )
        .bind(user.0)
        .fetch_all(pool)
        .await
    })
}
