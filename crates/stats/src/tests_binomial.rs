//! Intervals and tests for a share: Wilson's score interval and the exact binomial test.

/// z for a two-sided 95% interval.
const Z95: f64 = 1.959_963_984_540_054;

/// Wilson's 95% score interval for `k` successes in `n` trials ((0, 1) when n = 0).
pub fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let (n, p, z2) = (n as f64, k as f64 / n as f64, Z95 * Z95);
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = Z95 / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// The exact two-sided binomial test of `k` successes in `n` trials against probability `p`:
/// the total probability of outcomes no more likely than the one observed (as R's
/// `binom.test`). 1 when n = 0. Linear in n: log-probabilities by the ratio of neighbours.
pub fn binomial_two_sided(k: u64, n: u64, p: f64) -> f64 {
    if n == 0 {
        return 1.0;
    }
    let (ln_p, ln_q) = (p.ln(), (1.0 - p).ln());
    // ln P(X = i) for i = 0..=n: P(i + 1) = P(i) · (n − i) / (i + 1) · p / (1 − p).
    let mut ln_prob = Vec::with_capacity(n as usize + 1);
    let mut current = n as f64 * ln_q;
    for i in 0..=n {
        ln_prob.push(current);
        current += ((n - i) as f64).ln() - ((i + 1) as f64).ln() + ln_p - ln_q;
    }
    // A relative tolerance, as R uses, so that equal probabilities are not split by rounding.
    let limit = ln_prob[k as usize] + 1e-7_f64.ln_1p();
    ln_prob.iter().filter(|&&l| l <= limit).map(|l| l.exp()).sum::<f64>().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_intervals_match_published_values() {
        // 0 of 10: the upper bound is 0.2775 (Brown, Cai & DasGupta 2001 and any Wilson table).
        let (lo, hi) = wilson(0, 10);
        assert!(lo.abs() < 1e-12 && (hi - 0.2775).abs() < 1e-4, "{lo} {hi}");
        // 81 of 263 (Wikipedia "Binomial proportion confidence interval"): 0.2553 to 0.3662.
        let (lo, hi) = wilson(81, 263);
        assert!((lo - 0.2553).abs() < 1e-4 && (hi - 0.3662).abs() < 1e-4, "{lo} {hi}");
        assert_eq!(wilson(0, 0), (0.0, 1.0));
    }

    #[test]
    fn exact_binomial_test_matches_r() {
        // R: binom.test(9, 10)$p.value = 0.02148438; binom.test(7, 20)$p.value = 0.2631760;
        // binom.test(3, 15, p = 0.1)$p.value = 0.1840611 (asymmetric).
        assert!((binomial_two_sided(9, 10, 0.5) - 0.021_484_38).abs() < 1e-8);
        assert!((binomial_two_sided(7, 20, 0.5) - 0.263_176_0).abs() < 1e-6);
        assert!((binomial_two_sided(3, 15, 0.1) - 0.184_061_1).abs() < 1e-6);
        assert_eq!(binomial_two_sided(5, 10, 0.5), 1.0);
        // Large n stays exact and fast: 20,300 of 40,000 gives 0.002744 (exact sum via lgamma;
        // the normal approximation with continuity correction, z = 2.995, gives 0.00274).
        assert!((binomial_two_sided(20_300, 40_000, 0.5) - 0.002_744).abs() < 1e-6);
    }
}
