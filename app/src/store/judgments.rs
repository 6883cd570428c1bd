//! Judgments: recording, editing (with the old value kept in the audit log), reading back.
//!
//! A judgment is stored in terms of candidates, never screen sides: the assignment's
//! `presentation` maps what the reviewer saw (left/right, or shown order) to candidate ids.
use super::{Conn, Db};
use crate::domain::judgment::{Decision, JudgmentInput, Rating, ReviewSettings, Strength, validate};
use crate::domain::{AssignmentId, CandidateId, DatasetId, ItemId, Outcome, UserId, Vote};

#[derive(Debug)]
pub enum RecordError {
    /// No such assignment or judgment of this reviewer (someone else's ids look missing).
    NotFound,
    AlreadySubmitted,
    /// The lease expired and others have since filled the item.
    LeaseLost,
    /// The judgment breaks the dataset's rules.
    Invalid(crate::domain::judgment::Problem),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for RecordError {
    fn from(e: sqlx::Error) -> Self {
        RecordError::Db(e)
    }
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// The stored columns of a judgment, derived from input in shown order.
pub(crate) struct Stored {
    pub outcome: Outcome,
    /// The better candidate of a decisive pairwise vote.
    pub winner: Option<i64>,
    pub side: Option<&'static str>,
    pub strength: Option<Strength>,
    /// (candidate, rank) of a ranking.
    pub ranks: Vec<(i64, u8)>,
}

/// A decision as the reviewer made it (answers in `shown` order) in candidate terms.
pub(crate) fn to_stored(shown: &[i64], decision: &Decision) -> Stored {
    match decision {
        Decision::Pairwise { vote, strength } => {
            let (outcome, winner, side) = match vote {
                Vote::A => (Outcome::Decisive, Some(shown[0]), Some("left")),
                Vote::B => (Outcome::Decisive, Some(shown[1]), Some("right")),
                Vote::Tie => (Outcome::Tie, None, None),
                Vote::BothBad => (Outcome::BothBad, None, None),
            };
            Stored { outcome, winner, side, strength: *strength, ranks: vec![] }
        }
        Decision::Ranking { ranks } => {
            let all_equal = ranks.windows(2).all(|w| w[0] == w[1]);
            Stored {
                outcome: if all_equal { Outcome::Tie } else { Outcome::Decisive },
                winner: None,
                side: None,
                strength: None,
                ranks: shown.iter().copied().zip(ranks.iter().copied()).collect(),
            }
        }
    }
}

/// Whether a judgment's details are written for the first time (nothing to replace).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fresh {
    Yes,
    No,
}

async fn write_details(
    conn: impl Into<Conn<'_>>,
    judgment: i64,
    shown: &[i64],
    stored: &Stored,
    ratings: &[Rating],
    fresh: Fresh,
) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        if fresh == Fresh::No {
            sqlx::query("DELETE FROM judgment_ranks WHERE judgment_id = $1").bind(judgment).execute(&mut *conn).await?;
            sqlx::query("DELETE FROM ratings WHERE judgment_id = $1").bind(judgment).execute(&mut *conn).await?;
        }
        for (candidate, rank) in &stored.ranks {
            sqlx::query("INSERT INTO judgment_ranks (judgment_id, candidate_id, rank) VALUES ($1, $2, $3)")
                .bind(judgment)
                .bind(candidate)
                .bind(*rank as i64)
                .execute(&mut *conn)
                .await?;
        }
        for r in ratings {
            sqlx::query("INSERT INTO ratings (judgment_id, candidate_id, axis, value) VALUES ($1, $2, $3, $4)")
                .bind(judgment)
                .bind(shown[r.answer])
                .bind(r.axis.as_str())
                .bind(r.value as i64)
                .execute(&mut *conn)
                .await?;
        }
        Ok(())
    })
}

/// Stores a judgment on the reviewer's own leased assignment; the assignment becomes done
/// in the same transaction.
///
/// Runs on the store's writer (see `store::writer`): it answers once its group committed.
pub async fn record(
    db: &Db,
    user: UserId,
    assignment: AssignmentId,
    input: &JudgmentInput,
    settings: &ReviewSettings,
) -> Result<i64, RecordError> {
    on!(db, pool => {
        let (input, settings) = (input.clone(), settings.clone());
        write_grouped(pool, move |conn| {
            Box::pin(async move { record_on(&mut *conn, user, assignment, &input, &settings).await })
        })
        .await
    })
}

async fn record_on(
    tx: impl Into<Conn<'_>>,
    user: UserId,
    assignment: AssignmentId,
    input: &JudgmentInput,
    settings: &ReviewSettings,
) -> Result<i64, RecordError> {
    on!(tx.into(), tx => {
        let Some(lease) = super::queue::leased(&mut *tx, user, assignment).await? else {
            return Err(RecordError::NotFound);
        };
        if lease.state != "leased" {
            return Err(RecordError::AlreadySubmitted);
        }
        let item_id = lease.item_id;
        let shown: Vec<i64> = decode(&lease.presentation)?;
        validate(settings, shown.len(), input).map_err(RecordError::Invalid)?;
        let stored = to_stored(&shown, &input.decision);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO judgments (assignment_id, item_id, user_id, outcome, winner_id, shown_side, strength, rationale, time_on_task_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        .bind(assignment.0)
        .bind(item_id)
        .bind(user.0)
        .bind(stored.outcome.as_str())
        .bind(stored.winner)
        .bind(stored.side)
        .bind(stored.strength.map(Strength::as_str))
        .bind(Some(input.rationale.trim()).filter(|r| !r.is_empty()))
        .bind(input.time_on_task_ms.map(|t| t.min(i64::MAX as u64) as i64))
        .fetch_one(&mut *tx)
        .await?;
        write_details(&mut *tx, id, &shown, &stored, &input.ratings, Fresh::Yes).await?;
        if super::queue::complete(&mut *tx, assignment, &lease).await? == super::queue::Completion::LeaseLost {
            return Err(RecordError::LeaseLost);
        }
        let detail = serde_json::json!({ "assignment": assignment.0, "item": item_id, "judgment": input });
        super::audit::record(&mut *tx, Some(user), "judgment.create", "judgment", Some(id), detail).await?;
        Ok(id)
    })
}

/// A judgment as its reviewer made it, in the order they saw the answers.
#[derive(Debug, Clone)]
pub struct OwnJudgment {
    pub id: i64,
    pub item_id: ItemId,
    pub dataset_id: DatasetId,
    pub presentation: Vec<CandidateId>,
    pub input: JudgmentInput,
}

/// A judgment; with `owner`, only if it is theirs.
async fn load(
    conn: impl Into<Conn<'_>>,
    owner: Option<UserId>,
    judgment: i64,
) -> Result<Option<OwnJudgment>, sqlx::Error> {
    on!(conn.into(), conn => {
        type Row = (i64, i64, String, String, Option<i64>, Option<String>, Option<String>, Option<i64>);
        let row: Option<Row> = sqlx::query_as(
            "SELECT j.item_id, i.dataset_id, a.presentation, j.outcome, j.winner_id, j.strength, j.rationale, j.time_on_task_ms
           FROM judgments j JOIN assignments a ON a.id = j.assignment_id JOIN items i ON i.id = j.item_id
          WHERE j.id = $1 AND ($2 IS NULL OR j.user_id = $2)",
        )
        .bind(judgment)
        .bind(owner.map(|u| u.0))
        .fetch_optional(&mut *conn)
        .await?;
        let Some((item_id, dataset_id, presentation, outcome, winner, strength, rationale, time)) = row else {
            return Ok(None);
        };
        let shown: Vec<i64> = decode(&presentation)?;
        let ranks: Vec<(i64, i64)> = sqlx::query_as("SELECT candidate_id, rank FROM judgment_ranks WHERE judgment_id = $1")
            .bind(judgment)
            .fetch_all(&mut *conn)
            .await?;
        let ratings: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT candidate_id, axis, value FROM ratings WHERE judgment_id = $1 ORDER BY candidate_id, axis",
        )
        .bind(judgment)
        .fetch_all(&mut *conn)
        .await?;
        let index = |candidate: i64| shown.iter().position(|&c| c == candidate).ok_or(sqlx::Error::RowNotFound);
        let decision = if ranks.is_empty() {
            let outcome: Outcome = outcome.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?;
            let vote = match (outcome, winner) {
                (Outcome::Tie, _) => Vote::Tie,
                (Outcome::BothBad, _) => Vote::BothBad,
                (Outcome::Decisive, Some(w)) if index(w)? == 0 => Vote::A,
                (Outcome::Decisive, _) => Vote::B,
            };
            let strength = strength.map(|s| s.parse()).transpose().map_err(|e: String| sqlx::Error::Decode(e.into()))?;
            Decision::Pairwise { vote, strength }
        } else {
            let mut by_shown = vec![0u8; shown.len()];
            for (candidate, rank) in ranks {
                by_shown[index(candidate)?] = rank as u8;
            }
            Decision::Ranking { ranks: by_shown }
        };
        let ratings = ratings
            .into_iter()
            .map(|(c, axis, value)| {
                Ok(Rating {
                    answer: index(c)?,
                    axis: axis.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?,
                    value: value as u8,
                })
            })
            .collect::<Result<_, sqlx::Error>>()?;
        Ok(Some(OwnJudgment {
            id: judgment,
            item_id: ItemId(item_id),
            dataset_id: DatasetId(dataset_id),
            presentation: shown.into_iter().map(CandidateId).collect(),
            input: JudgmentInput {
                decision,
                ratings,
                rationale: rationale.unwrap_or_default(),
                time_on_task_ms: time.map(|t| t as u64),
            },
        }))
    })
}

pub async fn own(db: &Db, user: UserId, judgment: i64) -> Result<Option<OwnJudgment>, sqlx::Error> {
    on!(db, pool => {
        let mut conn = pool.acquire().await?;
        load(&mut conn, Some(user), judgment).await
    })
}

/// Every judgment of an item, oldest first, with its reviewer and times.
pub async fn of_item(db: &Db, item: ItemId) -> Result<Vec<(OwnJudgment, String, String, String)>, sqlx::Error> {
    on!(db, pool => {
        let mut conn = pool.acquire().await?;
        let rows: Vec<(i64, String, String, String)> = sqlx::query_as(
            "SELECT j.id, u.username, j.created_at, j.updated_at FROM judgments j JOIN users u ON u.id = j.user_id
              WHERE j.item_id = $1 ORDER BY j.id",
        )
        .bind(item.0)
        .fetch_all(&mut *conn)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, reviewer, created, updated) in rows {
            if let Some(j) = load(&mut conn, None, id).await? {
                out.push((j, reviewer, created, updated));
            }
        }
        Ok(out)
    })
}

/// Changes a reviewer's own judgment. The audit log keeps the old and the new value.
pub async fn update(
    db: &Db,
    user: UserId,
    judgment: i64,
    input: &JudgmentInput,
    settings: &ReviewSettings,
) -> Result<(), RecordError> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let old = load(&mut tx, Some(user), judgment).await?.ok_or(RecordError::NotFound)?;
        let shown: Vec<i64> = old.presentation.iter().map(|c| c.0).collect();
        validate(settings, shown.len(), input).map_err(RecordError::Invalid)?;
        let stored = to_stored(&shown, &input.decision);
        // Time on task stays what it was at the first submission.
        sqlx::query(&format!(
            "UPDATE judgments SET outcome = $1, winner_id = $2, shown_side = $3, strength = $4, rationale = $5, updated_at = {}
              WHERE id = $6",
            NOW
        ))
        .bind(stored.outcome.as_str())
        .bind(stored.winner)
        .bind(stored.side)
        .bind(stored.strength.map(Strength::as_str))
        .bind(Some(input.rationale.trim()).filter(|r| !r.is_empty()))
        .bind(judgment)
        .execute(&mut *tx)
        .await?;
        write_details(&mut tx, judgment, &shown, &stored, &input.ratings, Fresh::No).await?;
        let detail = serde_json::json!({ "item": old.item_id.0, "old": old.input, "new": input });
        super::audit::record(&mut tx, Some(user), "judgment.update", "judgment", Some(judgment), detail).await?;
        tx.commit().await?;
        Ok(())
    })
}

/// A line of a reviewer's history.
#[derive(Debug, Clone)]
pub struct RecentJudgment {
    pub id: i64,
    pub question: String,
    pub input: JudgmentInput,
    pub updated_at: String,
}

/// The reviewer's latest judgments in a dataset, newest first.
pub async fn recent(db: &Db, user: UserId, dataset: DatasetId, limit: i64) -> Result<Vec<RecentJudgment>, sqlx::Error> {
    on!(db, pool => {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT j.id, i.question, j.updated_at FROM judgments j JOIN items i ON i.id = j.item_id
              WHERE j.user_id = $1 AND i.dataset_id = $2 ORDER BY j.updated_at DESC, j.id DESC LIMIT $3",
        )
        .bind(user.0)
        .bind(dataset)
        .bind(limit)
        .fetch_all(pool)
        .await?;
        let mut conn = pool.acquire().await?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, question, updated_at) in rows {
            if let Some(j) = load(&mut conn, Some(user), id).await? {
                out.push(RecentJudgment { id, question, input: j.input, updated_at });
            }
        }
        Ok(out)
    })
}

/// One vote as aggregation sees it: a pairwise outcome, or a ranking of candidates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastVote {
    Pairwise(Outcome, Option<CandidateId>),
    Ranking(Vec<(CandidateId, u8)>),
}

/// SQL: judgment `j` matches the known answer of gold item `i`.
pub(super) const GOLD_MATCH: &str = "j.outcome = json_extract(i.gold, '$.outcome') AND IFNULL(j.winner_id, 0) = IFNULL(json_extract(i.gold, '$.winner'), 0)";

/// Per reviewer of a dataset: gold items judged and judged as the gold answer says.
pub async fn gold_accuracy(db: &Db, dataset: DatasetId) -> Result<Vec<(String, i64, i64)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!(
            "SELECT u.username, COUNT(*),
                SUM({GOLD_MATCH})
           FROM judgments j JOIN items i ON i.id = j.item_id JOIN users u ON u.id = j.user_id
          WHERE i.dataset_id = $1 AND i.gold IS NOT NULL
          GROUP BY u.id ORDER BY u.username"
        ))
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

/// The assignment a judgment was cast on.
pub async fn assignment_of(db: &Db, judgment: i64) -> Result<Option<AssignmentId>, sqlx::Error> {
    on!(db, pool => {
        let id: Option<i64> = sqlx::query_scalar("SELECT assignment_id FROM judgments WHERE id = $1")
            .bind(judgment)
            .fetch_optional(pool)
            .await?;
        Ok(id.map(AssignmentId))
    })
}
