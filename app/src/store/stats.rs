//! Counts for the admin console: a dataset's progress and a reviewer's work.
use super::Db;
use super::judgments::GOLD_MATCH;
use crate::domain::{DatasetId, UserId};

/// The decisions (votes and corrections) on item `i`, in SQL.
pub(super) const DECISIONS_PER_ITEM: &str = "((SELECT COUNT(*) FROM judgments j WHERE j.item_id = i.id)
     + (SELECT COUNT(*) FROM corrections c WHERE c.item_id = i.id))";

/// Decisions (votes or corrections) per item, as (decisions, items).
pub async fn progress(db: &Db, dataset: DatasetId) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!(
            "SELECT n, COUNT(*) FROM (
                 SELECT {DECISIONS_PER_ITEM} AS n FROM items i WHERE i.dataset_id = $1 AND i.excluded_at IS NULL)
              GROUP BY n ORDER BY n"
        ))
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

/// How reviewers decided: votes by outcome and strength, corrections by decision.
pub async fn outcomes(db: &Db, dataset: DatasetId) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT label, COUNT(*) FROM (
             SELECT j.outcome || IFNULL('/' || j.strength, '') AS label FROM judgments j JOIN items i ON i.id = j.item_id
              WHERE i.dataset_id = $1
             UNION ALL
             SELECT c.decision FROM corrections c JOIN items i ON i.id = c.item_id WHERE i.dataset_id = $1)
          GROUP BY label ORDER BY label",
        )
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

/// Items per department ('' for none).
pub async fn departments(db: &Db, dataset: DatasetId) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT IFNULL(department, ''), COUNT(*) FROM items WHERE dataset_id = $1 AND excluded_at IS NULL
              GROUP BY 1 ORDER BY 2 DESC, 1",
        )
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

/// Decisions in the dataset per UTC day, and per reviewer (both over all time).
pub async fn per_day(db: &Db, dataset: DatasetId) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!(
            "SELECT substr(created_at, 1, 10) AS day, COUNT(*) FROM ({DECISIONS}) GROUP BY day ORDER BY day"
        ))
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

pub async fn per_reviewer(db: &Db, dataset: DatasetId) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!(
            "SELECT u.username, COUNT(*) FROM ({DECISIONS}) d JOIN users u ON u.id = d.user_id
              GROUP BY u.id ORDER BY 2 DESC, 1"
        ))
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

/// Every decision (vote or correction) in dataset ?1, as (user_id, created_at).
const DECISIONS: &str =
    "SELECT j.user_id, j.created_at FROM judgments j JOIN items i ON i.id = j.item_id WHERE i.dataset_id = $1
     UNION ALL
     SELECT c.user_id, c.created_at FROM corrections c JOIN items i ON i.id = c.item_id WHERE i.dataset_id = $1";

/// An import as stored, with its count of quarantined lines.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ImportRow {
    pub id: i64,
    pub source_name: String,
    pub format: String,
    pub lines: i64,
    pub added: i64,
    pub duplicates: i64,
    pub quarantined: i64,
    pub created_at: String,
    pub created_by: Option<String>,
}

/// The files imported into a dataset, newest first.
pub async fn imports(db: &Db, dataset: DatasetId) -> Result<Vec<ImportRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT m.id, m.source_name, m.format, m.lines, m.added, m.duplicates,
                (SELECT COUNT(*) FROM import_rejects r WHERE r.import_id = m.id) AS quarantined,
                m.created_at, u.username AS created_by
           FROM imports m LEFT JOIN users u ON u.id = m.created_by WHERE m.dataset_id = $1 ORDER BY m.id DESC",
        )
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

/// One reviewer's decisions per UTC day, all datasets.
pub async fn reviewer_days(db: &Db, user: UserId) -> Result<Vec<(String, i64)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT day, COUNT(*) FROM (
             SELECT substr(created_at, 1, 10) AS day FROM judgments WHERE user_id = $1
             UNION ALL SELECT substr(created_at, 1, 10) FROM corrections WHERE user_id = $1)
          GROUP BY day ORDER BY day",
        )
        .bind(user.0)
        .fetch_all(pool)
        .await
    })
}

/// Times on task of a reviewer's votes (milliseconds, ascending), for the median.
pub async fn reviewer_times(db: &Db, user: UserId) -> Result<Vec<i64>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_scalar(
            "SELECT time_on_task_ms FROM judgments WHERE user_id = $1 AND time_on_task_ms IS NOT NULL ORDER BY 1",
        )
        .bind(user.0)
        .fetch_all(pool)
        .await
    })
}

/// A reviewer's work on one dataset.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReviewerDatasetRow {
    pub dataset: String,
    pub decisions: i64,
    pub skips: i64,
    pub gold_judged: i64,
    pub gold_correct: i64,
}

/// Per dataset the reviewer worked on: decisions, skips, gold items judged and matched.
pub async fn reviewer_datasets(db: &Db, user: UserId) -> Result<Vec<ReviewerDatasetRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!(
            "SELECT d.name AS dataset,
                (SELECT COUNT(*) FROM judgments j JOIN items i ON i.id = j.item_id WHERE i.dataset_id = d.id AND j.user_id = $1)
              + (SELECT COUNT(*) FROM corrections c JOIN items i ON i.id = c.item_id WHERE i.dataset_id = d.id AND c.user_id = $1)
                AS decisions,
                (SELECT COUNT(*) FROM assignments a JOIN items i ON i.id = a.item_id
                  WHERE i.dataset_id = d.id AND a.user_id = $1 AND a.state = 'skipped') AS skips,
                (SELECT COUNT(*) FROM judgments j JOIN items i ON i.id = j.item_id
                  WHERE i.dataset_id = d.id AND j.user_id = $1 AND i.gold IS NOT NULL) AS gold_judged,
                (SELECT COUNT(*) FROM judgments j JOIN items i ON i.id = j.item_id
                  WHERE i.dataset_id = d.id AND j.user_id = $1 AND i.gold IS NOT NULL
                    AND {GOLD_MATCH}) AS gold_correct
           FROM datasets d
          WHERE EXISTS (SELECT 1 FROM assignments a JOIN items i ON i.id = a.item_id WHERE i.dataset_id = d.id AND a.user_id = $1)
          ORDER BY d.name"
        ))
        .bind(user.0)
        .fetch_all(pool)
        .await
    })
}
