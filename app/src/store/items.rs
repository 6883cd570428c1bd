//! Items, their candidate answers, and the import records they come from.
use super::flags::{self, NewFlag};
use super::{Conn, Db};
use crate::domain::flag::{Span, TextRef};
use crate::domain::{CandidateId, DatasetId, ItemId, UserId};
use sqlx::QueryBuilder;
use std::collections::HashMap;

/// Which side of the source's preference an answer was on, if the source had one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriorLabel {
    Chosen,
    Rejected,
}

impl PriorLabel {
    fn as_str(self) -> &'static str {
        match self {
            PriorLabel::Chosen => "chosen",
            PriorLabel::Rejected => "rejected",
        }
    }

    pub(super) fn from_stored(s: &str) -> Result<Self, sqlx::Error> {
        [PriorLabel::Chosen, PriorLabel::Rejected]
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| sqlx::Error::Decode(format!("unknown prior label `{s}`").into()))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewCandidate {
    pub body: String,
    pub model: Option<String>,
    pub prior_label: Option<PriorLabel>,
    /// How a model made it, when medpref generated it.
    pub generated: Option<Generated>,
}

impl NewCandidate {
    /// An answer as a source file gives it.
    pub fn imported(body: String, model: Option<String>, prior_label: Option<PriorLabel>) -> Self {
        NewCandidate { body, model, prior_label, generated: None }
    }
}

/// The provenance of a generated answer, stored with it and carried by exports.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// JSON: backend, template, sampling settings, seed, token count.
    pub generation: String,
    pub score: Option<f64>,
    /// `reward_model` or `mean_logprob`.
    pub score_kind: Option<String>,
    pub job: Option<i64>,
}

/// Where a batch of items comes from: a file, or another item whose prompt got new answers
/// (then the parent's import and line stay as provenance).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Origin {
    pub import_id: Option<i64>,
    pub derived_from: Option<ItemId>,
    /// Who added a generated answer: the queue does not give them the item.
    pub created_by: Option<UserId>,
}

impl Origin {
    pub fn import(import_id: i64) -> Self {
        Origin { import_id: Some(import_id), derived_from: None, created_by: None }
    }
}

/// An item ready to store; `content_hash` identifies it for de-duplication.
#[derive(Debug, Clone, PartialEq)]
pub struct NewItem {
    pub source_line: i64,
    pub content_hash: String,
    pub system: Option<String>,
    pub history: Vec<(String, String)>,
    pub question: String,
    pub department: Option<String>,
    /// A task name, e.g. PromptCBLUE's `task_dataset`.
    pub task: Option<String>,
    /// Source-specific fields kept with the item (e.g. PromptCBLUE `answer_choices`).
    pub meta: serde_json::Value,
    pub candidates: Vec<NewCandidate>,
}

pub struct ImportRecord<'a> {
    pub dataset: DatasetId,
    pub source_name: &'a str,
    pub format: &'a str,
    pub sha256: &'a str,
    pub lines: i64,
    pub actor: Option<UserId>,
}

pub async fn create_import(conn: impl Into<Conn<'_>>, rec: &ImportRecord<'_>) -> Result<i64, sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query_scalar(
            "INSERT INTO imports (dataset_id, source_name, format, sha256, lines, added, duplicates, created_by)
             VALUES ($1, $2, $3, $4, $5, 0, 0, $6) RETURNING id",
        )
        .bind(rec.dataset.0)
        .bind(rec.source_name)
        .bind(rec.format)
        .bind(rec.sha256)
        .bind(rec.lines)
        .bind(rec.actor.map(|u| u.0))
        .fetch_one(&mut *conn)
        .await
    })
}

pub async fn finish_import(
    conn: impl Into<Conn<'_>>,
    import_id: i64,
    added: i64,
    duplicates: i64,
) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query("UPDATE imports SET added = $1, duplicates = $2 WHERE id = $3")
            .bind(added)
            .bind(duplicates)
            .bind(import_id)
            .execute(&mut *conn)
            .await?;
        Ok(())
    })
}

/// An item with what the detectors found in its question and in each of its answers, and
/// its texts rendered to HTML, so that no read renders them again. The caller computes both
/// (`import::scan`): CPU work, which imports do on another thread while SQLite writes the
/// previous batch.
#[derive(Debug, Clone)]
pub struct ScannedItem {
    pub item: NewItem,
    pub question: Vec<Span>,
    /// One list per answer, in the item's order.
    pub answers: Vec<Vec<Span>>,
    pub html: Rendered,
}

#[derive(Debug, Clone)]
pub struct Rendered {
    pub system: Option<String>,
    /// JSON `[[question, answer], …]` of the earlier turns.
    pub history: String,
    pub question: String,
    /// One per answer, in the item's order.
    pub answers: Vec<String>,
}

/// Stores a batch of items with their candidates, and a flag for each detected span.
/// Items whose content the dataset already holds (or that repeat an earlier item of the
/// batch) are skipped. Returns how many were added.
///
/// Each statement is a round trip to SQLite's worker thread, which costs more than a row,
/// so every table gets multi-row statements rather than one per row.
pub async fn insert_batch(
    conn: impl Into<Conn<'_>>,
    dataset: DatasetId,
    origin: Origin,
    items: &[ScannedItem],
) -> Result<Vec<ItemId>, sqlx::Error> {
    on!(conn.into(), conn => {
        let mut added: Vec<(ItemId, &ScannedItem)> = Vec::with_capacity(items.len());
        for chunk in items.chunks(MAX_PARAMETERS / ITEM_COLUMNS) {
            added.extend(insert_items(&mut *conn, dataset, origin, chunk).await?);
        }
        let mut flags: Vec<(ItemId, NewFlag)> = Vec::new();
        for (id, scanned) in &added {
            flags.extend(scanned.question.iter().map(|s| (*id, flags::span_flag(TextRef::Question, s.clone()))));
        }
        let rows: Vec<(ItemId, i64, &NewCandidate, &[Span], &str)> = added
            .iter()
            .flat_map(|(id, s)| {
                let answers = s.item.candidates.iter().zip(&s.answers).zip(&s.html.answers);
                answers.enumerate().map(|(p, ((c, spans), html))| (*id, p as i64, c, spans.as_slice(), html.as_str()))
            })
            .collect();
        for chunk in rows.chunks(MAX_PARAMETERS / CANDIDATE_COLUMNS) {
            let mut q = QueryBuilder::new(
                "INSERT INTO candidates (item_id, position, body, body_html, model, prior_label, generation, score, score_kind, job_id) ",
            );
            q.push_values(chunk, |mut row, (item, position, c, _, html)| {
                let g = c.generated.as_ref();
                row.push_bind(item.0)
                    .push_bind(position)
                    .push_bind(&c.body)
                    .push_bind(*html)
                    .push_bind(&c.model)
                    .push_bind(c.prior_label.map(PriorLabel::as_str))
                    .push_bind(g.map(|g| g.generation.clone()))
                    .push_bind(g.and_then(|g| g.score))
                    .push_bind(g.and_then(|g| g.score_kind.clone()))
                    .push_bind(g.and_then(|g| g.job));
            });
            q.push(" RETURNING id, item_id, position");
            let ids: Vec<(i64, i64, i64)> = q.build_query_as().fetch_all(&mut *conn).await?;
            // RETURNING's order is unspecified: match rows by (item, position).
            let ids: HashMap<(i64, i64), i64> = ids.into_iter().map(|(id, item, p)| ((item, p), id)).collect();
            for (item, position, _, spans, _) in chunk {
                let answer = TextRef::Answer(CandidateId(ids[&(item.0, *position)]));
                flags.extend(spans.iter().map(|s| (*item, flags::span_flag(answer, s.clone()))));
            }
        }
        flags::insert_many(&mut *conn, &flags).await?;
        Ok(added.into_iter().map(|(id, _)| id).collect())
    })
}

/// Items per [`insert_batch`] call when importing: large enough that statements are few,
/// small enough that a batch's flags and ids stay a small fraction of the import's memory.
pub const BATCH: usize = 2_000;

const ITEM_COLUMNS: usize = 15;
const CANDIDATE_COLUMNS: usize = 10;

/// The items rows of [`insert_batch`]: the new ones with their ids, in the batch's order.
async fn insert_items<'a>(
    conn: impl Into<Conn<'_>>,
    dataset: DatasetId,
    origin: Origin,
    scanned: &'a [ScannedItem],
) -> Result<Vec<(ItemId, &'a ScannedItem)>, sqlx::Error> {
    on!(conn.into(), conn => {
        let items = || scanned.iter().map(|s| &s.item);
        let json: Vec<(String, String)> =
            items().map(|i| (serde_json::to_string(&i.history).expect("history serialises"), i.meta.to_string())).collect();
        let mut q = QueryBuilder::new(
            "INSERT INTO items (dataset_id, import_id, derived_from, created_by, source_line, content_hash, system, history,
                                question, department, task, meta, system_html, history_html, question_html) ",
        );
        q.push_values(scanned.iter().zip(&json), |mut row, (s, (history, meta))| {
            let item = &s.item;
            row.push_bind(dataset.0)
                .push_bind(origin.import_id)
                .push_bind(origin.derived_from.map(|i| i.0))
                .push_bind(origin.created_by.map(|u| u.0))
                .push_bind(item.source_line)
                .push_bind(&item.content_hash)
                .push_bind(&item.system)
                .push_bind(history)
                .push_bind(&item.question)
                .push_bind(&item.department)
                .push_bind(&item.task)
                .push_bind(meta)
                .push_bind(&s.html.system)
                .push_bind(&s.html.history)
                .push_bind(&s.html.question);
        });
        q.push(" ON CONFLICT (dataset_id, content_hash) DO NOTHING RETURNING id, content_hash");
        let ids: HashMap<String, i64> =
            q.build_query_as::<(i64, String)>().fetch_all(&mut *conn).await?.into_iter().map(|(id, h)| (h, id)).collect();
        // A hash inserted by this statement belongs to its first row; later rows with it were skipped.
        let mut seen = std::collections::HashSet::new();
        Ok(scanned
            .iter()
            .filter(|s| seen.insert(s.item.content_hash.as_str()))
            .filter_map(|s| ids.get(&s.item.content_hash).map(|id| (ItemId(*id), s)))
            .collect())
    })
}

/// The known answer of a gold item, in candidate terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GoldAnswer {
    pub outcome: crate::domain::Outcome,
    pub winner: Option<i64>,
}

/// Marks (or, with `None`, unmarks) an item of the dataset as gold. `answer` names the
/// better candidate by its 1-based position in the source, or a tie or both-bad.
/// `Ok(false)` if the dataset has no such two-answer item.
pub async fn set_gold(
    db: &Db,
    dataset: DatasetId,
    item: ItemId,
    answer: Option<crate::domain::judgment::GoldVote>,
    actor: Option<UserId>,
) -> Result<bool, sqlx::Error> {
    set_gold_many(db, dataset, &[item], answer, actor).await.map(|r| r.is_ok())
}

/// [`set_gold`] for several items in one write, all or none: `Err(item)` names the first
/// that is not a two-answer item of the dataset, and then nothing changed.
pub async fn set_gold_many(
    db: &Db,
    dataset: DatasetId,
    items: &[ItemId],
    answer: Option<crate::domain::judgment::GoldVote>,
    actor: Option<UserId>,
) -> Result<Result<(), ItemId>, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        for &item in items {
            if !set_gold_in(&mut tx, dataset, item, answer, actor).await? {
                return Ok(Err(item)); // dropping the transaction rolls back the earlier ones
            }
        }
        tx.commit().await?;
        Ok(Ok(()))
    })
}

async fn set_gold_in(
    conn: impl Into<Conn<'_>>,
    dataset: DatasetId,
    item: ItemId,
    answer: Option<crate::domain::judgment::GoldVote>,
    actor: Option<UserId>,
) -> Result<bool, sqlx::Error> {
    on!(conn.into(), conn => {
        use crate::domain::Outcome;
        use crate::domain::judgment::GoldVote;
        let candidates: Vec<i64> = sqlx::query_scalar(
            "SELECT c.id FROM candidates c JOIN items i ON i.id = c.item_id WHERE i.id = $1 AND i.dataset_id = $2 ORDER BY c.position",
        )
        .bind(item.0)
        .bind(dataset.0)
        .fetch_all(&mut *conn)
        .await?;
        if candidates.len() != 2 {
            return Ok(false);
        }
        let gold = answer.map(|a| match a {
            GoldVote::First => GoldAnswer { outcome: Outcome::Decisive, winner: Some(candidates[0]) },
            GoldVote::Second => GoldAnswer { outcome: Outcome::Decisive, winner: Some(candidates[1]) },
            GoldVote::Tie => GoldAnswer { outcome: Outcome::Tie, winner: None },
            GoldVote::BothBad => GoldAnswer { outcome: Outcome::BothBad, winner: None },
        });
        let json = gold.map(|g| serde_json::to_string(&g).expect("gold serialises"));
        sqlx::query("UPDATE items SET gold = $1 WHERE id = $2").bind(&json).bind(item.0).execute(&mut *conn).await?;
        let detail = serde_json::json!({ "gold": gold });
        super::audit::record(&mut *conn, actor, "item.gold", "item", Some(item.0), detail).await?;
        Ok(true)
    })
}

/// An item's dataset name and when it was excluded, if it was.
pub async fn place(conn: impl Into<Conn<'_>>, item: ItemId) -> Result<Option<(String, Option<String>)>, sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query_as("SELECT d.name, i.excluded_at FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = $1")
            .bind(item.0)
            .fetch_optional(&mut *conn)
            .await
    })
}

/// An item's task note and its import metadata (JSON text).
pub async fn task_and_meta(db: &Db, item: ItemId) -> Result<(Option<String>, String), sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as("SELECT task, meta FROM items WHERE id = $1").bind(item.0).fetch_one(pool).await
    })
}

/// Whether the item is one of the dataset's (ids of other datasets look missing).
pub async fn belongs(db: &Db, item: ItemId, dataset: DatasetId) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        let found: Option<i64> = sqlx::query_scalar("SELECT id FROM items WHERE id = $1 AND dataset_id = $2")
            .bind(item.0)
            .bind(dataset.0)
            .fetch_optional(pool)
            .await?;
        Ok(found.is_some())
    })
}
