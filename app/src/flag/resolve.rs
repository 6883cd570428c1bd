//! How an admin's resolution changes an item's texts and flags: redacting spans (their
//! placeholders in, the other spans of the text moved along) and rewriting a text (its spans
//! resolved as edited, the detectors run again). Decided here from what the store reads; the
//! store writes the result in one transaction and refuses it if a text changed meanwhile.
use crate::domain::flag::{Category, FlagKind, FlagStatus, Resolution, TextRef};
use crate::domain::{ItemId, UserId};
use crate::store::Db;
use crate::store::flags::{self, Flag, ResolveError, Resolving, TextChange};

/// The HTML stored beside a text reviewers are served, `None` for the others.
fn html_of(r: TextRef, text: &str) -> Option<String> {
    flags::keeps_html(r).then(|| crate::markdown::render(text))
}

/// Replaces the spans of the given flags by their placeholders in the stored texts; other
/// spans of those texts move along (or are resolved too if they overlapped).
pub async fn redact(pool: &Db, item: ItemId, ids: &[i64], by: UserId) -> Result<(), ResolveError> {
    let mut conn = pool.acquire().await?;
    let all = flags::of_item(&mut conn, item).await?;
    let mut chosen: Vec<&Flag> = Vec::new();
    for id in ids {
        let f = all.iter().find(|f| f.view.id == *id).ok_or(ResolveError::NotFound)?;
        match (f.view.kind, f.view.span, f.view.field) {
            (FlagKind::Span(c), Some(_), Some(_)) if f.view.status.is_active() && c != Category::RedactionMarker => {
                chosen.push(f);
            }
            _ => return Err(ResolveError::NotRedactable(*id)),
        }
    }
    let mut refs: Vec<TextRef> = chosen.iter().filter_map(|f| f.view.field).collect();
    refs.dedup();
    let mut plan = Resolving {
        item,
        texts: vec![],
        moved: vec![],
        resolved: vec![],
        how: Resolution::Redacted,
        by,
        action: "flag.redact",
        detail: serde_json::Value::Null,
    };
    for r in refs {
        let Some(old) = flags::text(&mut conn, item, r).await? else { return Err(ResolveError::NotFound) };
        let spans: Vec<(usize, usize, Category)> = chosen
            .iter()
            .filter(|f| f.view.field == Some(r))
            .filter_map(|f| match (f.view.span, f.view.kind) {
                (Some((s, e)), FlagKind::Span(c)) => Some((s, e, c)),
                _ => None,
            })
            .collect();
        let (new, edits) = crate::flag::redact::redact(&old, &spans);
        for twin in flags::twins(&mut conn, item, r, &old).await? {
            let html = html_of(twin, &new);
            plan.texts.push(TextChange { text: twin, old: old.clone(), new: new.clone(), html, detected: None });
            // Spans of this text: the chosen ones and any they overlap are resolved; the rest move.
            for f in all.iter().filter(|f| f.view.field == Some(twin) && f.view.status != FlagStatus::Resolved) {
                let Some((s, e)) = f.view.span else { continue };
                match edits.map(s, e) {
                    Some((ns, ne)) if !ids.contains(&f.view.id) => plan.moved.push((f.view.id, ns, ne)),
                    _ => plan.resolved.push(f.view.id),
                }
            }
        }
    }
    // The audit entry names what was redacted, never the personal information itself.
    plan.detail = serde_json::json!({ "item": item.0, "flags": plan.resolved });
    flags::resolve(pool, &plan).await
}

/// An admin rewrites a text: its active flags are resolved as edited, the detectors run on
/// the new text, and the listed concerns (whole-item flags) are resolved with it.
pub async fn edit(
    pool: &Db,
    item: ItemId,
    r: TextRef,
    new: &str,
    also: &[i64],
    by: UserId,
) -> Result<(), ResolveError> {
    let mut conn = pool.acquire().await?;
    let Some(old) = flags::text(&mut conn, item, r).await? else { return Err(ResolveError::NotFound) };
    let all = flags::of_item(&mut conn, item).await?;
    if also.iter().any(|id| !all.iter().any(|f| f.view.id == *id && f.view.status.is_active())) {
        return Err(ResolveError::NotFound);
    }
    let detected = Some(crate::flag::detect::detect(new));
    let mut texts = Vec::new();
    for twin in flags::twins(&mut conn, item, r, &old).await? {
        let html = html_of(twin, new);
        texts.push(TextChange { text: twin, old: old.clone(), new: new.to_string(), html, detected: detected.clone() });
    }
    let plan = Resolving {
        item,
        texts,
        moved: vec![],
        resolved: also.to_vec(),
        how: Resolution::Edited,
        by,
        action: "flag.edit",
        detail: serde_json::json!({ "item": item.0, "text": r, "flags": also }),
    };
    flags::resolve(pool, &plan).await
}
