//! A reward model: a sequence-classification ONNX model with one score per sequence (inputs
//! `input_ids`, `attention_mask`, optionally `token_type_ids` / `position_ids`; its first
//! output holds the score), with `tokenizer.json`. It reads the prompt as the dataset's
//! template writes it, followed by the answer. Without one, answers are scored by their mean
//! token log-probability under the generator, and the score's kind says so.
use ort::session::{Session, SessionInputValue};
use ort::value::Tensor;
use std::borrow::Cow;
use std::path::Path;
use std::sync::Mutex;
use tokenizers::Tokenizer;

pub use medpref_domain::ScoreKind;

pub struct RewardModel {
    pub name: String,
    session: Mutex<Session>,
    tokenizer: Tokenizer,
    inputs: Vec<String>,
    /// Longest input the model takes, when its config says; longer texts keep their end.
    context: Option<usize>,
}

impl RewardModel {
    pub fn open(dir: &Path, threads: usize) -> Result<Self, String> {
        let tokenizer_path = dir.join("tokenizer.json");
        let tokenizer =
            Tokenizer::from_file(&tokenizer_path).map_err(|e| format!("{}: {e}", tokenizer_path.display()))?;
        let file = super::model::onnx_file(dir)?;
        let session = super::runtime::session(&file, threads)?;
        let inputs: Vec<String> = session.inputs().iter().map(|i| i.name().to_string()).collect();
        for required in ["input_ids", "attention_mask"] {
            if !inputs.iter().any(|i| i == required) {
                return Err(format!("{}: a reward model needs an input `{required}`", file.display()));
            }
        }
        if let Some(other) = inputs
            .iter()
            .find(|i| !["input_ids", "attention_mask", "token_type_ids", "position_ids"].contains(&i.as_str()))
        {
            return Err(format!("{}: unexpected input `{other}` (is this a decoder?)", file.display()));
        }
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let context = super::model::context_length(dir);
        Ok(RewardModel { name, session: Mutex::new(session), tokenizer, inputs, context })
    }

    /// The score of `text` (prompt and answer): the first value of the first output.
    /// Blocking: callers on the async runtime use `spawn_blocking`.
    pub fn score(&self, text: &str) -> Result<f64, String> {
        let encoding = self.tokenizer.encode(text, false).map_err(|e| e.to_string())?;
        let mut ids: Vec<i64> = encoding.get_ids().iter().map(|&i| i as i64).collect();
        if let Some(n) = self.context.filter(|n| ids.len() > *n) {
            ids.drain(..ids.len() - n);
        }
        let n = ids.len();
        let tensor = |values: Vec<i64>| Tensor::from_array(([1, n], values)).map(SessionInputValue::from);
        let run = || -> ort::Result<f64> {
            let mut inputs: Vec<(Cow<'_, str>, SessionInputValue<'_>)> = Vec::new();
            for name in &self.inputs {
                let values = match name.as_str() {
                    "input_ids" => ids.clone(),
                    "attention_mask" => vec![1; n],
                    "position_ids" => (0..n as i64).collect(),
                    _ => vec![0; n],
                };
                inputs.push((name.clone().into(), tensor(values)?));
            }
            let mut session = self.session.lock().expect("reward model lock");
            let outputs = session.run(inputs)?;
            let (_, data) = outputs[0].try_extract_tensor::<f32>()?;
            data.first().map(|v| *v as f64).ok_or_else(|| ort::Error::new("the reward model returned no score"))
        };
        run().map_err(|e| format!("scoring with {}: {e}", self.name))
    }
}
