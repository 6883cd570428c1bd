//! From individual votes to one decision per item: strict majority of all votes cast.
use super::LeftOut;
use crate::domain::{CandidateId, Outcome};

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
    fn tie_and_both_bad_majorities_are_left_out() {
        assert_eq!(decide([A, B], &[TIE, TIE, win(A)]), Decision::LeftOut(LeftOut::Tie));
        assert_eq!(decide([A, B], &[BAD]), Decision::LeftOut(LeftOut::BothBad));
        assert_eq!(decide([A, B], &[]), Decision::LeftOut(LeftOut::Unjudged));
    }
}
