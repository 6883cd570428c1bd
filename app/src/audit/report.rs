//! How far a dataset's labels can be trusted: agreement between reviewers (Fleiss' κ,
//! Krippendorff's α, Cohen's κ per pair, agreement with the leave-one-out majority), each
//! reviewer's biases (left side, longer answer, speed, drift by week) and how often the
//! reward model agrees with the clinicians' majority. Every share carries a Wilson interval.
use super::verdict::Verdict;
use serde::{Deserialize, Serialize};

pub use medpref_stats::Share;

/// Reviewer pairs need this many shared items for a Cohen's κ.
pub const MIN_SHARED: usize = 10;
/// Disagreements with the reward model listed at most.
pub const MAX_LISTED: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairKappa {
    pub a: String,
    pub b: String,
    pub shared: usize,
    /// Share of shared items they decided alike.
    pub agreement: f64,
    pub kappa: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewerStats {
    pub reviewer: String,
    pub decisions: usize,
    /// Decisions matching the majority of the other reviewers of the item (items where the
    /// others have a single most common decision).
    pub with_majority: Share,
    /// Gold items judged correctly.
    pub gold: Option<Share>,
    /// Decisive votes for the answer shown on the left, against 50%.
    pub left: Option<Share>,
    /// Exact two-sided binomial test of `left` against 50%.
    pub left_p: Option<f64>,
    /// Decisive votes for the longer answer (answers of different lengths).
    pub longer: Option<Share>,
    pub longer_p: Option<f64>,
    pub median_seconds: Option<f64>,
    /// Agreement with the majority by week (the Monday of the week).
    pub weeks: Vec<(String, Share)>,
}

/// An item where the reward model's preferred answer is not the clinicians' majority.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDisagreement {
    pub item: i64,
    pub question: String,
    /// Source positions.
    pub model_pick: i64,
    pub majority_pick: Verdict,
    /// The clinicians' decisions as (verdict, count).
    pub votes: Vec<(Verdict, usize)>,
    /// (position, score) of the scored answers.
    pub scores: Vec<(i64, f64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelAgreement {
    /// What the scores are: `reward_model`, `mean_logprob`, or both kinds mixed.
    pub score_kinds: Vec<String>,
    /// Items with scores and a clinicians' majority for one answer.
    pub agree: Share,
    pub disagreements: Vec<ModelDisagreement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgreementReport {
    pub dataset: String,
    pub decisions: usize,
    pub items: usize,
    /// Items with two or more decisions.
    pub items_multi: usize,
    pub fleiss_kappa: Option<f64>,
    /// Krippendorff's α over the decisions (nominal).
    pub alpha_nominal: Option<f64>,
    /// Krippendorff's α over the signed vote strength (ordinal: strongly answer 1 … tie …
    /// strongly answer 2), pairwise votes only.
    pub alpha_strength: Option<f64>,
    /// Krippendorff's α per rating axis (ordinal, per answer).
    pub alpha_ratings: Vec<(String, Option<f64>)>,
    pub with_majority: Share,
    pub pairs: Vec<PairKappa>,
    pub reviewers: Vec<ReviewerStats>,
    pub weeks: Vec<(String, Share)>,
    pub model: Option<ModelAgreement>,
}

#[cfg(feature = "ssr")]
pub mod compute {
    use super::*;
    use crate::audit::stats::{Metric, binomial_two_sided, cohen_kappa, fleiss_kappa, krippendorff_alpha, median};
    use crate::store::agreement::DecisionRow;
    use std::collections::{BTreeMap, BTreeSet};

    /// A decision, read.
    pub struct Decision {
        pub item: i64,
        pub reviewer: String,
        pub verdict: Verdict,
        /// Signed strength in source terms: −3…−1 for answer 1, 0 tie, 1…3 for answer 2.
        pub lean: Option<i64>,
        pub shown_left: Option<bool>,
        pub longer_won: Option<bool>,
        pub seconds: Option<f64>,
        pub week: String,
    }

    pub fn read(rows: Vec<DecisionRow>) -> Vec<Decision> {
        rows.into_iter()
            .filter_map(|r| {
                let best: Vec<i64> = serde_json::from_str(&r.best).unwrap_or_default();
                let verdict = Verdict::from_stored(&r.outcome, &best)?;
                let strength = match r.strength.as_deref() {
                    Some("slight") => Some(1),
                    Some("clear") => Some(2),
                    Some("strong") => Some(3),
                    _ => None,
                };
                let lean = match (verdict, strength) {
                    (Verdict::Better(1), Some(s)) => Some(-s),
                    (Verdict::Better(2), Some(s)) => Some(s),
                    (Verdict::Tie, _) if best.len() <= 1 => Some(0),
                    _ => None,
                };
                Some(Decision {
                    item: r.item_id,
                    week: week_of(&r.created_at),
                    reviewer: r.reviewer,
                    verdict,
                    lean,
                    shown_left: r.shown_side.map(|s| s == "left"),
                    longer_won: r.longer_won,
                    seconds: r.time_ms.map(|ms| ms as f64 / 1000.0),
                })
            })
            .collect()
    }

    /// The Monday of the ISO week of a `YYYY-MM-DD…` date.
    pub fn week_of(date: &str) -> String {
        use crate::domain::DAY;
        let Some(day) = date.get(..10).and_then(|d| time::Date::parse(d, DAY).ok()) else { return date.to_string() };
        let monday = day - time::Duration::days(day.weekday().number_days_from_monday().into());
        monday.format(DAY).unwrap_or_else(|_| date.to_string())
    }

    /// Share of `k` in `n` with the binomial test against 50%.
    fn against_half(k: u64, n: u64) -> (Option<Share>, Option<f64>) {
        if n == 0 {
            return (None, None);
        }
        (Some(Share::of(k, n)), Some(binomial_two_sided(k, n, 0.5)))
    }

    fn tally(pairs: impl Iterator<Item = bool>) -> Share {
        let (mut k, mut n) = (0, 0);
        for agree in pairs {
            n += 1;
            k += u64::from(agree);
        }
        Share::of(k, n)
    }

    pub struct Inputs {
        pub dataset: String,
        pub decisions: Vec<Decision>,
        /// (item, candidate, axis, reviewer, value).
        pub ratings: Vec<(i64, i64, String, String, i64)>,
        /// (reviewer, judged, correct).
        pub gold: Vec<(String, i64, i64)>,
        /// (item, question, JSON [[position, score, kind], …]).
        pub scored: Vec<(i64, String, String)>,
    }

    pub fn report(inputs: Inputs) -> AgreementReport {
        let Inputs { dataset, decisions, ratings, gold, scored } = inputs;
        let mut by_item: BTreeMap<i64, Vec<&Decision>> = BTreeMap::new();
        for d in &decisions {
            by_item.entry(d.item).or_default().push(d);
        }
        let categories: Vec<Verdict> =
            decisions.iter().map(|d| d.verdict).collect::<BTreeSet<_>>().into_iter().collect();
        let code = |v: Verdict| categories.iter().position(|c| *c == v).unwrap_or(0);
        let multi: Vec<&Vec<&Decision>> = by_item.values().filter(|ds| ds.len() >= 2).collect();
        let counts: Vec<Vec<usize>> = multi
            .iter()
            .map(|ds| {
                let mut row = vec![0; categories.len()];
                ds.iter().for_each(|d| row[code(d.verdict)] += 1);
                row
            })
            .collect();
        let units = |f: &dyn Fn(&Decision) -> Option<f64>| -> Vec<Vec<f64>> {
            multi.iter().map(|ds| ds.iter().filter_map(|d| f(d)).collect()).collect()
        };
        let alpha_nominal = krippendorff_alpha(&units(&|d| Some(code(d.verdict) as f64)), Metric::Nominal);
        let alpha_strength = krippendorff_alpha(&units(&|d| d.lean.map(|l| l as f64)), Metric::Ordinal);

        // Ratings: one unit per (item, answer) and axis.
        let mut rating_units: BTreeMap<(String, i64, i64), Vec<f64>> = BTreeMap::new();
        for (item, candidate, axis, _, value) in &ratings {
            rating_units.entry((axis.clone(), *item, *candidate)).or_default().push(*value as f64);
        }
        let axes: BTreeSet<String> = rating_units.keys().map(|(a, _, _)| a.clone()).collect();
        let alpha_ratings = axes
            .into_iter()
            .map(|axis| {
                let units: Vec<Vec<f64>> =
                    rating_units.iter().filter(|((a, _, _), _)| *a == axis).map(|(_, v)| v.clone()).collect();
                let alpha = krippendorff_alpha(&units, Metric::Ordinal);
                (axis, alpha)
            })
            .collect();

        // Each decision against the majority of the item's other decisions.
        let mut loo: Vec<(&Decision, bool)> = Vec::new();
        for ds in by_item.values() {
            for (i, d) in ds.iter().enumerate() {
                let others = ds.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, o)| o.verdict);
                if let Some(majority) = crate::audit::verdict::plurality(others) {
                    loo.push((d, d.verdict == majority));
                }
            }
        }
        let weeks_of = |rows: &mut dyn Iterator<Item = &(&Decision, bool)>| {
            let mut weeks: BTreeMap<String, Vec<bool>> = BTreeMap::new();
            for (d, agree) in rows {
                weeks.entry(d.week.clone()).or_default().push(*agree);
            }
            weeks.into_iter().map(|(w, v)| (w, tally(v.into_iter()))).collect::<Vec<_>>()
        };

        let reviewers: BTreeSet<&str> = decisions.iter().map(|d| d.reviewer.as_str()).collect();
        let reviewer_stats = reviewers
            .iter()
            .map(|&r| {
                let mine: Vec<&Decision> = decisions.iter().filter(|d| d.reviewer == r).collect();
                let sided: Vec<bool> = mine.iter().filter_map(|d| d.shown_left).collect();
                let longer: Vec<bool> = mine.iter().filter_map(|d| d.longer_won).collect();
                let (left, left_p) = against_half(sided.iter().filter(|l| **l).count() as u64, sided.len() as u64);
                let (longer, longer_p) =
                    against_half(longer.iter().filter(|l| **l).count() as u64, longer.len() as u64);
                let mut seconds: Vec<f64> = mine.iter().filter_map(|d| d.seconds).collect();
                ReviewerStats {
                    reviewer: r.to_string(),
                    decisions: mine.len(),
                    with_majority: tally(loo.iter().filter(|(d, _)| d.reviewer == r).map(|(_, a)| *a)),
                    gold: gold
                        .iter()
                        .find(|(g, _, _)| g == r)
                        .map(|(_, judged, correct)| Share::of(*correct as u64, *judged as u64)),
                    left,
                    left_p,
                    longer,
                    longer_p,
                    median_seconds: median(&mut seconds),
                    weeks: weeks_of(&mut loo.iter().filter(|(d, _)| d.reviewer == r)),
                }
            })
            .collect();

        // Cohen's κ for each pair of reviewers with enough shared items: one pass over the
        // items, collecting each pair's decisions (names ordered within a pair).
        let mut shared: BTreeMap<(&str, &str), Vec<(Verdict, Verdict)>> = BTreeMap::new();
        for ds in by_item.values() {
            for (i, x) in ds.iter().enumerate() {
                for y in &ds[i + 1..] {
                    let (first, second) = if x.reviewer <= y.reviewer { (x, y) } else { (y, x) };
                    shared
                        .entry((first.reviewer.as_str(), second.reviewer.as_str()))
                        .or_default()
                        .push((first.verdict, second.verdict));
                }
            }
        }
        let pairs = shared
            .into_iter()
            .filter(|(_, s)| s.len() >= MIN_SHARED)
            .map(|((a, b), shared)| PairKappa {
                a: a.to_string(),
                b: b.to_string(),
                shared: shared.len(),
                agreement: shared.iter().filter(|(x, y)| x == y).count() as f64 / shared.len() as f64,
                kappa: cohen_kappa(&shared),
            })
            .collect();

        AgreementReport {
            dataset,
            decisions: decisions.len(),
            items: by_item.len(),
            items_multi: multi.len(),
            fleiss_kappa: fleiss_kappa(&counts),
            alpha_nominal,
            alpha_strength,
            alpha_ratings,
            with_majority: tally(loo.iter().map(|(_, a)| *a)),
            pairs,
            reviewers: reviewer_stats,
            weeks: weeks_of(&mut loo.iter()),
            model: model_agreement(&by_item, scored),
        }
    }

    /// The reward model's preferred answer (highest score) against the clinicians' majority.
    fn model_agreement(
        by_item: &BTreeMap<i64, Vec<&Decision>>,
        scored: Vec<(i64, String, String)>,
    ) -> Option<ModelAgreement> {
        if scored.is_empty() {
            return None;
        }
        let mut kinds = BTreeSet::new();
        let (mut agree, mut n) = (0u64, 0u64);
        let mut disagreements = Vec::new();
        for (item, question, json) in scored {
            let rows: Vec<(i64, f64, Option<String>)> = serde_json::from_str(&json).unwrap_or_default();
            kinds.extend(rows.iter().filter_map(|r| r.2.clone()));
            let Some(decisions) = by_item.get(&item) else { continue };
            let Some(majority @ Verdict::Better(pick)) =
                crate::audit::verdict::plurality(decisions.iter().map(|d| d.verdict))
            else {
                continue;
            };
            let top = rows.iter().map(|r| r.1).fold(f64::MIN, f64::max);
            let best: Vec<i64> = rows.iter().filter(|r| r.1 == top).map(|r| r.0).collect();
            let [model_pick] = best.as_slice() else { continue }; // tied scores: no preference
            n += 1;
            if *model_pick == pick {
                agree += 1;
            } else if disagreements.len() < MAX_LISTED {
                let mut votes: BTreeMap<Verdict, usize> = BTreeMap::new();
                decisions.iter().for_each(|d| *votes.entry(d.verdict).or_default() += 1);
                disagreements.push(ModelDisagreement {
                    item,
                    question: question.chars().take(80).collect(),
                    model_pick: *model_pick,
                    majority_pick: majority,
                    votes: votes.into_iter().collect(),
                    scores: rows.iter().map(|r| (r.0, r.1)).collect(),
                });
            }
        }
        Some(ModelAgreement { score_kinds: kinds.into_iter().collect(), agree: Share::of(agree, n), disagreements })
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn weeks_start_on_monday() {
            assert_eq!(week_of("2026-11-22T08:00:00Z"), "2026-11-16"); // a Sunday
            assert_eq!(week_of("2026-11-16"), "2026-11-16");
            assert_eq!(week_of("2024-01-01T00:00:00Z"), "2024-01-01");
            assert_eq!(week_of("2021-01-03"), "2020-12-28");
        }

        fn d(item: i64, reviewer: &str, verdict: Verdict, left: Option<bool>) -> Decision {
            Decision {
                item,
                reviewer: reviewer.into(),
                verdict,
                lean: None,
                shown_left: left,
                longer_won: None,
                seconds: Some(10.0),
                week: "2026-11-16".into(),
            }
        }

        #[test]
        fn majorities_kappas_and_side_bias_from_decisions() {
            let (a, b) = (Verdict::Better(1), Verdict::Better(2));
            let mut decisions = vec![];
            // 12 items; x and y always agree; z agrees on the first 6 only; z always picks the left side.
            for item in 0..12 {
                let v = if item % 2 == 0 { a } else { b };
                decisions.push(d(item, "x", v, Some(item % 3 == 0)));
                decisions.push(d(item, "y", v, Some(item % 3 == 1)));
                let z = if item < 6 {
                    v
                } else if v == a {
                    b
                } else {
                    a
                };
                decisions.push(d(item, "z", z, Some(true)));
            }
            let scored = vec![
                (0, "q0".to_string(), "[[1, 0.9, \"reward_model\"], [2, 0.1, \"reward_model\"]]".to_string()),
                (1, "q1".to_string(), "[[1, 0.8, \"reward_model\"], [2, 0.2, \"reward_model\"]]".to_string()),
            ];
            let r = report(Inputs { dataset: "d".into(), decisions, ratings: vec![], gold: vec![], scored });
            assert_eq!((r.items, r.items_multi, r.decisions), (12, 12, 36));
            let pair = |p: &str, q: &str| r.pairs.iter().find(|k| k.a == p && k.b == q).unwrap().clone();
            assert_eq!(pair("x", "y").kappa, Some(1.0));
            assert_eq!(pair("x", "z").agreement, 0.5);
            assert_eq!(pair("x", "z").kappa, Some(0.0));
            let z = r.reviewers.iter().find(|s| s.reviewer == "z").unwrap();
            assert_eq!((z.with_majority.k, z.with_majority.n), (6, 12));
            assert_eq!(z.left.unwrap().value, 1.0);
            assert!(z.left_p.unwrap() < 0.001, "12 of 12 on the left: {:?}", z.left_p);
            let x = r.reviewers.iter().find(|s| s.reviewer == "x").unwrap();
            // Where z differs, x's others (y, z) split: no majority to compare with.
            assert_eq!((x.with_majority.k, x.with_majority.n), (6, 6));
            let model = r.model.unwrap();
            assert_eq!((model.agree.k, model.agree.n), (1, 2), "item 0: answer 1 both; item 1: model 1, majority 2");
            assert_eq!(model.disagreements[0].item, 1);
        }
    }
}
