//! From individual votes to one decision per pair of answers, under the export's policy.
use super::LeftOut;
use super::policy::{ExportPolicy, MajorityRule};
use crate::domain::judgment::Strength;
use crate::domain::{CandidateId, Outcome};
use crate::store::export::Ballot;
use crate::store::judgments::CastVote;

/// One vote on one pair of answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairVote {
    pub outcome: Outcome,
    pub winner: Option<CandidateId>,
    pub strength: Option<Strength>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// `margin` is the policy's margin averaged over the majority's votes.
    Pair {
        chosen: CandidateId,
        rejected: CandidateId,
        margin: f64,
    },
    /// Most votes call the answers equally good.
    Tie([CandidateId; 2]),
    /// Most votes call both answers bad.
    BothBad([CandidateId; 2]),
    LeftOut(LeftOut),
}

/// The four outcomes' vote counts on a pair: first wins, second wins, tie, both bad.
pub fn outcome_counts(pair: [CandidateId; 2], votes: &[PairVote]) -> [usize; 4] {
    let mut counts = [0; 4];
    for v in votes {
        let i = match (v.outcome, v.winner) {
            (Outcome::Decisive, Some(w)) if w == pair[0] => 0,
            (Outcome::Decisive, _) => 1,
            (Outcome::Tie, _) => 2,
            (Outcome::BothBad, _) => 3,
        };
        counts[i] += 1;
    }
    counts
}

/// Decides a pair of answers.
pub fn decide(pair: [CandidateId; 2], votes: &[PairVote], policy: &ExportPolicy) -> Decision {
    let n = votes.len();
    if n == 0 {
        return Decision::LeftOut(LeftOut::Unjudged);
    }
    if n < policy.min_judgments as usize {
        return Decision::LeftOut(LeftOut::TooFewJudgments);
    }
    let counts = outcome_counts(pair, votes);
    let top = (0..4).max_by_key(|&i| (counts[i], std::cmp::Reverse(i))).expect("four outcomes");
    let wins = match policy.rule {
        MajorityRule::Strict => counts[top] * 2 > n,
        MajorityRule::Plurality => (0..4).all(|i| i == top || counts[i] < counts[top]),
    };
    if !wins {
        return Decision::LeftOut(LeftOut::NoMajority);
    }
    if (counts[top] as f64) < policy.min_agreement * n as f64 {
        return Decision::LeftOut(LeftOut::LowAgreement);
    }
    match top {
        0 | 1 => {
            let (chosen, rejected) = (pair[top], pair[1 - top]);
            let majority: Vec<f64> =
                votes.iter().filter(|v| v.winner == Some(chosen)).map(|v| policy.margin(v.strength)).collect();
            let margin = majority.iter().sum::<f64>() / majority.len() as f64;
            Decision::Pair { chosen, rejected, margin: (margin * 10_000.0).round() / 10_000.0 }
        }
        2 => Decision::Tie(pair),
        _ => Decision::BothBad(pair),
    }
}

/// Every pair of an item's answers with the votes on it. A ranking counts as a vote on
/// each of its pairs (equal ranks: a tie; no strength).
pub fn pair_votes(candidates: &[CandidateId], ballots: &[Ballot]) -> Vec<([CandidateId; 2], Vec<PairVote>)> {
    let mut out = Vec::new();
    for i in 0..candidates.len() {
        for j in i + 1..candidates.len() {
            let (a, b) = (candidates[i], candidates[j]);
            let votes = ballots
                .iter()
                .filter_map(|ballot| match &ballot.cast {
                    CastVote::Pairwise(outcome, winner) => {
                        Some(PairVote { outcome: *outcome, winner: *winner, strength: ballot.strength })
                    }
                    CastVote::Ranking(ranks) => {
                        let rank = |c| ranks.iter().find(|(x, _)| *x == c).map(|(_, r)| *r);
                        let (ra, rb) = (rank(a)?, rank(b)?);
                        let (outcome, winner) = match ra.cmp(&rb) {
                            std::cmp::Ordering::Less => (Outcome::Decisive, Some(a)),
                            std::cmp::Ordering::Greater => (Outcome::Decisive, Some(b)),
                            std::cmp::Ordering::Equal => (Outcome::Tie, None),
                        };
                        Some(PairVote { outcome, winner, strength: None })
                    }
                })
                .collect();
            out.push(([a, b], votes));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::UserId;
    const A: CandidateId = CandidateId(1);
    const B: CandidateId = CandidateId(2);
    fn win(c: CandidateId, s: Strength) -> PairVote {
        PairVote { outcome: Outcome::Decisive, winner: Some(c), strength: Some(s) }
    }
    fn w(c: CandidateId) -> PairVote {
        win(c, Strength::Clear)
    }
    const TIE: PairVote = PairVote { outcome: Outcome::Tie, winner: None, strength: None };
    const BAD: PairVote = PairVote { outcome: Outcome::BothBad, winner: None, strength: None };
    fn strict() -> ExportPolicy {
        ExportPolicy::default()
    }
    fn chosen(d: Decision) -> Option<CandidateId> {
        match d {
            Decision::Pair { chosen, .. } => Some(chosen),
            _ => None,
        }
    }

    #[test]
    fn strict_majority_decides() {
        let p = strict();
        assert_eq!(chosen(decide([A, B], &[w(B)], &p)), Some(B));
        assert_eq!(chosen(decide([A, B], &[w(A), w(A), w(B)], &p)), Some(A));
        assert_eq!(decide([A, B], &[w(A), w(B)], &p), Decision::LeftOut(LeftOut::NoMajority));
        assert_eq!(decide([A, B], &[w(A), TIE, BAD], &p), Decision::LeftOut(LeftOut::NoMajority));
    }

    #[test]
    fn plurality_minimum_votes_and_agreement() {
        let plurality = ExportPolicy { rule: MajorityRule::Plurality, ..strict() };
        assert_eq!(chosen(decide([A, B], &[w(A), TIE, BAD, w(A), w(B)], &plurality)), Some(A));
        assert_eq!(decide([A, B], &[w(A), w(B), TIE], &plurality), Decision::LeftOut(LeftOut::NoMajority));
        let two = ExportPolicy { min_judgments: 2, ..strict() };
        assert_eq!(decide([A, B], &[w(A)], &two), Decision::LeftOut(LeftOut::TooFewJudgments));
        let agree = ExportPolicy { min_agreement: 0.75, ..strict() };
        assert_eq!(decide([A, B], &[w(A), w(A), w(B)], &agree), Decision::LeftOut(LeftOut::LowAgreement));
        assert_eq!(chosen(decide([A, B], &[w(A), w(A), w(A), w(B)], &agree)), Some(A));
    }

    #[test]
    fn margin_is_the_mean_over_the_majority() {
        let votes = [win(A, Strength::Strong), win(A, Strength::Slight), win(B, Strength::Strong)];
        let Decision::Pair { margin, .. } = decide([A, B], &votes, &strict()) else { panic!() };
        assert_eq!(margin, (1.0 + 0.25) / 2.0);
    }

    #[test]
    fn ties_and_both_bad_are_named_and_rankings_give_each_pair() {
        assert_eq!(decide([A, B], &[TIE, TIE, w(A)], &strict()), Decision::Tie([A, B]));
        assert_eq!(decide([A, B], &[BAD], &strict()), Decision::BothBad([A, B]));
        assert_eq!(decide([A, B], &[], &strict()), Decision::LeftOut(LeftOut::Unjudged));
        const C: CandidateId = CandidateId(3);
        let ranking = |a, b, c| Ballot {
            reviewer: UserId(1),
            cast: CastVote::Ranking(vec![(A, a), (B, b), (C, c)]),
            strength: None,
        };
        let ballots = [ranking(1, 2, 3), ranking(1, 3, 2), ranking(2, 1, 3)];
        let decided: Vec<_> =
            pair_votes(&[A, B, C], &ballots).into_iter().map(|(pair, v)| chosen(decide(pair, &v, &strict()))).collect();
        assert_eq!(decided, vec![Some(A), Some(A), Some(B)]);
        let tie = pair_votes(&[A, B, C], &[ranking(1, 1, 2)]);
        assert_eq!(decide(tie[0].0, &tie[0].1, &strict()), Decision::Tie([A, B]));
    }
}
