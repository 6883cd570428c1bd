//! Flags on items: detected spans, reviewers' spans and concerns, and their resolution.
//! Every text a flag can point at is read and written through [`location`], the one
//! mapping from a `TextRef` to its table and column.
use super::{Conn, Db};
use crate::domain::flag::{Category, FlagKind, FlagStatus, FlagView, Harm, Resolution, Span, TextRef};
use crate::domain::{CandidateId, DatasetId, ItemId, UserId};
use sqlx::QueryBuilder;

/// The statuses of an active flag (one still to act on), as an SQL list: `status IN {ACTIVE}`.
pub(super) const ACTIVE: &str = "('open', 'confirmed')";

/// Table, text column and key column of a text, and the key's value.
fn location(item: ItemId, r: TextRef) -> (&'static str, &'static str, &'static str, i64) {
    match r {
        TextRef::Question => ("items", "question", "id", item.0),
        TextRef::Answer(c) => ("candidates", "body", "id", c.0),
        TextRef::CorrectedQuestion(c) => ("corrections", "corrected_question", "id", c),
        TextRef::CorrectedAnswer(c) => ("corrections", "corrected_answer", "id", c),
        TextRef::FinalQuestion => ("adjudications", "final_question", "item_id", item.0),
        TextRef::FinalAnswer => ("adjudications", "final_answer", "item_id", item.0),
    }
}

/// The item column of each table in [`location`].
fn item_column(table: &str) -> &'static str {
    if table == "items" { "id" } else { "item_id" }
}

/// The text `r` of `item`, if it exists.
pub async fn text(conn: impl Into<Conn<'_>>, item: ItemId, r: TextRef) -> Result<Option<String>, sqlx::Error> {
    on!(conn.into(), conn => {
        let (table, column, key, value) = location(item, r);
        let sql = format!("SELECT {column} FROM {table} WHERE {key} = $1 AND {} = $2", item_column(table));
        Ok(sqlx::query_scalar::<_, Option<String>>(&sql).bind(value).bind(item.0).fetch_optional(&mut *conn).await?.flatten())
    })
}

/// Whether a text is one reviewers are served, whose rendering is stored beside it (see
/// `store::render`): the question and the answers.
pub fn keeps_html(r: TextRef) -> bool {
    matches!(r, TextRef::Question | TextRef::Answer(_))
}

async fn set_text(
    conn: impl Into<Conn<'_>>,
    item: ItemId,
    r: TextRef,
    new: &str,
    html: Option<&str>,
) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        let (table, column, key, value) = location(item, r);
        let html_column = match r {
            TextRef::Question => ", question_html = $4",
            TextRef::Answer(_) => ", body_html = $4",
            _ => "",
        };
        let sql = format!("UPDATE {table} SET {column} = $1{html_column} WHERE {key} = $2 AND {} = $3", item_column(table));
        let mut q = sqlx::query(&sql).bind(new).bind(value).bind(item.0);
        if !html_column.is_empty() {
            // NULL (not yet rendered) when the caller gave none: rendered on read and by the start-up pass.
            q = q.bind(html);
        }
        q.execute(&mut *conn).await?;
        Ok(())
    })
}

/// Every stored text of an item besides its question: answers, corrected versions, final versions.
pub async fn refs_of_item(conn: impl Into<Conn<'_>>, item: ItemId) -> Result<Vec<TextRef>, sqlx::Error> {
    on!(conn.into(), conn => {
        let mut refs: Vec<TextRef> = Vec::new();
        let candidates: Vec<i64> = sqlx::query_scalar("SELECT id FROM candidates WHERE item_id = $1 ORDER BY position")
            .bind(item.0)
            .fetch_all(&mut *conn)
            .await?;
        refs.extend(candidates.into_iter().map(|c| TextRef::Answer(CandidateId(c))));
        let corrections: Vec<(i64, bool, bool)> = sqlx::query_as(
            "SELECT id, corrected_question IS NOT NULL, corrected_answer IS NOT NULL FROM corrections WHERE item_id = $1 ORDER BY id",
        )
        .bind(item.0)
        .fetch_all(&mut *conn)
        .await?;
        for (id, q, a) in corrections {
            refs.extend(q.then_some(TextRef::CorrectedQuestion(id)));
            refs.extend(a.then_some(TextRef::CorrectedAnswer(id)));
        }
        let finals: Option<(bool, bool)> = sqlx::query_as(
            "SELECT final_question IS NOT NULL, final_answer IS NOT NULL FROM adjudications WHERE item_id = $1",
        )
        .bind(item.0)
        .fetch_optional(&mut *conn)
        .await?;
        if let Some((q, a)) = finals {
            refs.extend(q.then_some(TextRef::FinalQuestion));
            refs.extend(a.then_some(TextRef::FinalAnswer));
        }
        Ok(refs)
    })
}

/// The stored columns of a text reference: field, candidate id, correction id.
pub(super) fn columns(r: TextRef) -> (&'static str, Option<i64>, Option<i64>) {
    match r {
        TextRef::Question => ("question", None, None),
        TextRef::Answer(c) => ("answer", Some(c.0), None),
        TextRef::CorrectedQuestion(c) => ("corrected_question", None, Some(c)),
        TextRef::CorrectedAnswer(c) => ("corrected_answer", None, Some(c)),
        TextRef::FinalQuestion => ("final_question", None, None),
        TextRef::FinalAnswer => ("final_answer", None, None),
    }
}

fn from_columns(field: &str, candidate: Option<i64>, correction: Option<i64>) -> Result<TextRef, sqlx::Error> {
    Ok(match (field, candidate, correction) {
        ("question", _, _) => TextRef::Question,
        ("answer", Some(c), _) => TextRef::Answer(CandidateId(c)),
        ("corrected_question", _, Some(c)) => TextRef::CorrectedQuestion(c),
        ("corrected_answer", _, Some(c)) => TextRef::CorrectedAnswer(c),
        ("final_question", _, _) => TextRef::FinalQuestion,
        ("final_answer", _, _) => TextRef::FinalAnswer,
        _ => return Err(sqlx::Error::Decode(format!("flag field `{field}` without its id").into())),
    })
}

/// A new flag: a span (with category) or a concern (with severity or note).
#[derive(Debug, Clone)]
pub struct NewFlag {
    pub field: Option<TextRef>,
    pub span: Option<(usize, usize)>,
    pub span_text: Option<String>,
    pub kind: FlagKind,
    pub severity: Option<Harm>,
    pub note: Option<String>,
    /// `None`: found by a detector.
    pub by: Option<UserId>,
}

/// Columns per flag row in [`INSERT`]; batches stay under SQLite's 32,766 parameters.
const COLUMNS: usize = 13;

/// The columns both flag tables (`flags`, `audit_flags`) end their inserts with.
macro_rules! shared_columns {
    () => {
        "field, candidate_id, span_start, span_end, span_text, category, severity, note"
    };
}
pub(super) const SHARED_COLUMNS: &str = shared_columns!();

const INSERT: &str =
    concat!("INSERT INTO flags (item_id, correction_id, source, detector, created_by, ", shared_columns!(), ") ");

/// Binds a flag's [`SHARED_COLUMNS`] into a row of a multi-row insert. (Macros rather than
/// functions generic over the engine, which would have to name a bound per bound type.)
macro_rules! push_shared {
    ($row:expr, $f:expr) => {{
        let f: &$crate::store::flags::NewFlag = $f;
        let (field, candidate) = match f.field.map($crate::store::flags::columns) {
            Some((field, candidate, _)) => (Some(field), candidate),
            None => (None, None),
        };
        $row.push_bind(field)
            .push_bind(candidate)
            .push_bind(f.span.map(|s| s.0 as i64))
            .push_bind(f.span.map(|s| s.1 as i64))
            .push_bind(&f.span_text)
            .push_bind(f.kind.as_str())
            .push_bind(f.severity.map($crate::domain::flag::Harm::as_str))
            .push_bind(&f.note);
    }};
}
pub(super) use push_shared;

/// Binds one flag's row of [`INSERT`].
macro_rules! push_row {
    ($row:expr, $item:expr, $f:expr) => {{
        let (mut row, item, f): (_, ItemId, &NewFlag) = ($row, $item, $f);
        let correction = f.field.and_then(|r| columns(r).2);
        row.push_bind(item.0)
            .push_bind(correction)
            .push_bind(if f.by.is_some() { "reviewer" } else { "detector" })
            .push_bind(f.by.is_none().then(|| f.kind.as_str()))
            .push_bind(f.by.map(|u| u.0));
        push_shared!(row, f);
    }};
}

pub async fn insert(conn: impl Into<Conn<'_>>, item: ItemId, f: &NewFlag) -> Result<i64, sqlx::Error> {
    on!(conn.into(), conn => {
        let mut q = QueryBuilder::new(INSERT);
        q.push_values([f], |row, f| push_row!(row, item, f));
        q.push(" RETURNING id");
        q.build_query_scalar().fetch_one(&mut *conn).await
    })
}

/// Stores many flags with one statement per few thousand (imports store one per text span).
pub async fn insert_many(conn: impl Into<Conn<'_>>, flags: &[(ItemId, NewFlag)]) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        for chunk in flags.chunks(MAX_PARAMETERS / COLUMNS) {
            let mut q = QueryBuilder::new(INSERT);
            q.push_values(chunk, |row, (item, f)| push_row!(row, *item, f));
            q.build().execute(&mut *conn).await?;
        }
        Ok(())
    })
}

/// A detector's span in text `r`, as a flag to store.
pub fn span_flag(r: TextRef, s: Span) -> NewFlag {
    NewFlag {
        field: Some(r),
        span: Some((s.start, s.end)),
        span_text: Some(s.text),
        kind: FlagKind::Span(s.category),
        severity: None,
        note: None,
        by: None,
    }
}

/// A text was replaced (an edit, a new correction): its active flags are resolved as
/// edited, and what the detectors found in the new text (`None`: there is none) is stored.
pub async fn replace_text_flags(
    conn: impl Into<Conn<'_>>,
    item: ItemId,
    r: TextRef,
    new: Option<&[Span]>,
    by: Option<UserId>,
) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        let (field, candidate, correction) = columns(r);
        sqlx::query(&format!(
            "UPDATE flags SET status = 'resolved', resolution = 'edited', resolved_by = $1, resolved_at = {}
              WHERE item_id = $2 AND field = $3 AND candidate_id IS $4 AND correction_id IS $5 AND status IN {ACTIVE}",
            NOW
        ))
        .bind(by.map(|u| u.0))
        .bind(item.0)
        .bind(field)
        .bind(candidate)
        .bind(correction)
        .execute(&mut *conn)
        .await?;
        let flags: Vec<(ItemId, NewFlag)> =
            new.unwrap_or_default().iter().map(|s| (item, span_flag(r, s.clone()))).collect();
        insert_many(&mut *conn, &flags).await
    })
}

/// A flag row as [`SELECT`] (and the audit's copy of it) returns it.
pub(super) type Row = (
    i64,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    String,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<i64>,
);
const SELECT: &str =
    "SELECT id, item_id, field, candidate_id, correction_id, span_start, span_end, span_text, category,
                             severity, status, source, note, created_by FROM flags";

/// A stored flag with the item it belongs to and who made it (`None`: the detectors, or an
/// audit's copy).
#[derive(Debug, Clone)]
pub struct Flag {
    pub item: ItemId,
    pub created_by: Option<UserId>,
    pub view: FlagView<TextRef>,
}

pub(super) fn to_flag(row: Row) -> Result<Flag, sqlx::Error> {
    let (id, item, field, candidate, correction, start, end, span_text, category, severity, status, source, note, by) =
        row;
    let bad = |e: String| sqlx::Error::Decode(e.into());
    Ok(Flag {
        item: ItemId(item),
        created_by: by.map(UserId),
        view: FlagView {
            id,
            field: field.map(|f| from_columns(&f, candidate, correction)).transpose()?,
            span: start.zip(end).map(|(s, e)| (s as usize, e as usize)),
            text: span_text.unwrap_or_default(),
            kind: FlagKind::parse(&category).ok_or_else(|| bad(format!("flag category `{category}`")))?,
            severity: severity.map(|s| s.parse()).transpose().map_err(bad)?,
            status: status.parse().map_err(bad)?,
            by_detector: source == "detector",
            note,
        },
    })
}

/// Every flag of an item, in text order.
pub async fn of_item(conn: impl Into<Conn<'_>>, item: ItemId) -> Result<Vec<Flag>, sqlx::Error> {
    on!(conn.into(), conn => {
        let rows: Vec<Row> = sqlx::query_as(&format!("{SELECT} WHERE item_id = $1 ORDER BY field, span_start, id"))
            .bind(item.0)
            .fetch_all(&mut *conn)
            .await?;
        rows.into_iter().map(to_flag).collect()
    })
}

/// The flags of these items that still count (open or confirmed), by item.
pub async fn active_in_items(
    db: &Db,
    items: &[ItemId],
) -> Result<std::collections::HashMap<ItemId, Vec<FlagView<TextRef>>>, sqlx::Error> {
    on!(db, pool => {
        let ids = serde_json::to_string(&items.iter().map(|i| i.0).collect::<Vec<_>>()).expect("ids serialise");
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} WHERE status IN {ACTIVE}
                 AND item_id IN (SELECT value FROM json_each($1)) ORDER BY item_id, id"
        ))
        .bind(ids)
        .fetch_all(pool)
        .await?;
        let mut out: std::collections::HashMap<ItemId, Vec<FlagView<TextRef>>> = Default::default();
        for row in rows {
            let f = to_flag(row)?;
            out.entry(f.item).or_default().push(f.view);
        }
        Ok(out)
    })
}

/// Confirms or dismisses flags of `item` (not resolved ones), all or none: `false` and
/// nothing changed if any of them is not such a flag.
pub async fn review(db: &Db, item: ItemId, flags: &[i64], status: FlagStatus, by: UserId) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        for &flag in flags {
            let done = sqlx::query(&format!(
                "UPDATE flags SET status = $1, reviewed_by = $2, reviewed_at = {}
                  WHERE id = $3 AND item_id = $4 AND status IN ('open', 'confirmed', 'dismissed')",
                NOW
            ))
            .bind(status.as_str())
            .bind(by.0)
            .bind(flag)
            .bind(item.0)
            .execute(&mut *tx)
            .await?
            .rows_affected();
            if done != 1 {
                return Ok(false); // dropping the transaction rolls back the earlier ones
            }
            let detail = serde_json::json!({ "item": item.0, "status": status });
            super::audit::record(&mut tx, Some(by), "flag.review", "flag", Some(flag), detail).await?;
        }
        tx.commit().await?;
        Ok(true)
    })
}

/// Adds a reviewer's flag, with an audit entry.
pub async fn add(db: &Db, item: ItemId, flag: &NewFlag) -> Result<i64, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let id = insert(&mut tx, item, flag).await?;
        let detail = serde_json::json!({ "item": item.0, "kind": flag.kind.as_str(), "span": flag.span });
        super::audit::record(&mut tx, flag.by, "flag.add", "flag", Some(id), detail).await?;
        tx.commit().await?;
        Ok(id)
    })
}

/// Why a resolution was refused; nothing changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResolveError {
    NotFound,
    /// Only active span flags (not markers) can be redacted.
    NotRedactable(i64),
    /// A text changed between reading it and writing the change (another admin's edit):
    /// nothing was written; reading again gives the new text.
    Changed,
    Db(String),
}

impl From<sqlx::Error> for ResolveError {
    fn from(e: sqlx::Error) -> Self {
        ResolveError::Db(e.to_string())
    }
}

async fn mark_resolved(conn: impl Into<Conn<'_>>, ids: &[i64], how: Resolution, by: UserId) -> Result<(), sqlx::Error> {
    on!(conn.into(), conn => {
        for id in ids {
            sqlx::query(&format!(
                "UPDATE flags SET status = 'resolved', resolution = $1, resolved_by = $2, resolved_at = {},
                    span_text = CASE WHEN $3 = 'redacted' THEN '' ELSE span_text END
              WHERE id = $4",
                NOW
            ))
            .bind(how.as_str())
            .bind(by.0)
            .bind(how.as_str())
            .bind(id)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    })
}

/// The texts that must change together with `r`: corrections of the item that agree on
/// the same text (changing one alone would turn agreement into a dispute).
pub async fn twins(
    conn: impl Into<Conn<'_>>,
    item: ItemId,
    r: TextRef,
    text: &str,
) -> Result<Vec<TextRef>, sqlx::Error> {
    on!(conn.into(), conn => {
        if !matches!(r, TextRef::CorrectedQuestion(_) | TextRef::CorrectedAnswer(_)) {
            return Ok(vec![r]);
        }
        let (_, column, _, _) = location(item, r);
        let ids: Vec<i64> = sqlx::query_scalar(&format!("SELECT id FROM corrections WHERE item_id = $1 AND {column} = $2"))
            .bind(item.0)
            .bind(text)
            .fetch_all(&mut *conn)
            .await?;
        Ok(ids
            .into_iter()
            .map(|id| match r {
                TextRef::CorrectedQuestion(_) => TextRef::CorrectedQuestion(id),
                _ => TextRef::CorrectedAnswer(id),
            })
            .collect())
    })
}

/// One stored text replaced: what it was when read (the write refuses if it is no longer),
/// the new text, its HTML for the texts reviewers are served (question, answers), and what the
/// detectors found in it (`None`: the spans of the old text move instead, see [`Resolving`]).
#[derive(Debug, Clone)]
pub struct TextChange {
    pub text: TextRef,
    pub old: String,
    pub new: String,
    pub html: Option<String>,
    pub detected: Option<Vec<Span>>,
}

/// A resolution decided by the flag capability, written here in one transaction: texts
/// replaced, spans moved to their new offsets, flags resolved, one audit entry.
#[derive(Debug, Clone)]
pub struct Resolving {
    pub item: ItemId,
    pub texts: Vec<TextChange>,
    pub moved: Vec<(i64, usize, usize)>,
    pub resolved: Vec<i64>,
    pub how: Resolution,
    pub by: UserId,
    /// The audit log's action (`flag.redact`, `flag.edit`) and its detail.
    pub action: &'static str,
    pub detail: serde_json::Value,
}

/// Writes a [`Resolving`], all or nothing.
pub async fn resolve(db: &Db, r: &Resolving) -> Result<(), ResolveError> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        for change in &r.texts {
            if text(&mut tx, r.item, change.text).await?.as_deref() != Some(change.old.as_str()) {
                return Err(ResolveError::Changed);
            }
            set_text(&mut tx, r.item, change.text, &change.new, change.html.as_deref()).await?;
            if let Some(spans) = &change.detected {
                replace_text_flags(&mut tx, r.item, change.text, Some(spans), Some(r.by)).await?;
            }
        }
        for &(id, start, end) in &r.moved {
            sqlx::query("UPDATE flags SET span_start = $1, span_end = $2 WHERE id = $3 AND item_id = $4")
                .bind(start as i64)
                .bind(end as i64)
                .bind(id)
                .bind(r.item.0)
                .execute(&mut *tx)
                .await?;
        }
        mark_resolved(&mut tx, &r.resolved, r.how, r.by).await?;
        super::audit::record(&mut tx, Some(r.by), r.action, "item", Some(r.item.0), r.detail.clone()).await?;
        tx.commit().await?;
        Ok(())
    })
}

/// Takes an item out of every queue and export; its active flags are resolved as excluded.
pub async fn exclude_item(db: &Db, item: ItemId, by: UserId) -> Result<(), ResolveError> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        if !exclude_in(&mut tx, item, None, by).await? {
            return Err(ResolveError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    })
}

/// Takes several items of a dataset out of every queue and export in one write, all or
/// none: `Err(item)` names the first that is not an item of the dataset.
pub async fn exclude_many(
    db: &Db,
    dataset: DatasetId,
    items: &[ItemId],
    by: UserId,
) -> Result<Result<(), ItemId>, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        for &item in items {
            if !exclude_in(&mut tx, item, Some(dataset), by).await? {
                return Ok(Err(item)); // dropping the transaction rolls back the earlier ones
            }
        }
        tx.commit().await?;
        Ok(Ok(()))
    })
}

/// Excludes one item (of `dataset`, if given) and resolves its active flags as excluded;
/// `false` when there is no such item.
async fn exclude_in(
    conn: impl Into<Conn<'_>>,
    item: ItemId,
    dataset: Option<DatasetId>,
    by: UserId,
) -> Result<bool, sqlx::Error> {
    on!(conn.into(), conn => {
        let done = sqlx::query(&format!(
            "UPDATE items SET excluded_at = IFNULL(excluded_at, {}) WHERE id = $1 AND ($2 IS NULL OR dataset_id = $2)",
            NOW
        ))
        .bind(item.0)
        .bind(dataset)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if done == 0 {
            return Ok(false);
        }
        let ids: Vec<i64> = sqlx::query_scalar(&format!("SELECT id FROM flags WHERE item_id = $1 AND status IN {ACTIVE}"))
            .bind(item.0)
            .fetch_all(&mut *conn)
            .await?;
        mark_resolved(&mut *conn, &ids, Resolution::Excluded, by).await?;
        super::audit::record(&mut *conn, Some(by), "item.exclude", "item", Some(item.0), serde_json::json!({ "flags": ids }))
            .await?;
        Ok(true)
    })
}

/// One item of the admin's flag queue.
#[derive(Debug, Clone)]
pub struct QueueEntry {
    pub item: ItemId,
    pub dataset: String,
    pub question: String,
    /// Active flags by kind.
    pub kinds: Vec<(String, i64)>,
    pub worst: Option<Harm>,
}

/// Items with active flags (markers aside), optionally of one kind and at least one harm
/// severity, oldest first.
pub async fn queue(
    db: &Db,
    dataset: Option<DatasetId>,
    kind: Option<FlagKind>,
    min_severity: Option<Harm>,
    limit: i64,
) -> Result<Vec<QueueEntry>, sqlx::Error> {
    on!(db, pool => {
        let severities: Vec<&str> = match min_severity {
            Some(min) => Harm::ALL.iter().filter(|h| **h >= min).map(|h| h.as_str()).collect(),
            None => vec![],
        };
        let rows: Vec<(i64, String, String, String, Option<String>)> = sqlx::query_as(&format!(
            "SELECT i.id, d.name, i.question, f.category, f.severity
           FROM flags f JOIN items i ON i.id = f.item_id JOIN datasets d ON d.id = i.dataset_id
          WHERE f.status IN {ACTIVE} AND f.category <> 'redaction_marker' AND i.excluded_at IS NULL
            AND d.staging_of IS NULL AND ($1 IS NULL OR i.dataset_id = $1)
            AND i.id IN (SELECT item_id FROM flags g WHERE g.status IN {ACTIVE}
                           AND ($2 IS NULL OR g.category = $2)
                           AND ($3 = '[]' OR g.severity IN (SELECT value FROM json_each($3))))
          ORDER BY i.id, f.category"
        ))
        .bind(dataset)
        .bind(kind.map(FlagKind::as_str))
        .bind(serde_json::to_string(&severities).expect("strings serialise"))
        .fetch_all(pool)
        .await?;
        let mut out: Vec<QueueEntry> = Vec::new();
        for (item, dataset, question, category, severity) in rows {
            let severity: Option<Harm> = severity.and_then(|s| s.parse().ok());
            if out.last().is_none_or(|e| e.item.0 != item) {
                if out.len() as i64 == limit {
                    break;
                }
                out.push(QueueEntry { item: ItemId(item), dataset, question, kinds: vec![], worst: None });
            }
            let e = out.last_mut().expect("pushed above");
            e.worst = e.worst.max(severity);
            match e.kinds.last_mut() {
                Some((c, n)) if *c == category => *n += 1,
                _ => e.kinds.push((category, 1)),
            }
        }
        Ok(out)
    })
}

/// Open spans per detector category in a dataset (markers aside): what a bulk confirm or
/// dismiss would touch.
pub async fn open_by_category(db: &Db, dataset: DatasetId) -> Result<Vec<(Category, i64)>, sqlx::Error> {
    on!(db, pool => {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT f.category, COUNT(*) FROM flags f JOIN items i ON i.id = f.item_id
          WHERE i.dataset_id = $1 AND f.status = 'open' AND f.span_start IS NOT NULL
            AND f.category <> 'redaction_marker'
          GROUP BY f.category",
        )
        .bind(dataset)
        .fetch_all(pool)
        .await?;
        Ok(rows.into_iter().filter_map(|(c, n)| Some((c.parse().ok()?, n))).collect())
    })
}

/// Confirms or dismisses every open span of `category` in `dataset` in one write, if there
/// are exactly `expected` of them (what the admin was shown); `None` and nothing changed
/// otherwise. One audit entry for the whole action.
pub async fn review_category(
    db: &Db,
    dataset: DatasetId,
    category: Category,
    status: FlagStatus,
    expected: i64,
    by: Option<UserId>,
) -> Result<Option<u64>, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let done = sqlx::query(&format!(
            "UPDATE flags SET status = $1, reviewed_by = $2, reviewed_at = {}
          WHERE status = 'open' AND span_start IS NOT NULL AND category = $3
            AND item_id IN (SELECT id FROM items WHERE dataset_id = $4)",
            NOW
        ))
        .bind(status.as_str())
        .bind(by.map(|u| u.0))
        .bind(category.as_str())
        .bind(dataset)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if i64::try_from(done).ok() != Some(expected) {
            return Ok(None); // dropping the transaction rolls the update back
        }
        let detail = serde_json::json!({ "category": category, "status": status, "flags": done });
        super::audit::record(&mut tx, by, "flag.review_category", "dataset", Some(dataset.0), detail).await?;
        tx.commit().await?;
        Ok(Some(done))
    })
}

/// The categories turned off for gating in a dataset.
pub async fn ungated(conn: impl Into<Conn<'_>>, dataset: DatasetId) -> Result<Vec<Category>, sqlx::Error> {
    on!(conn.into(), conn => {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT category FROM ungated_categories WHERE dataset_id = $1 ORDER BY category")
                .bind(dataset)
                .fetch_all(&mut *conn)
                .await?;
        Ok(rows.into_iter().filter_map(|(c,)| c.parse().ok()).collect())
    })
}

/// Turns gating by `category` on or off for a dataset, with an audit entry; `false` when it
/// already was so.
pub async fn set_gating(
    db: &Db,
    dataset: DatasetId,
    category: Category,
    gates: bool,
    by: Option<UserId>,
) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let changed = if gates {
            sqlx::query("DELETE FROM ungated_categories WHERE dataset_id = $1 AND category = $2")
                .bind(dataset)
                .bind(category.as_str())
                .execute(&mut *tx)
                .await?
        } else {
            sqlx::query("INSERT OR IGNORE INTO ungated_categories (dataset_id, category, set_by) VALUES ($1, $2, $3)")
                .bind(dataset)
                .bind(category.as_str())
                .bind(by.map(|u| u.0))
                .execute(&mut *tx)
                .await?
        }
        .rows_affected()
            == 1;
        if changed {
            let detail = serde_json::json!({ "category": category, "gates": gates });
            super::audit::record(&mut tx, by, "flag.gating", "dataset", Some(dataset.0), detail).await?;
        }
        tx.commit().await?;
        Ok(changed)
    })
}
