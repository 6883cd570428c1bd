//! Flags in a spot-audit (`audit_flags`): the detectors' spans as they were when the sample
//! was drawn, the auditor's verdicts on them and the auditor's own flags — never the
//! reviewers' flags, which the audit compares against.
use super::flags::{Flag, NewFlag, Row, SHARED_COLUMNS, push_shared, to_flag};
use super::{Conn, Db};
use crate::domain::flag::{FlagKind, FlagStatus};
use crate::domain::{AuditId, UserId};
use sqlx::QueryBuilder;
use std::collections::{BTreeMap, BTreeSet};

/// Copies the detectors' unresolved spans on each sampled item's question and answers.
pub async fn snapshot(conn: impl Into<Conn<'_>>, audit: AuditId) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query(
            "INSERT INTO audit_flags (audit_id, position, flag_id, field, candidate_id, span_start, span_end, span_text,
                                  category, severity, note)
         SELECT x.audit_id, x.position, f.id, f.field, f.candidate_id, f.span_start, f.span_end, f.span_text,
                f.category, f.severity, f.note
           FROM audit_items x JOIN flags f ON f.item_id = x.item_id
          WHERE x.audit_id = $1 AND f.source = 'detector' AND f.status != 'resolved'
            AND f.field IN ('question', 'answer')",
        )
        .bind(audit)
        .execute(&mut *conn)
        .await?;
        Ok(())
    })
}

/// The columns of `flags::SELECT`, read from the audit's copy: the auditor's own flags
/// count as a person's (source 'reviewer'), copies as the detector's.
const SELECT: &str = "SELECT af.id, x.item_id, af.field, af.candidate_id, NULL, af.span_start, af.span_end,
        af.span_text, af.category, af.severity, af.status,
        CASE WHEN af.flag_id IS NULL THEN 'reviewer' ELSE 'detector' END, af.note, NULL
   FROM audit_flags af JOIN audit_items x ON x.audit_id = af.audit_id AND x.position = af.position";

/// The auditor's flags on a sampled item, in text order.
pub async fn of_position(db: &Db, audit: AuditId, position: i64) -> Result<Vec<Flag>, sqlx::Error> {
    on!(db, pool => {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE af.audit_id = $1 AND af.position = $2 ORDER BY af.field, af.span_start, af.id"
        ))
        .bind(audit)
        .bind(position)
        .fetch_all(pool)
        .await?;
        rows.into_iter().map(to_flag).collect()
    })
}

/// Adds the auditor's flag on a sampled item, with an audit-log entry.
pub async fn add(db: &Db, audit: AuditId, position: i64, f: &NewFlag, by: UserId) -> Result<i64, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let mut q = QueryBuilder::new(format!("INSERT INTO audit_flags (audit_id, position, {SHARED_COLUMNS}) "));
        q.push_values([f], |mut row, f| {
            row.push_bind(audit).push_bind(position);
            push_shared!(row, f);
        });
        q.push(" RETURNING id");
        let id: i64 = q.build_query_scalar().fetch_one(&mut *tx).await?;
        let detail = serde_json::json!({ "position": position, "flag": id, "kind": f.kind.as_str(), "span": f.span });
        super::audit::record(&mut tx, Some(by), "audit_flag.add", "audit", Some(audit.0), detail).await?;
        tx.commit().await?;
        Ok(id)
    })
}

/// Confirms or dismisses one of a sampled item's audit flags; false if it has no such flag.
pub async fn review(
    db: &Db,
    audit: AuditId,
    position: i64,
    flag: i64,
    status: FlagStatus,
    by: UserId,
) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let done = sqlx::query("UPDATE audit_flags SET status = $1 WHERE id = $2 AND audit_id = $3 AND position = $4")
            .bind(status.as_str())
            .bind(flag)
            .bind(audit)
            .bind(position)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if done {
            let detail = serde_json::json!({ "position": position, "flag": flag, "status": status });
            super::audit::record(&mut tx, Some(by), "audit_flag.review", "audit", Some(audit.0), detail).await?;
            tx.commit().await?;
        }
        Ok(done)
    })
}

/// Flag kinds per sampled position, as the auditor left them and as the team left them.
#[derive(Debug, Default)]
pub struct FoundKinds {
    /// The auditor's own flags and the detector spans the auditor confirmed.
    pub auditor: BTreeMap<i64, BTreeSet<FlagKind>>,
    /// The item's working flags that people raised or confirmed and nobody dismissed.
    pub team: BTreeMap<i64, BTreeSet<FlagKind>>,
}

pub async fn found_kinds(db: &Db, audit: AuditId) -> Result<FoundKinds, sqlx::Error> {
    on!(db, pool => {
        let auditor: Vec<(i64, String)> = sqlx::query_as(
            "SELECT position, category FROM audit_flags
              WHERE audit_id = $1 AND (status = 'confirmed' OR (flag_id IS NULL AND status = 'open'))",
        )
        .bind(audit)
        .fetch_all(pool)
        .await?;
        let team: Vec<(i64, String)> = sqlx::query_as(
            "SELECT x.position, f.category FROM audit_items x JOIN flags f ON f.item_id = x.item_id
              WHERE x.audit_id = $1 AND f.status != 'dismissed' AND (f.source = 'reviewer' OR f.reviewed_by IS NOT NULL)",
        )
        .bind(audit)
        .fetch_all(pool)
        .await?;
        let group = |rows: Vec<(i64, String)>| {
            let mut out: BTreeMap<i64, BTreeSet<FlagKind>> = BTreeMap::new();
            for (position, category) in rows {
                if let Some(kind) = FlagKind::parse(&category) {
                    out.entry(position).or_default().insert(kind);
                }
            }
            out
        };
        Ok(FoundKinds { auditor: group(auditor), team: group(team) })
    })
}
