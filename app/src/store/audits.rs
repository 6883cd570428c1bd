//! Spot-audit samples (`audits`, `audit_items`) and the auditor's blind decisions.
use super::Db;
use crate::domain::audit::Design;
use crate::domain::{AuditId, CandidateId, DatasetId, DatasetKind, ItemId, UserId};
use sqlx::types::Json;

/// A sampled item: (item, stratum, presentation: candidate ids in the order shown).
pub type Drawn = (ItemId, String, Vec<CandidateId>);

pub async fn create(
    db: &Db,
    dataset: DatasetId,
    actor: UserId,
    design: Design,
    n: i64,
    seed: i64,
    drawn: &[Drawn],
) -> Result<AuditId, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let id: AuditId = sqlx::query_scalar(
            "INSERT INTO audits (dataset_id, created_by, design, n, seed) VALUES ($1, $2, $3, $4, $5) RETURNING id",
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
                "INSERT INTO audit_items (audit_id, position, item_id, stratum, presentation) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(position as i64 + 1)
            .bind(item)
            .bind(stratum)
            .bind(Json(presentation))
            .execute(&mut *tx)
            .await?;
        }
        super::audit_flags::snapshot(&mut tx, id).await?;
        let detail = serde_json::json!({ "design": design, "n": n, "seed": seed, "drawn": drawn.len() });
        super::audit::record(&mut tx, Some(actor), "audit_created", "audit", Some(id.0), detail).await?;
        tx.commit().await?;
        Ok(id)
    })
}

/// An audit as stored, with its progress.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    pub id: AuditId,
    pub dataset_id: DatasetId,
    pub dataset: String,
    pub kind: DatasetKind,
    pub design: Design,
    /// Asked for; `items` were drawn.
    pub n: i64,
    pub seed: i64,
    pub created_by: Option<String>,
    pub created_at: String,
    pub items: i64,
    pub decided: i64,
}

const AUDIT_ROW: &str = "SELECT a.id, a.dataset_id, d.name AS dataset, d.kind, a.design, a.n, a.seed,
        u.username AS created_by, a.created_at,
        (SELECT COUNT(*) FROM audit_items x WHERE x.audit_id = a.id) AS items,
        (SELECT COUNT(*) FROM audit_items x WHERE x.audit_id = a.id AND x.decision IS NOT NULL) AS decided
   FROM audits a JOIN datasets d ON d.id = a.dataset_id LEFT JOIN users u ON u.id = a.created_by";

/// Whether an audit still has to label `item`: until then its earlier decisions stay hidden
/// from auditors (blind re-labelling).
pub async fn awaits_label(db: &Db, item: ItemId) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM audit_items WHERE item_id = $1 AND decided_at IS NULL)")
            .bind(item)
            .fetch_one(pool)
            .await
    })
}

/// Which of `items` an audit has yet to label.
pub async fn awaiting_label_among(
    db: &Db,
    items: impl Iterator<Item = i64>,
) -> Result<std::collections::HashSet<i64>, sqlx::Error> {
    on!(db, pool => {
        let ids = serde_json::Value::from(items.collect::<Vec<i64>>()).to_string();
        let found: Vec<i64> = sqlx::query_scalar(
            "SELECT DISTINCT item_id FROM audit_items
              WHERE decided_at IS NULL AND item_id IN (SELECT value FROM json_each($1))",
        )
        .bind(ids)
        .fetch_all(pool)
        .await?;
        Ok(found.into_iter().collect())
    })
}

pub async fn all(db: &Db) -> Result<Vec<AuditRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!("{AUDIT_ROW} ORDER BY a.id DESC")).fetch_all(pool).await
    })
}

pub async fn get(db: &Db, audit: AuditId) -> Result<Option<AuditRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!("{AUDIT_ROW} WHERE a.id = $1")).bind(audit).fetch_optional(pool).await
    })
}

/// A sampled item as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditItemRow {
    pub position: i64,
    pub item_id: ItemId,
    pub stratum: String,
    /// Candidate ids in the order shown.
    pub presentation: Json<Vec<CandidateId>>,
    pub decision: Option<Json<serde_json::Value>>,
    pub question: String,
}

const ITEM_ROW: &str = "SELECT x.position, x.item_id, x.stratum, x.presentation, x.decision, i.question
   FROM audit_items x JOIN items i ON i.id = x.item_id";

pub async fn items(db: &Db, audit: AuditId) -> Result<Vec<AuditItemRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!("{ITEM_ROW} WHERE x.audit_id = $1 ORDER BY x.position")).bind(audit).fetch_all(pool).await
    })
}

/// The first sampled item the auditor has not decided yet.
pub async fn next(db: &Db, audit: AuditId) -> Result<Option<AuditItemRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!("{ITEM_ROW} WHERE x.audit_id = $1 AND x.decision IS NULL ORDER BY x.position LIMIT 1"))
            .bind(audit)
            .fetch_optional(pool)
            .await
    })
}

pub async fn item(db: &Db, audit: AuditId, position: i64) -> Result<Option<AuditItemRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(&format!("{ITEM_ROW} WHERE x.audit_id = $1 AND x.position = $2"))
            .bind(audit)
            .bind(position)
            .fetch_optional(pool)
            .await
    })
}

/// Stores the auditor's decision on an undecided item; false if it was decided already.
pub async fn decide(
    db: &Db,
    audit: AuditId,
    position: i64,
    decision: &serde_json::Value,
    actor: UserId,
) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let done = sqlx::query(&format!(
            "UPDATE audit_items SET decision = $1, decided_at = {NOW}
              WHERE audit_id = $2 AND position = $3 AND decision IS NULL"
        ))
        .bind(Json(decision))
        .bind(audit)
        .bind(position)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            > 0;
        if done {
            let detail = serde_json::json!({ "position": position, "decision": decision });
            super::audit::record(&mut tx, Some(actor), "audit_decision", "audit", Some(audit.0), detail).await?;
        }
        tx.commit().await?;
        Ok(done)
    })
}

/// Items of a dataset that reviewers decided, with department and task (for strata).
pub async fn eligible(
    db: &Db,
    dataset: DatasetId,
) -> Result<Vec<(ItemId, Option<String>, Option<String>)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT i.id, i.department, i.task FROM items i
          WHERE i.dataset_id = $1 AND i.excluded_at IS NULL
            AND (EXISTS (SELECT 1 FROM judgments j WHERE j.item_id = i.id)
                 OR EXISTS (SELECT 1 FROM corrections c WHERE c.item_id = i.id))
          ORDER BY i.id",
        )
        .bind(dataset)
        .fetch_all(pool)
        .await
    })
}

/// Candidate ids of many items in one query, each item's in position order.
pub async fn candidates_of(
    db: &Db,
    items: &[ItemId],
) -> Result<std::collections::HashMap<ItemId, Vec<CandidateId>>, sqlx::Error> {
    on!(db, pool => {
        let rows: Vec<(ItemId, CandidateId)> = sqlx::query_as(
            "SELECT item_id, id FROM candidates WHERE item_id IN (SELECT value FROM json_each($1)) ORDER BY item_id, position",
        )
        .bind(Json(items))
        .fetch_all(pool)
        .await?;
        let mut out: std::collections::HashMap<ItemId, Vec<CandidateId>> = Default::default();
        for (item, id) in rows {
            out.entry(item).or_default().push(id);
        }
        Ok(out)
    })
}

/// Candidate ids of an item by position, and the positions of candidate ids (1-based).
pub async fn candidates(db: &Db, item: ItemId) -> Result<Vec<(CandidateId, i64)>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as("SELECT id, position + 1 FROM candidates WHERE item_id = $1 ORDER BY position")
            .bind(item)
            .fetch_all(pool)
            .await
    })
}
