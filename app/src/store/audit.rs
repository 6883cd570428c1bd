//! The append-only audit log, hash-chained: triggers stop the app from changing an entry,
//! the chain shows whether anyone with the file did (see [`verify`]).
use super::{Conn, Db};
use crate::domain::UserId;
use sha2::{Digest, Sha256};

/// One entry's content, as its hash covers it.
struct Entry<'a> {
    id: i64,
    at: &'a str,
    actor: Option<i64>,
    action: &'a str,
    entity: &'a str,
    entity_id: Option<i64>,
    detail: &'a str,
}

/// The entry's link: SHA-256 (hex) of the previous entry's hash and the entry's content.
fn link(previous: Option<&str>, e: &Entry) -> String {
    let canonical =
        serde_json::json!([previous.unwrap_or(""), e.id, e.at, e.actor, e.action, e.entity, e.entity_id, e.detail]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// Appends one entry, chained to the last. `actor` is `None` for the command line. Callers
/// hold the write transaction, so no other entry can come between the read and the insert.
pub async fn record(
    conn: impl Into<Conn<'_>>,
    actor: Option<UserId>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        let (id, at, previous): (i64, String, Option<String>) = sqlx::query_as(&format!(
            "SELECT IFNULL(MAX(id), 0) + 1, {}, (SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1) FROM audit_log",
            NOW
        ))
        .fetch_one(&mut *conn)
        .await?;
        let detail = detail.to_string();
        let actor = actor.map(|u| u.0);
        let entry = Entry { id, at: &at, actor, action, entity, entity_id, detail: &detail };
        let hash = link(previous.as_deref(), &entry);
        sqlx::query(
            "INSERT INTO audit_log (id, at, actor_id, action, entity, entity_id, detail, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(id)
        .bind(&at)
        .bind(actor)
        .bind(action)
        .bind(entity)
        .bind(entity_id)
        .bind(&detail)
        .bind(hash)
        .execute(&mut *conn)
        .await?;
        Ok(())
    })
}

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    pub entries: i64,
    /// Entries written before the chain began (an older medpref), at the start of the log.
    pub unchained: i64,
    /// The last entry's hash: keep it somewhere else to detect a rewrite of the whole log.
    pub head: Option<String>,
    /// The first entry whose link does not hold, and why.
    pub broken: Option<(i64, &'static str)>,
}

/// Walks the log in order and checks every link.
pub async fn verify(db: &Db) -> Result<Verification, sqlx::Error> {
    on!(db, pool => {
        type Row = (i64, String, Option<i64>, String, String, Option<i64>, String, Option<String>);
        let mut v = Verification { entries: 0, unchained: 0, head: None, broken: None };
        let (mut after, mut expected_id) = (0_i64, None::<i64>);
        loop {
            let rows: Vec<Row> = sqlx::query_as(
                "SELECT id, at, actor_id, action, entity, entity_id, detail, hash FROM audit_log
                  WHERE id > $1 ORDER BY id LIMIT 5000",
            )
            .bind(after)
            .fetch_all(pool)
            .await?;
            let Some(last) = rows.last() else { break };
            after = last.0;
            for (id, at, actor, action, entity, entity_id, detail, hash) in rows {
                v.entries += 1;
                let chained = v.head.is_some();
                let Some(hash) = hash else {
                    if chained {
                        v.broken.get_or_insert((id, "an entry without a link after the chain began"));
                    } else {
                        v.unchained += 1;
                    }
                    continue;
                };
                if chained && expected_id.is_some_and(|e| e != id) {
                    v.broken.get_or_insert((id, "entries before this one were removed"));
                }
                let e = Entry { id, at: &at, actor, action: &action, entity: &entity, entity_id, detail: &detail };
                if link(v.head.as_deref(), &e) != hash {
                    v.broken.get_or_insert((id, "the entry or the one before it was changed"));
                }
                v.head = Some(hash);
                expected_id = Some(id + 1);
            }
        }
        Ok(v)
    })
}

/// Appends one entry in a write transaction of its own (for actions that write nothing else,
/// such as a download).
pub async fn append(
    db: &Db,
    actor: Option<UserId>,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: serde_json::Value,
) -> Result<(), sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        record(&mut tx, actor, action, entity, entity_id, detail).await?;
        tx.commit().await
    })
}
