//! Which items a search asks for: their state, flags, department, reviewer and text.
use crate::flag::FlagKind;
use serde::{Deserialize, Serialize};

crate::named_enum! {
    /// Where an item is in review, for filtering.
    pub enum ItemState("item state") {
        /// No vote or correction yet.
        Unreviewed = "unreviewed",
        /// Some, fewer than the dataset's overlap target.
        InProgress = "in-progress",
        /// At least the overlap target.
        Complete = "complete",
        /// Marked gold by an admin.
        Gold = "gold",
        /// Taken out of every queue and export.
        Excluded = "excluded",
    }
}

/// Which items to show by their flags (active ones: open or confirmed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagFilter {
    /// Any active flag (redaction markers left by the source do not count).
    Any,
    /// No active flag.
    None,
    /// An active flag of this kind.
    Kind(FlagKind),
}

impl FlagFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagFilter::Any => "any",
            FlagFilter::None => "none",
            FlagFilter::Kind(k) => k.as_str(),
        }
    }
}

impl std::str::FromStr for FlagFilter {
    type Err = crate::Problem;

    fn from_str(s: &str) -> Result<Self, crate::Problem> {
        match s {
            "any" => Ok(FlagFilter::Any),
            "none" => Ok(FlagFilter::None),
            _ => FlagKind::parse(s)
                .map(FlagFilter::Kind)
                .ok_or_else(|| crate::Problem::UnknownFlagFilter { value: s.to_string() }),
        }
    }
}

/// The longest search text: a phrase, not a document.
pub const MAX_QUERY_CHARS: usize = 100;
/// Items per page of results.
pub const PAGE_SIZE: i64 = 50;

/// A search over one dataset's items. Empty strings mean "no filter".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ItemFilter {
    /// A substring of the question, the system text or an answer (characters, not words:
    /// Chinese has no spaces).
    pub text: String,
    pub state: Option<ItemState>,
    pub flag: Option<FlagFilter>,
    pub department: Option<DepartmentFilter>,
    /// Items this reviewer voted on or corrected.
    pub reviewer: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepartmentFilter {
    Named(String),
    /// Items without a department.
    Unset,
}

impl DepartmentFilter {
    /// How "no department" is written in a search's address and the API.
    pub const UNSET: &str = "-";
}

/// The most items one action takes (a few pages of the browse list).
pub const MAX_SELECTION: usize = 1000;

/// Why an action on items was refused; nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ItemActionProblem {
    #[error("choose at least one item")]
    NothingChosen,
    #[error("at most {MAX_SELECTION} items at once")]
    TooMany,
    /// This item is not in the dataset, or (for gold) has not exactly two answers.
    #[error("item {0} cannot take this action")]
    NotApplicable(i64),
}
