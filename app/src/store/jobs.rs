//! Batch generation jobs (`generation_jobs`) and their items (`generation_job_items`). The
//! items a job covers are fixed when it starts; each is marked done in the same transaction
//! that stores its new review items, so a job stopped at any point resumes without losing or
//! repeating one.
use super::flags::ACTIVE;
use super::{Conn, Db};
use crate::domain::job::{JobState, JobStatus, Selection};
use crate::domain::{DatasetId, ItemId, UserId};

/// Which items of a dataset a job covers, as SQL over `items i` (`?` binds `k`).
fn selection_sql(selection: Selection) -> String {
    match selection {
        Selection::BothBad => {
            "EXISTS (SELECT 1 FROM judgments j WHERE j.item_id = i.id AND j.outcome = 'both_bad')".into()
        }
        Selection::Unsafe => format!(
            "EXISTS (SELECT 1 FROM flags f WHERE f.item_id = i.id AND f.category = 'unsafe' AND f.status IN {ACTIVE})"
        ),
        Selection::FewerThan => "(SELECT COUNT(*) FROM candidates c WHERE c.item_id = i.id) < $1".into(),
        Selection::All => "1".into(),
    }
}

/// Creates a job over the dataset's items matching `selection`; returns its id and how many
/// items it covers, or `None` (nothing written) when no item matches.
pub async fn create(
    db: &Db,
    dataset: DatasetId,
    actor: Option<UserId>,
    selection: Selection,
    k: i64,
    n: i64,
    settings: &serde_json::Value,
) -> Result<Option<(i64, i64)>, sqlx::Error> {
    on!(db, pool => {
        let filter = selection_sql(selection);
        let mut tx = begin_write(pool).await?;
        let job: i64 = sqlx::query_scalar(
            "INSERT INTO generation_jobs (dataset_id, created_by, selection, n, settings, state)
             VALUES ($1, $2, $3, $4, $5, 'queued') RETURNING id",
        )
        .bind(dataset.0)
        .bind(actor.map(|u| u.0))
        .bind(selection.as_str())
        .bind(n)
        .bind(settings.to_string())
        .fetch_one(&mut *tx)
        .await?;
        let sql = format!(
            "INSERT INTO generation_job_items (job_id, item_id)
             SELECT $1, i.id FROM items i WHERE i.dataset_id = $2 AND i.excluded_at IS NULL AND {filter}"
        );
        let mut q = sqlx::query(&sql).bind(job).bind(dataset.0);
        if selection == Selection::FewerThan {
            q = q.bind(k);
        }
        let items = q.execute(&mut *tx).await?.rows_affected() as i64;
        if items == 0 {
            return Ok(None); // dropping the transaction rolls it back
        }
        let detail = serde_json::json!({ "selection": selection, "n": n, "items": items, "settings": settings });
        super::audit::record(&mut tx, actor, "job_started", "generation_job", Some(job), detail).await?;
        tx.commit().await?;
        Ok(Some((job, items)))
    })
}

/// A job as stored, with its progress.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRow {
    pub dataset_id: DatasetId,
    /// JSON of the job's spec.
    pub settings: String,
    #[sqlx(flatten)]
    pub status: JobStatus,
}

const JOB_ROW: &str = "SELECT g.id, g.dataset_id, g.settings, g.state, g.error,
        u.username AS created_by, g.created_at, g.updated_at,
        (SELECT COUNT(*) FROM generation_job_items x WHERE x.job_id = g.id) AS items,
        (SELECT COUNT(*) FROM generation_job_items x WHERE x.job_id = g.id AND x.state = 'done') AS done,
        (SELECT COUNT(*) FROM generation_job_items x WHERE x.job_id = g.id AND x.state = 'failed') AS failed,
        (SELECT COALESCE(SUM(x.created_items), 0) FROM generation_job_items x WHERE x.job_id = g.id) AS created
   FROM generation_jobs g LEFT JOIN users u ON u.id = g.created_by";

pub async fn of_dataset(db: &Db, dataset: DatasetId) -> Result<Vec<JobRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!("{JOB_ROW} WHERE g.dataset_id = $1 ORDER BY g.id DESC"))
            .bind(dataset.0)
            .fetch_all(pool)
            .await
    })
}

/// Why a job's items failed: each reason with its count, most frequent first (ten at most).
pub async fn failures(db: &Db, job: i64) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT COALESCE(error, ''), COUNT(*) FROM generation_job_items WHERE job_id = $1 AND state = 'failed'
              GROUP BY error ORDER BY 2 DESC, 1 LIMIT 10",
        )
        .bind(job)
        .fetch_all(pool)
        .await
    })
}

pub async fn get(db: &Db, job: i64) -> Result<Option<JobRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!("{JOB_ROW} WHERE g.id = $1")).bind(job).fetch_optional(pool).await
    })
}

/// The oldest job waiting to run or interrupted while running (a restart resumes it).
pub async fn next_runnable(db: &Db) -> Result<Option<i64>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_scalar("SELECT id FROM generation_jobs WHERE state IN ('queued', 'running') ORDER BY id LIMIT 1")
            .fetch_optional(pool)
            .await
    })
}

pub async fn state(conn: impl Into<Conn<'_>>, job: i64) -> Result<Option<JobState>, sqlx::Error> {
    on!(conn.into(), conn => {
        let state: Option<String> =
            sqlx::query_scalar("SELECT state FROM generation_jobs WHERE id = $1").bind(job).fetch_optional(&mut *conn).await?;
        state.map(|s| s.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))).transpose()
    })
}

/// Who moves a job: the runner itself, or an admin (in the browser or, `None`, the command
/// line), whose requests are recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Runner,
    Admin(Option<UserId>),
}

/// Moves the job to `to` if it is in one of `from`; says whether it did.
pub async fn transition(
    db: &Db,
    job: i64,
    from: &[JobState],
    to: JobState,
    error: Option<&str>,
    by: By,
) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let from = serde_json::to_string(&from.iter().map(|s| s.as_str()).collect::<Vec<_>>()).expect("states serialise");
        let moved = sqlx::query(&format!(
            "UPDATE generation_jobs SET state = $1, error = $2, updated_at = {NOW}
              WHERE id = $3 AND state IN (SELECT value FROM json_each($4))"
        ))
        .bind(to.as_str())
        .bind(error)
        .bind(job)
        .bind(from)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if let (true, By::Admin(actor)) = (moved, by) {
            let detail = serde_json::json!({ "state": to.as_str() });
            super::audit::record(&mut tx, actor, "job_state", "generation_job", Some(job), detail).await?;
        }
        tx.commit().await?;
        Ok(moved)
    })
}

/// The next item the job has still to do.
pub async fn next_item(db: &Db, job: i64) -> Result<Option<ItemId>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_scalar(
            "SELECT item_id FROM generation_job_items WHERE job_id = $1 AND state = 'pending' ORDER BY item_id LIMIT 1",
        )
        .bind(job)
        .fetch_optional(pool)
        .await
        .map(|id: Option<i64>| id.map(ItemId))
    })
}

/// Marks a pending item done (or failed, with `error`) inside the caller's transaction; false
/// if it was not pending (then the caller must not keep what it made).
pub async fn finish_item(
    conn: impl Into<Conn<'_>>,
    job: i64,
    item: ItemId,
    created: usize,
    error: Option<&str>,
) -> Result<bool, sqlx::Error> {
    on!(conn.into(), conn => {
        let state = if error.is_some() { "failed" } else { "done" };
        let done = sqlx::query(&format!(
            "UPDATE generation_job_items SET state = $1, error = $2, created_items = $3, done_at = {NOW}
              WHERE job_id = $4 AND item_id = $5 AND state = 'pending'"
        ))
        .bind(state)
        .bind(error)
        .bind(created as i64)
        .bind(job)
        .bind(item.0)
        .execute(&mut *conn)
        .await?;
        sqlx::query(&format!("UPDATE generation_jobs SET updated_at = {NOW} WHERE id = $1")).bind(job).execute(&mut *conn).await?;
        Ok(done.rows_affected() > 0)
    })
}
