//! A dataset's sampling for regeneration in review (`settings.regeneration`): what an admin
//! sets. Each answer adds a fresh seed and the model's stop strings (see `sampling`).
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Decoding {
    /// 0 means greedy.
    #[serde(serialize_with = "shortest")]
    pub temperature: f32,
    /// 0: no limit.
    pub top_k: usize,
    #[serde(serialize_with = "shortest")]
    pub top_p: f32,
    pub max_new_tokens: usize,
}

/// An `f32` as the shortest decimal that reads back to it (0.7, not 0.699999988…), also when
/// it goes through a `serde_json::Value`, which widens floats to `f64`.
pub fn shortest<S: serde::Serializer>(v: &f32, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(v.to_string().parse().unwrap_or(f64::from(*v)))
}

impl Default for Decoding {
    /// Varied but on topic: ChiMed-GPT's top-p 0.9.
    fn default() -> Self {
        Decoding { temperature: 0.7, top_k: 0, top_p: 0.9, max_new_tokens: 512 }
    }
}

impl Decoding {
    /// What is wrong with these settings, if anything.
    pub fn check(&self) -> Result<(), crate::Problem> {
        if !(0.0..=5.0).contains(&self.temperature) {
            return Err(crate::Problem::Temperature);
        }
        if !(self.top_p > 0.0 && self.top_p <= 1.0) {
            return Err(crate::Problem::TopP);
        }
        if !(1..=4096).contains(&self.max_new_tokens) {
            return Err(crate::Problem::MaxNewTokens);
        }
        Ok(())
    }
}
