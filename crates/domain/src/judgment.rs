//! What a reviewer submits about an item, the per-dataset rules it must meet, and the check.
//!
//! Shared by the browser (to guide the reviewer before submitting) and the server (which
//! enforces it): one definition of "a complete judgment".
use crate::Problem as Refused;
use crate::Vote;
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

crate::named_enum! {
    /// The known answer of a gold item: which answer (by position in the source) is better.
    pub enum GoldVote("gold answer") { First = "1", Second = "2", Tie = "tie", BothBad = "both_bad" }
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

impl AxisSetting {
    /// Parses `correctness!,safety,empathy`: the axes shown, in order; `!` marks required.
    pub fn parse_list(list: &str) -> Result<Vec<AxisSetting>, String> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                let (name, required) = match s.strip_suffix('!') {
                    Some(name) => (name, true),
                    None => (s, false),
                };
                Ok(AxisSetting { axis: name.parse()?, required })
            })
            .collect()
    }
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
    /// Correct datasets with answer choices (PromptCBLUE): the answer meaning "none fits".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub no_match_answer: Option<String>,
    /// The model that regenerates answers: a directory of `medpref serve --models DIR`, or an
    /// OpenAI-compatible endpoint configured in the admin console.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// The reward model that scores generated answers (a directory of the models folder);
    /// without one, answers are scored by their mean token log-probability.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reward_model: Option<String>,
    /// How `model` samples when a reviewer regenerates an answer.
    pub regeneration: crate::decoding::Decoding,
}

impl Default for ReviewSettings {
    /// Every axis shown, none required, no rationale required, no gold: the lightest start.
    fn default() -> Self {
        Self {
            axes: Axis::ALL.iter().map(|&axis| AxisSetting { axis, required: false }).collect(),
            rationale: RationaleRule::Never,
            gold_rate: 0.0,
            no_match_answer: None,
            model: None,
            reward_model: None,
            regeneration: Default::default(),
        }
    }
}

/// A model is named by a directory of the models folder or an endpoint's name: one plain
/// name, never a path (`../../etc`), nothing invisible.
pub fn check_model_name(name: &str) -> Result<(), Refused> {
    let plain = !name.is_empty()
        && name.len() <= 100
        && name != "."
        && name != ".."
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control);
    if plain { Ok(()) } else { Err(Refused::NotAModelName { name: name.escape_default().to_string() }) }
}

impl ReviewSettings {
    pub fn check(&self) -> Result<(), Refused> {
        if !(0.0..=0.5).contains(&self.gold_rate) {
            return Err(Refused::GoldRate);
        }
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = self.axes.iter().find(|a| !seen.insert(a.axis)) {
            return Err(Refused::AxisTwice { axis: dup.axis.to_string() });
        }
        for name in [&self.model, &self.reward_model].into_iter().flatten() {
            check_model_name(name)?;
        }
        self.regeneration.check().map_err(|e| Refused::Regeneration { problem: Box::new(e) })
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

/// What is wrong with a judgment, in terms the UI translates (see `i18n`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum Problem {
    #[error("choose A, B, tie or both bad")]
    NoVote,
    #[error("this item has {0} answers: rank them instead of voting")]
    RankInstead(usize),
    #[error("an item with two answers takes a vote, not a ranking")]
    VoteInstead,
    #[error("choose how much better the answer is")]
    NeedStrength,
    #[error("a tie or both-bad vote has no strength")]
    NoStrengthForTie,
    #[error("rank all {0} answers")]
    RankAll(usize),
    #[error("rank {0} is out of range")]
    RankOutOfRange(u8),
    #[error("there is no answer {0}")]
    NoSuchAnswer(usize),
    #[error("the axis `{0}` is not used in this dataset")]
    AxisNotUsed(Axis),
    #[error("ratings run from 1 to 5")]
    RatingOutOfRange,
    #[error("answer {0} is rated twice on `{1}`")]
    RatedTwice(usize, Axis),
    #[error("rate answer {0} on `{1}`")]
    RatingMissing(usize, Axis),
    #[error("this judgment needs a written rationale")]
    NeedRationale,
    #[error("the rationale is limited to 5000 characters")]
    RationaleTooLong,
}

/// Checks a judgment of an item with `answers` answers against the dataset's rules.
/// Answer numbers in problems are 1-based, as shown.
pub fn validate(settings: &ReviewSettings, answers: usize, input: &JudgmentInput) -> Result<(), Problem> {
    match &input.decision {
        Decision::Pairwise { vote, strength } => {
            if answers != 2 {
                return Err(Problem::RankInstead(answers));
            }
            match (vote, strength) {
                (Vote::A | Vote::B, None) => return Err(Problem::NeedStrength),
                (Vote::Tie | Vote::BothBad, Some(_)) => return Err(Problem::NoStrengthForTie),
                _ => {}
            }
        }
        Decision::Ranking { ranks } => {
            if answers < 3 {
                return Err(Problem::VoteInstead);
            }
            if ranks.len() != answers {
                return Err(Problem::RankAll(answers));
            }
            if let Some(&r) = ranks.iter().find(|&&r| r < 1 || r as usize > answers) {
                return Err(Problem::RankOutOfRange(r));
            }
        }
    }
    let mut seen = std::collections::HashSet::new();
    for r in &input.ratings {
        if r.answer >= answers {
            return Err(Problem::NoSuchAnswer(r.answer + 1));
        }
        if !settings.axes.iter().any(|a| a.axis == r.axis) {
            return Err(Problem::AxisNotUsed(r.axis));
        }
        if !(RATING_MIN..=RATING_MAX).contains(&r.value) {
            return Err(Problem::RatingOutOfRange);
        }
        if !seen.insert((r.answer, r.axis)) {
            return Err(Problem::RatedTwice(r.answer + 1, r.axis));
        }
    }
    for required in settings.axes.iter().filter(|a| a.required) {
        if let Some(missing) = (0..answers).find(|&i| !seen.contains(&(i, required.axis))) {
            return Err(Problem::RatingMissing(missing + 1, required.axis));
        }
    }
    if settings.rationale_required(&input.decision) && input.rationale.trim().is_empty() {
        return Err(Problem::NeedRationale);
    }
    if input.rationale.chars().count() > RATIONALE_MAX_CHARS {
        return Err(Problem::RationaleTooLong);
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
        JudgmentInput {
            decision: Decision::Pairwise { vote, strength },
            ratings: vec![],
            rationale: String::new(),
            time_on_task_ms: None,
        }
    }

    #[test]
    fn decisive_votes_need_a_strength_and_ties_have_none() {
        let s = ReviewSettings::default();
        assert!(validate(&s, 2, &pairwise(Vote::A, Some(Strength::Clear))).is_ok());
        assert_eq!(validate(&s, 2, &pairwise(Vote::B, None)), Err(Problem::NeedStrength));
        assert_eq!(validate(&s, 2, &pairwise(Vote::Tie, Some(Strength::Slight))), Err(Problem::NoStrengthForTie));
        assert!(validate(&s, 2, &pairwise(Vote::BothBad, None)).is_ok());
        assert_eq!(validate(&s, 4, &pairwise(Vote::BothBad, None)), Err(Problem::RankInstead(4)));
    }

    #[test]
    fn required_axes_must_be_rated_for_every_answer() {
        let mut s = ReviewSettings::default();
        s.axes[0].required = true; // correctness
        let mut input = pairwise(Vote::Tie, None);
        input.ratings.push(Rating { answer: 0, axis: Axis::Correctness, value: 4 });
        assert_eq!(validate(&s, 2, &input), Err(Problem::RatingMissing(2, Axis::Correctness)));
        assert_eq!(Problem::RatingMissing(2, Axis::Correctness).to_string(), "rate answer 2 on `correctness`");
        input.ratings.push(Rating { answer: 1, axis: Axis::Correctness, value: 2 });
        assert!(validate(&s, 2, &input).is_ok());
        input.ratings.push(Rating { answer: 1, axis: Axis::Correctness, value: 3 });
        assert_eq!(validate(&s, 2, &input), Err(Problem::RatedTwice(2, Axis::Correctness)));
    }

    #[test]
    fn ratings_must_be_in_range_on_shown_axes() {
        let s =
            ReviewSettings { axes: vec![AxisSetting { axis: Axis::Safety, required: false }], ..Default::default() };
        let mut input = pairwise(Vote::Tie, None);
        input.ratings = vec![Rating { answer: 0, axis: Axis::Safety, value: 6 }];
        assert_eq!(validate(&s, 2, &input), Err(Problem::RatingOutOfRange));
        input.ratings = vec![Rating { answer: 0, axis: Axis::Empathy, value: 3 }];
        assert_eq!(validate(&s, 2, &input), Err(Problem::AxisNotUsed(Axis::Empathy)));
        input.ratings = vec![Rating { answer: 2, axis: Axis::Safety, value: 3 }];
        assert_eq!(validate(&s, 2, &input), Err(Problem::NoSuchAnswer(3)));
    }

    #[test]
    fn rationale_rules() {
        let s = ReviewSettings { rationale: RationaleRule::StrongOrBothBad, ..Default::default() };
        assert!(validate(&s, 2, &pairwise(Vote::A, Some(Strength::Clear))).is_ok());
        assert_eq!(validate(&s, 2, &pairwise(Vote::A, Some(Strength::Strong))), Err(Problem::NeedRationale));
        assert_eq!(validate(&s, 2, &pairwise(Vote::BothBad, None)), Err(Problem::NeedRationale));
        let mut ok = pairwise(Vote::BothBad, None);
        ok.rationale = "两个回答都建议了错误剂量".into();
        assert!(validate(&s, 2, &ok).is_ok());
        let always = ReviewSettings { rationale: RationaleRule::Always, ..Default::default() };
        assert!(validate(&always, 2, &pairwise(Vote::Tie, None)).is_err());
    }

    #[test]
    fn rankings_cover_every_answer_in_range() {
        let s = ReviewSettings::default();
        let rank =
            |ranks: Vec<u8>| JudgmentInput { decision: Decision::Ranking { ranks }, ..pairwise(Vote::Tie, None) };
        assert!(validate(&s, 4, &rank(vec![1, 2, 2, 4])).is_ok());
        assert_eq!(validate(&s, 4, &rank(vec![1, 2, 3])), Err(Problem::RankAll(4)));
        assert_eq!(validate(&s, 4, &rank(vec![1, 2, 3, 5])), Err(Problem::RankOutOfRange(5)));
        assert!(validate(&s, 2, &rank(vec![1, 2])).is_err());
    }

    #[test]
    fn a_ranking_implies_its_pairs_and_ties_imply_none() {
        assert_eq!(implied_pairs(&[2, 1, 3]), vec![(0, 2), (1, 0), (1, 2)]);
        assert_eq!(implied_pairs(&[1, 1, 2]), vec![(0, 2), (1, 2)]);
        assert!(implied_pairs(&[1, 1]).is_empty());
    }

    #[test]
    fn axis_lists_parse_with_required_marks() {
        let axes = AxisSetting::parse_list("correctness!, safety,empathy!").unwrap();
        assert_eq!(axes.len(), 3);
        assert!(axes[0].required && !axes[1].required && axes[2].axis == Axis::Empathy);
        assert!(AxisSetting::parse_list("beauty").unwrap_err().contains("unknown rating axis `beauty`"));
        assert!(AxisSetting::parse_list("").unwrap().is_empty());
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
