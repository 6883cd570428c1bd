//! The server side of browsing: role check, the store's search and the item's record.
use super::*;
use crate::auth::session::require;
use crate::datasets::named as dataset;
use crate::domain::{ItemId, Role};
use crate::state::app_state;
use crate::store::Db;
use crate::store::{browse, corrections, judgments, stats};

/// Who may browse items and read their records.
const BROWSER_ROLES: [Role; 2] = [Role::Admin, Role::Auditor];

/// The caller, if they may browse; `true` when they may also change items (admins).
pub async fn require_browser() -> Result<bool, AppError> {
    require(&BROWSER_ROLES).await.map(|u| u.role == Role::Admin)
}

fn decode_error(e: impl std::fmt::Display) -> AppError {
    crate::error::internal("reading an item", e)
}

/// A page of items matching `filter` after item id `after` (the CLI calls this directly).
/// `blind`: the caller is an auditor, who sees no decisions of items an audit has yet to label.
pub async fn hits(pool: &Db, name: String, filter: ItemFilter, after: i64, blind: bool) -> Result<ItemHits, AppError> {
    let d = dataset(pool, name).await?;
    let kind = d.kind;
    let mut rows = browse::page(pool, d.id, d.overlap_target, &filter, after, PAGE_SIZE + 1).await?;
    let next = (rows.len() as i64 > PAGE_SIZE).then(|| {
        rows.truncate(PAGE_SIZE as usize);
        rows.last().map(|r| r.0).unwrap_or(after)
    });
    let hidden = match blind {
        true => crate::store::audits::awaiting_label_among(pool, rows.iter().map(|r| r.0)).await?,
        false => Default::default(),
    };
    let items: Vec<ItemHit> = rows
        .into_iter()
        .map(|(id, question, answer, department, decisions, active_flags, gold, excluded)| {
            let in_question = snippet(&question, &filter.text);
            let answer = if in_question.is_some() { None } else { answer.and_then(|a| snippet(&a, &filter.text)) };
            let question = in_question.unwrap_or_else(|| excerpt(&question));
            let decisions = (!hidden.contains(&id)).then_some(decisions);
            ItemHit { id, question, answer, department, decisions, active_flags, gold, excluded }
        })
        .collect();
    // A first page that is also the last one holds every match: no need to count them again.
    let total = match (after, next) {
        (0, None) => items.len() as i64,
        _ => browse::count(pool, d.id, d.overlap_target, &filter).await?,
    };
    Ok(ItemHits {
        dataset: d.name.clone(),
        kind,
        total,
        items,
        next,
        departments: browse::departments(pool, d.id).await?,
        reviewers: stats::per_reviewer(pool, d.id).await?.into_iter().map(|(name, _)| name).collect(),
        can_manage: false,
    })
}

/// Characters shown before and after a match, and of a question without one.
const BEFORE_CHARS: usize = 24;
const AFTER_CHARS: usize = 48;
const EXCERPT_CHARS: usize = 80;

/// One line of text (results are one line each): each run of white space becomes one space.
fn flat(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match (c.is_whitespace(), out.ends_with(' ')) {
            (true, true) => {}
            (true, false) => out.push(' '),
            (false, _) => out.push(c),
        }
    }
    out
}

/// The text around the first occurrence of `needle`, if any.
fn snippet(text: &str, needle: &str) -> Option<Snippet> {
    if needle.is_empty() {
        return None;
    }
    let at = text.find(needle)?;
    let (head, rest) = text.split_at(at);
    let (hit, tail) = rest.split_at(needle.len());
    let skip = head.chars().count().saturating_sub(BEFORE_CHARS);
    let mut before: String = head.chars().skip(skip).collect();
    if skip > 0 {
        before.insert(0, '…');
    }
    let mut after: String = tail.chars().take(AFTER_CHARS).collect();
    if tail.chars().nth(AFTER_CHARS).is_some() {
        after.push('…');
    }
    Some(Snippet { before: flat(&before), hit: hit.to_string(), after: flat(&after) })
}

/// The start of a text.
fn excerpt(text: &str) -> Snippet {
    let mut before: String = text.chars().take(EXCERPT_CHARS).collect();
    if text.chars().nth(EXCERPT_CHARS).is_some() {
        before.push('…');
    }
    Snippet { before: flat(&before), hit: String::new(), after: String::new() }
}

/// The `extra` object of an item's meta as (field, JSON text) pairs, strings shown as they are.
fn extra_fields(meta: &str) -> Result<Vec<(String, String)>, AppError> {
    let meta: serde_json::Value = serde_json::from_str(meta).map_err(decode_error)?;
    let Some(extra) = meta.get("extra").and_then(serde_json::Value::as_object) else { return Ok(vec![]) };
    Ok(extra
        .iter()
        .map(|(k, v)| {
            let shown = match v {
                serde_json::Value::String(s) => s.clone(),
                other => serde_json::to_string_pretty(other).unwrap_or_default(),
            };
            (k.clone(), shown)
        })
        .collect())
}

pub async fn dossier(id: i64) -> Result<ItemDossier, AppError> {
    let can_manage = require_browser().await?;
    let pool = app_state()?.pool;
    // Blindness is the server's to keep: an auditor does not see the reviewers' decisions on
    // an item an audit has yet to label, whatever page asks.
    let item = ItemId(id);
    if !can_manage && crate::store::audits::awaits_label(&pool, item).await? {
        return Err(AppError::AuditBlind);
    }
    let facts = browse::item(&pool, item).await?.ok_or(AppError::NotFound)?;
    let candidates: Vec<CandidateFacts> =
        browse::candidates(&pool, item).await?.into_iter().map(CandidateFacts::from).collect();
    let position_of = |c: i64| candidates.iter().find(|f| f.id == c).map(|f| f.position).unwrap_or(0);
    let judgments = judgments::of_item(&pool, item)
        .await?
        .into_iter()
        .map(|(j, reviewer, created_at, updated_at)| ItemJudgment {
            id: j.id,
            reviewer,
            shown: j.presentation.iter().map(|c| position_of(c.0)).collect(),
            judgment: j.input,
            created_at,
            updated_at,
        })
        .collect();
    let corrections = corrections::of_item(&pool, item)
        .await?
        .into_iter()
        .map(|c| ItemCorrection {
            id: c.id,
            reviewer: c.reviewer,
            correction: c.input,
            is_final: c.is_final,
            created_at: c.created_at,
            updated_at: c.updated_at,
        })
        .collect();
    Ok(ItemDossier {
        kind: facts.kind.parse().map_err(decode_error)?,
        history: serde_json::from_str(&facts.history).map_err(decode_error)?,
        extra: extra_fields(&facts.meta)?,
        dataset: facts.dataset,
        department: facts.department,
        task: facts.task,
        source: facts.source_name.zip(facts.source_line),
        created_at: facts.created_at,
        gold: facts.gold,
        system: facts.system,
        texts: crate::flag::flagged_texts(&pool, item).await?,
        candidates,
        derived_from: facts.derived_from,
        judgments,
        corrections,
        log: browse::history(&pool, item)
            .await?
            .into_iter()
            .map(|(at, actor, action, detail)| HistoryEntry { at, actor, action, detail })
            .collect(),
        can_manage,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_cut_by_characters_around_the_first_match() {
        let text = format!("{}胸痛三天{}", "患者".repeat(20), "需要检查".repeat(20));
        let s = snippet(&text, "胸痛").unwrap();
        assert_eq!(s.hit, "胸痛");
        assert_eq!(s.before, format!("…{}", "患者".repeat(12)));
        assert_eq!(s.after.chars().count(), AFTER_CHARS + 1);
        assert!(s.after.starts_with("三天需要检查") && s.after.ends_with('…'));
        assert_eq!(snippet("头痛", "胸痛"), None);
        assert_eq!(snippet("头痛", ""), None);
        let short = snippet("胸痛\n\n  怎么办", "胸痛").unwrap();
        assert_eq!((short.before.as_str(), short.after.as_str()), ("", " 怎么办"));
        assert_eq!(excerpt("短问题").before, "短问题");
    }
}
