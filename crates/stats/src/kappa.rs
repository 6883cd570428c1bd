//! Cohen's κ (two coders) and Fleiss' κ (many coders per unit).
use std::collections::BTreeMap;

/// Cohen's κ for two coders' labels of the same units, given as (first, second) pairs.
/// `None` when there are no units or chance agreement is already perfect.
pub fn cohen_kappa<T: Ord + Clone>(pairs: &[(T, T)]) -> Option<f64> {
    let n = pairs.len() as f64;
    if pairs.is_empty() {
        return None;
    }
    let mut first: BTreeMap<T, f64> = BTreeMap::new();
    let mut second: BTreeMap<T, f64> = BTreeMap::new();
    let mut agree = 0.0;
    for (a, b) in pairs {
        *first.entry(a.clone()).or_default() += 1.0;
        *second.entry(b.clone()).or_default() += 1.0;
        agree += f64::from(u8::from(a == b));
    }
    let observed = agree / n;
    let chance: f64 = first.iter().map(|(c, k)| k / n * second.get(c).copied().unwrap_or(0.0) / n).sum();
    (chance < 1.0).then(|| (observed - chance) / (1.0 - chance))
}

/// Fleiss' κ over units given as counts per category; units may have different numbers of
/// coders (the usual generalisation), units with fewer than two are left out.
pub fn fleiss_kappa(units: &[Vec<usize>]) -> Option<f64> {
    let units: Vec<&Vec<usize>> = units.iter().filter(|u| u.iter().sum::<usize>() >= 2).collect();
    if units.is_empty() {
        return None;
    }
    let categories = units.iter().map(|u| u.len()).max().unwrap_or(0);
    let total: usize = units.iter().map(|u| u.iter().sum::<usize>()).sum();
    let mut p_j = vec![0.0; categories];
    let mut p_bar = 0.0;
    for u in &units {
        let n: usize = u.iter().sum();
        for (j, &k) in u.iter().enumerate() {
            p_j[j] += k as f64 / total as f64;
        }
        p_bar += u.iter().map(|&k| (k * k.saturating_sub(1)) as f64).sum::<f64>() / (n * (n - 1)) as f64;
    }
    let p_bar = p_bar / units.len() as f64;
    let p_e: f64 = p_j.iter().map(|p| p * p).sum();
    (p_e < 1.0).then(|| (p_bar - p_e) / (1.0 - p_e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cohens_textbook_example() {
        // Wikipedia "Cohen's kappa": 50 proposals, yes/yes 20, yes/no 5, no/yes 10, no/no 15 → κ = 0.4.
        let mut pairs = vec![];
        pairs.extend(std::iter::repeat_n(("yes", "yes"), 20));
        pairs.extend(std::iter::repeat_n(("yes", "no"), 5));
        pairs.extend(std::iter::repeat_n(("no", "yes"), 10));
        pairs.extend(std::iter::repeat_n(("no", "no"), 15));
        assert!((cohen_kappa(&pairs).unwrap() - 0.4).abs() < 1e-12);
        assert_eq!(cohen_kappa(&[("a", "a"), ("a", "a")]), None, "no variation");
        assert_eq!(cohen_kappa::<&str>(&[]), None);
    }

    #[test]
    fn fleiss_1971_example() {
        // Fleiss (1971) as tabulated on Wikipedia's "Fleiss' kappa" page: κ = 0.210.
        let table: Vec<Vec<usize>> = vec![
            vec![0, 0, 0, 0, 14],
            vec![0, 2, 6, 4, 2],
            vec![0, 0, 3, 5, 6],
            vec![0, 3, 9, 2, 0],
            vec![2, 2, 8, 1, 1],
            vec![7, 7, 0, 0, 0],
            vec![3, 2, 6, 3, 0],
            vec![2, 5, 3, 2, 2],
            vec![6, 5, 2, 1, 0],
            vec![0, 2, 2, 3, 7],
        ];
        assert!((fleiss_kappa(&table).unwrap() - 0.210).abs() < 5e-4, "{:?}", fleiss_kappa(&table));
    }
}
