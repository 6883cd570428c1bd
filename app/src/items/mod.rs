//! Browsing a dataset's items: substring search in Chinese (over question, system text and
//! answers), filters by state, flag, department and reviewer, keyset paging; and one item
//! with everything that happened to it (judgments, corrections, flags, history).
//!
//! Admins and auditors only: reviewers never see each other's decisions.
mod actions;
mod page;
#[cfg(feature = "ssr")]
mod search;

pub use actions::{ItemAction, ItemActionProblem, MAX_SELECTION, act_on_items};
pub use page::{ItemPage, ItemsPage};
#[cfg(feature = "ssr")]
pub use search::hits;

use crate::domain::correction::CorrectionInput;
use crate::domain::judgment::JudgmentInput;
use crate::error::AppError;
use crate::flag::FlaggedItem;
use crate::import::DatasetKind;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub use crate::domain::item::{DepartmentFilter, FlagFilter, ItemFilter, ItemState, MAX_QUERY_CHARS, PAGE_SIZE};

/// A piece of text around the first match: `before`, the match, `after`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    pub before: String,
    pub hit: String,
    pub after: String,
}

/// One item in the results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemHit {
    pub id: i64,
    pub question: Snippet,
    /// The first answer with the search text, when the question does not have it.
    pub answer: Option<Snippet>,
    pub department: Option<String>,
    /// Votes and corrections; `None` to an auditor while an audit has yet to label the item
    /// (its decisions are hidden from auditors until then, as on its record).
    pub decisions: Option<i64>,
    pub active_flags: i64,
    pub gold: bool,
    pub excluded: bool,
}

/// A page of results; `next` is the `after` of the following page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemHits {
    pub dataset: String,
    pub kind: DatasetKind,
    /// Items matching the search in the whole dataset.
    pub total: i64,
    pub items: Vec<ItemHit>,
    pub next: Option<i64>,
    /// What the department and reviewer filters can choose from.
    pub departments: Vec<String>,
    pub reviewers: Vec<String>,
    /// The caller may change items (admins): the page shows the selection and its actions.
    #[serde(default)]
    pub can_manage: bool,
}

/// An answer of an item, with its provenance (never shown to reviewers).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CandidateFacts {
    pub id: i64,
    /// 1-based, in the source's order.
    pub position: i64,
    pub model: Option<String>,
    /// `chosen` / `rejected` when the source had a preference.
    pub prior_label: Option<String>,
    pub score: Option<f64>,
    pub score_kind: Option<crate::domain::ScoreKind>,
    /// How a generated answer was made (JSON: backend, template, sampling, seed).
    pub generation: Option<String>,
    /// The batch job that generated it.
    pub job: Option<i64>,
}

#[cfg(feature = "ssr")]
impl From<crate::store::browse::CandidateRow> for CandidateFacts {
    fn from(r: crate::store::browse::CandidateRow) -> Self {
        let crate::store::browse::CandidateRow { id, position, model, prior_label, score, score_kind, generation, job } =
            r;
        CandidateFacts { id, position, model, prior_label, score, score_kind, generation, job }
    }
}

/// A reviewer's judgment. `judgment` is as they made it (answers in the order shown to
/// them); `shown` maps that order to source positions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemJudgment {
    pub id: i64,
    pub reviewer: String,
    pub judgment: JudgmentInput,
    pub shown: Vec<i64>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemCorrection {
    pub id: i64,
    pub reviewer: String,
    pub correction: CorrectionInput,
    /// Chosen by adjudication.
    pub is_final: bool,
    pub created_at: String,
    pub updated_at: String,
}

/// One entry of the audit log about the item, its judgments, corrections or flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    pub at: String,
    /// `None`: the command line.
    pub actor: Option<String>,
    pub action: String,
    /// JSON, as recorded.
    pub detail: String,
}

/// Everything about one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemDossier {
    pub dataset: String,
    pub kind: DatasetKind,
    pub department: Option<String>,
    pub task: Option<String>,
    /// The file and line it was imported from.
    pub source: Option<(String, i64)>,
    pub created_at: String,
    /// The known answer, as stored, when the item is gold.
    pub gold: Option<String>,
    pub system: Option<String>,
    pub history: Vec<(String, String)>,
    /// Fields of the imported record that medpref does not read (a tool schema, an id, …),
    /// as (field, JSON text), kept so that nothing in a file is lost.
    pub extra: Vec<(String, String)>,
    /// Every text (question, answers, corrected and final versions) highlighted, and the flags.
    pub texts: FlaggedItem,
    pub candidates: Vec<CandidateFacts>,
    /// The item whose prompt this one repeats with generated answers.
    pub derived_from: Option<i64>,
    pub judgments: Vec<ItemJudgment>,
    pub corrections: Vec<ItemCorrection>,
    pub log: Vec<HistoryEntry>,
    /// The caller may change the item (admins): the record shows the gold and exclude controls.
    #[serde(default)]
    pub can_manage: bool,
}

/// Items of a dataset matching a search, `PAGE_SIZE` at a time after item id `after`.
/// Admins and auditors.
#[server(prefix = "/api", endpoint = "items")]
pub async fn search_items(
    dataset: String,
    #[server(default)] q: String,
    #[server(default)] state: String,
    #[server(default)] flag: String,
    #[server(default)] department: String,
    #[server(default)] reviewer: String,
    #[server(default)] after: Option<i64>,
) -> Result<ItemHits, AppError> {
    let result = async {
        let can_manage = search::require_browser().await?;
        let filter = parse_filter(q, state, flag, department, reviewer)?;
        let pool = crate::state::app_state()?.pool;
        let hits = search::hits(&pool, dataset, filter, after.unwrap_or(0), !can_manage).await?;
        Ok(ItemHits { can_manage, ..hits })
    };
    crate::error::with_status(result.await)
}

/// One item with everything that happened to it. Admins and auditors.
#[server(prefix = "/api", endpoint = "item")]
pub async fn get_item_dossier(item: i64) -> Result<ItemDossier, AppError> {
    crate::error::with_status(search::dossier(item).await)
}

/// The wire form of a search (strings, as in the page's address) as a filter.
pub fn parse_filter(
    q: String,
    state: String,
    flag: String,
    department: String,
    reviewer: String,
) -> Result<ItemFilter, AppError> {
    let text = q.trim().to_string();
    if text.chars().count() > MAX_QUERY_CHARS {
        return Err(crate::domain::Problem::QueryTooLong { max: MAX_QUERY_CHARS as u32 }.into());
    }
    let nonempty = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    Ok(ItemFilter {
        text,
        state: nonempty(&state)
            .map(|s| s.parse().map_err(|_| crate::domain::Problem::UnknownItemState { value: s }))
            .transpose()?,
        flag: nonempty(&flag).map(|s| s.parse()).transpose()?,
        department: nonempty(&department).map(|d| match d.as_str() {
            DepartmentFilter::UNSET => DepartmentFilter::Unset,
            _ => DepartmentFilter::Named(d),
        }),
        reviewer: nonempty(&reviewer),
    })
}
