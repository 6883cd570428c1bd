//! Corrections of QA pairs: each reviewer's accept / edit / reject, final versions, and the
//! cases where reviewers disagree and an adjudicator decides.
use super::{Conn, Db};
use crate::domain::DatasetId;
use crate::domain::correction::{Correction, CorrectionInput, CorrectionProblem, ItemFacts, Verdict, validate};
use crate::domain::flag::{Span, TextRef};
use crate::domain::{AssignmentId, ItemId, UserId};

#[derive(Debug)]
pub enum CorrectionError {
    NotFound,
    AlreadySubmitted,
    /// The lease expired and others have since filled the item.
    LeaseLost,
    Invalid(CorrectionProblem),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for CorrectionError {
    fn from(e: sqlx::Error) -> Self {
        CorrectionError::Db(e)
    }
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// The item's question and (single) answer, its PromptCBLUE choices and the dataset's
/// no-match answer: what the rules check a correction against.
pub async fn facts(conn: impl Into<Conn<'_>>, item: ItemId) -> Result<(i64, ItemFacts), sqlx::Error> {
    on!(conn.into(), conn => {
        let (question, meta, settings, candidate, answer): (String, String, String, i64, String) = sqlx::query_as(
            "SELECT i.question, i.meta, d.settings, c.id, c.body
           FROM items i JOIN datasets d ON d.id = i.dataset_id JOIN candidates c ON c.item_id = i.id
          WHERE i.id = $1 ORDER BY c.position LIMIT 1",
        )
        .bind(item.0)
        .fetch_one(&mut *conn)
        .await?;
        let meta: serde_json::Value = decode(&meta)?;
        let settings: serde_json::Value = decode(&settings)?;
        let choices =
            meta["answer_choices"].as_array().map(|a| a.iter().filter_map(|c| c.as_str().map(String::from)).collect());
        let no_match = settings["no_match_answer"].as_str().map(String::from);
        Ok((candidate, ItemFacts { question, answer, choices, no_match }))
    })
}

/// What the detectors found in a correction's stored texts ([`Correction::stored_texts`]):
/// the caller runs them, so that no detection runs inside a write.
#[derive(Debug, Clone, Default)]
pub struct EditSpans {
    pub question: Vec<Span>,
    pub answer: Vec<Span>,
}

/// An edited question or answer gets the same detectors as imported text; the flags of
/// the text it replaces are resolved.
async fn detect_edited(
    conn: impl Into<Conn<'_>>,
    item: ItemId,
    correction: i64,
    (question, answer): (Option<&str>, Option<&str>),
    spans: &EditSpans,
    by: Option<UserId>,
) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        let texts = [
            (TextRef::CorrectedQuestion(correction), question, &spans.question),
            (TextRef::CorrectedAnswer(correction), answer, &spans.answer),
        ];
        for (r, text, spans) in texts {
            super::flags::replace_text_flags(
                &mut *conn,
                item,
                r,
                text.is_some_and(|t| !t.is_empty()).then_some(spans.as_slice()),
                by,
            )
            .await?;
        }
        Ok(())
    })
}

/// The stored columns of a decision.
fn columns(input: &CorrectionInput) -> (Verdict, Option<&str>, Option<&str>, String, Option<&str>) {
    let (question, answer) = input.correction.stored_texts();
    let reasons = serde_json::to_string(&input.reasons).expect("reasons serialise");
    let note = Some(input.note.trim()).filter(|n| !n.is_empty());
    (input.correction.verdict(), question, answer, reasons, note)
}

/// Stores a decision on the reviewer's own leased QA item; the assignment becomes done.
///
/// Runs on the store's writer (see `store::writer`): it answers once its group committed.
pub async fn record(
    db: &Db,
    user: UserId,
    assignment: AssignmentId,
    input: &CorrectionInput,
    spans: EditSpans,
) -> Result<i64, CorrectionError> {
    on!(db, pool => {
        let input = input.clone();
        write_grouped(pool, move |conn| {
            Box::pin(async move { record_on(&mut *conn, user, assignment, &input, &spans).await })
        })
        .await
    })
}

async fn record_on(
    tx: impl Into<Conn<'_>>,
    user: UserId,
    assignment: AssignmentId,
    input: &CorrectionInput,
    spans: &EditSpans,
) -> Result<i64, CorrectionError> {
    on!(tx.into(), tx => {
        let Some(lease) = super::queue::leased(&mut *tx, user, assignment).await? else {
            return Err(CorrectionError::NotFound);
        };
        if lease.state != "leased" {
            return Err(CorrectionError::AlreadySubmitted);
        }
        let item_id = lease.item_id;
        let (candidate, facts) = facts(&mut *tx, ItemId(item_id)).await?;
        validate(&facts, input).map_err(CorrectionError::Invalid)?;
        let (verdict, question, answer, reasons, note) = columns(input);
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO corrections (assignment_id, item_id, user_id, candidate_id, decision, corrected_question,
                                  corrected_answer, reasons, reject_reason, time_on_task_ms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        .bind(assignment.0)
        .bind(item_id)
        .bind(user.0)
        .bind(candidate)
        .bind(verdict.as_str())
        .bind(question)
        .bind(answer)
        .bind(&reasons)
        .bind(note)
        .bind(input.time_on_task_ms.map(|t| i64::try_from(t).unwrap_or(i64::MAX)))
        .fetch_one(&mut *tx)
        .await?;
        if super::queue::complete(&mut *tx, assignment, &lease).await? == super::queue::Completion::LeaseLost {
            return Err(CorrectionError::LeaseLost);
        }
        detect_edited(&mut *tx, ItemId(item_id), id, (question, answer), spans, Some(user)).await?;
        let detail = serde_json::json!({ "assignment": assignment.0, "item": item_id, "correction": input });
        super::audit::record(&mut *tx, Some(user), "correction.create", "correction", Some(id), detail).await?;
        Ok(id)
    })
}

pub(super) type Row = (i64, i64, i64, String, Option<String>, Option<String>, String, Option<String>, Option<i64>);
pub(super) const SELECT: &str =
    "SELECT c.id, c.item_id, i.dataset_id, c.decision, c.corrected_question, c.corrected_answer,
                             c.reasons, c.reject_reason, c.time_on_task_ms
                        FROM corrections c JOIN items i ON i.id = c.item_id";

pub(super) fn to_input(row: &Row) -> Result<CorrectionInput, sqlx::Error> {
    let (_, _, _, decision, question, answer, reasons, note, time) = row;
    let verdict: Verdict = decision.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?;
    let correction = match verdict {
        Verdict::Accept => Correction::Accept,
        Verdict::Reject => Correction::Reject,
        Verdict::Edit => Correction::Edit { question: question.clone(), answer: answer.clone().unwrap_or_default() },
    };
    Ok(CorrectionInput {
        correction,
        reasons: decode(reasons)?,
        note: note.clone().unwrap_or_default(),
        time_on_task_ms: time.and_then(|t| u64::try_from(t).ok()),
    })
}

/// A reviewer's own correction.
#[derive(Debug, Clone)]
pub struct OwnCorrection {
    pub id: i64,
    pub item_id: ItemId,
    pub dataset_id: DatasetId,
    pub assignment: AssignmentId,
    pub input: CorrectionInput,
}

pub async fn own(db: &Db, user: UserId, id: i64) -> Result<Option<OwnCorrection>, sqlx::Error> {
    on!(db, pool => {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} WHERE c.id = $1 AND c.user_id = $2"))
            .bind(id)
            .bind(user.0)
            .fetch_optional(pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let assignment: i64 =
            sqlx::query_scalar("SELECT assignment_id FROM corrections WHERE id = $1").bind(id).fetch_one(pool).await?;
        Ok(Some(OwnCorrection {
            id,
            item_id: ItemId(row.1),
            dataset_id: DatasetId(row.2),
            assignment: AssignmentId(assignment),
            input: to_input(&row)?,
        }))
    })
}

/// Changes a reviewer's own correction; the audit log keeps old and new.
pub async fn update(
    db: &Db,
    user: UserId,
    id: i64,
    input: &CorrectionInput,
    spans: &EditSpans,
) -> Result<(), CorrectionError> {
    on!(db, pool => {
        let old = own(db, user, id).await?.ok_or(CorrectionError::NotFound)?;
        let mut tx = begin_write(pool).await?;
        let (_, facts) = facts(&mut tx, old.item_id).await?;
        validate(&facts, input).map_err(CorrectionError::Invalid)?;
        let (verdict, question, answer, reasons, note) = columns(input);
        sqlx::query(&format!(
            "UPDATE corrections SET decision = $1, corrected_question = $2, corrected_answer = $3, reasons = $4, reject_reason = $5,
                                    updated_at = {} WHERE id = $6 AND user_id = $7",
            NOW
        ))
        .bind(verdict.as_str())
        .bind(question)
        .bind(answer)
        .bind(&reasons)
        .bind(note)
        .bind(id)
        .bind(user.0)
        .execute(&mut *tx)
        .await?;
        detect_edited(&mut tx, old.item_id, id, (question, answer), spans, Some(user)).await?;
        let detail = serde_json::json!({ "item": old.item_id.0, "old": old.input, "new": input });
        super::audit::record(&mut tx, Some(user), "correction.update", "correction", Some(id), detail).await?;
        tx.commit().await?;
        Ok(())
    })
}

/// The reviewer's latest corrections in a dataset: (id, question, decision, updated).
pub async fn recent(
    db: &Db,
    user: UserId,
    dataset: DatasetId,
    limit: i64,
) -> Result<Vec<(i64, String, CorrectionInput, String)>, sqlx::Error> {
    on!(db, pool => {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT c.id, i.question, c.updated_at FROM corrections c JOIN items i ON i.id = c.item_id
              WHERE c.user_id = $1 AND i.dataset_id = $2 ORDER BY c.updated_at DESC, c.id DESC LIMIT $3",
        )
        .bind(user.0)
        .bind(dataset)
        .bind(limit)
        .fetch_all(pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for (id, question, at) in rows {
            if let Some(c) = own(db, user, id).await? {
                out.push((id, question, c.input, at));
            }
        }
        Ok(out)
    })
}

/// Every decision on an item, by reviewer name, oldest first.
pub async fn decisions(db: &Db, item: ItemId) -> Result<Vec<(String, CorrectionInput)>, sqlx::Error> {
    Ok(of_item(db, item).await?.into_iter().map(|c| (c.reviewer, c.input)).collect())
}

/// A correction of an item as the item's record shows it.
#[derive(Debug, Clone)]
pub struct ItemCorrection {
    pub id: i64,
    pub reviewer: String,
    pub input: CorrectionInput,
    pub is_final: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// Every correction of an item, oldest first.
pub async fn of_item(db: &Db, item: ItemId) -> Result<Vec<ItemCorrection>, sqlx::Error> {
    on!(db, pool => {
        let rows: Vec<Row> =
            sqlx::query_as(&format!("{SELECT} WHERE c.item_id = $1 ORDER BY c.id")).bind(item.0).fetch_all(pool).await?;
        let facts: Vec<(String, bool, String, String)> = sqlx::query_as(
            "SELECT u.username, c.is_final, c.created_at, c.updated_at FROM corrections c JOIN users u ON u.id = c.user_id
              WHERE c.item_id = $1 ORDER BY c.id",
        )
        .bind(item.0)
        .fetch_all(pool)
        .await?;
        rows.iter()
            .zip(facts)
            .map(|(row, (reviewer, is_final, created_at, updated_at))| {
                Ok(ItemCorrection { id: row.0, reviewer, input: to_input(row)?, is_final, created_at, updated_at })
            })
            .collect()
    })
}

/// Items of the dataset whose reviewers disagree and that no adjudicator has decided yet.
pub async fn disputed(db: &Db, dataset: DatasetId) -> Result<Vec<Disputed>, sqlx::Error> {
    on!(db, pool => {
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT d.item_id, i.question,
                COALESCE((SELECT body FROM candidates WHERE item_id = d.item_id ORDER BY position LIMIT 1), '')
           FROM (SELECT c.item_id FROM corrections c JOIN items i ON i.id = c.item_id
                  WHERE i.dataset_id = $1 AND NOT EXISTS (SELECT 1 FROM adjudications a WHERE a.item_id = c.item_id)
                  GROUP BY c.item_id
                 HAVING COUNT(DISTINCT c.decision || '|' || IFNULL(c.corrected_question, '') || '|'
                                      || IFNULL(c.corrected_answer, '')) > 1) d
           JOIN items i ON i.id = d.item_id
          ORDER BY d.item_id",
        )
        .bind(dataset)
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().map(|(item, question, answer)| Disputed { item: ItemId(item), question, answer }).collect())
    })
}

/// A disputed item with the text its reviewers corrected: the question and the first answer.
#[derive(Debug, Clone)]
pub struct Disputed {
    pub item: ItemId,
    pub question: String,
    pub answer: String,
}

/// Records the final version of a disputed (or any) item, replacing an earlier adjudication.
pub async fn adjudicate(
    db: &Db,
    user: UserId,
    item: ItemId,
    decision: &Correction,
    spans: &EditSpans,
) -> Result<(), sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let (question, answer) = match decision {
            Correction::Edit { question, answer } => (question.as_deref(), Some(answer.as_str())),
            _ => (None, None),
        };
        sqlx::query(&format!(
            "INSERT INTO adjudications (item_id, user_id, decision, final_question, final_answer) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (item_id) DO UPDATE SET user_id = excluded.user_id, decision = excluded.decision,
            final_question = excluded.final_question, final_answer = excluded.final_answer, updated_at = {}",
            NOW
        ))
        .bind(item.0)
        .bind(user.0)
        .bind(decision.verdict().as_str())
        .bind(question)
        .bind(answer)
        .execute(&mut *tx)
        .await?;
        let finals = [(TextRef::FinalQuestion, question, &spans.question), (TextRef::FinalAnswer, answer, &spans.answer)];
        for (r, text, spans) in finals {
            let new = text.is_some_and(|t| !t.is_empty()).then_some(spans.as_slice());
            super::flags::replace_text_flags(&mut tx, item, r, new, Some(user)).await?;
        }
        let detail = serde_json::json!({ "decision": decision });
        super::audit::record(&mut tx, Some(user), "correction.adjudicate", "item", Some(item.0), detail).await?;
        tx.commit().await?;
        Ok(())
    })
}

/// A QA item with its decisions, as exports see it.
#[derive(Debug, Clone)]
pub struct CorrectedItem {
    pub item: ItemId,
    /// The imported answer's candidate id (flags on the original point at it).
    pub original_id: crate::domain::CandidateId,
    pub system: Option<String>,
    pub history: Vec<(String, String)>,
    /// Tool definitions from the imported record (JSON text).
    pub tools: Option<String>,
    pub question: String,
    pub original: String,
    /// Every reviewer's decision, and the id of each (same order).
    pub decisions: Vec<CorrectionInput>,
    pub correction_ids: Vec<i64>,
    /// The adjudicated final version, if any.
    pub adjudicated: Option<Correction>,
}

impl CorrectedItem {
    /// The agreed version: the adjudication, or the decision every reviewer made alike.
    /// `None` while undecided or disputed.
    pub fn final_version(&self) -> Option<Correction> {
        if let Some(a) = &self.adjudicated {
            return Some(a.clone());
        }
        let first = &self.decisions.first()?.correction;
        self.decisions.iter().all(|d| &d.correction == first).then(|| first.clone())
    }
}
