//! Imports without one long write lock.
//!
//! An import writes its rows into a hidden staging dataset, one batch per short write
//! transaction, and at the end moves them into the dataset it names, again in batches — or,
//! when that dataset is new, computes their `need` in batches and renames the staging dataset
//! in one short transaction. Nothing of an import is visible before its publishing starts:
//! staging datasets are reachable by no name or id and listed nowhere, so their items are never
//! served, and the target dataset is only created when publishing starts. A bad file is
//! found before publishing, and its staging rows are deleted. Publishing is rolled forward to the end — by the import itself, or,
//! after a crash, by [`recover`] — so an import ends all there or not there at all; while it
//! publishes (well under a second per 10,000 items) its items appear batch by batch.
use super::items::{self, ImportRecord, Origin, ScannedItem};
use super::{Conn, Db};
use crate::domain::DatasetKind;
use crate::domain::{DatasetId, DatasetName, UserId};

/// Items moved per publishing transaction.
const PUBLISH_BATCH: i64 = 5_000;

/// A staging import not heard from for this long (no batch written) was abandoned: [`recover`]
/// discards it. One that had started publishing is finished sooner: it is visible in part.
const ABANDONED_AFTER: &str = "-10 minutes";
const STALLED_AFTER: &str = "-30 seconds";

/// An import being staged.
#[derive(Debug, Clone, Copy)]
pub struct Staging {
    pub dataset: DatasetId,
    pub import_id: i64,
}

/// Creates the staging dataset and the import record (`record.dataset` is ignored: the
/// import belongs to its staging dataset until it is published).
pub async fn begin(
    db: &Db,
    conn: impl Into<Conn<'_>>,
    target: &DatasetName,
    kind: DatasetKind,
    record: &ImportRecord<'_>,
) -> Result<Staging, sqlx::Error> {
    on2!((db, conn.into()), (pool, conn) => {
        let mut tx = begin_write_on(pool, conn).await?;
        let dataset: DatasetId = sqlx::query_scalar(
            "INSERT INTO datasets (name, kind, staging_of) VALUES ('~staging-' || lower(hex(randomblob(8))), $1, $2) RETURNING id",
        )
        .bind(kind.as_str())
        .bind(target.as_str())
        .fetch_one(&mut *tx)
        .await?;
        let record = ImportRecord { dataset, ..*record };
        let import_id = items::create_import(&mut tx, &record).await?;
        sqlx::query(&format!("UPDATE imports SET state = 'staging', heartbeat_at = {NOW} WHERE id = $1"))
            .bind(import_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Staging { dataset, import_id })
    })
}

/// Writes one batch into the staging dataset in its own transaction, with the batch's bad lines
/// (line, reason, text) when the import quarantines them. Returns how many items were new to
/// the staging dataset (repeats within the file are skipped).
pub async fn write(
    db: &Db,
    conn: impl Into<Conn<'_>>,
    staging: Staging,
    batch: &[ScannedItem],
    rejects: &[(usize, String, String)],
) -> Result<usize, sqlx::Error> {
    on2!((db, conn.into()), (pool, conn) => {
        let mut tx = begin_write_on(pool, conn).await?;
        let added = items::insert_batch(&mut tx, staging.dataset, Origin::import(staging.import_id), batch).await?;
        for chunk in rejects.chunks(300) {
            let mut q = sqlx::QueryBuilder::new("INSERT INTO import_rejects (import_id, line, reason, record) ");
            q.push_values(chunk, |mut row, (line, reason, record)| {
                row.push_bind(staging.import_id).push_bind(*line as i64).push_bind(reason).push_bind(record);
            });
            q.build().execute(&mut *tx).await?;
        }
        heartbeat(&mut tx, staging).await?;
        tx.commit().await?;
        Ok(added.len())
    })
}

async fn heartbeat(tx: impl Into<Conn<'_>>, staging: Staging) -> Result<(), sqlx::Error> {
    on!(tx.into(), tx => {
        sqlx::query(&format!("UPDATE imports SET heartbeat_at = {NOW} WHERE id = $1"))
            .bind(staging.import_id)
            .execute(&mut *tx)
            .await?;
        Ok(())
    })
}

/// What publishing did: items moved into the dataset, and staged items left out because the
/// dataset already held the same content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Published {
    pub dataset: DatasetId,
    pub added: i64,
    pub already_there: i64,
}

/// Moves a staged import into its dataset (created now if new) and records it. `staged` is
/// how many items the staging holds, `duplicates` how many records repeated earlier ones of
/// the file. `Ok(Err(kind))` when the dataset exists with another kind: then nothing is
/// published and the staging is discarded. `detail` goes into the audit log's import entry,
/// with the final counts added.
pub async fn publish(
    db: &Db,
    conn: impl Into<Conn<'_>>,
    staging: Staging,
    (staged, duplicates): (i64, i64),
    actor: Option<UserId>,
    detail: serde_json::Value,
) -> Result<Result<Published, DatasetKind>, sqlx::Error> {
    on2!((db, conn.into()), (pool, conn) => {
        let (target, kind) = target_of(&mut *conn, staging).await?;
        if super::datasets::id_of(&mut *conn, &target).await?.is_none() {
            prepare_need(db, &mut *conn, staging).await?;
        }
        let mut tx = begin_write_on(pool, conn).await?;
        if super::datasets::id_of(&mut tx, &target).await?.is_none() {
            return promote(tx.into(), staging, (&target, kind), (staged, duplicates), actor, detail).await.map(Ok);
        }
        let dataset = match super::datasets::get_or_create(&mut tx, &target, kind, actor).await? {
            Ok(id) => id,
            Err(other) => {
                drop(tx);
                discard(db, &mut *conn, staging).await?;
                return Ok(Err(other));
            }
        };
        // From here on the import is rolled forward: by `recover` if this process dies.
        sqlx::query("UPDATE imports SET state = 'publishing', added = $1, duplicates = $2 WHERE id = $3")
            .bind(staged)
            .bind(duplicates)
            .bind(staging.import_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        finish(db, &mut *conn, staging, dataset, actor, detail).await.map(Ok)
    })
}

/// Computes the staged items' `need` as it will be once published, one batch per short write
/// transaction, so that [`promote`] only renames. The items stay unserved meanwhile: a
/// staging dataset is reachable by no name and no id. Should the dataset turn out to exist by
/// then, moving the items recomputes `need` anyway.
async fn prepare_need(db: &Db, conn: impl Into<Conn<'_>>, staging: Staging) -> Result<(), sqlx::Error> {
    on2!((db, conn.into()), (pool, conn) => {
        let mut after = 0;
        while let Some(last) = next_batch(&mut *conn, staging, after).await? {
            let mut tx = begin_write_on(pool, conn).await?;
            sqlx::query(
                "UPDATE items SET need = (SELECT v.need FROM item_need_published v WHERE v.id = items.id)
                  WHERE dataset_id = $1 AND id > $2 AND id <= $3",
            )
            .bind(staging.dataset)
            .bind(after)
            .bind(last)
            .execute(&mut *tx)
            .await?;
            heartbeat(&mut tx, staging).await?;
            tx.commit().await?;
            after = last;
        }
        Ok(())
    })
}

/// The last id of the next batch of staged items after `after`, if any are left.
async fn next_batch(conn: impl Into<Conn<'_>>, staging: Staging, after: i64) -> Result<Option<i64>, sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query_scalar("SELECT MAX(id) FROM (SELECT id FROM items WHERE dataset_id = $1 AND id > $2 ORDER BY id LIMIT $3)")
            .bind(staging.dataset)
            .bind(after)
            .bind(PUBLISH_BATCH)
            .fetch_one(&mut *conn)
            .await
    })
}

/// A new dataset's first import: the staging dataset becomes the dataset, in one short
/// transaction (its items' `need` is already computed), instead of its items moving over one
/// by one.
async fn promote(
    mut tx: super::WriteTx<'_>,
    staging: Staging,
    (target, kind): (&DatasetName, DatasetKind),
    (added, duplicates): (i64, i64),
    actor: Option<UserId>,
    mut detail: serde_json::Value,
) -> Result<Published, sqlx::Error> {
    let dataset = staging.dataset;
    on!(Conn::from(&mut tx), tx => {
    sqlx::query("UPDATE datasets SET name = $1, staging_of = NULL WHERE id = $2")
        .bind(target.as_str())
        .bind(dataset)
        .execute(&mut *tx)
        .await?;
    let created = serde_json::json!({ "name": target.as_str(), "kind": kind });
    super::audit::record(&mut *tx, actor, "dataset.create", "dataset", Some(dataset.0), created).await?;
    sqlx::query("UPDATE imports SET state = 'done', heartbeat_at = NULL WHERE id = $1")
        .bind(staging.import_id)
        .execute(&mut *tx)
        .await?;
    items::finish_import(&mut *tx, staging.import_id, added, duplicates).await?;
    detail["added"] = added.into();
    detail["duplicates"] = duplicates.into();
    super::audit::record(&mut *tx, actor, "import", "import", Some(staging.import_id), detail).await?;
    Ok::<_, sqlx::Error>(())
    })?;
    tx.commit().await?;
    Ok(Published { dataset, added, already_there: 0 })
}

/// The dataset a staging dataset is for, and its kind.
async fn target_of(conn: impl Into<Conn<'_>>, staging: Staging) -> Result<(DatasetName, DatasetKind), sqlx::Error> {
    on!(conn.into(), conn => {
        let (target, kind): (String, String) = sqlx::query_as("SELECT staging_of, kind FROM datasets WHERE id = $1")
            .bind(staging.dataset.0)
            .fetch_one(&mut *conn)
            .await?;
        let target = DatasetName::parse(target).map_err(|e| sqlx::Error::Decode(e.into()))?;
        Ok((target, kind.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?))
    })
}

/// Moves the staged items in batches, then drops what the dataset already had, records the
/// counts and the audit entry, and removes the staging dataset.
async fn finish(
    db: &Db,
    conn: impl Into<Conn<'_>>,
    staging: Staging,
    dataset: DatasetId,
    actor: Option<UserId>,
    mut detail: serde_json::Value,
) -> Result<Published, sqlx::Error> {
    on2!((db, conn.into()), (pool, conn) => {
        let mut after = 0;
        loop {
            let mut tx = begin_write_on(pool, conn).await?;
            let Some(last) = next_batch(&mut tx, staging, after).await? else { break };
            // OR IGNORE: an item whose content the dataset already holds stays behind.
            sqlx::query("UPDATE OR IGNORE items SET dataset_id = $1 WHERE dataset_id = $2 AND id > $3 AND id <= $4")
                .bind(dataset.0)
                .bind(staging.dataset.0)
                .bind(after)
                .bind(last)
                .execute(&mut *tx)
                .await?;
            heartbeat(&mut tx, staging).await?;
            tx.commit().await?;
            after = last;
        }
        let mut tx = begin_write_on(pool, conn).await?;
        let already_there = delete_items(&mut tx, staging.dataset).await?;
        let (staged, duplicates): (i64, i64) = sqlx::query_as("SELECT added, duplicates FROM imports WHERE id = $1")
            .bind(staging.import_id)
            .fetch_one(&mut *tx)
            .await?;
        let (added, duplicates) = (staged - already_there, duplicates + already_there);
        sqlx::query("UPDATE imports SET state = 'done', heartbeat_at = NULL, dataset_id = $1 WHERE id = $2")
            .bind(dataset.0)
            .bind(staging.import_id)
            .execute(&mut *tx)
            .await?;
        items::finish_import(&mut tx, staging.import_id, added, duplicates).await?;
        sqlx::query("DELETE FROM datasets WHERE id = $1").bind(staging.dataset.0).execute(&mut *tx).await?;
        detail["added"] = added.into();
        detail["duplicates"] = duplicates.into();
        super::audit::record(&mut tx, actor, "import", "import", Some(staging.import_id), detail).await?;
        tx.commit().await?;
        Ok(Published { dataset, added, already_there })
    })
}

/// Deletes every item of a (staging) dataset with its answers and flags. Returns how many.
async fn delete_items(tx: impl Into<Conn<'_>>, dataset: DatasetId) -> Result<i64, sqlx::Error> {
    on!(tx.into(), tx => {
        Ok(sqlx::query("DELETE FROM items WHERE dataset_id = $1").bind(dataset.0).execute(&mut *tx).await?.rows_affected()
            as i64)
    })
}

/// Throws a staged import away: its items (in batches), its import record, its dataset.
pub async fn discard(db: &Db, conn: impl Into<Conn<'_>>, staging: Staging) -> Result<(), sqlx::Error> {
    on2!((db, conn.into()), (pool, conn) => {
        loop {
            let mut tx = begin_write_on(pool, conn).await?;
            let gone = sqlx::query("DELETE FROM items WHERE id IN (SELECT id FROM items WHERE dataset_id = $1 LIMIT $2)")
                .bind(staging.dataset.0)
                .bind(PUBLISH_BATCH)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if gone == 0 {
                sqlx::query("DELETE FROM import_rejects WHERE import_id = $1")
                    .bind(staging.import_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("DELETE FROM imports WHERE id = $1").bind(staging.import_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM datasets WHERE id = $1").bind(staging.dataset.0).execute(&mut *tx).await?;
                tx.commit().await?;
                return Ok(());
            }
            tx.commit().await?;
        }
    })
}

/// After a crash: finishes the imports that had started publishing, and discards those
/// abandoned while staging (no batch for a while: a live import elsewhere keeps writing).
pub async fn recover(db: &Db) -> Result<(), sqlx::Error> {
    on!(db, pool => {
        let rows: Vec<(DatasetId, i64, String, Option<i64>)> = sqlx::query_as(&format!(
            "SELECT d.id, m.id, m.state, m.created_by FROM datasets d JOIN imports m ON m.dataset_id = d.id
          WHERE d.staging_of IS NOT NULL
            AND ((m.state = 'staging' AND m.heartbeat_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '{ABANDONED_AFTER}'))
              OR (m.state = 'publishing' AND m.heartbeat_at < strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '{STALLED_AFTER}')))"
        ))
        .fetch_all(pool)
        .await?;
        let mut conn = pool.acquire().await?.detach();
        for (dataset, import_id, state, actor) in rows {
            let staging = Staging { dataset, import_id };
            if state == "publishing" {
                let (target, _) = target_of(&mut conn, staging).await?;
                let target = super::datasets::by_name(db, &target).await?.ok_or(sqlx::Error::RowNotFound)?;
                let detail = serde_json::json!({ "recovered_after_restart": true });
                finish(db, &mut conn, staging, target.id, actor.map(UserId), detail).await?;
            } else {
                discard(db, &mut conn, staging).await?;
            }
        }
        Ok(())
    })
}

/// A quarantined import's bad lines in file order: (line, reason, the line's text). `None` when
/// there is no such import.
pub async fn rejects(db: &Db, import_id: i64) -> Result<Option<Vec<(i64, String, String)>>, sqlx::Error> {
    on!(db, pool => {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM imports WHERE id = $1 AND state = 'done'")
            .bind(import_id)
            .fetch_optional(pool)
            .await?;
        if known.is_none() {
            return Ok(None);
        }
        let rows = sqlx::query_as("SELECT line, reason, record FROM import_rejects WHERE import_id = $1 ORDER BY line")
            .bind(import_id)
            .fetch_all(pool)
            .await?;
        Ok(Some(rows))
    })
}
