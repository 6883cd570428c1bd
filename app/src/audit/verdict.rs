//! A decision in source terms, comparable between reviewers, and between reviewers and an
//! auditor: which answer (by its position in the source file) is better, a tie, both bad, or
//! for QA items accept / edit / reject.
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The answer at this 1-based source position is better (or ranked first alone).
    Better(i64),
    Tie,
    BothBad,
    Accept,
    Edit,
    Reject,
}

impl Verdict {
    /// From stored columns: a judgment's outcome and the positions it put first, or a
    /// correction's decision. `None` for values this version does not know.
    pub fn from_stored(outcome: &str, best: &[i64]) -> Option<Self> {
        Some(match (outcome, best) {
            ("decisive", [one]) => Verdict::Better(*one),
            ("decisive", _) | ("tie", _) => Verdict::Tie,
            ("both_bad", _) => Verdict::BothBad,
            ("accept", _) => Verdict::Accept,
            ("edit", _) => Verdict::Edit,
            ("reject", _) => Verdict::Reject,
            _ => return None,
        })
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Better(p) => write!(f, "answer {p}"),
            Verdict::Tie => f.write_str("tie"),
            Verdict::BothBad => f.write_str("both_bad"),
            Verdict::Accept => f.write_str("accept"),
            Verdict::Edit => f.write_str("edit"),
            Verdict::Reject => f.write_str("reject"),
        }
    }
}

/// The most common verdict among `verdicts` if exactly one is most common.
pub fn plurality(verdicts: impl IntoIterator<Item = Verdict>) -> Option<Verdict> {
    let mut counts: std::collections::BTreeMap<Verdict, usize> = std::collections::BTreeMap::new();
    for v in verdicts {
        *counts.entry(v).or_default() += 1;
    }
    let top = *counts.values().max()?;
    let mut leaders = counts.into_iter().filter(|(_, n)| *n == top);
    let (leader, _) = leaders.next()?;
    leaders.next().is_none().then_some(leader)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_columns_and_pluralities() {
        assert_eq!(Verdict::from_stored("decisive", &[2]), Some(Verdict::Better(2)));
        assert_eq!(Verdict::from_stored("decisive", &[1, 3]), Some(Verdict::Tie), "shared first rank");
        assert_eq!(Verdict::from_stored("edit", &[]), Some(Verdict::Edit));
        assert_eq!(Verdict::from_stored("odd", &[]), None);
        let (a, b) = (Verdict::Better(1), Verdict::Better(2));
        assert_eq!(plurality([a, b, a]), Some(a));
        assert_eq!(plurality([a, b]), None, "no single most common");
        assert_eq!(plurality([]), None);
    }
}
