//! A decoder-only ONNX model with a KV cache, run through ONNX Runtime (`ort`), in the layout
//! optimum and onnxruntime-genai export: inputs `input_ids`, `attention_mask`, `position_ids`,
//! `past_key_values.{i}.key|value`; outputs `logits`, `present.{i}.key|value`.
use super::sampling::{Sampling, log_prob, pick};
use ort::session::{Session, SessionInputValue};
use ort::value::{DynValue, Tensor};
use rand::SeedableRng;
use rand::rngs::StdRng;
use std::borrow::Cow;
use std::path::Path;

/// One cached tensor: its input name, the output that renews it, and its [heads, head_dim].
#[derive(Debug, Clone)]
struct CacheSlot {
    past: String,
    present: String,
    heads: i64,
    head_dim: i64,
}

pub struct Decoder {
    session: Session,
    cache: Vec<CacheSlot>,
}

/// What one generation produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// New token ids, without the eos that ended them.
    pub ids: Vec<u32>,
    /// Sum of the log-probabilities of the kept tokens under the model.
    pub logprob_sum: f64,
    /// Whether an eos id (rather than the token limit or the caller) ended it.
    pub finished: bool,
    pub prompt_tokens: usize,
    /// Time of the first model run (the whole prompt) and of all later ones (a token each).
    pub prefill_secs: f64,
    pub decode_secs: f64,
    /// Model runs after the first.
    pub decode_steps: usize,
}

impl Generated {
    /// Prompt tokens per second of the first run, and new tokens per second after it.
    pub fn speed(&self) -> (f64, Option<f64>) {
        let decode = (self.decode_steps > 0).then(|| self.decode_steps as f64 / self.decode_secs.max(1e-9));
        (self.prompt_tokens as f64 / self.prefill_secs.max(1e-9), decode)
    }

    /// Mean token log-probability: the score when no reward model is configured.
    pub fn mean_logprob(&self) -> Option<f64> {
        (!self.ids.is_empty()).then(|| self.logprob_sum / self.ids.len() as f64)
    }
}

const REQUIRED_INPUTS: [&str; 3] = ["input_ids", "attention_mask", "position_ids"];

impl Decoder {
    /// Loads an ONNX decoder; says what is missing when the file is not in the expected layout.
    pub fn load(file: &Path, threads: usize) -> Result<Self, String> {
        let session = super::runtime::session(file, threads)?;
        let names: Vec<&str> = session.inputs().iter().map(|i| i.name()).collect();
        if let Some(missing) = REQUIRED_INPUTS.iter().find(|n| !names.contains(n)) {
            return Err(format!("{}: the model has no input `{missing}`", file.display()));
        }
        if !session.outputs().iter().any(|o| o.name() == "logits") {
            return Err(format!("{}: the model has no output `logits`", file.display()));
        }
        let mut cache = Vec::new();
        for input in session.inputs().iter().filter(|i| i.name().starts_with("past_key_values.")) {
            let present = input.name().replace("past_key_values.", "present.");
            if !session.outputs().iter().any(|o| o.name() == present) {
                return Err(format!("{}: `{}` has no `{present}` output", file.display(), input.name()));
            }
            let shape = input.dtype().tensor_shape().map(|s| s.to_vec()).unwrap_or_default();
            let (heads, head_dim) = match shape.as_slice() {
                [_, h, _, d] if *h > 0 && *d > 0 => (*h, *d),
                _ => {
                    return Err(format!(
                        "{}: `{}` is not [batch, heads, past, head_dim]",
                        file.display(),
                        input.name()
                    ));
                }
            };
            cache.push(CacheSlot { past: input.name().to_string(), present, heads, head_dim });
        }
        Ok(Decoder { session, cache })
    }

    /// Runs `ids` (positions `offset..`) after the cached earlier tokens: the logits of the last
    /// position and the renewed cache.
    fn step(&mut self, ids: &[i64], offset: usize, past: Vec<DynValue>) -> ort::Result<(Vec<f32>, Vec<DynValue>)> {
        let n = ids.len();
        let mut inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = vec![
            ("input_ids".into(), Tensor::from_array(([1, n], ids.to_vec()))?.into()),
            ("attention_mask".into(), Tensor::from_array(([1, offset + n], vec![1i64; offset + n]))?.into()),
            (
                "position_ids".into(),
                Tensor::from_array(([1, n], (offset as i64..(offset + n) as i64).collect::<Vec<_>>()))?.into(),
            ),
        ];
        for (slot, value) in self.cache.iter().zip(past) {
            inputs.push((slot.past.clone().into(), value.into()));
        }
        let mut outputs = self.session.run(inputs)?;
        let (shape, data) = outputs["logits"].try_extract_tensor::<f32>()?;
        let vocab = *shape.last().unwrap_or(&0) as usize;
        let last = data[data.len() - vocab..].to_vec();
        let mut present = Vec::with_capacity(self.cache.len());
        for slot in &self.cache {
            present.push(
                outputs.remove(&slot.present).ok_or_else(|| ort::Error::new(format!("no output {}", slot.present)))?,
            );
        }
        Ok((last, present))
    }

    fn empty_cache(&self) -> ort::Result<Vec<DynValue>> {
        self.cache
            .iter()
            .map(|s| {
                Ok(Tensor::from_array(([1, s.heads as usize, 0, s.head_dim as usize], Vec::<f32>::new()))?.into_dyn())
            })
            .collect()
    }

    /// Generates after `prompt` until an `eos` id, `s.max_new_tokens`, or `each` (called with
    /// every new token) returns false.
    pub fn generate(
        &mut self,
        prompt: &[u32],
        s: &Sampling,
        eos: &[u32],
        mut each: impl FnMut(u32) -> bool,
    ) -> ort::Result<Generated> {
        let mut rng = StdRng::seed_from_u64(s.seed);
        let mut out = Generated {
            ids: vec![],
            logprob_sum: 0.0,
            finished: false,
            prompt_tokens: prompt.len(),
            prefill_secs: 0.0,
            decode_secs: 0.0,
            decode_steps: 0,
        };
        let mut step: Vec<i64> = prompt.iter().map(|&t| t as i64).collect();
        let (mut offset, mut past) = (0, self.empty_cache()?);
        while out.ids.len() < s.max_new_tokens {
            let started = std::time::Instant::now();
            let (logits, present) = self.step(&step, offset, past)?;
            let secs = started.elapsed().as_secs_f64();
            if offset == 0 {
                out.prefill_secs = secs;
            } else {
                out.decode_secs += secs;
                out.decode_steps += 1;
            }
            offset += step.len();
            past = present;
            let next = pick(&logits, s, &mut rng);
            if eos.contains(&(next as u32)) {
                out.finished = true;
                break;
            }
            out.logprob_sum += log_prob(&logits, next) as f64;
            out.ids.push(next as u32);
            if !each(next as u32) {
                break;
            }
            step = vec![next as i64];
        }
        Ok(out)
    }
}
