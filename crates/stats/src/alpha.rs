//! Krippendorff's α from a coincidence matrix (Krippendorff 2011, "Computing Krippendorff's
//! Alpha-Reliability"): any number of coders, missing values, units with one value ignored.
use std::collections::BTreeMap;

/// How far apart two values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Categories: equal or not (votes).
    Nominal,
    /// Ranked values: distance by how many values lie between (ratings 1–5, vote strength).
    Ordinal,
    /// Numbers: squared difference.
    Interval,
}

/// Values are compared exactly; callers pass category codes or small integers.
fn key(v: f64) -> i64 {
    (v * 1_000.0).round() as i64
}

/// α over `units`, each the values its coders gave (missing ones left out). `None` when no
/// unit has two values, or all values are the same (α is undefined: no variation to explain).
pub fn krippendorff_alpha(units: &[Vec<f64>], metric: Metric) -> Option<f64> {
    // o[c][k]: coincidences of values c and k, each pair in a unit of m values weighted 1/(m-1).
    let mut o: BTreeMap<(i64, i64), f64> = BTreeMap::new();
    let mut value_of: BTreeMap<i64, f64> = BTreeMap::new();
    for unit in units.iter().filter(|u| u.len() >= 2) {
        let w = 1.0 / (unit.len() - 1) as f64;
        for (i, a) in unit.iter().enumerate() {
            for (j, b) in unit.iter().enumerate() {
                if i != j {
                    *o.entry((key(*a), key(*b))).or_default() += w;
                    value_of.insert(key(*a), *a);
                }
            }
        }
    }
    let values: Vec<i64> = value_of.keys().copied().collect();
    let n_c: BTreeMap<i64, f64> =
        values.iter().map(|&c| (c, values.iter().map(|&k| o.get(&(c, k)).copied().unwrap_or(0.0)).sum())).collect();
    let n: f64 = n_c.values().sum();
    if n < 2.0 {
        return None;
    }
    let delta2 = |c: i64, k: i64| -> f64 {
        match metric {
            Metric::Nominal => f64::from(u8::from(c != k)),
            Metric::Interval => (value_of[&c] - value_of[&k]).powi(2),
            Metric::Ordinal => {
                let (lo, hi) = (c.min(k), c.max(k));
                let between: f64 = n_c.range(lo..=hi).map(|(_, n)| n).sum();
                (between - (n_c[&lo] + n_c[&hi]) / 2.0).powi(2)
            }
        }
    };
    let mut observed = 0.0;
    let mut expected = 0.0;
    for &c in &values {
        for &k in &values {
            let d = delta2(c, k);
            observed += o.get(&(c, k)).copied().unwrap_or(0.0) * d;
            expected += n_c[&c] * n_c[&k] * d;
        }
    }
    let expected = expected / (n - 1.0);
    (expected > 0.0).then(|| 1.0 - observed / expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Krippendorff (2011), section C: 4 observers, 12 units, values 1–5, missing data.
    fn reliability_data() -> Vec<Vec<f64>> {
        let rows: [[Option<u8>; 12]; 4] = [
            [Some(1), Some(2), Some(3), Some(3), Some(2), Some(1), Some(4), Some(1), Some(2), None, None, None],
            [Some(1), Some(2), Some(3), Some(3), Some(2), Some(2), Some(4), Some(1), Some(2), Some(5), None, Some(3)],
            [None, Some(3), Some(3), Some(3), Some(2), Some(3), Some(4), Some(2), Some(2), Some(5), Some(1), None],
            [Some(1), Some(2), Some(3), Some(3), Some(2), Some(4), Some(4), Some(1), Some(2), Some(5), Some(1), None],
        ];
        (0..12).map(|u| rows.iter().filter_map(|r| r[u]).map(f64::from).collect()).collect()
    }

    #[test]
    fn krippendorffs_worked_example() {
        // Published: α nominal = .743, ordinal = .815, interval = .849.
        let data = reliability_data();
        let a = |m| krippendorff_alpha(&data, m).unwrap();
        assert!((a(Metric::Nominal) - 0.743).abs() < 5e-4, "{}", a(Metric::Nominal));
        assert!((a(Metric::Ordinal) - 0.815).abs() < 5e-4, "{}", a(Metric::Ordinal));
        assert!((a(Metric::Interval) - 0.849).abs() < 5e-4, "{}", a(Metric::Interval));
    }

    #[test]
    fn perfect_agreement_is_one_and_no_variation_is_undefined() {
        let units = vec![vec![1.0, 1.0], vec![2.0, 2.0, 2.0], vec![3.0]];
        assert_eq!(krippendorff_alpha(&units, Metric::Nominal), Some(1.0));
        assert_eq!(krippendorff_alpha(&[vec![1.0, 1.0]], Metric::Nominal), None);
        assert_eq!(krippendorff_alpha(&[vec![1.0]], Metric::Nominal), None);
    }
}
