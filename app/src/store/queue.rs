//! The review queue: which items a reviewer gets next.
//!
//! An item needs `overlap_target` different reviewers. A served item is leased to its
//! reviewer until `lease_seconds` pass; an expired lease no longer counts, so an abandoned
//! item returns to the pool. Leasing happens under SQLite's write lock
//! ([`super::begin_write`]), so concurrent requests can never lease beyond the target.
//!
//! A reviewer holds up to two leases: the item on screen and the next one, fetched early
//! so the next item appears at once. Gold items (known answers, marked by an admin) are
//! served at the dataset's gold rate to every reviewer, outside the overlap count. Items
//! of a reviewer's specialties (科室) come first.
use super::NOW;
use super::datasets::DatasetRecord;
use crate::domain::{AssignmentId, CandidateId, ItemId, UserId};
use crate::review::judgment::SkipReason;
use rand::Rng;
use rand::seq::SliceRandom;
use sqlx::{SqliteConnection, SqlitePool};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: AssignmentId,
    pub item_id: ItemId,
    /// Candidate ids in the order shown, left to right.
    pub presentation: Vec<CandidateId>,
}

/// The reviewer the queue serves.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub id: UserId,
    /// Departments the reviewer prefers, as stored in `users.specialties`.
    pub specialties: Vec<String>,
}

/// Items of dataset ?1 that reviewer ?2 may be given: not done, skipped or currently leased
/// by them (their own expired lease does not bar them).
fn not_barred() -> String {
    format!(
        "i.dataset_id = ?1 AND i.excluded_at IS NULL
         -- Whoever added a generated answer knows which one it is: others judge it.
         AND (i.created_by IS NULL OR i.created_by <> ?2)
         -- Compare items need two answers to compare; correct items have the one answer to check.
         AND (SELECT COUNT(*) FROM candidates c WHERE c.item_id = i.id)
             >= (SELECT CASE d.kind WHEN 'correct' THEN 1 ELSE 2 END FROM datasets d WHERE d.id = ?1)
         AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = i.id AND a.user_id = ?2
                           AND (a.state <> 'leased' OR a.lease_expires_at > {NOW}))"
    )
}

/// Regular items still short of overlap target ?3 (done plus live leases).
fn regular_items() -> String {
    format!(
        "{} AND i.gold IS NULL
         AND (SELECT COUNT(*) FROM assignments a WHERE a.item_id = i.id
               AND (a.state = 'done' OR (a.state = 'leased' AND a.lease_expires_at > {NOW}))) < ?3",
        not_barred()
    )
}

fn gold_items() -> String {
    format!("{} AND i.gold IS NOT NULL", not_barred())
}

fn parse_ids(json: &str) -> Result<Vec<CandidateId>, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(e.into()))
}

fn lease_until(dataset: &DatasetRecord) -> String {
    format!("strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+{} seconds')", dataset.lease_seconds)
}

/// The reviewer's live leases in the dataset, oldest first.
async fn live_leases(conn: &mut SqliteConnection, dataset: i64, user: UserId) -> Result<Vec<Assignment>, sqlx::Error> {
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(&format!(
        "SELECT a.id, a.item_id, a.presentation FROM assignments a JOIN items i ON i.id = a.item_id
          WHERE i.dataset_id = ? AND a.user_id = ? AND a.state = 'leased' AND a.lease_expires_at > {NOW}
          ORDER BY a.leased_at, a.id"
    ))
    .bind(dataset)
    .bind(user.0)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, item, p)| {
            Ok(Assignment { id: AssignmentId(id), item_id: ItemId(item), presentation: parse_ids(&p)? })
        })
        .collect()
}

async fn pick(
    conn: &mut SqliteConnection,
    filter: &str,
    dataset: &DatasetRecord,
    reviewer: &Reviewer,
) -> Result<Option<i64>, sqlx::Error> {
    let specialties = serde_json::to_string(&reviewer.specialties).expect("strings serialise");
    sqlx::query_scalar(&format!(
        "SELECT i.id FROM items i WHERE {filter}
          ORDER BY CASE WHEN i.department IN (SELECT value FROM json_each(?4)) THEN 0 ELSE 1 END, i.id
          LIMIT 1"
    ))
    .bind(dataset.id)
    .bind(reviewer.id.0)
    .bind(dataset.overlap_target)
    .bind(specialties)
    .fetch_optional(conn)
    .await
}

/// Leases items to the reviewer until they hold `want` (renewing the ones they hold), and
/// returns their leases oldest first: the first is the item to show.
pub async fn lease(
    pool: &SqlitePool,
    dataset: &DatasetRecord,
    reviewer: &Reviewer,
    gold_rate: f64,
    want: usize,
    rng: &mut (impl Rng + Send),
) -> Result<Vec<Assignment>, sqlx::Error> {
    let mut tx = super::begin_write(pool).await?;
    let until = lease_until(dataset);
    sqlx::query(&format!(
        "UPDATE assignments SET lease_expires_at = {until}
          WHERE user_id = ? AND state = 'leased' AND lease_expires_at > {NOW}
            AND item_id IN (SELECT id FROM items WHERE dataset_id = ?)"
    ))
    .bind(reviewer.id.0)
    .bind(dataset.id)
    .execute(&mut *tx)
    .await?;
    let mut leases = live_leases(&mut tx, dataset.id, reviewer.id).await?;
    while leases.len() < want {
        let gold_turn = gold_rate > 0.0 && rng.gen_bool(gold_rate.clamp(0.0, 1.0));
        let mut item = None;
        if gold_turn {
            item = pick(&mut tx, &gold_items(), dataset, reviewer).await?;
        }
        if item.is_none() {
            item = pick(&mut tx, &regular_items(), dataset, reviewer).await?;
        }
        let Some(item_id) = item else { break };
        let mut candidates: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM candidates WHERE item_id = ? ORDER BY position")
                .bind(item_id)
                .fetch_all(&mut *tx)
                .await?;
        // Which answer goes where is random per reviewer, and recorded.
        candidates.shuffle(rng);
        let presentation = serde_json::to_string(&candidates).expect("ids serialise");
        // A reviewer coming back to an item whose lease expired keeps its first presentation.
        let (id, presentation): (i64, String) = sqlx::query_as(&format!(
            "INSERT INTO assignments (item_id, user_id, presentation, state, leased_at, lease_expires_at)
             VALUES (?, ?, ?, 'leased', {NOW}, {until})
             ON CONFLICT (item_id, user_id) DO UPDATE
                SET leased_at = excluded.leased_at, lease_expires_at = excluded.lease_expires_at
             RETURNING id, presentation"
        ))
        .bind(item_id)
        .bind(reviewer.id.0)
        .bind(presentation)
        .fetch_one(&mut *tx)
        .await?;
        leases.push(Assignment {
            id: AssignmentId(id),
            item_id: ItemId(item_id),
            presentation: parse_ids(&presentation)?,
        });
    }
    tx.commit().await?;
    Ok(leases)
}

/// How many items of the dataset this reviewer has decided, and how many more they may get
/// (counting the ones they hold; gold items only when the dataset serves them).
pub async fn progress(
    pool: &SqlitePool,
    dataset: &DatasetRecord,
    user: UserId,
    gold_rate: f64,
) -> Result<(i64, i64), sqlx::Error> {
    let done: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM judgments j JOIN items i ON i.id = j.item_id WHERE i.dataset_id = ?1 AND j.user_id = ?2)
              + (SELECT COUNT(*) FROM corrections c JOIN items i ON i.id = c.item_id WHERE i.dataset_id = ?1 AND c.user_id = ?2)",
    )
    .bind(dataset.id)
    .bind(user.0)
    .fetch_one(pool)
    .await?;
    let open: i64 = sqlx::query_scalar(&format!(
        "SELECT (SELECT COUNT(*) FROM items i WHERE {}) + (SELECT COUNT(*) FROM items i WHERE {} AND ?4 > 0)
              + (SELECT COUNT(*) FROM assignments a JOIN items i ON i.id = a.item_id
                  WHERE i.dataset_id = ?1 AND a.user_id = ?2 AND a.state = 'leased' AND a.lease_expires_at > {NOW})",
        regular_items(),
        gold_items()
    ))
    .bind(dataset.id)
    .bind(user.0)
    .bind(dataset.overlap_target)
    .bind(gold_rate)
    .fetch_one(pool)
    .await?;
    Ok((done, open))
}

/// Passes on a leased item with a reason; the reviewer will not be given it again.
/// `false` when the reviewer holds no such lease.
pub async fn skip(
    pool: &SqlitePool,
    user: UserId,
    assignment: AssignmentId,
    reason: SkipReason,
) -> Result<bool, sqlx::Error> {
    let mut tx = super::begin_write(pool).await?;
    let done = sqlx::query(&format!(
        "UPDATE assignments SET state = 'skipped', skip_reason = ?, completed_at = {NOW}
          WHERE id = ? AND user_id = ? AND state = 'leased'"
    ))
    .bind(reason.as_str())
    .bind(assignment.0)
    .bind(user.0)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if done {
        let detail = serde_json::json!({ "reason": reason });
        super::audit::record(&mut tx, Some(user), "assignment.skip", "assignment", Some(assignment.0), detail).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// What a reviewer sees of an item: no model names, no prior labels, answers in shown order.
#[derive(Debug, Clone)]
pub struct ItemContent {
    pub system: Option<String>,
    pub history: Vec<(String, String)>,
    pub question: String,
    pub department: Option<String>,
    pub answers: Vec<String>,
}

pub async fn content(
    pool: &SqlitePool,
    item: ItemId,
    presentation: &[CandidateId],
) -> Result<ItemContent, sqlx::Error> {
    let (system, history, question, department): (Option<String>, String, String, Option<String>) =
        sqlx::query_as("SELECT system, history, question, department FROM items WHERE id = ?")
            .bind(item.0)
            .fetch_one(pool)
            .await?;
    let bodies: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, body FROM candidates WHERE item_id = ?").bind(item.0).fetch_all(pool).await?;
    let answers = presentation
        .iter()
        .map(|id| bodies.iter().find(|(cid, _)| *cid == id.0).map(|(_, b)| b.clone()).ok_or(sqlx::Error::RowNotFound))
        .collect::<Result<_, _>>()?;
    Ok(ItemContent {
        system,
        history: serde_json::from_str(&history).map_err(|e| sqlx::Error::Decode(e.into()))?,
        question,
        department,
        answers,
    })
}

/// Whose an assignment is, its item and the answers as shown (left to right).
pub async fn assignment(
    pool: &SqlitePool,
    id: crate::domain::AssignmentId,
) -> Result<Option<(UserId, ItemId, Vec<CandidateId>)>, sqlx::Error> {
    let row: Option<(i64, i64, String)> =
        sqlx::query_as("SELECT user_id, item_id, presentation FROM assignments WHERE id = ?")
            .bind(id.0)
            .fetch_optional(pool)
            .await?;
    row.map(|(u, i, p)| Ok((UserId(u), ItemId(i), parse_ids(&p)?))).transpose()
}
