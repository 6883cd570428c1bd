//! How much the votes behind an export agree: the summary its manifest carries.
use serde::{Deserialize, Serialize};

/// Over every decision unit (a pair of answers, or a QA item) with votes in scope.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Units with at least one vote.
    pub judged: usize,
    /// Units with two or more votes: the ones agreement can be measured on.
    pub multiply_judged: usize,
    /// Of those, units where every vote agrees.
    pub unanimous: usize,
    /// Mean share of the most common outcome, over multiply judged units.
    pub mean_majority_share: f64,
    /// Fleiss' observed agreement P̄: the chance that two votes on the same unit, drawn
    /// without replacement, agree; over multiply judged units.
    pub observed_agreement: f64,
    /// Fleiss' κ over multiply judged units (the agreement page's statistic); `None` when
    /// undefined (no unit judged twice, or a single outcome throughout).
    #[serde(default)]
    pub fleiss_kappa: Option<f64>,
}

/// Accumulates outcome counts unit by unit.
#[derive(Debug, Default)]
pub struct AgreementTally {
    summary: Agreement,
    majority_sum: f64,
    pairwise_sum: f64,
    /// Outcome counts of multiply judged units, for κ.
    units: Vec<Vec<usize>>,
}

impl AgreementTally {
    /// Adds one unit: how many votes went to each outcome.
    pub fn add(&mut self, counts: &[usize]) {
        let n: usize = counts.iter().sum();
        if n == 0 {
            return;
        }
        self.summary.judged += 1;
        if n < 2 {
            return;
        }
        let top = *counts.iter().max().expect("non-empty");
        self.summary.multiply_judged += 1;
        self.summary.unanimous += usize::from(top == n);
        self.majority_sum += top as f64 / n as f64;
        let agreeing: usize = counts.iter().map(|&k| k * k.saturating_sub(1)).sum();
        self.pairwise_sum += agreeing as f64 / (n * (n - 1)) as f64;
        self.units.push(counts.to_vec());
    }

    pub fn finish(self) -> Agreement {
        let m = self.summary.multiply_judged as f64;
        let round = |x: f64| if m == 0.0 { 0.0 } else { (x / m * 10_000.0).round() / 10_000.0 };
        Agreement {
            mean_majority_share: round(self.majority_sum),
            observed_agreement: round(self.pairwise_sum),
            fleiss_kappa: crate::audit::stats::fleiss_kappa(&self.units).map(|k| (k * 10_000.0).round() / 10_000.0),
            ..self.summary
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_unanimity_and_pairwise_agreement() {
        let mut t = AgreementTally::default();
        t.add(&[0, 0, 0, 0]);
        t.add(&[1, 0, 0, 0]);
        t.add(&[3, 0, 0, 0]);
        t.add(&[2, 1, 0, 0]);
        let a = t.finish();
        assert_eq!((a.judged, a.multiply_judged, a.unanimous), (3, 2, 1));
        // (1 + 2/3) / 2 and (1 + (2·1)/(3·2)) / 2.
        assert_eq!(a.mean_majority_share, 0.8333);
        assert_eq!(a.observed_agreement, 0.6667);
    }

    #[test]
    fn fleiss_worked_example_observed_agreement() {
        // Fleiss (1971) as tabulated on Wikipedia's "Fleiss' kappa" page: 10 subjects,
        // 14 raters, 5 categories; P̄ = 0.378.
        let table = [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ];
        let mut t = AgreementTally::default();
        for row in table {
            t.add(&row);
        }
        let a = t.finish();
        assert!((a.observed_agreement - 0.378).abs() < 0.001);
        assert_eq!(a.fleiss_kappa, Some(0.2099), "Fleiss (1971): κ = 0.210");
    }
}
