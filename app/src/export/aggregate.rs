//! From individual votes to one decision per item: strict majority of all votes cast.
use super::LeftOut;
use crate::domain::{CandidateId, Outcome};
use crate::store::judgments::CastVote;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Pair { chosen: CandidateId, rejected: CandidateId },
    LeftOut(LeftOut),
}

/// Decides a two-answer item. An outcome (one answer, tie, both-bad) wins only with more
/// than half of the votes; a tie or both-bad majority leaves the item out of pairwise data.
pub fn decide(candidates: [CandidateId; 2], votes: &[(Outcome, Option<CandidateId>)]) -> Decision {
    if votes.is_empty() {
        return Decision::LeftOut(LeftOut::Unjudged);
    }
    let count = |pred: &dyn Fn(&(Outcome, Option<CandidateId>)) -> bool| votes.iter().filter(|v| pred(v)).count();
    let outcomes = [
        (count(&|v| v.1 == Some(candidates[0])), Some(0)),
        (count(&|v| v.1 == Some(candidates[1])), Some(1)),
        (count(&|v| v.0 == Outcome::Tie), None),
        (count(&|v| v.0 == Outcome::BothBad), None),
    ];
    let majority = outcomes.iter().position(|(n, _)| n * 2 > votes.len());
    match majority {
        Some(i @ (0 | 1)) => Decision::Pair { chosen: candidates[i], rejected: candidates[1 - i] },
        Some(2) => Decision::LeftOut(LeftOut::Tie),
        Some(_) => Decision::LeftOut(LeftOut::BothBad),
        None => Decision::LeftOut(LeftOut::NoMajority),
    }
}

/// Decides every pair of an item's candidates. A two-answer item has one pair; a ranked
/// item has one per pair of answers, and each ranking counts as a vote on each of its pairs
/// (equal ranks count as a tie).
pub fn decide_pairs(candidates: &[CandidateId], votes: &[CastVote]) -> Vec<Decision> {
    let mut out = Vec::new();
    for i in 0..candidates.len() {
        for j in i + 1..candidates.len() {
            let (a, b) = (candidates[i], candidates[j]);
            let pair_votes: Vec<(Outcome, Option<CandidateId>)> = votes
                .iter()
                .filter_map(|v| match v {
                    CastVote::Pairwise(outcome, winner) => Some((*outcome, *winner)),
                    CastVote::Ranking(ranks) => {
                        let rank = |c| ranks.iter().find(|(x, _)| *x == c).map(|(_, r)| *r);
                        let (ra, rb) = (rank(a)?, rank(b)?);
                        Some(match ra.cmp(&rb) {
                            std::cmp::Ordering::Less => (Outcome::Decisive, Some(a)),
                            std::cmp::Ordering::Greater => (Outcome::Decisive, Some(b)),
                            std::cmp::Ordering::Equal => (Outcome::Tie, None),
                        })
                    }
                })
                .collect();
            out.push(decide([a, b], &pair_votes));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    const A: CandidateId = CandidateId(1);
    const B: CandidateId = CandidateId(2);
    fn win(c: CandidateId) -> (Outcome, Option<CandidateId>) {
        (Outcome::Decisive, Some(c))
    }
    const TIE: (Outcome, Option<CandidateId>) = (Outcome::Tie, None);
    const BAD: (Outcome, Option<CandidateId>) = (Outcome::BothBad, None);

    #[test]
    fn strict_majority_decides() {
        assert_eq!(decide([A, B], &[win(B)]), Decision::Pair { chosen: B, rejected: A });
        assert_eq!(decide([A, B], &[win(A), win(A), win(B)]), Decision::Pair { chosen: A, rejected: B });
        assert_eq!(decide([A, B], &[win(A), win(B)]), Decision::LeftOut(LeftOut::NoMajority));
        assert_eq!(decide([A, B], &[win(A), TIE, BAD]), Decision::LeftOut(LeftOut::NoMajority));
    }

    #[test]
    fn rankings_decide_each_pair_of_answers() {
        const C: CandidateId = CandidateId(3);
        let ranking = |a, b, c| CastVote::Ranking(vec![(A, a), (B, b), (C, c)]);
        let votes = [ranking(1, 2, 3), ranking(1, 3, 2), ranking(2, 1, 3)];
        assert_eq!(
            decide_pairs(&[A, B, C], &votes),
            vec![
                Decision::Pair { chosen: A, rejected: B },
                Decision::Pair { chosen: A, rejected: C },
                Decision::Pair { chosen: B, rejected: C },
            ]
        );
        let ties = [ranking(1, 1, 2)];
        assert_eq!(decide_pairs(&[A, B, C], &ties)[0], Decision::LeftOut(LeftOut::Tie));
        assert_eq!(decide_pairs(&[A, B, C], &[]), vec![Decision::LeftOut(LeftOut::Unjudged); 3]);
    }

    #[test]
    fn tie_and_both_bad_majorities_are_left_out() {
        assert_eq!(decide([A, B], &[TIE, TIE, win(A)]), Decision::LeftOut(LeftOut::Tie));
        assert_eq!(decide([A, B], &[BAD]), Decision::LeftOut(LeftOut::BothBad));
        assert_eq!(decide([A, B], &[]), Decision::LeftOut(LeftOut::Unjudged));
    }
}
