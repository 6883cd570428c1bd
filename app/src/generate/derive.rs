//! Which new review items a generated answer makes. A compare item gets one new pair per
//! original answer (new vs each), so a reviewer's judgment of the old pair stays valid; a
//! correct item gets one new item holding the new answer to check. Batch jobs choose the best
//! of N by score and pair it with the originals or with the worst of the N.
use super::jobs::Pairing;
use crate::import::DatasetKind;
use crate::store::items::NewCandidate;

/// The answer sets of the new items for `new` answers (best first) to an item with `originals`.
pub fn answer_sets(
    kind: DatasetKind,
    originals: &[NewCandidate],
    mut new: Vec<NewCandidate>,
    pairing: Pairing,
) -> Vec<Vec<NewCandidate>> {
    if new.is_empty() {
        return vec![];
    }
    let worst = (new.len() > 1).then(|| new.pop()).flatten();
    let best = new.swap_remove(0);
    match (kind, pairing, worst) {
        (DatasetKind::Correct, _, _) => vec![vec![best]],
        (DatasetKind::Compare, Pairing::BestVsWorst, Some(worst)) => vec![vec![best, worst]],
        (DatasetKind::Compare, _, _) => originals.iter().map(|o| vec![best.clone(), o.clone()]).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(body: &str) -> NewCandidate {
        NewCandidate::imported(body.into(), None, None)
    }

    fn bodies(sets: &[Vec<NewCandidate>]) -> Vec<Vec<&str>> {
        sets.iter().map(|s| s.iter().map(|c| c.body.as_str()).collect()).collect()
    }

    #[test]
    fn pairs_for_each_kind_and_pairing() {
        let originals = [c("A"), c("B")];
        let sets = answer_sets(DatasetKind::Compare, &originals, vec![c("N")], Pairing::BestVsOriginal);
        assert_eq!(bodies(&sets), [["N", "A"], ["N", "B"]]);
        let three = || vec![c("best"), c("mid"), c("worst")];
        let sets = answer_sets(DatasetKind::Compare, &originals, three(), Pairing::BestVsWorst);
        assert_eq!(bodies(&sets), [["best", "worst"]]);
        let sets = answer_sets(DatasetKind::Compare, &originals, vec![c("only")], Pairing::BestVsWorst);
        assert_eq!(bodies(&sets), [["only", "A"], ["only", "B"]], "one answer has no worst: pair with the originals");
        let sets = answer_sets(DatasetKind::Correct, &[c("old")], three(), Pairing::BestVsOriginal);
        assert_eq!(bodies(&sets), [["best"]]);
        assert!(answer_sets(DatasetKind::Compare, &originals, vec![], Pairing::BestVsWorst).is_empty());
    }
}
