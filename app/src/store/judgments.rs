//! Recording judgments and reading them back for aggregation.
use crate::domain::{AssignmentId, CandidateId, ItemId, Outcome, UserId, Vote};
use sqlx::SqlitePool;

#[derive(Debug)]
pub enum RecordError {
    /// No such assignment for this reviewer (someone else's ids look the same as missing ones).
    NotFound,
    AlreadySubmitted,
    Db(sqlx::Error),
}

impl From<sqlx::Error> for RecordError {
    fn from(e: sqlx::Error) -> Self {
        RecordError::Db(e)
    }
}

/// Stores a pairwise vote on the reviewer's own assignment, mapping the screen side back
/// to the candidate shown there. The assignment becomes done in the same transaction.
pub async fn record_vote(
    pool: &SqlitePool,
    user: UserId,
    assignment: AssignmentId,
    vote: Vote,
) -> Result<(), RecordError> {
    let mut tx = super::begin_write(pool).await?;
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT item_id, presentation, state FROM assignments WHERE id = ? AND user_id = ?")
            .bind(assignment.0)
            .bind(user.0)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((item_id, presentation, state)) = row else { return Err(RecordError::NotFound) };
    if state != "leased" {
        return Err(RecordError::AlreadySubmitted);
    }
    let shown: Vec<i64> = serde_json::from_str(&presentation).map_err(|e| sqlx::Error::Decode(e.into()))?;
    let [left, right] = shown[..] else { return Err(RecordError::NotFound) };
    let (outcome, winner, side) = match vote {
        Vote::A => (Outcome::Decisive, Some(left), Some("left")),
        Vote::B => (Outcome::Decisive, Some(right), Some("right")),
        Vote::Tie => (Outcome::Tie, None, None),
        Vote::BothBad => (Outcome::BothBad, None, None),
    };
    let judgment_id: i64 = sqlx::query_scalar(
        "INSERT INTO judgments (assignment_id, item_id, user_id, outcome, winner_id, shown_side)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(assignment.0)
    .bind(item_id)
    .bind(user.0)
    .bind(outcome.as_str())
    .bind(winner)
    .bind(side)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(&format!(
        "UPDATE assignments SET state = 'done', completed_at = {} WHERE id = ?",
        super::NOW
    ))
    .bind(assignment.0)
    .execute(&mut *tx)
    .await?;
    let detail = serde_json::json!({ "assignment": assignment.0, "item": item_id, "vote": vote });
    super::audit::record(&mut tx, Some(user), "judgment.create", "judgment", Some(judgment_id), detail).await?;
    tx.commit().await?;
    Ok(())
}

/// One pairwise item of a dataset with every vote cast on it.
#[derive(Debug, Clone)]
pub struct VotedItem {
    pub item_id: ItemId,
    pub system: Option<String>,
    pub history: Vec<(String, String)>,
    pub question: String,
    pub candidates: Vec<(CandidateId, String)>,
    pub votes: Vec<(Outcome, Option<CandidateId>)>,
}

/// Every item of the dataset with its candidates and votes, in item order.
pub async fn voted_items(pool: &SqlitePool, dataset: i64) -> Result<Vec<VotedItem>, sqlx::Error> {
    let items: Vec<(i64, Option<String>, String, String)> = sqlx::query_as(
        "SELECT id, system, history, question FROM items WHERE dataset_id = ? AND excluded_at IS NULL ORDER BY id",
    )
    .bind(dataset)
    .fetch_all(pool)
    .await?;
    let candidates: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT c.item_id, c.id, c.body FROM candidates c JOIN items i ON i.id = c.item_id
          WHERE i.dataset_id = ? ORDER BY c.item_id, c.position",
    )
    .bind(dataset)
    .fetch_all(pool)
    .await?;
    let votes: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "SELECT j.item_id, j.outcome, j.winner_id FROM judgments j JOIN items i ON i.id = j.item_id
          WHERE i.dataset_id = ? ORDER BY j.item_id, j.id",
    )
    .bind(dataset)
    .fetch_all(pool)
    .await?;

    let mut out = Vec::with_capacity(items.len());
    let (mut ci, mut vi) = (0, 0);
    for (id, system, history, question) in items {
        let mut item = VotedItem {
            item_id: ItemId(id),
            system,
            history: serde_json::from_str(&history).map_err(|e| sqlx::Error::Decode(e.into()))?,
            question,
            candidates: vec![],
            votes: vec![],
        };
        // All three lists are sorted by item id: walk them together.
        while ci < candidates.len() && candidates[ci].0 <= id {
            if candidates[ci].0 == id {
                item.candidates.push((CandidateId(candidates[ci].1), candidates[ci].2.clone()));
            }
            ci += 1;
        }
        while vi < votes.len() && votes[vi].0 <= id {
            if votes[vi].0 == id {
                let outcome: Outcome = votes[vi].1.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?;
                item.votes.push((outcome, votes[vi].2.map(CandidateId)));
            }
            vi += 1;
        }
        out.push(item);
    }
    Ok(out)
}
