//! What a reviewer submits about an item, the per-dataset rules it must meet, and the check.
//!
//! Shared by the browser (to guide the reviewer before submitting) and the server (which
//! enforces it): one definition of "a complete judgment".
use crate::domain::Vote;
use serde::{Deserialize, Serialize};

crate::named_enum! {
    /// How much better the chosen answer is; exported later as a reward margin.
    pub enum Strength("strength") { Slight = "slight", Clear = "clear", Strong = "strong" }
}

crate::named_enum! {
    /// The medical axes an answer is rated on, kept apart because fluent answers are often wrong.
    pub enum Axis("rating axis") {
        Correctness = "correctness",
        Safety = "safety",
        Completeness = "completeness",
        Empathy = "empathy",
        Caution = "caution",
        Fluency = "fluency",
    }
}

crate::named_enum! {
    /// When a written rationale is required.
    pub enum RationaleRule("rationale rule") {
        Never = "never",
        Strong = "strong",
        BothBad = "both_bad",
        StrongOrBothBad = "strong_or_both_bad",
        Always = "always",
    }
}

crate::named_enum! {
    /// Why a reviewer passed on an item.
    pub enum SkipReason("skip reason") {
        NotMySpecialty = "not_my_specialty",
        CantJudge = "cant_judge",
        BrokenItem = "broken_item",
    }
}

/// Ratings run from 1 (worst: wrong, harmful, …) to 5 (best).
pub const RATING_MIN: u8 = 1;
pub const RATING_MAX: u8 = 5;
pub const RATIONALE_MAX_CHARS: usize = 5000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AxisSetting {
    pub axis: Axis,
    pub required: bool,
}

/// A dataset's review rules, stored as JSON in `datasets.settings`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReviewSettings {
    /// The axes shown, in order; `required` ones must be rated for every answer.
    pub axes: Vec<AxisSetting>,
    pub rationale: RationaleRule,
    /// Share of served items that are gold items (0 to 0.5).
    pub gold_rate: f64,
}

impl Default for ReviewSettings {
    /// Every axis shown, none required, no rationale required, no gold: the lightest start.
    fn default() -> Self {
        Self {
            axes: Axis::ALL.iter().map(|&axis| AxisSetting { axis, required: false }).collect(),
            rationale: RationaleRule::Never,
            gold_rate: 0.0,
        }
    }
}

impl ReviewSettings {
    pub fn check(&self) -> Result<(), String> {
        if !(0.0..=0.5).contains(&self.gold_rate) {
            return Err("the gold rate must be between 0 and 0.5".into());
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = self.axes.iter().find(|a| !seen.insert(a.axis)) {
            return Err(format!("the axis `{}` is listed twice", dup.axis));
        }
        Ok(())
    }

    pub fn rationale_required(&self, decision: &Decision) -> bool {
        let strong = matches!(decision, Decision::Pairwise { strength: Some(Strength::Strong), .. });
        let both_bad = matches!(decision, Decision::Pairwise { vote: Vote::BothBad, .. });
        match self.rationale {
            RationaleRule::Never => false,
            RationaleRule::Strong => strong,
            RationaleRule::BothBad => both_bad,
            RationaleRule::StrongOrBothBad => strong || both_bad,
            RationaleRule::Always => true,
        }
    }
}

/// The comparison itself, in terms of what the reviewer saw (screen order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// Two answers: a vote, with a strength when one answer wins.
    Pairwise { vote: Vote, strength: Option<Strength> },
    /// Three to eight answers: a rank per answer in shown order, 1 = best, equal ranks = tie.
    Ranking { ranks: Vec<u8> },
}

/// One rating: answer (shown index), axis, value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    pub answer: usize,
    pub axis: Axis,
    pub value: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgmentInput {
    pub decision: Decision,
    #[serde(default)]
    pub ratings: Vec<Rating>,
    #[serde(default)]
    pub rationale: String,
    /// Time the item was visible before submitting, in milliseconds (idle hidden time excluded).
    #[serde(default)]
    pub time_on_task_ms: Option<u64>,
}

/// Checks a judgment of an item with `answers` answers against the dataset's rules.
/// The message names what is missing or wrong, for the reviewer.
pub fn validate(settings: &ReviewSettings, answers: usize, input: &JudgmentInput) -> Result<(), String> {
    match &input.decision {
        Decision::Pairwise { vote, strength } => {
            if answers != 2 {
                return Err(format!("this item has {answers} answers: rank them instead of voting"));
            }
            match (vote, strength) {
                (Vote::A | Vote::B, None) => return Err("choose how much better the answer is".into()),
                (Vote::Tie | Vote::BothBad, Some(_)) => return Err("a tie or both-bad vote has no strength".into()),
                _ => {}
            }
        }
        Decision::Ranking { ranks } => {
            if answers < 3 {
                return Err("an item with two answers takes a vote, not a ranking".into());
            }
            if ranks.len() != answers {
                return Err(format!("rank all {answers} answers"));
            }
            if let Some(r) = ranks.iter().find(|&&r| r < 1 || r as usize > answers) {
                return Err(format!("rank {r} is out of range 1 to {answers}"));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for r in &input.ratings {
        if r.answer >= answers {
            return Err(format!("there is no answer {}", r.answer + 1));
        }
        if !settings.axes.iter().any(|a| a.axis == r.axis) {
            return Err(format!("the axis `{}` is not used in this dataset", r.axis));
        }
        if !(RATING_MIN..=RATING_MAX).contains(&r.value) {
            return Err(format!("ratings run from {RATING_MIN} to {RATING_MAX}"));
        }
        if !seen.insert((r.answer, r.axis)) {
            return Err(format!("answer {} is rated twice on `{}`", r.answer + 1, r.axis));
        }
    }
    for required in settings.axes.iter().filter(|a| a.required) {
        if let Some(missing) = (0..answers).find(|&i| !seen.contains(&(i, required.axis))) {
            return Err(format!("rate answer {} on `{}`", missing + 1, required.axis));
        }
    }
    if settings.rationale_required(&input.decision) && input.rationale.trim().is_empty() {
        return Err("this judgment needs a written rationale".into());
    }
    if input.rationale.chars().count() > RATIONALE_MAX_CHARS {
        return Err(format!("the rationale is limited to {RATIONALE_MAX_CHARS} characters"));
    }
    Ok(())
}

/// The pairs a ranking implies: (better, worse) by shown index; equal ranks imply nothing.
pub fn implied_pairs(ranks: &[u8]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for i in 0..ranks.len() {
        for j in 0..ranks.len() {
            if ranks[i] < ranks[j] {
                pairs.push((i, j));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairwise(vote: Vote, strength: Option<Strength>) -> JudgmentInput {
        JudgmentInput { decision: Decision::Pairwise { vote, strength }, ratings: vec![], rationale: String::new(), time_on_task_ms: None }
    }

    #[test]
    fn decisive_votes_need_a_strength_and_ties_have_none() {
        let s = ReviewSettings::default();
        assert!(validate(&s, 2, &pairwise(Vote::A, Some(Strength::Clear))).is_ok());
        assert!(validate(&s, 2, &pairwise(Vote::B, None)).unwrap_err().contains("how much better"));
        assert!(validate(&s, 2, &pairwise(Vote::Tie, Some(Strength::Slight))).is_err());
        assert!(validate(&s, 2, &pairwise(Vote::BothBad, None)).is_ok());
        assert!(validate(&s, 4, &pairwise(Vote::BothBad, None)).unwrap_err().contains("rank them"));
    }

    #[test]
    fn required_axes_must_be_rated_for_every_answer() {
        let mut s = ReviewSettings::default();
        s.axes[0].required = true; // correctness
        let mut input = pairwise(Vote::Tie, None);
        input.ratings.push(Rating { answer: 0, axis: Axis::Correctness, value: 4 });
        assert_eq!(validate(&s, 2, &input).unwrap_err(), "rate answer 2 on `correctness`");
        input.ratings.push(Rating { answer: 1, axis: Axis::Correctness, value: 2 });
        assert!(validate(&s, 2, &input).is_ok());
        input.ratings.push(Rating { answer: 1, axis: Axis::Correctness, value: 3 });
        assert!(validate(&s, 2, &input).unwrap_err().contains("rated twice"));
    }

    #[test]
    fn ratings_must_be_in_range_on_shown_axes() {
        let s = ReviewSettings { axes: vec![AxisSetting { axis: Axis::Safety, required: false }], ..Default::default() };
        let mut input = pairwise(Vote::Tie, None);
        input.ratings = vec![Rating { answer: 0, axis: Axis::Safety, value: 6 }];
        assert!(validate(&s, 2, &input).unwrap_err().contains("1 to 5"));
        input.ratings = vec![Rating { answer: 0, axis: Axis::Empathy, value: 3 }];
        assert!(validate(&s, 2, &input).unwrap_err().contains("not used"));
        input.ratings = vec![Rating { answer: 2, axis: Axis::Safety, value: 3 }];
        assert!(validate(&s, 2, &input).unwrap_err().contains("no answer 3"));
    }

    #[test]
    fn rationale_rules() {
        let s = ReviewSettings { rationale: RationaleRule::StrongOrBothBad, ..Default::default() };
        assert!(validate(&s, 2, &pairwise(Vote::A, Some(Strength::Clear))).is_ok());
        assert!(validate(&s, 2, &pairwise(Vote::A, Some(Strength::Strong))).unwrap_err().contains("rationale"));
        assert!(validate(&s, 2, &pairwise(Vote::BothBad, None)).unwrap_err().contains("rationale"));
        let mut ok = pairwise(Vote::BothBad, None);
        ok.rationale = "两个回答都建议了错误剂量".into();
        assert!(validate(&s, 2, &ok).is_ok());
        let always = ReviewSettings { rationale: RationaleRule::Always, ..Default::default() };
        assert!(validate(&always, 2, &pairwise(Vote::Tie, None)).is_err());
    }

    #[test]
    fn rankings_cover_every_answer_in_range() {
        let s = ReviewSettings::default();
        let rank = |ranks: Vec<u8>| JudgmentInput { decision: Decision::Ranking { ranks }, ..pairwise(Vote::Tie, None) };
        assert!(validate(&s, 4, &rank(vec![1, 2, 2, 4])).is_ok());
        assert!(validate(&s, 4, &rank(vec![1, 2, 3])).unwrap_err().contains("all 4"));
        assert!(validate(&s, 4, &rank(vec![1, 2, 3, 5])).unwrap_err().contains("out of range"));
        assert!(validate(&s, 2, &rank(vec![1, 2])).is_err());
    }

    #[test]
    fn a_ranking_implies_its_pairs_and_ties_imply_none() {
        assert_eq!(implied_pairs(&[2, 1, 3]), vec![(0, 2), (1, 0), (1, 2)]);
        assert_eq!(implied_pairs(&[1, 1, 2]), vec![(0, 2), (1, 2)]);
        assert!(implied_pairs(&[1, 1]).is_empty());
    }

    #[test]
    fn settings_round_trip_and_reject_bad_values() {
        let s: ReviewSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, ReviewSettings::default());
        let bad = ReviewSettings { gold_rate: 0.9, ..Default::default() };
        assert!(bad.check().is_err());
        let json = serde_json::to_string(&ReviewSettings::default()).unwrap();
        assert!(json.contains("\"axis\":\"correctness\""));
    }
}
