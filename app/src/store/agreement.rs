//! The decisions behind a dataset's agreement and bias statistics, one row per judgment or
//! correction, in source terms (answers by their position in the file, never screen sides).
use super::Db;
use crate::domain::{DatasetId, ItemId};

/// Items ?2 (a JSON array of ids) only, when ?2 is not NULL.
const ITEMS: &str = "($2 IS NULL OR i.id IN (SELECT value FROM json_each($2)))";

/// One reviewer's decision on one item.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DecisionRow {
    pub item_id: i64,
    pub reviewer: String,
    /// `decisive`, `tie`, `both_bad` (votes) or `accept`, `edit`, `reject` (corrections).
    pub outcome: String,
    /// 1-based source positions of the better answer (a pairwise winner) or of the answers
    /// ranked first, as a JSON array.
    pub best: String,
    pub strength: Option<String>,
    /// Where the better answer was shown: `left` / `right` (decisive pairwise votes).
    pub shown_side: Option<String>,
    /// Whether the better answer is the longer one (decisive pairwise votes on answers of
    /// different lengths).
    pub longer_won: Option<bool>,
    pub time_ms: Option<i64>,
    /// ISO date of the decision.
    pub created_at: String,
}

/// The decisions on a dataset's items, or only on `items` (an audit's sample) when given.
pub async fn decisions(db: &Db, dataset: DatasetId, items: Option<&[ItemId]>) -> Result<Vec<DecisionRow>, sqlx::Error> {
    on!(db, pool => {
        let items = items.map(|ids| serde_json::to_string(ids).expect("ids serialise"));
        sqlx::query_as(&format!(
            "SELECT j.item_id, u.username AS reviewer, j.outcome,
                CASE WHEN j.winner_id IS NOT NULL
                     THEN json_array((SELECT position + 1 FROM candidates WHERE id = j.winner_id))
                     ELSE (SELECT json_group_array(c.position + 1) FROM judgment_ranks r
                             JOIN candidates c ON c.id = r.candidate_id
                            WHERE r.judgment_id = j.id AND r.rank = 1) END AS best,
                j.strength, j.shown_side,
                CASE WHEN j.winner_id IS NULL THEN NULL ELSE
                  (SELECT CASE WHEN w.len = o.len THEN NULL ELSE w.len > o.len END
                     FROM (SELECT length(body) AS len FROM candidates WHERE id = j.winner_id) w,
                          (SELECT MAX(length(body)) AS len FROM candidates
                            WHERE item_id = j.item_id AND id <> j.winner_id) o) END AS longer_won,
                j.time_on_task_ms AS time_ms, j.created_at
           FROM judgments j JOIN items i ON i.id = j.item_id JOIN users u ON u.id = j.user_id
          WHERE i.dataset_id = $1 AND i.excluded_at IS NULL AND {ITEMS}
         UNION ALL
         SELECT c.item_id, u.username, c.decision, '[]', NULL, NULL, NULL, NULL, c.created_at
           FROM corrections c JOIN items i ON i.id = c.item_id JOIN users u ON u.id = c.user_id
          WHERE i.dataset_id = $1 AND i.excluded_at IS NULL AND {ITEMS}
          ORDER BY 1, 9",
        ))
        .bind(dataset)
        .bind(items)
        .fetch_all(pool)
        .await
    })
}

/// Ratings as (item, candidate, axis, reviewer, value).
pub async fn ratings(db: &Db, dataset: DatasetId) -> Result<Vec<(i64, i64, String, String, i64)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT j.item_id, r.candidate_id, r.axis, u.username, r.value
           FROM ratings r JOIN judgments j ON j.id = r.judgment_id JOIN items i ON i.id = j.item_id
           JOIN users u ON u.id = j.user_id
          WHERE i.dataset_id = $1 AND i.excluded_at IS NULL
          ORDER BY j.item_id, r.candidate_id, r.axis",
        )
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

/// Items with two or more scored answers: (item, question, JSON [[position, score, kind], …]).
pub async fn scored_items(db: &Db, dataset: DatasetId) -> Result<Vec<(i64, String, String)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT i.id, i.question,
                (SELECT json_group_array(json_array(c.position + 1, c.score, c.score_kind))
                   FROM candidates c WHERE c.item_id = i.id AND c.score IS NOT NULL)
           FROM items i
          WHERE i.dataset_id = $1 AND i.excluded_at IS NULL
            AND (SELECT COUNT(*) FROM candidates c WHERE c.item_id = i.id AND c.score IS NOT NULL) >= 2
          ORDER BY i.id",
        )
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

/// One judgment as a researcher reads it: answers by source position (1-based), never screen
/// sides; JSON columns hold the lists.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RawJudgmentRow {
    pub item_id: i64,
    pub source_line: Option<i64>,
    pub user_id: i64,
    pub reviewer: String,
    /// The answers' positions in the order shown (left to right, or top to bottom), JSON.
    pub shown: String,
    pub outcome: String,
    pub better: Option<i64>,
    /// `[[position, rank], …]`, JSON.
    pub ranks: String,
    pub strength: Option<String>,
    /// `[[position, axis, value], …]`, JSON.
    pub ratings: String,
    pub rationale: Option<String>,
    pub time_ms: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// Every judgment on a dataset's items (excluded items left out), by item, oldest first.
pub async fn raw_judgments(db: &Db, dataset: DatasetId) -> Result<Vec<RawJudgmentRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT j.item_id, i.source_line, j.user_id, u.username AS reviewer,
                (SELECT json_group_array(pos) FROM
                   (SELECT c.position + 1 AS pos FROM json_each(a.presentation) p
                      JOIN candidates c ON c.id = p.value ORDER BY p.key)) AS shown,
                j.outcome, (SELECT position + 1 FROM candidates WHERE id = j.winner_id) AS better,
                (SELECT json_group_array(json_array(c.position + 1, r.rank)) FROM
                   (SELECT * FROM judgment_ranks WHERE judgment_id = j.id) r
                   JOIN candidates c ON c.id = r.candidate_id) AS ranks,
                j.strength,
                (SELECT json_group_array(json_array(c.position + 1, r.axis, r.value)) FROM
                   (SELECT * FROM ratings WHERE judgment_id = j.id) r
                   JOIN candidates c ON c.id = r.candidate_id) AS ratings,
                j.rationale, j.time_on_task_ms AS time_ms, j.created_at, j.updated_at
           FROM judgments j JOIN items i ON i.id = j.item_id JOIN users u ON u.id = j.user_id
           JOIN assignments a ON a.id = j.assignment_id
          WHERE i.dataset_id = $1 AND i.excluded_at IS NULL
          ORDER BY j.item_id, j.id",
        )
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}
