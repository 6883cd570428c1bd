//! Choosing the next token from a row of logits: greedy, or sampled with temperature, top-k and
//! top-p from a seeded generator, so that the same seed gives the same answer.
use medpref_domain::decoding::Decoding;
use rand::Rng;
use serde::{Deserialize, Serialize};

/// How answers are sampled. Stored with every generated answer (its provenance).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sampling {
    /// 0 means greedy (always the most likely token).
    #[serde(serialize_with = "medpref_domain::decoding::shortest")]
    pub temperature: f32,
    /// Keep only the k most likely tokens (0: no limit).
    pub top_k: usize,
    /// Keep the most likely tokens whose probabilities add up to p (1.0: no limit).
    #[serde(serialize_with = "medpref_domain::decoding::shortest")]
    pub top_p: f32,
    pub max_new_tokens: usize,
    /// Generation stops when the text ends with one of these (they are not kept).
    #[serde(default)]
    pub stop: Vec<String>,
    pub seed: u64,
}

impl Sampling {
    /// Greedy decoding of up to `max_new_tokens`.
    pub fn greedy(max_new_tokens: usize) -> Self {
        Sampling { temperature: 0.0, top_k: 0, top_p: 1.0, max_new_tokens, stop: vec![], seed: 0 }
    }

    /// One answer's sampling under a dataset's settings: a fresh seed and the model's stops.
    pub fn of(decoding: Decoding, stop: Vec<String>, seed: u64) -> Self {
        let Decoding { temperature, top_k, top_p, max_new_tokens } = decoding;
        Sampling { temperature, top_k, top_p, max_new_tokens, stop, seed }
    }

    /// What is wrong with these settings, if anything.
    pub fn check(&self) -> Result<(), medpref_domain::Problem> {
        let Sampling { temperature, top_k, top_p, max_new_tokens, .. } = *self;
        Decoding { temperature, top_k, top_p, max_new_tokens }.check()
    }
}

/// The index of the largest value (the first one on ties).
pub fn argmax(logits: &[f32]) -> usize {
    let mut best = 0;
    for (i, &v) in logits.iter().enumerate() {
        if v > logits[best] {
            best = i;
        }
    }
    best
}

/// log softmax of `logits` at `index`: the log-probability the model gave that token.
pub fn log_prob(logits: &[f32], index: usize) -> f32 {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = logits.iter().map(|&v| (v - max).exp()).sum();
    logits[index] - max - sum.ln()
}

/// The next token under `s`, drawing from `rng` unless greedy.
pub fn pick(logits: &[f32], s: &Sampling, rng: &mut impl Rng) -> usize {
    if s.temperature == 0.0 || s.top_k == 1 {
        return argmax(logits);
    }
    let mut order: Vec<usize> = (0..logits.len()).collect();
    // Ties broken by index, so the order (and the draw) is the same on every machine.
    order.sort_by(|&a, &b| logits[b].total_cmp(&logits[a]).then(a.cmp(&b)));
    if s.top_k > 0 {
        order.truncate(s.top_k);
    }
    let max = logits[order[0]];
    let weights: Vec<f32> = order.iter().map(|&i| ((logits[i] - max) / s.temperature).exp()).collect();
    let total: f32 = weights.iter().sum();
    // The smallest prefix whose probability reaches top_p (at least one token).
    let mut kept = 0;
    let mut mass = 0.0;
    while kept < order.len() && (kept == 0 || mass < s.top_p * total) {
        mass += weights[kept];
        kept += 1;
    }
    let mut draw = rng.gen_range(0.0..mass);
    for (i, w) in weights[..kept].iter().enumerate() {
        if draw < *w {
            return order[i];
        }
        draw -= w;
    }
    order[kept - 1]
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn sampled(temperature: f32, top_k: usize, top_p: f32) -> Sampling {
        Sampling { temperature, top_k, top_p, max_new_tokens: 8, stop: vec![], seed: 1 }
    }

    #[test]
    fn greedy_takes_the_largest_and_the_first_of_equals() {
        assert_eq!(argmax(&[0.1, 3.0, 3.0, -1.0]), 1);
        let mut rng = StdRng::seed_from_u64(0);
        assert_eq!(pick(&[0.1, 3.0, 2.0], &Sampling::greedy(4), &mut rng), 1);
        assert_eq!(pick(&[0.1, 3.0, 2.0], &sampled(1.0, 1, 1.0), &mut rng), 1, "top-k 1 is greedy");
    }

    #[test]
    fn top_k_and_top_p_never_pick_outside_their_set_and_seeds_repeat() {
        let logits = [2.0, 1.0, 0.5, 0.0, -1.0, 3.0];
        let draws = |s: &Sampling, seed: u64| -> Vec<usize> {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..400).map(|_| pick(&logits, s, &mut rng)).collect()
        };
        let k2 = draws(&sampled(1.0, 2, 1.0), 3);
        assert!(k2.iter().all(|t| [5, 0].contains(t)), "top-2 is tokens 5 and 0");
        assert!(k2.contains(&5) && k2.contains(&0));
        // Token 5 alone has probability ~0.6 at temperature 1: top-p 0.5 keeps only it.
        assert!(draws(&sampled(1.0, 0, 0.5), 3).iter().all(|&t| t == 5));
        let wide = draws(&sampled(1.5, 0, 1.0), 9);
        assert!(wide.iter().collect::<std::collections::HashSet<_>>().len() >= 5, "everything can come up");
        assert_eq!(draws(&sampled(0.8, 0, 0.9), 42), draws(&sampled(0.8, 0, 0.9), 42));
        assert_ne!(draws(&sampled(0.8, 0, 0.9), 42), draws(&sampled(0.8, 0, 0.9), 43));
    }

    #[test]
    fn log_probs_are_normalised() {
        let logits = [1.0, 2.0, 3.0];
        let total: f32 = (0..3).map(|i| log_prob(&logits, i).exp()).sum();
        assert!((total - 1.0).abs() < 1e-5);
        assert!((log_prob(&[0.0, 0.0], 0) - 0.5f32.ln()).abs() < 1e-6);
    }

    #[test]
    fn bad_settings_are_named() {
        assert!(sampled(-1.0, 0, 1.0).check().unwrap_err().to_string().contains("temperature"));
        assert!(sampled(1.0, 0, 0.0).check().unwrap_err().to_string().contains("top_p"));
        assert!(Sampling::greedy(0).check().unwrap_err().to_string().contains("max_new_tokens"));
        assert!(sampled(0.7, 40, 0.9).check().is_ok());
    }
}
