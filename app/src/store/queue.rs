//! The review queue: which items a reviewer gets next.
//!
//! An item needs `overlap_target` different reviewers. A served item is leased to its
//! reviewer until `lease_seconds` pass; an expired lease no longer counts, so an abandoned
//! item returns to the pool. Leasing happens under SQLite's write lock
//! ([`super::begin_write`]), so concurrent requests can never lease beyond the target.
//!
//! A reviewer holds up to two leases: the item on screen and the next one, fetched early
//! so the next item appears at once. Gold items (known answers, marked by an admin) are
//! served at the dataset's gold rate to every reviewer, outside the overlap count. Items
//! of a reviewer's specialties (科室) come first.
use super::datasets::DatasetRecord;
use super::{Conn, Db, Dialect};
use crate::domain::judgment::SkipReason;
use crate::domain::{AssignmentId, CandidateId, DatasetId, ItemId, UserId};
use rand::Rng;
use rand::SeedableRng;
use rand::seq::SliceRandom;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub id: AssignmentId,
    pub item_id: ItemId,
    /// Candidate ids in the order shown, left to right.
    pub presentation: Vec<CandidateId>,
}

/// The reviewer the queue serves.
#[derive(Debug, Clone)]
pub struct Reviewer {
    pub id: UserId,
    /// Departments the reviewer prefers, as stored in `users.specialties`.
    pub specialties: Vec<String>,
}

/// Reviewer ?2 is not barred from item `o`: no assignment of theirs that is done, skipped or a
/// live lease (their own expired lease does not bar them), and not an answer they added.
fn not_barred<E: Dialect>(o: &str) -> String {
    let now = E::NOW;
    format!(
        "({o}.created_by IS NULL OR {o}.created_by <> $2)
         AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.item_id = {o}.id AND a.user_id = $2
                           AND (a.state <> 'leased' OR a.lease_expires_at > {now}))"
    )
}

/// How many of the open items at the head of the queue a pick looks at before it goes on
/// from the reviewer's cursor. The head holds the items others have started, which are
/// closest to done; bounded, so a reviewer barred from all of them pays a fixed cost.
const HEAD: i64 = 64;

/// Where a pick looks among a dataset's open items, in id order (`items_open` index).
#[derive(Clone, Copy)]
enum Phase {
    /// The first [`HEAD`] open items.
    Head,
    /// Every open item after the reviewer's cursor.
    Forward,
    /// Every open item (the end of a round: what is left behind the cursor).
    All,
}

/// An item picked for a reviewer, with its candidates in source order (JSON ids).
type Picked = (i64, String);

/// The candidate ids of item `o` in source order, as a JSON array.
fn candidate_ids<E: Dialect>(o: &str) -> String {
    format!("(SELECT {} FROM candidates WHERE item_id = {o}.id)", E::json_agg("id", "position"))
}

/// The first open item of the phase that the reviewer may have, in one department when
/// given. Each phase is an index range scan that stops at its first match.
async fn pick_open(
    conn: impl Into<Conn<'_>>,
    dataset: DatasetId,
    reviewer: UserId,
    cursor: i64,
    phase: Phase,
    department: Option<&str>,
) -> Result<Option<Picked>, sqlx::Error> {
    on!(conn.into(), conn => {
        let in_department = if department.is_some() { "AND department = $4" } else { "" };
        let sql = match phase {
            Phase::Head => format!(
                "SELECT o.id, {} FROM (SELECT id, created_by FROM items
                                WHERE dataset_id = $1 AND need > 0 {in_department} ORDER BY id LIMIT {HEAD}) o
              WHERE {} ORDER BY o.id LIMIT 1",
                candidate_ids::<Engine>("o"),
                not_barred::<Engine>("o")
            ),
            Phase::Forward | Phase::All => format!(
                "SELECT i.id, {} FROM items i WHERE i.dataset_id = $1 AND i.need > 0 AND i.id > $3 {in_department} AND {}
                  ORDER BY i.id LIMIT 1",
                candidate_ids::<Engine>("i"),
                not_barred::<Engine>("i")
            ),
        };
        let after = if matches!(phase, Phase::Forward) { cursor } else { 0 };
        sqlx::query_as(&sql).bind(dataset).bind(reviewer.0).bind(after).bind(department).fetch_optional(&mut *conn).await
    })
}

/// The next regular item for the reviewer: of their specialties first, then any; in each,
/// the head of the queue, then forward from their cursor, then whatever is left behind it.
async fn pick_regular(
    conn: impl Into<Conn<'_>>,
    dataset: DatasetId,
    reviewer: &Reviewer,
    cursor: i64,
) -> Result<Option<Picked>, sqlx::Error> {
    on!(conn.into(), conn => {
        let departments = reviewer.specialties.iter().map(|d| Some(d.as_str())).chain([None]);
        for department in departments {
            for phase in [Phase::Head, Phase::Forward, Phase::All] {
                if let Some(picked) = pick_open(&mut *conn, dataset, reviewer.id, cursor, phase, department).await? {
                    return Ok(Some(picked));
                }
            }
        }
        Ok(None)
    })
}

/// Gold items the reviewer may have: served outside the overlap count. Few per dataset.
fn gold_items<E: Dialect>() -> String {
    format!(
        "items i WHERE i.dataset_id = $1 AND i.gold IS NOT NULL AND i.excluded_at IS NULL
           AND (SELECT COUNT(*) FROM candidates c WHERE c.item_id = i.id) >= 2 AND {}",
        not_barred::<E>("i")
    )
}

async fn pick_gold(
    conn: impl Into<Conn<'_>>,
    dataset: DatasetId,
    reviewer: UserId,
) -> Result<Option<Picked>, sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query_as(&format!("SELECT i.id, {} FROM {} ORDER BY i.id LIMIT 1", candidate_ids::<Engine>("i"), gold_items::<Engine>()))
            .bind(dataset)
            .bind(reviewer.0)
            .fetch_optional(&mut *conn)
            .await
    })
}

fn lease_until<E: Dialect>(dataset: &DatasetRecord) -> String {
    E::now_plus(dataset.lease_seconds)
}

/// Renews the reviewer's live leases in the dataset and returns them, oldest first.
async fn renew_live_leases(
    conn: impl Into<Conn<'_>>,
    dataset: &DatasetRecord,
    user: UserId,
) -> Result<Vec<Assignment>, sqlx::Error> {
    on!(conn.into(), conn => {
        let mut rows: Vec<(i64, i64, String, String)> = sqlx::query_as(&format!(
            "UPDATE assignments SET lease_expires_at = {}
          WHERE id IN (SELECT a.id FROM assignments a JOIN items i ON i.id = a.item_id
                        WHERE a.user_id = $1 AND a.state = 'leased' AND a.lease_expires_at > {NOW} AND i.dataset_id = $2)
         RETURNING id, item_id, presentation, leased_at",
            lease_until::<Engine>(dataset)
        ))
        .bind(user.0)
        .bind(dataset.id)
        .fetch_all(&mut *conn)
        .await?;
        rows.sort_by(|a, b| (&a.3, a.0).cmp(&(&b.3, b.0)));
        rows.into_iter()
            .map(|(id, item, p, _)| {
                Ok(Assignment { id: AssignmentId(id), item_id: ItemId(item), presentation: decode(&p)? })
            })
            .collect()
    })
}

/// Gives back the slots of leases that expired, so their items return to the pool. The
/// `assignments_live` index holds only counted leases, so this is a short range scan.
async fn reclaim_expired(conn: impl Into<Conn<'_>>) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query(&format!(
            "UPDATE assignments SET counted = 0 WHERE state = 'leased' AND counted = 1 AND lease_expires_at <= {NOW}"
        ))
        .execute(&mut *conn)
        .await?;
        Ok(())
    })
}

/// How often a lease transaction gives back expired leases; a pick that finds nothing always
/// does, then looks again. Leases run for minutes: a second's delay changes nothing.
const RECLAIM_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether this lease transaction should reclaim now (and notes that it does).
fn reclaim_due(db: &Db) -> bool {
    on!(db, pool => {
        let local = local(pool);
        let mut last = local.last_reclaim.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let due = last.is_none_or(|t| t.elapsed() >= RECLAIM_EVERY);
        if due {
            *last = Some(std::time::Instant::now());
        }
        due
    })
}

/// Leases items to the reviewer until they hold `want` (renewing the ones they hold), and
/// returns their leases oldest first: the first is the item to show.
///
/// Every statement here is an index seek or a short range scan: the transaction holds
/// SQLite's only write lock, so its cost is what every other reviewer waits for.
pub async fn lease(
    db: &Db,
    dataset: &DatasetRecord,
    reviewer: &Reviewer,
    gold_rate: f64,
    want: usize,
    rng: &mut (impl Rng + Send),
) -> Result<Vec<Assignment>, sqlx::Error> {
    on!(db, pool => {
        let reclaim = reclaim_due(db);
        let (dataset, reviewer) = (dataset.clone(), reviewer.clone());
        let mut rng = rand::rngs::StdRng::from_rng(rng).map_err(|e| sqlx::Error::Protocol(e.to_string()))?;
        write_grouped(pool, move |conn| {
            Box::pin(async move { lease_on(&mut *conn, &dataset, &reviewer, gold_rate, want, reclaim, &mut rng).await })
        })
        .await
    })
}

/// [`lease`] inside the writer's transaction.
async fn lease_on(
    tx: impl Into<Conn<'_>>,
    dataset: &DatasetRecord,
    reviewer: &Reviewer,
    gold_rate: f64,
    want: usize,
    mut reclaimed: bool,
    rng: &mut (impl Rng + Send),
) -> Result<Vec<Assignment>, sqlx::Error> {
    on!(tx.into(), tx => {
        if reclaimed {
            reclaim_expired(&mut *tx).await?;
        }
        let mut leases = renew_live_leases(&mut *tx, dataset, reviewer.id).await?;
        if leases.len() >= want {
            return Ok(leases);
        }
        let start: i64 = sqlx::query_scalar(
            "INSERT INTO reviewer_queue (user_id, dataset_id) VALUES ($1, $2)
             ON CONFLICT (user_id, dataset_id) DO UPDATE SET cursor = cursor RETURNING cursor",
        )
        .bind(reviewer.id.0)
        .bind(dataset.id)
        .fetch_one(&mut *tx)
        .await?;
        let mut cursor = start;
        let until = lease_until::<Engine>(dataset);
        while leases.len() < want {
            let gold_turn = gold_rate > 0.0 && rng.gen_bool(gold_rate.clamp(0.0, 1.0));
            let mut picked = None;
            if gold_turn {
                picked = pick_gold(&mut *tx, dataset.id, reviewer.id).await?;
            }
            if picked.is_none() {
                picked = pick_regular(&mut *tx, dataset.id, reviewer, cursor).await?;
                if picked.is_none() && !reclaimed {
                    // Nothing open: an expired lease may be holding the last items.
                    reclaim_expired(&mut *tx).await?;
                    reclaimed = true;
                    picked = pick_regular(&mut *tx, dataset.id, reviewer, cursor).await?;
                }
                cursor = cursor.max(picked.as_ref().map_or(0, |p| p.0));
            }
            let Some((item_id, candidates)) = picked else { break };
            let mut candidates: Vec<i64> = decode(&candidates)?;
            // Which answer goes where is random per reviewer, and recorded.
            candidates.shuffle(rng);
            let presentation = serde_json::to_string(&candidates).expect("ids serialise");
            // A reviewer coming back to an item whose lease expired keeps its first presentation.
            let (id, presentation): (i64, String) = sqlx::query_as(&format!(
                "INSERT INTO assignments (item_id, user_id, presentation, state, leased_at, lease_expires_at, counted)
             VALUES ($1, $2, $3, 'leased', {NOW}, {until}, 1)
             ON CONFLICT (item_id, user_id) DO UPDATE
                SET leased_at = excluded.leased_at, lease_expires_at = excluded.lease_expires_at, counted = 1
             RETURNING id, presentation"
            ))
            .bind(item_id)
            .bind(reviewer.id.0)
            .bind(presentation)
            .fetch_one(&mut *tx)
            .await?;
            leases.push(Assignment {
                id: AssignmentId(id),
                item_id: ItemId(item_id),
                presentation: decode(&presentation)?,
            });
        }
        if cursor != start {
            sqlx::query("UPDATE reviewer_queue SET cursor = $1 WHERE user_id = $2 AND dataset_id = $3")
                .bind(cursor)
                .bind(reviewer.id.0)
                .bind(dataset.id)
                .execute(&mut *tx)
                .await?;
        }
        Ok(leases)
    })
}

/// Gives back every expired lease's slot now (the queue otherwise does so about once a
/// second, and whenever it finds nothing open).
pub async fn reclaim_now(db: &Db) -> Result<(), sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        reclaim_expired(&mut tx).await?;
        tx.commit().await
    })
}

/// How a leased assignment may be completed (see [`complete`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Completion {
    Done,
    /// Not the caller's leased assignment (or no such assignment).
    NotLeased,
    /// The lease expired and its item has since been filled by others: taking it now would
    /// push the item past its overlap.
    LeaseLost,
}

/// A leased assignment as its submit reads it (see [`leased`]).
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct Leased {
    pub item_id: i64,
    /// Candidate ids as shown (JSON).
    pub presentation: String,
    pub state: String,
    pub counted: i64,
    /// The item's `need`.
    pub need: i64,
}

/// The reviewer's assignment and what [`complete`] needs to know, read in one statement.
pub(crate) async fn leased(
    conn: impl Into<Conn<'_>>,
    user: UserId,
    assignment: AssignmentId,
) -> Result<Option<Leased>, sqlx::Error> {
    on!(conn.into(), conn => {
        sqlx::query_as(
            "SELECT a.item_id, a.presentation, a.state, a.counted, i.need FROM assignments a JOIN items i ON i.id = a.item_id
              WHERE a.id = $1 AND a.user_id = $2",
        )
        .bind(assignment.0)
        .bind(user.0)
        .fetch_optional(&mut *conn)
        .await
    })
}

/// Marks the reviewer's leased assignment done, inside the caller's write transaction (in
/// which `lease` was read). A lease that expired still holds its slot until a lease
/// transaction reclaims it; a reclaimed one is accepted only while its item still needs a
/// reviewer, and takes the slot back. So a late submit never pushes an item past its overlap.
pub(crate) async fn complete(
    conn: impl Into<Conn<'_>>,
    assignment: AssignmentId,
    lease: &Leased,
) -> Result<Completion, sqlx::Error> {
    on!(conn.into(), conn => {
        if lease.state != "leased" {
            return Ok(Completion::NotLeased);
        }
        if lease.counted == 0 {
            let need = lease.need;
            if need == 0 {
                return Ok(Completion::LeaseLost);
            }
            // The slot first, then the state: the counters' triggers see one change at a time.
            sqlx::query("UPDATE assignments SET counted = 1 WHERE id = $1").bind(assignment.0).execute(&mut *conn).await?;
        }
        sqlx::query(&format!("UPDATE assignments SET state = 'done', completed_at = {NOW} WHERE id = $1"))
            .bind(assignment.0)
            .execute(&mut *conn)
            .await?;
        Ok(Completion::Done)
    })
}

/// How many items of the dataset this reviewer has decided, and how many more they may get
/// (counting the ones they hold; gold items only when the dataset serves them). Read from
/// the counters the triggers keep (see the `queue_counters` migration), not counted.
pub async fn progress(
    db: &Db,
    dataset: &DatasetRecord,
    user: UserId,
    gold_rate: f64,
) -> Result<(i64, i64), sqlx::Error> {
    on!(db, pool => {
        // Open items, less those the reviewer decided or skipped and those they added, plus the
        // leases they hold on items that need nobody else (gold, or filled by their lease).
        let (done, open): (i64, i64) = sqlx::query_as(&format!(
            "SELECT IFNULL(q.done, 0),
                d.open_items - IFNULL(q.barred_open, 0)
                - (SELECT COUNT(*) FROM items c WHERE c.created_by = $2 AND c.dataset_id = $1 AND c.need > 0)
                + (SELECT COUNT(*) FROM assignments a JOIN items i ON i.id = a.item_id
                    WHERE a.user_id = $2 AND a.state = 'leased' AND a.lease_expires_at > {NOW}
                      AND i.dataset_id = $1 AND i.need = 0)
                + CASE WHEN $3 > 0 THEN (SELECT COUNT(*) FROM {}) ELSE 0 END
           FROM datasets d LEFT JOIN reviewer_queue q ON q.dataset_id = d.id AND q.user_id = $2
          WHERE d.id = $1",
            gold_items::<Engine>()
        ))
        .bind(dataset.id)
        .bind(user.0)
        .bind(gold_rate)
        .fetch_one(pool)
        .await?;
        Ok((done, open))
    })
}

/// Passes on a leased item with a reason; the reviewer will not be given it again.
/// `false` when the reviewer holds no such lease.
pub async fn skip(db: &Db, user: UserId, assignment: AssignmentId, reason: SkipReason) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        // The slot first, then the state: the counters' triggers see one change at a time.
        let done = sqlx::query("UPDATE assignments SET counted = 0 WHERE id = $1 AND user_id = $2 AND state = 'leased'")
            .bind(assignment.0)
            .bind(user.0)
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        if done {
            sqlx::query(&format!(
                "UPDATE assignments SET state = 'skipped', skip_reason = $1, completed_at = {NOW} WHERE id = $2"
            ))
            .bind(reason.as_str())
            .bind(assignment.0)
            .execute(&mut *tx)
            .await?;
            let detail = serde_json::json!({ "reason": reason });
            super::audit::record(&mut tx, Some(user), "assignment.skip", "assignment", Some(assignment.0), detail).await?;
        }
        tx.commit().await?;
        Ok(done)
    })
}

/// What a reviewer sees of an item: no model names, no prior labels, answers in shown order.
/// Each text comes with its HTML, rendered when it was stored.
#[derive(Debug, Clone)]
pub struct ItemContent {
    pub system: Option<String>,
    pub history: Vec<(String, String)>,
    pub question: String,
    pub department: Option<String>,
    pub answers: Vec<String>,
    pub html: ItemHtml,
}

/// An item's texts as HTML. Rows stored before texts were rendered on write are rendered on
/// read (with the caller's renderer) until the start-up pass ([`super::render::render_missing`])
/// has reached them.
#[derive(Debug, Clone)]
pub struct ItemHtml {
    pub system: Option<String>,
    pub history: Vec<(String, String)>,
    /// The question, then the answers in shown order.
    pub texts: Vec<Option<String>>,
}

pub async fn content(
    db: &Db,
    item: ItemId,
    presentation: &[CandidateId],
    render: super::render::Render,
) -> Result<ItemContent, sqlx::Error> {
    on!(db, pool => {
        type Row = (Option<String>, String, String, Option<String>, Option<String>, Option<String>, Option<String>, String);
        // One statement: the item and its answers (as JSON), since each is a round trip.
        let (system, history, question, department, system_html, history_html, question_html, bodies): Row =
            sqlx::query_as(
                "SELECT system, history, question, department, system_html, history_html, question_html,
                    (SELECT json_group_array(json_array(c.id, c.body, c.body_html)) FROM candidates c WHERE c.item_id = items.id)
               FROM items WHERE id = $1",
            )
            .bind(item.0)
            .fetch_one(pool)
            .await?;
        let bodies: Vec<(i64, String, Option<String>)> = decode(&bodies)?;
        let shown = presentation
            .iter()
            .map(|id| bodies.iter().find(|(cid, _, _)| *cid == id.0).ok_or(sqlx::Error::RowNotFound))
            .collect::<Result<Vec<_>, _>>()?;
        let history: Vec<(String, String)> = decode(&history)?;
        let html = ItemHtml {
            system: match system_html {
                Some(h) => Some(h),
                None => system.as_deref().map(render),
            },
            history: match history_html {
                Some(h) => decode(&h)?,
                None => history.iter().map(|(q, a)| (render(q), render(a))).collect(),
            },
            texts: std::iter::once(question_html).chain(shown.iter().map(|(_, _, h)| h.clone())).collect(),
        };
        Ok(ItemContent {
            system,
            history,
            question,
            department,
            answers: shown.into_iter().map(|(_, b, _)| b.clone()).collect(),
            html,
        })
    })
}

fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, sqlx::Error> {
    serde_json::from_str(json).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// Whose an assignment is, its item and the answers as shown (left to right).
pub async fn assignment(
    db: &Db,
    id: crate::domain::AssignmentId,
) -> Result<Option<(UserId, ItemId, Vec<CandidateId>)>, sqlx::Error> {
    on!(db, pool => {
        let row: Option<(i64, i64, String)> =
            sqlx::query_as("SELECT user_id, item_id, presentation FROM assignments WHERE id = $1")
                .bind(id.0)
                .fetch_optional(pool)
                .await?;
        row.map(|(u, i, p)| Ok((UserId(u), ItemId(i), decode(&p)?))).transpose()
    })
}
