//! The review queue: which item a reviewer gets next.
//!
//! An item needs `overlap_target` different reviewers. A served item is leased to its
//! reviewer until `lease_seconds` pass; an expired lease no longer counts, so an abandoned
//! item returns to the pool. Picking and leasing happen under SQLite's write lock
//! ([`super::begin_write`]), so concurrent requests can never lease beyond the target.
use super::datasets::DatasetRecord;
use super::NOW;
use crate::domain::{AssignmentId, CandidateId, ItemId, UserId};
use rand::seq::SliceRandom;
use sqlx::SqlitePool;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: AssignmentId,
    pub item_id: ItemId,
    /// Candidate ids in the order shown, left to right.
    pub presentation: Vec<CandidateId>,
}

/// Items of dataset ?1 that reviewer ?2 may still be given, with ?3 = the overlap target.
/// A reviewer's own expired lease does not bar them from the item.
fn eligible_items() -> String {
    format!(
        "FROM items i
          WHERE i.dataset_id = ?1 AND i.excluded_at IS NULL
            AND (SELECT COUNT(*) FROM candidates c WHERE c.item_id = i.id) >= 2
            AND NOT EXISTS (SELECT 1 FROM assignments a
                             WHERE a.item_id = i.id AND a.user_id = ?2 AND a.state <> 'leased')
            AND (SELECT COUNT(*) FROM assignments a
                  WHERE a.item_id = i.id
                    AND (a.state = 'done' OR (a.state = 'leased' AND a.lease_expires_at > {NOW}))) < ?3"
    )
}

fn parse_presentation(json: &str) -> Result<Vec<CandidateId>, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// Returns the reviewer's current lease in the dataset, or leases them the next item.
pub async fn next(pool: &SqlitePool, dataset: &DatasetRecord, user: UserId) -> Result<Option<Assignment>, sqlx::Error> {
    let mut tx = super::begin_write(pool).await?;
    let lease_until = format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+' || {} || ' seconds')", dataset.lease_seconds);

    let current: Option<(i64, i64, String)> = sqlx::query_as(&format!(
        "SELECT a.id, a.item_id, a.presentation FROM assignments a JOIN items i ON i.id = a.item_id
          WHERE i.dataset_id = ? AND a.user_id = ? AND a.state = 'leased' AND a.lease_expires_at > {NOW}
          ORDER BY a.leased_at LIMIT 1"
    ))
    .bind(dataset.id)
    .bind(user.0)
    .fetch_optional(&mut *tx)
    .await?;

    let row = if let Some((id, item_id, presentation)) = current {
        sqlx::query(&format!("UPDATE assignments SET lease_expires_at = {lease_until} WHERE id = ?"))
            .bind(id)
            .execute(&mut *tx)
            .await?;
        (id, item_id, presentation)
    } else {
        let picked: Option<i64> = sqlx::query_scalar(&format!("SELECT i.id {} ORDER BY i.id LIMIT 1", eligible_items()))
            .bind(dataset.id)
            .bind(user.0)
            .bind(dataset.overlap_target)
            .fetch_optional(&mut *tx)
            .await?;
        let Some(item_id) = picked else {
            tx.commit().await?;
            return Ok(None);
        };
        let mut candidates: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM candidates WHERE item_id = ? ORDER BY position")
                .bind(item_id)
                .fetch_all(&mut *tx)
                .await?;
        // Which answer goes left is random per reviewer, and recorded.
        candidates.shuffle(&mut rand::thread_rng());
        let presentation = serde_json::to_string(&candidates).expect("ids serialise");
        // A reviewer coming back to an item whose lease expired keeps its first presentation.
        let (id, presentation): (i64, String) = sqlx::query_as(&format!(
            "INSERT INTO assignments (item_id, user_id, presentation, state, leased_at, lease_expires_at)
             VALUES (?, ?, ?, 'leased', {NOW}, {lease_until})
             ON CONFLICT (item_id, user_id) DO UPDATE
                SET leased_at = excluded.leased_at, lease_expires_at = excluded.lease_expires_at
             RETURNING id, presentation"
        ))
        .bind(item_id)
        .bind(user.0)
        .bind(presentation)
        .fetch_one(&mut *tx)
        .await?;
        (id, item_id, presentation)
    };
    tx.commit().await?;
    Ok(Some(Assignment {
        id: AssignmentId(row.0),
        item_id: ItemId(row.1),
        presentation: parse_presentation(&row.2)?,
    }))
}

/// How many items of the dataset this reviewer has judged, and how many they may still get.
pub async fn progress(pool: &SqlitePool, dataset: &DatasetRecord, user: UserId) -> Result<(i64, i64), sqlx::Error> {
    let done: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM judgments j JOIN items i ON i.id = j.item_id WHERE i.dataset_id = ? AND j.user_id = ?",
    )
    .bind(dataset.id)
    .bind(user.0)
    .fetch_one(pool)
    .await?;
    let open: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {}", eligible_items()))
        .bind(dataset.id)
        .bind(user.0)
        .bind(dataset.overlap_target)
        .fetch_one(pool)
        .await?;
    Ok((done, open))
}

/// What a reviewer sees of an item: no model names, no prior labels, answers in shown order.
#[derive(Debug, Clone)]
pub struct ItemContent {
    pub system: Option<String>,
    pub history: Vec<(String, String)>,
    pub question: String,
    pub answers: Vec<String>,
}

pub async fn content(pool: &SqlitePool, a: &Assignment) -> Result<ItemContent, sqlx::Error> {
    let (system, history, question): (Option<String>, String, String) =
        sqlx::query_as("SELECT system, history, question FROM items WHERE id = ?")
            .bind(a.item_id.0)
            .fetch_one(pool)
            .await?;
    let bodies: Vec<(i64, String)> = sqlx::query_as("SELECT id, body FROM candidates WHERE item_id = ?")
        .bind(a.item_id.0)
        .fetch_all(pool)
        .await?;
    let answers = a
        .presentation
        .iter()
        .map(|id| {
            bodies
                .iter()
                .find(|(cid, _)| *cid == id.0)
                .map(|(_, b)| b.clone())
                .ok_or_else(|| sqlx::Error::RowNotFound)
        })
        .collect::<Result<_, _>>()?;
    Ok(ItemContent {
        system,
        history: serde_json::from_str(&history).map_err(|e| sqlx::Error::Decode(e.into()))?,
        question,
        answers,
    })
}
