//! Spot-audit samples (`audits`, `audit_items`) and the auditor's blind decisions.
use super::{NOW, begin_write};
use crate::audit::AuditSummary;
use crate::domain::UserId;
use sqlx::SqlitePool;

/// A sampled item: (item, stratum, presentation as JSON candidate ids).
pub type Drawn = (i64, String, String);

pub async fn create(
    pool: &SqlitePool,
    dataset: i64,
    actor: UserId,
    design: &str,
    n: i64,
    seed: i64,
    drawn: &[Drawn],
) -> Result<i64, sqlx::Error> {
    let mut tx = begin_write(pool).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO audits (dataset_id, created_by, design, n, seed) VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(dataset)
    .bind(actor.0)
    .bind(design)
    .bind(n)
    .bind(seed)
    .fetch_one(&mut *tx)
    .await?;
    for (position, (item, stratum, presentation)) in drawn.iter().enumerate() {
        sqlx::query(
            "INSERT INTO audit_items (audit_id, position, item_id, stratum, presentation) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(position as i64 + 1)
        .bind(item)
        .bind(stratum)
        .bind(presentation)
        .execute(&mut *tx)
        .await?;
    }
    super::audit_flags::snapshot(&mut tx, id).await?;
    let detail = serde_json::json!({ "design": design, "n": n, "seed": seed, "drawn": drawn.len() });
    super::audit::record(&mut tx, Some(actor), "audit_created", "audit", Some(id), detail).await?;
    tx.commit().await?;
    Ok(id)
}

/// An audit as stored, with its progress.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub dataset_id: i64,
    #[sqlx(flatten)]
    pub summary: AuditSummary,
}

const AUDIT_ROW: &str = "SELECT a.id, a.dataset_id, d.name AS dataset, d.kind, a.design, a.n, a.seed,
        u.username AS created_by, a.created_at,
        (SELECT COUNT(*) FROM audit_items x WHERE x.audit_id = a.id) AS items,
        (SELECT COUNT(*) FROM audit_items x WHERE x.audit_id = a.id AND x.decision IS NOT NULL) AS decided
   FROM audits a JOIN datasets d ON d.id = a.dataset_id LEFT JOIN users u ON u.id = a.created_by";

/// Whether an audit still has to label `item`: until then its earlier decisions stay hidden
/// from auditors (blind re-labelling).
pub async fn awaits_label(pool: &SqlitePool, item: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM audit_items WHERE item_id = ? AND decided_at IS NULL)")
        .bind(item)
        .fetch_one(pool)
        .await
}

/// Which of `items` an audit has yet to label.
pub async fn awaiting_label_among(
    pool: &SqlitePool,
    items: impl Iterator<Item = i64>,
) -> Result<std::collections::HashSet<i64>, sqlx::Error> {
    let ids = serde_json::Value::from(items.collect::<Vec<i64>>()).to_string();
    let found: Vec<i64> = sqlx::query_scalar(
        "SELECT DISTINCT item_id FROM audit_items
          WHERE decided_at IS NULL AND item_id IN (SELECT value FROM json_each(?))",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    Ok(found.into_iter().collect())
}

pub async fn all(pool: &SqlitePool) -> Result<Vec<AuditRow>, sqlx::Error> {
    sqlx::query_as(&format!("{AUDIT_ROW} ORDER BY a.id DESC")).fetch_all(pool).await
}

pub async fn get(pool: &SqlitePool, audit: i64) -> Result<Option<AuditRow>, sqlx::Error> {
    sqlx::query_as(&format!("{AUDIT_ROW} WHERE a.id = ?")).bind(audit).fetch_optional(pool).await
}

/// A sampled item as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditItemRow {
    pub position: i64,
    pub item_id: i64,
    pub stratum: String,
    pub presentation: String,
    pub decision: Option<String>,
    pub question: String,
}

const ITEM_ROW: &str = "SELECT x.position, x.item_id, x.stratum, x.presentation, x.decision, i.question
   FROM audit_items x JOIN items i ON i.id = x.item_id";

pub async fn items(pool: &SqlitePool, audit: i64) -> Result<Vec<AuditItemRow>, sqlx::Error> {
    sqlx::query_as(&format!("{ITEM_ROW} WHERE x.audit_id = ? ORDER BY x.position")).bind(audit).fetch_all(pool).await
}

/// The first sampled item the auditor has not decided yet.
pub async fn next(pool: &SqlitePool, audit: i64) -> Result<Option<AuditItemRow>, sqlx::Error> {
    sqlx::query_as(&format!("{ITEM_ROW} WHERE x.audit_id = ? AND x.decision IS NULL ORDER BY x.position LIMIT 1"))
        .bind(audit)
        .fetch_optional(pool)
        .await
}

pub async fn item(pool: &SqlitePool, audit: i64, position: i64) -> Result<Option<AuditItemRow>, sqlx::Error> {
    sqlx::query_as(&format!("{ITEM_ROW} WHERE x.audit_id = ? AND x.position = ?"))
        .bind(audit)
        .bind(position)
        .fetch_optional(pool)
        .await
}

/// Stores the auditor's decision on an undecided item; false if it was decided already.
pub async fn decide(
    pool: &SqlitePool,
    audit: i64,
    position: i64,
    decision: &serde_json::Value,
    actor: UserId,
) -> Result<bool, sqlx::Error> {
    let mut tx = begin_write(pool).await?;
    let done = sqlx::query(&format!(
        "UPDATE audit_items SET decision = ?, decided_at = {NOW}
          WHERE audit_id = ? AND position = ? AND decision IS NULL"
    ))
    .bind(decision.to_string())
    .bind(audit)
    .bind(position)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        > 0;
    if done {
        let detail = serde_json::json!({ "position": position, "decision": decision });
        super::audit::record(&mut tx, Some(actor), "audit_decision", "audit", Some(audit), detail).await?;
    }
    tx.commit().await?;
    Ok(done)
}

/// Items of a dataset that reviewers decided, with department and task (for strata).
pub async fn eligible(
    pool: &SqlitePool,
    dataset: i64,
) -> Result<Vec<(i64, Option<String>, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT i.id, i.department, i.task FROM items i
          WHERE i.dataset_id = ? AND i.excluded_at IS NULL
            AND (EXISTS (SELECT 1 FROM judgments j WHERE j.item_id = i.id)
                 OR EXISTS (SELECT 1 FROM corrections c WHERE c.item_id = i.id))
          ORDER BY i.id",
    )
    .bind(dataset)
    .fetch_all(pool)
    .await
}

/// Candidate ids of many items in one query, each item's in position order.
pub async fn candidates_of(
    pool: &SqlitePool,
    items: &[i64],
) -> Result<std::collections::HashMap<i64, Vec<i64>>, sqlx::Error> {
    let ids = serde_json::to_string(items).expect("ids serialise");
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT item_id, id FROM candidates WHERE item_id IN (SELECT value FROM json_each(?)) ORDER BY item_id, position",
    )
    .bind(ids)
    .fetch_all(pool)
    .await?;
    let mut out: std::collections::HashMap<i64, Vec<i64>> = Default::default();
    for (item, id) in rows {
        out.entry(item).or_default().push(id);
    }
    Ok(out)
}

/// Candidate ids of an item by position, and the positions of candidate ids (1-based).
pub async fn candidates(pool: &SqlitePool, item: i64) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    sqlx::query_as("SELECT id, position + 1 FROM candidates WHERE item_id = ? ORDER BY position")
        .bind(item)
        .fetch_all(pool)
        .await
}
