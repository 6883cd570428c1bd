//! Searching a dataset's items and reading one item's record and history.
//!
//! Search is a substring scan (`instr`) over question, system text and answers: Chinese has
//! no word boundaries, and SQLite's trigram index would double the store and slow imports
//! (measured: +5.5 s on 351,600 QA pairs). Results come in id order, so a page stops at its
//! 51st match; a search takes ~0.3–0.5 s over 351,600 items (`scripts/bench.sh scale`).
use super::Db;
use super::flags::ACTIVE;
use super::stats::DECISIONS_PER_ITEM;
use crate::domain::item::{DepartmentFilter, FlagFilter, ItemFilter, ItemState};
use crate::domain::{DatasetId, ItemId, ScoreKind};
use sqlx::QueryBuilder;

/// The active flags of item `i`, as an SQL `FROM … WHERE` (open or confirmed; the source's own redaction
/// markers are not findings).
fn active_flags() -> String {
    format!("FROM flags f WHERE f.item_id = i.id AND f.status IN {ACTIVE} AND f.category <> 'redaction_marker'")
}

/// A result row: id, question, first matching answer, department, decisions, active flags,
/// gold, excluded.
pub type HitRow = (i64, String, Option<String>, Option<String>, i64, i64, bool, bool);

/// The conditions of `filter` on items `i` of the dataset, for both the page and the count.
/// (Generic over the engine: its bounds name each type bound.)
fn push_conditions<'a, E>(q: &mut QueryBuilder<'a, E>, dataset: DatasetId, overlap: i64, filter: &'a ItemFilter)
where
    E: super::Dialect,
    DatasetId: sqlx::Encode<'a, E> + sqlx::Type<E>,
    i64: sqlx::Encode<'a, E> + sqlx::Type<E>,
    &'a str: sqlx::Encode<'a, E> + sqlx::Type<E>,
{
    let instr = E::INSTR;
    q.push(" FROM items i WHERE i.dataset_id = ").push_bind(dataset);
    if !filter.text.is_empty() {
        let t = filter.text.as_str();
        q.push(format!(" AND ({instr}(i.question, ")).push_bind(t);
        q.push(format!(") > 0 OR {instr}(COALESCE(i.system, ''), ")).push_bind(t);
        // One pass over the answers (a set of item ids) beats a look-up per item.
        q.push(format!(") > 0 OR i.id IN (SELECT c.item_id FROM candidates c WHERE {instr}(c.body, ")).push_bind(t);
        q.push(") > 0))");
    }
    match filter.state {
        None => {}
        Some(ItemState::Gold) => {
            q.push(" AND i.gold IS NOT NULL");
        }
        Some(ItemState::Excluded) => {
            q.push(" AND i.excluded_at IS NOT NULL");
        }
        Some(ItemState::Unreviewed) => {
            q.push(format!(" AND i.excluded_at IS NULL AND {DECISIONS_PER_ITEM} = 0"));
        }
        Some(ItemState::InProgress) => {
            q.push(format!(" AND i.excluded_at IS NULL AND {DECISIONS_PER_ITEM} BETWEEN 1 AND "))
                .push_bind(overlap - 1);
        }
        Some(ItemState::Complete) => {
            q.push(format!(" AND i.excluded_at IS NULL AND {DECISIONS_PER_ITEM} >= ")).push_bind(overlap);
        }
    }
    match filter.flag {
        None => {}
        Some(FlagFilter::Any) => {
            q.push(format!(" AND EXISTS (SELECT 1 {})", active_flags()));
        }
        Some(FlagFilter::None) => {
            q.push(format!(" AND NOT EXISTS (SELECT 1 {})", active_flags()));
        }
        Some(FlagFilter::Kind(k)) => {
            q.push(format!(" AND EXISTS (SELECT 1 {} AND f.category = ", active_flags()))
                .push_bind(k.as_str())
                .push(")");
        }
    }
    match &filter.department {
        None => {}
        Some(DepartmentFilter::Unset) => {
            q.push(" AND i.department IS NULL");
        }
        Some(DepartmentFilter::Named(d)) => {
            q.push(" AND i.department = ").push_bind(d.as_str());
        }
    }
    if let Some(name) = &filter.reviewer {
        q.push(" AND i.id IN (SELECT j.item_id FROM judgments j JOIN users u ON u.id = j.user_id WHERE u.username = ")
            .push_bind(name.as_str());
        q.push(" UNION SELECT c.item_id FROM corrections c JOIN users u ON u.id = c.user_id WHERE u.username = ")
            .push_bind(name.as_str())
            .push(")");
    }
}

/// Up to `limit` matching items with ids above `after`, in id order.
pub async fn page(
    db: &Db,
    dataset: DatasetId,
    overlap: i64,
    filter: &ItemFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<HitRow>, sqlx::Error> {
    on!(db, pool => {
        let mut q = QueryBuilder::new("SELECT i.id, i.question, ");
        if filter.text.is_empty() {
            q.push("NULL");
        } else {
            q.push(format!("(SELECT c.body FROM candidates c WHERE c.item_id = i.id AND {}(c.body, ", Engine::INSTR))
                .push_bind(filter.text.as_str())
                .push(") > 0 ORDER BY c.position LIMIT 1)");
        }
        q.push(format!(", i.department, {DECISIONS_PER_ITEM}, (SELECT COUNT(*) {}),", active_flags()));
        q.push(" i.gold IS NOT NULL, i.excluded_at IS NOT NULL");
        push_conditions(&mut q, dataset, overlap, filter);
        q.push(" AND i.id > ").push_bind(after).push(" ORDER BY i.id LIMIT ").push_bind(limit);
        q.build_query_as().fetch_all(pool).await
    })
}

/// How many items match, in the whole dataset.
pub async fn count(db: &Db, dataset: DatasetId, overlap: i64, filter: &ItemFilter) -> Result<i64, sqlx::Error> {
    on!(db, pool => {
        let mut q = QueryBuilder::new("SELECT COUNT(*)");
        push_conditions(&mut q, dataset, overlap, filter);
        q.build_query_scalar().fetch_one(pool).await
    })
}

/// The departments a dataset's items have (without the empty one).
pub async fn departments(db: &Db, dataset: DatasetId) -> Result<Vec<String>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_scalar(
            "SELECT DISTINCT department FROM items WHERE dataset_id = $1 AND department IS NOT NULL ORDER BY 1",
        )
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

/// An item's own columns, with its dataset and the file it came from.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ItemFacts {
    pub dataset_id: DatasetId,
    pub dataset: String,
    pub kind: String,
    pub department: Option<String>,
    pub task: Option<String>,
    pub source_name: Option<String>,
    pub source_line: Option<i64>,
    pub created_at: String,
    pub gold: Option<String>,
    pub system: Option<String>,
    /// JSON [[question, answer], …].
    pub history: String,
    pub question: String,
    /// The item whose prompt it repeats with generated answers.
    pub derived_from: Option<i64>,
    /// JSON: what the importer kept beyond the prompt (`extra`: the record's unread fields).
    pub meta: String,
}

pub async fn item(db: &Db, item: ItemId) -> Result<Option<ItemFacts>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT d.id AS dataset_id, d.name AS dataset, d.kind, i.department, i.task, m.source_name, i.source_line,
                i.created_at, i.gold, i.system, i.history, i.question, i.derived_from, i.meta
           FROM items i JOIN datasets d ON d.id = i.dataset_id LEFT JOIN imports m ON m.id = i.import_id
          WHERE i.id = $1",
        )
        .bind(item.0)
        .fetch_optional(pool)
        .await
    })
}

/// An answer with its provenance.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CandidateRow {
    pub id: i64,
    /// 1-based, in the source's order.
    pub position: i64,
    pub model: Option<String>,
    pub prior_label: Option<String>,
    pub score: Option<f64>,
    pub score_kind: Option<ScoreKind>,
    pub generation: Option<String>,
    pub job: Option<i64>,
}

/// The item's answers with their provenance, in the source's order.
pub async fn candidates(db: &Db, item: ItemId) -> Result<Vec<CandidateRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT id, position + 1 AS position, model, prior_label, score, score_kind, generation, job_id AS job
               FROM candidates WHERE item_id = $1 ORDER BY position",
        )
        .bind(item.0)
        .fetch_all(pool)
        .await
    })
}

/// An audit-log entry: when, who (`None`: the command line), what, and its JSON detail.
pub type LogRow = (String, Option<String>, String, String);

/// The audit log's entries about the item and everything on it, oldest first.
pub async fn history(db: &Db, item: ItemId) -> Result<Vec<LogRow>, sqlx::Error> {
    on!(db, pool => {
        let rows: Vec<(String, Option<String>, String, String)> = sqlx::query_as(
            "SELECT a.at, u.username, a.action, a.detail FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
          WHERE (a.entity = 'item' AND a.entity_id = $1)
             OR (a.entity = 'judgment' AND a.entity_id IN (SELECT id FROM judgments WHERE item_id = $1))
             OR (a.entity = 'correction' AND a.entity_id IN (SELECT id FROM corrections WHERE item_id = $1))
             OR (a.entity = 'flag' AND a.entity_id IN (SELECT id FROM flags WHERE item_id = $1))
             OR (a.entity = 'assignment' AND a.entity_id IN (SELECT id FROM assignments WHERE item_id = $1))
             OR (a.entity = 'import' AND a.entity_id = (SELECT import_id FROM items WHERE id = $1))
          ORDER BY a.id",
        )
        .bind(item.0)
        .fetch_all(pool)
        .await?;
        Ok(rows)
    })
}
