//! The aggregation policy an admin chooses per export; written into the manifest as given.
//! Flat, so that it travels as a query string (the browser's download link) as well as JSON.
use super::{FlagPolicy, PairSource};
use crate::domain::Username;
use serde::{Deserialize, Deserializer, Serialize};

crate::named_enum! {
    /// How votes become one decision per pair of answers.
    pub enum MajorityRule("majority rule") {
        /// One outcome has more than half of the votes.
        Strict = "strict",
        /// One outcome has more votes than any other.
        Plurality = "plurality",
    }
}

crate::named_enum! {
    /// Where a tie majority goes. Pairwise formats cannot hold a tie.
    pub enum TieRule("tie rule") {
        LeaveOut = "leave-out",
        /// KTO: both answers are written as desirable.
        Desirable = "desirable",
    }
}

crate::named_enum! {
    /// Where a both-bad majority goes. Pairwise formats cannot hold it.
    pub enum BothBadRule("both-bad rule") {
        /// KTO: both answers are written as undesirable.
        Undesirable = "undesirable",
        LeaveOut = "leave-out",
    }
}

fn one() -> u32 {
    1
}
fn slight() -> f64 {
    0.25
}
fn clear() -> f64 {
    0.5
}
fn strong() -> f64 {
    1.0
}

/// A checkbox sends `on`; JSON sends `true`.
fn flag<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum B {
        Bool(bool),
        Text(String),
    }
    Ok(match B::deserialize(d)? {
        B::Bool(b) => b,
        B::Text(t) => matches!(t.as_str(), "on" | "true" | "1" | "yes"),
    })
}

/// A number from JSON, or from a form field's text.
fn num<'de, D: Deserializer<'de>, T: std::str::FromStr + Deserialize<'de>>(d: D) -> Result<T, D::Error>
where
    T::Err: std::fmt::Display,
{
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N<T> {
        Num(T),
        Text(String),
    }
    match N::<T>::deserialize(d)? {
        N::Num(n) => Ok(n),
        N::Text(t) => t.trim().parse().map_err(|e| serde::de::Error::custom(format!("`{t}`: {e}"))),
    }
}

/// Form fields left empty mean "not set".
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportPolicy {
    /// For pairwise formats: pairs from votes, from corrections, or both.
    #[serde(default = "PairSource::default_source")]
    pub source: PairSource,
    /// Texts with unresolved personal-information or advertising flags.
    #[serde(default = "FlagPolicy::default_policy")]
    pub flagged: FlagPolicy,
    /// Pairs with fewer votes are left out (`too_few_judgments`).
    #[serde(default = "one", deserialize_with = "num")]
    pub min_judgments: u32,
    #[serde(default = "MajorityRule::default_rule")]
    pub rule: MajorityRule,
    /// The winning outcome's share of the votes must be at least this (0 to 1).
    #[serde(default, deserialize_with = "num")]
    pub min_agreement: f64,
    #[serde(default = "TieRule::default_rule")]
    pub ties: TieRule,
    #[serde(default = "BothBadRule::default_rule")]
    pub both_bad: BothBadRule,
    /// Reward margins per vote strength; a pair's margin is the mean over its majority's
    /// votes (rankings and corrections count as `clear`).
    #[serde(default = "slight", deserialize_with = "num")]
    pub margin_slight: f64,
    #[serde(default = "clear", deserialize_with = "num")]
    pub margin_clear: f64,
    #[serde(default = "strong", deserialize_with = "num")]
    pub margin_strong: f64,
    /// Only items of this department.
    #[serde(default, deserialize_with = "text")]
    pub department: Option<String>,
    /// Only decisions made on or after / on or before this day (`YYYY-MM-DD`, UTC).
    #[serde(default, deserialize_with = "text")]
    pub from: Option<String>,
    #[serde(default, deserialize_with = "text")]
    pub to: Option<String>,
    /// Only these reviewers' decisions count: usernames separated by commas.
    #[serde(default, deserialize_with = "text")]
    pub reviewers: Option<String>,
    /// Leave gold (known-answer) items out.
    #[serde(default, deserialize_with = "flag")]
    pub exclude_gold: bool,
    /// Add each answer's per-axis ratings (the mean over the reviewers who rated it, `null`
    /// for an axis nobody rated), HelpSteer-style: `chosen_ratings` and `rejected_ratings`
    /// on pairs, `ratings` on KTO lines.
    #[serde(default, deserialize_with = "flag")]
    pub ratings: bool,
}

impl Default for ExportPolicy {
    fn default() -> Self {
        serde_json::from_str("{}").expect("every field has a default")
    }
}

impl PairSource {
    fn default_source() -> Self {
        PairSource::Votes
    }
}
impl FlagPolicy {
    fn default_policy() -> Self {
        FlagPolicy::LeaveOut
    }
}
impl MajorityRule {
    fn default_rule() -> Self {
        MajorityRule::Strict
    }
}
impl TieRule {
    fn default_rule() -> Self {
        TieRule::LeaveOut
    }
}
impl BothBadRule {
    fn default_rule() -> Self {
        BothBadRule::Undesirable
    }
}

/// A real calendar day written `YYYY-MM-DD` (`2026-13-45` and `2026-02-30` are not).
fn is_day(s: &str) -> bool {
    s.len() == 10 && time::Date::parse(s, crate::domain::DAY).is_ok()
}

impl ExportPolicy {
    /// Checks the policy; the error names the field.
    pub fn check(&self) -> Result<(), crate::domain::Problem> {
        use crate::domain::Problem;
        if !(0.0..=1.0).contains(&self.min_agreement) {
            return Err(Problem::MinAgreement { found: self.min_agreement.to_string() });
        }
        if !(1..=50).contains(&self.min_judgments) {
            return Err(Problem::MinJudgments { found: self.min_judgments.into() });
        }
        for (name, m) in [
            ("margin_slight", self.margin_slight),
            ("margin_clear", self.margin_clear),
            ("margin_strong", self.margin_strong),
        ] {
            if !m.is_finite() || !(0.0..=100.0).contains(&m) {
                return Err(Problem::Margin { field: name.into(), found: m.to_string() });
            }
        }
        for (name, day) in [("from", &self.from), ("to", &self.to)] {
            if let Some(d) = day.as_deref().filter(|d| !is_day(d)) {
                return Err(Problem::Day { field: name.into(), found: d.into() });
            }
        }
        if let (Some(from), Some(to)) = (&self.from, &self.to)
            && from > to
        {
            return Err(Problem::DaysReversed { from: from.clone(), to: to.clone() });
        }
        self.reviewer_names()?;
        Ok(())
    }

    /// The reviewers filter as usernames.
    pub fn reviewer_names(&self) -> Result<Option<Vec<String>>, crate::domain::Problem> {
        self.reviewers
            .as_deref()
            .map(|list| {
                list.split([',', '，', ' '])
                    .filter(|s| !s.is_empty())
                    .map(|s| Username::parse(s.to_string()).map(|u| u.to_string()))
                    .collect()
            })
            .transpose()
    }

    /// The margin a vote of this strength stands for.
    pub fn margin(&self, strength: Option<crate::domain::judgment::Strength>) -> f64 {
        use crate::domain::judgment::Strength;
        match strength {
            Some(Strength::Slight) => self.margin_slight,
            Some(Strength::Strong) => self.margin_strong,
            Some(Strength::Clear) | None => self.margin_clear,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_form_and_json_give_the_same_policy() {
        let form: ExportPolicy = serde_json::from_value(serde_json::json!({
            "department": "", "reviewers": " doctor1,doctor2 ", "exclude_gold": "on", "min_judgments": "2", "margin_strong": 2.0
        }))
        .unwrap();
        assert_eq!(form.department, None);
        assert!(form.exclude_gold);
        assert_eq!(form.reviewer_names().unwrap(), Some(vec!["doctor1".to_string(), "doctor2".to_string()]));
        assert_eq!(form.min_judgments, 2);
        assert_eq!(form.rule, MajorityRule::Strict);
        assert_eq!(ExportPolicy::default().both_bad, BothBadRule::Undesirable);
    }

    #[test]
    fn bad_values_are_named() {
        let bad = |p: ExportPolicy| p.check().unwrap_err().to_string();
        assert!(bad(ExportPolicy { min_agreement: 1.5, ..Default::default() }).contains("min_agreement"));
        assert!(bad(ExportPolicy { from: Some("2026-13".into()), ..Default::default() }).contains("YYYY-MM-DD"));
        for impossible in ["2026-13-45", "2026-02-29", "2026-04-31", "2026-00-10", "2026-01-00"] {
            let p = ExportPolicy { to: Some(impossible.into()), ..Default::default() };
            assert!(bad(p).contains("YYYY-MM-DD"), "{impossible}");
        }
        assert!(ExportPolicy { from: Some("2024-02-29".into()), ..Default::default() }.check().is_ok(), "a leap day");
        let backwards =
            ExportPolicy { from: Some("2026-03-02".into()), to: Some("2026-03-01".into()), ..Default::default() };
        assert!(bad(backwards).contains("after"));
        assert!(bad(ExportPolicy { margin_clear: f64::NAN, ..Default::default() }).contains("margin_clear"));
        assert!(bad(ExportPolicy { reviewers: Some("a/b".into()), ..Default::default() }).contains("username"));
    }
}
