//! Items, their candidate answers, and the import records they come from.
use crate::domain::{CandidateId, DatasetId, ItemId, UserId};
use crate::flag::TextRef;
use sqlx::SqliteConnection;

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
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewCandidate {
    pub body: String,
    pub model: Option<String>,
    pub prior_label: Option<PriorLabel>,
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

pub async fn create_import(conn: &mut SqliteConnection, rec: &ImportRecord<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "INSERT INTO imports (dataset_id, source_name, format, sha256, lines, added, duplicates, created_by)
         VALUES (?, ?, ?, ?, ?, 0, 0, ?) RETURNING id",
    )
    .bind(rec.dataset.0)
    .bind(rec.source_name)
    .bind(rec.format)
    .bind(rec.sha256)
    .bind(rec.lines)
    .bind(rec.actor.map(|u| u.0))
    .fetch_one(conn)
    .await
}

pub async fn finish_import(
    conn: &mut SqliteConnection,
    import_id: i64,
    added: i64,
    duplicates: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE imports SET added = ?, duplicates = ? WHERE id = ?")
        .bind(added)
        .bind(duplicates)
        .bind(import_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Stores an item with its candidates; `None` when the dataset already holds the same content.
pub async fn insert(
    conn: &mut SqliteConnection,
    dataset: DatasetId,
    import_id: i64,
    item: &NewItem,
) -> Result<Option<ItemId>, sqlx::Error> {
    let history = serde_json::to_string(&item.history).expect("history serialises");
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO items (dataset_id, import_id, source_line, content_hash, system, history, question, department, task, meta)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (dataset_id, content_hash) DO NOTHING RETURNING id",
    )
    .bind(dataset.0)
    .bind(import_id)
    .bind(item.source_line)
    .bind(&item.content_hash)
    .bind(&item.system)
    .bind(history)
    .bind(&item.question)
    .bind(&item.department)
    .bind(&item.task)
    .bind(item.meta.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(None) };
    let item_id = ItemId(id);
    super::flags::detect_into(conn, item_id, TextRef::Question, &item.question).await?;
    for (position, c) in item.candidates.iter().enumerate() {
        let candidate: i64 = sqlx::query_scalar(
            "INSERT INTO candidates (item_id, position, body, model, prior_label) VALUES (?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(id)
        .bind(position as i64)
        .bind(&c.body)
        .bind(&c.model)
        .bind(c.prior_label.map(PriorLabel::as_str))
        .fetch_one(&mut *conn)
        .await?;
        super::flags::detect_into(conn, item_id, TextRef::Answer(CandidateId(candidate)), &c.body).await?;
    }
    Ok(Some(item_id))
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
    pool: &sqlx::SqlitePool,
    dataset: DatasetId,
    item: ItemId,
    answer: Option<crate::review::judgment::GoldVote>,
    actor: Option<UserId>,
) -> Result<bool, sqlx::Error> {
    use crate::domain::Outcome;
    use crate::review::judgment::GoldVote;
    let mut tx = super::begin_write(pool).await?;
    let candidates: Vec<i64> = sqlx::query_scalar(
        "SELECT c.id FROM candidates c JOIN items i ON i.id = c.item_id WHERE i.id = ? AND i.dataset_id = ? ORDER BY c.position",
    )
    .bind(item.0)
    .bind(dataset.0)
    .fetch_all(&mut *tx)
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
    sqlx::query("UPDATE items SET gold = ? WHERE id = ?").bind(&json).bind(item.0).execute(&mut *tx).await?;
    let detail = serde_json::json!({ "gold": gold });
    super::audit::record(&mut tx, actor, "item.gold", "item", Some(item.0), detail).await?;
    tx.commit().await?;
    Ok(true)
}
