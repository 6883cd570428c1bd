//! medpref's flag API: reviewers flag and review spans on their own assignments; admins
//! see the flag queue and resolve flags by redacting, editing or excluding.
use super::{Category, Concern, Field, FlagView, Harm, TextRef, Verdict};
#[cfg(feature = "ssr")]
use super::{FlagKind, FlagProblem};
use crate::domain::AssignmentId;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// An item's texts as highlighted HTML (question first, then the answers as shown) and its flags.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagState {
    pub html: Vec<String>,
    pub flags: Vec<FlagView<Field>>,
}

/// What a reviewer flags: a span (by its text and which occurrence) or a whole text or item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum NewFlagInput {
    Span { field: Field, text: String, occurrence: usize, category: Category },
    Concern { field: Option<Field>, concern: Concern, severity: Option<Harm>, note: String },
}

/// One item in the admin's flag queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagQueueEntry {
    pub item: i64,
    pub dataset: String,
    pub question: String,
    /// Active flags per kind (wire name, count).
    pub kinds: Vec<(String, i64)>,
    pub worst: Option<Harm>,
}

/// An item as an admin resolves it: every text, raw and highlighted, and every flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlaggedItem {
    pub item: i64,
    pub dataset: String,
    pub excluded: bool,
    /// (which text, raw text, highlighted HTML).
    pub texts: Vec<(TextRef, String, String)>,
    pub flags: Vec<FlagView<TextRef>>,
}

/// How an admin resolves an item's flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Resolve {
    /// Replace these spans by their placeholders in the stored text.
    Redact { flags: Vec<i64> },
    /// Rewrite a text; its flags are resolved, the detectors run on the new text, and the
    /// listed concerns are resolved with it.
    Edit { text: TextRef, new: String, flags: Vec<i64> },
    /// Take the item out of every queue and export.
    Exclude,
    /// The flags are wrong: dismiss them.
    Dismiss { flags: Vec<i64> },
}

/// The flags of the caller's assignment, with highlighted texts.
#[server(prefix = "/api", endpoint = "flags")]
pub async fn get_flags(assignment: AssignmentId) -> Result<FlagState, AppError> {
    crate::error::with_status(ssr::state_of(assignment).await)
}

/// Flags a span or a whole text / item of the caller's assignment.
#[server(prefix = "/api", endpoint = "flag", input = Json)]
pub async fn add_flag(assignment: AssignmentId, flag: NewFlagInput) -> Result<FlagState, AppError> {
    crate::error::with_status(ssr::add(assignment, flag).await)
}

/// Confirms or dismisses a flag on the caller's assignment.
#[server(prefix = "/api", endpoint = "review_flag")]
pub async fn review_flag(assignment: AssignmentId, flag: i64, verdict: Verdict) -> Result<FlagState, AppError> {
    crate::error::with_status(ssr::review(assignment, flag, verdict).await)
}

/// Items with unresolved flags (admins), optionally of one dataset, kind and minimum severity.
#[server(prefix = "/api", endpoint = "flag_queue")]
pub async fn flag_queue(
    #[server(default)] dataset: Option<String>,
    #[server(default)] kind: Option<String>,
    #[server(default)] severity: Option<Harm>,
) -> Result<Vec<FlagQueueEntry>, AppError> {
    crate::error::with_status(ssr::queue(dataset, kind, severity).await)
}

/// One flagged item with its texts and flags (admins).
#[server(prefix = "/api", endpoint = "flagged_item")]
pub async fn get_flagged_item(item: i64) -> Result<FlaggedItem, AppError> {
    crate::error::with_status(ssr::flagged_item(item).await)
}

/// Resolves flags of an item (admins); returns the item as it is now.
#[server(prefix = "/api", endpoint = "resolve_flags", input = Json)]
pub async fn resolve_flags(item: i64, resolve: Resolve) -> Result<FlaggedItem, AppError> {
    crate::error::with_status(ssr::resolve(item, resolve).await)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::auth::session::require;
    use crate::domain::{CandidateId, ItemId, Role};
    use crate::flag::{FlagStatus, FlagTarget};
    use crate::review::REVIEWER_ROLES;
    use crate::state::app_state;
    use crate::store::Db;
    use crate::store::flags::{self, NewFlag, ResolveError};
    use crate::store::queue;

    const MAX_TEXT_BYTES: usize = 1 << 20;

    /// The caller's own assignment: its item and the answers as shown.
    async fn own(
        pool: &Db,
        assignment: AssignmentId,
    ) -> Result<(crate::domain::UserId, ItemId, Vec<CandidateId>), AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        match queue::assignment(pool, assignment).await? {
            Some((owner, item, shown)) if owner == user.id => Ok((user.id, item, shown)),
            _ => Err(AppError::NotFound),
        }
    }

    fn to_ref(field: Field, shown: &[CandidateId]) -> Result<TextRef, AppError> {
        match field {
            Field::Question => Ok(TextRef::Question),
            Field::Answer(i) => shown.get(i as usize).map(|c| TextRef::Answer(*c)).ok_or(AppError::NotFound),
        }
    }

    fn to_field(r: TextRef, shown: &[CandidateId]) -> Option<Field> {
        match r {
            TextRef::Question => Some(Field::Question),
            TextRef::Answer(c) => shown.iter().position(|s| *s == c).map(|i| Field::Answer(i as u8)),
            _ => None,
        }
    }

    /// Highlights the spans of one text: active ones by category, markers as markers. A text
    /// without spans is served as `rendered` (its HTML stored beside it) when there is one.
    pub fn highlighted<F: PartialEq>(text: &str, rendered: Option<&str>, field: &F, flags: &[FlagView<F>]) -> String {
        let marks: Vec<crate::markdown::Mark> = flags
            .iter()
            .enumerate()
            .filter(|(_, f)| f.field.as_ref() == Some(field) && f.status != FlagStatus::Resolved)
            .filter_map(|(n, f)| {
                let (start, end) = f.span?;
                Some(crate::markdown::Mark {
                    start,
                    end,
                    class: format!("flag cat-{} st-{}", f.kind.as_str(), f.status.as_str()),
                    id: f.id,
                    n: n + 1,
                })
            })
            .collect();
        match rendered {
            Some(html) if marks.is_empty() => html.to_owned(),
            _ => crate::markdown::render_marked(text, &marks),
        }
    }

    /// The flags of an item as `target` sees them: the question and the shown answers.
    pub async fn state(
        pool: &Db,
        target: FlagTarget,
        item: ItemId,
        shown: &[CandidateId],
    ) -> Result<FlagState, AppError> {
        let mut conn = pool.acquire().await?;
        let question = flags::text(&mut conn, item, TextRef::Question).await?.unwrap_or_default();
        let mut answers = Vec::with_capacity(shown.len());
        for c in shown {
            answers.push(flags::text(&mut conn, item, TextRef::Answer(*c)).await?.unwrap_or_default());
        }
        drop(conn);
        super::state_for(pool, target, item, shown, &question, &answers, &[]).await
    }

    /// Like [`state`], for a caller that has already read the question and the shown answers:
    /// each text is rendered once, with its highlights.
    pub async fn state_of_texts(
        pool: &Db,
        item: ItemId,
        shown: &[CandidateId],
        question: &str,
        answers: &[String],
        rendered: &[Option<String>],
    ) -> Result<FlagState, AppError> {
        let all = flags::of_item(&mut pool.acquire().await?, item).await?;
        // A reviewer sees the flags on the item, but another reviewer's note stays theirs
        // (the caller is looked up only when some flag has a person's note).
        let noted = all.iter().any(|f| f.view.note.is_some() && f.created_by.is_some());
        let viewer = if noted { crate::auth::session::current_user().await.ok().flatten() } else { None };
        let sees_notes = |by: Option<crate::domain::UserId>| {
            viewer.as_ref().is_some_and(|v| v.role == Role::Admin || by == Some(v.id))
        };
        let views = all.into_iter().map(|f| {
            let note = if sees_notes(f.created_by) { f.view.note } else { None };
            FlagView { note, ..f.view }
        });
        Ok(render(views, shown, question, answers, rendered))
    }

    /// An item's flags on the texts a screen shows (others left out), with the question and
    /// the shown answers highlighted. `rendered` holds the texts' stored HTML (question, then
    /// answers), used where a text has no spans; missing entries are rendered here.
    pub fn render(
        all: impl IntoIterator<Item = FlagView<TextRef>>,
        shown: &[CandidateId],
        question: &str,
        answers: &[String],
        rendered: &[Option<String>],
    ) -> FlagState {
        let pre = |i: usize| rendered.get(i).and_then(|h| h.as_deref());
        let flags: Vec<FlagView<Field>> = all
            .into_iter()
            .filter_map(|v| {
                let field = match v.field {
                    Some(r) => Some(to_field(r, shown)?),
                    None => None,
                };
                Some(v.with_field(field))
            })
            .collect();
        let mut html = Vec::with_capacity(answers.len() + 1);
        html.push(highlighted(question, pre(0), &Field::Question, &flags));
        for (i, body) in answers.iter().enumerate() {
            html.push(highlighted(body, pre(i + 1), &Field::Answer(i as u8), &flags));
        }
        FlagState { html, flags }
    }

    pub async fn state_of(assignment: AssignmentId) -> Result<FlagState, AppError> {
        let pool = app_state()?.pool;
        let (_, item, shown) = own(&pool, assignment).await?;
        state(&pool, FlagTarget::Assignment(assignment), item, &shown).await
    }

    /// Character offsets of the `occurrence`-th (0-based) appearance of `needle` in `text`.
    fn find_span(text: &str, needle: &str, occurrence: usize) -> Option<(usize, usize)> {
        let (byte, _) = text.match_indices(needle).nth(occurrence).or_else(|| text.match_indices(needle).next())?;
        let start = text[..byte].chars().count();
        Some((start, start + needle.chars().count()))
    }

    /// Checks a flag the caller asks for on `item` (texts as `shown`) and makes it storable.
    pub async fn new_flag(
        pool: &Db,
        item: ItemId,
        shown: &[CandidateId],
        input: NewFlagInput,
        user: crate::domain::UserId,
    ) -> Result<NewFlag, AppError> {
        Ok(match input {
            NewFlagInput::Span { field, text, occurrence, category } => {
                let needle = text.trim();
                if needle.is_empty() {
                    return Err(AppError::Flag(FlagProblem::EmptySpan));
                }
                if category == Category::RedactionMarker {
                    return Err(AppError::Flag(FlagProblem::WrongKind));
                }
                let r = to_ref(field, shown)?;
                let mut conn = pool.acquire().await?;
                let body = flags::text(&mut conn, item, r).await?.ok_or(AppError::NotFound)?;
                let span = find_span(&body, needle, occurrence).ok_or(AppError::Flag(FlagProblem::SpanNotFound))?;
                NewFlag {
                    field: Some(r),
                    span: Some(span),
                    span_text: Some(needle.to_string()),
                    kind: FlagKind::Span(category),
                    severity: None,
                    note: None,
                    by: Some(user),
                }
            }
            NewFlagInput::Concern { field, concern, severity, note } => {
                let note = note.trim();
                if concern == Concern::Unsafe && severity.is_none() {
                    return Err(AppError::Flag(FlagProblem::NeedSeverity));
                }
                if concern == Concern::Other && note.is_empty() {
                    return Err(AppError::Flag(FlagProblem::NeedNote));
                }
                if note.len() > 5000 {
                    return Err(AppError::Flag(FlagProblem::TooLong));
                }
                NewFlag {
                    field: field.map(|f| to_ref(f, shown)).transpose()?,
                    span: None,
                    span_text: None,
                    kind: FlagKind::Concern(concern),
                    severity: if concern == Concern::Unsafe { severity } else { None },
                    note: Some(note.to_string()).filter(|n| !n.is_empty()),
                    by: Some(user),
                }
            }
        })
    }

    pub async fn add(assignment: AssignmentId, input: NewFlagInput) -> Result<FlagState, AppError> {
        let pool = app_state()?.pool;
        let (user, item, shown) = own(&pool, assignment).await?;
        let flag = new_flag(&pool, item, &shown, input, user).await?;
        flags::add(&pool, item, &flag).await?;
        state(&pool, FlagTarget::Assignment(assignment), item, &shown).await
    }

    /// The verdict as a flag status.
    pub fn status_of(verdict: Verdict) -> FlagStatus {
        match verdict {
            Verdict::Confirm => FlagStatus::Confirmed,
            Verdict::Dismiss => FlagStatus::Dismissed,
        }
    }

    pub async fn review(assignment: AssignmentId, flag: i64, verdict: Verdict) -> Result<FlagState, AppError> {
        let pool = app_state()?.pool;
        let (user, item, shown) = own(&pool, assignment).await?;
        if !flags::review(&pool, item, &[flag], status_of(verdict), user).await? {
            return Err(AppError::NotFound);
        }
        state(&pool, FlagTarget::Assignment(assignment), item, &shown).await
    }

    pub async fn queue(
        dataset: Option<String>,
        kind: Option<String>,
        severity: Option<Harm>,
    ) -> Result<Vec<FlagQueueEntry>, AppError> {
        require(&[Role::Admin]).await?;
        let pool = app_state()?.pool;
        let dataset = match dataset.filter(|d| !d.is_empty()) {
            Some(name) => Some(crate::datasets::named(&pool, name).await?.id),
            None => None,
        };
        let kind = match kind.filter(|k| !k.is_empty()) {
            Some(k) => Some(
                FlagKind::parse(&k)
                    .ok_or_else(|| AppError::from(crate::domain::Problem::UnknownFlagKind { kind: k.clone() }))?,
            ),
            None => None,
        };
        let entries = flags::queue(&pool, dataset, kind, severity, 200).await?;
        Ok(entries
            .into_iter()
            .map(|e| FlagQueueEntry {
                item: e.item.0,
                dataset: e.dataset,
                question: e.question.chars().take(120).collect(),
                kinds: e.kinds,
                worst: e.worst,
            })
            .collect())
    }

    pub async fn load(pool: &Db, item: ItemId) -> Result<FlaggedItem, AppError> {
        let mut conn = pool.acquire().await?;
        let (dataset, excluded) = crate::store::items::place(&mut conn, item).await?.ok_or(AppError::NotFound)?;
        let flags: Vec<FlagView<TextRef>> =
            flags::of_item(&mut conn, item).await?.into_iter().map(|f| f.view).collect();
        let mut refs = vec![TextRef::Question];
        refs.extend(flags::refs_of_item(&mut conn, item).await?);
        let mut texts = Vec::new();
        for r in refs {
            if let Some(t) = flags::text(&mut conn, item, r).await? {
                let html = highlighted(&t, None, &r, &flags);
                texts.push((r, t, html));
            }
        }
        Ok(FlaggedItem { item: item.0, dataset, excluded: excluded.is_some(), texts, flags })
    }

    pub async fn flagged_item(item: i64) -> Result<FlaggedItem, AppError> {
        require(&[Role::Admin]).await?;
        load(&app_state()?.pool, ItemId(item)).await
    }

    pub async fn resolve(item: i64, resolve: Resolve) -> Result<FlaggedItem, AppError> {
        let user = require(&[Role::Admin]).await?;
        let pool = app_state()?.pool;
        let item = ItemId(item);
        let result = match &resolve {
            Resolve::Redact { flags: ids } if ids.is_empty() => return Err(AppError::Flag(FlagProblem::NothingChosen)),
            Resolve::Redact { flags: ids } => crate::flag::resolve::redact(&pool, item, ids, user.id).await,
            Resolve::Edit { new, .. } if new.len() > MAX_TEXT_BYTES => {
                return Err(AppError::Flag(FlagProblem::TooLong));
            }
            Resolve::Edit { text, new, flags: ids } => {
                crate::flag::resolve::edit(&pool, item, *text, new, ids, user.id).await
            }
            Resolve::Exclude => flags::exclude_item(&pool, item, user.id).await,
            Resolve::Dismiss { flags: ids } if ids.is_empty() => {
                return Err(AppError::Flag(FlagProblem::NothingChosen));
            }
            Resolve::Dismiss { flags: ids } => {
                if flags::review(&pool, item, ids, FlagStatus::Dismissed, user.id).await? {
                    Ok(())
                } else {
                    Err(ResolveError::NotFound)
                }
            }
        };
        match result {
            Ok(()) => load(&pool, item).await,
            Err(ResolveError::NotFound) => Err(AppError::NotFound),
            Err(ResolveError::NotRedactable(_)) => Err(AppError::Flag(FlagProblem::NotRedactable)),
            Err(ResolveError::Changed) => Err(AppError::Flag(FlagProblem::TextChanged)),
            Err(ResolveError::Db(e)) => Err(crate::error::internal("resolving flags", e)),
        }
    }
}

/// An item's texts, highlighted, and its flags (no role check: callers check).
#[cfg(feature = "ssr")]
pub use ssr::load as flagged_texts;

/// The flags a review screen shows for `target`, with the question and the shown answers
/// highlighted: an assignment shows the item's working flags, an audit its own copy.
#[cfg(feature = "ssr")]
pub async fn state_for(
    pool: &crate::store::Db,
    target: super::FlagTarget,
    item: crate::domain::ItemId,
    shown: &[crate::domain::CandidateId],
    question: &str,
    answers: &[String],
    rendered: &[Option<String>],
) -> Result<FlagState, AppError> {
    match target {
        super::FlagTarget::Assignment(_) => ssr::state_of_texts(pool, item, shown, question, answers, rendered).await,
        super::FlagTarget::Audit { audit, position } => {
            let all = crate::store::audit_flags::of_position(pool, audit, position).await?;
            Ok(ssr::render(all.into_iter().map(|f| f.view), shown, question, answers, rendered))
        }
    }
}
