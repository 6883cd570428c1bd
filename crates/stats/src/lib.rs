//! Reliability statistics, each checked against published worked examples in its tests:
//! Cohen's and Fleiss' κ, Krippendorff's α (nominal, ordinal, interval), Wilson intervals,
//! the exact binomial test, the median. Pure functions over counts: no SQL, no web.
mod alpha;
mod kappa;
mod tests_binomial;

pub use alpha::{Metric, krippendorff_alpha};
pub use kappa::{cohen_kappa, fleiss_kappa};
use serde::{Deserialize, Serialize};
pub use tests_binomial::{binomial_two_sided, wilson};

/// A share with its Wilson 95% interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Share {
    pub k: u64,
    pub n: u64,
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Share {
    /// `k` of `n`, with its Wilson 95% interval.
    pub fn of(k: u64, n: u64) -> Self {
        let (low, high) = wilson(k, n);
        Self { k, n, value: if n == 0 { 0.0 } else { k as f64 / n as f64 }, low, high }
    }
}

/// The median of `values` (the mean of the middle two for an even count).
pub fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let m = values.len() / 2;
    Some(if values.len() % 2 == 1 { values[m] } else { (values[m - 1] + values[m]) / 2.0 })
}
