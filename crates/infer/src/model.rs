//! A model directory: one ONNX decoder, `tokenizer.json` and `generation_config.json` (eos ids,
//! chat template). Only those files are read: no code, no pickles, nothing fetched.
use super::decoder::{Decoder, Generated};
use super::sampling::Sampling;
use std::path::{Path, PathBuf};
use tokenizers::Tokenizer;

pub struct LocalModel {
    /// The directory's name: what provenance records as the model.
    pub name: String,
    decoder: Decoder,
    tokenizer: Tokenizer,
    eos: Vec<u32>,
    pub chat_template: Option<String>,
    /// Positions the model can attend to (prompt plus answer), when its config says.
    pub context: Option<usize>,
}

/// A generated answer as text.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedText {
    pub text: String,
    pub tokens: Generated,
    /// The stop string that ended it, if one did.
    pub stopped_by: Option<String>,
}

/// The ONNX file of a model directory: `model.onnx`, or its only `.onnx` file.
pub fn onnx_file(dir: &Path) -> Result<PathBuf, String> {
    let preferred = dir.join("model.onnx");
    if preferred.is_file() {
        return Ok(preferred);
    }
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let onnx: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .collect();
    match onnx.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(format!("{}: no .onnx file", dir.display())),
        _ => Err(format!("{}: several .onnx files and no model.onnx", dir.display())),
    }
}

/// eos ids and chat template from `generation_config.json`.
fn generation_config(dir: &Path) -> Result<(Vec<u32>, Option<String>), String> {
    let path = dir.join("generation_config.json");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let eos = match &json["eos_token_id"] {
        serde_json::Value::Number(n) => n.as_u64().map(|n| vec![n as u32]),
        serde_json::Value::Array(a) => a.iter().map(|v| v.as_u64().map(|n| n as u32)).collect(),
        _ => None,
    }
    .ok_or_else(|| format!("{}: `eos_token_id` must be a token id or a list of them", path.display()))?;
    Ok((eos, json["chat_template"].as_str().map(String::from)))
}

/// Keys under which configs state a model's context length (Hugging Face, this repo's test
/// model, GGUF-derived configs).
const CONTEXT_KEYS: [&str; 4] = ["max_position_embeddings", "max_positions", "context_length", "n_ctx"];

/// The context length from `config.json`, `model_config.json` or `generation_config.json`.
pub fn context_length(dir: &Path) -> Option<usize> {
    ["config.json", "model_config.json", "generation_config.json"].iter().find_map(|f| {
        let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join(f)).ok()?).ok()?;
        CONTEXT_KEYS.iter().find_map(|k| json[k].as_u64()).map(|n| n as usize)
    })
}

impl LocalModel {
    pub fn open(dir: &Path, threads: usize) -> Result<Self, String> {
        let tokenizer_path = dir.join("tokenizer.json");
        let tokenizer =
            Tokenizer::from_file(&tokenizer_path).map_err(|e| format!("{}: {e}", tokenizer_path.display()))?;
        let (eos, chat_template) = generation_config(dir)?;
        let decoder = Decoder::load(&onnx_file(dir)?, threads)?;
        let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Ok(LocalModel { name, decoder, tokenizer, eos, chat_template, context: context_length(dir) })
    }

    /// Token ids of `text`; special tokens written in it (`<|im_start|>`) become their ids.
    pub fn encode(&self, text: &str) -> Result<Vec<u32>, String> {
        Ok(self.tokenizer.encode(text, false).map_err(|e| e.to_string())?.get_ids().to_vec())
    }

    pub fn decode(&self, ids: &[u32]) -> Result<String, String> {
        self.tokenizer.decode(ids, true).map_err(|e| e.to_string())
    }

    /// Generates an answer to `prompt` (already templated), calling `each` with every new
    /// piece of text as it comes (never half a character); `each` returning false stops it.
    pub fn generate(
        &mut self,
        prompt: &str,
        s: &Sampling,
        mut each: impl FnMut(&str) -> bool,
    ) -> Result<GeneratedText, String> {
        let ids = self.encode(prompt)?;
        // Past the model's positions ONNX Runtime fails mid-answer (an out-of-range Gather):
        // refuse a prompt that fills the context and end the answer where the context does.
        let room = match self.context {
            Some(n) if ids.len() >= n => {
                return Err(format!("the prompt has {} tokens; the model reads at most {n}", ids.len()));
            }
            Some(n) => n - ids.len(),
            None => usize::MAX,
        };
        let capped;
        let s = if s.max_new_tokens > room {
            capped = Sampling { max_new_tokens: room, ..s.clone() };
            &capped
        } else {
            s
        };
        let (tokenizer, eos) = (&self.tokenizer, self.eos.clone());
        let mut so_far: Vec<u32> = Vec::new();
        let mut stream = Streamer::new(&s.stop);
        let mut stopped_by = None;
        let mut reading = true;
        let tokens = self
            .decoder
            .generate(&ids, s, &eos, |id| {
                so_far.push(id);
                let Ok(text) = tokenizer.decode(&so_far, true) else { return false };
                if let Some(stop) = s.stop.iter().find(|stop| !stop.is_empty() && text.contains(stop.as_str())) {
                    stopped_by = Some(stop.clone());
                    return false;
                }
                reading = stream.piece(&text).is_none_or(&mut each);
                reading
            })
            .map_err(|e| format!("generating: {e}"))?;
        let mut text = self.decode(&tokens.ids)?;
        if let Some(stop) = &stopped_by {
            text.truncate(text.find(stop.as_str()).unwrap_or(text.len()));
        }
        if reading {
            stream.rest(&text).map(&mut each);
        }
        Ok(GeneratedText { text, tokens, stopped_by })
    }
}

/// Turns the text decoded so far into the pieces a reader has not seen: never half a character
/// (byte-level tokens can end inside one: it decodes as U+FFFD until the rest comes), never the
/// beginning of a stop string (held back until it is clear it is not one).
struct Streamer {
    /// Bytes of the text already given out.
    shown: usize,
    /// Characters held back: one less than the longest stop string.
    hold: usize,
}

impl Streamer {
    fn new(stop: &[String]) -> Self {
        Streamer { shown: 0, hold: stop.iter().map(|s| s.chars().count()).max().unwrap_or(1).saturating_sub(1) }
    }

    fn piece<'t>(&mut self, text: &'t str) -> Option<&'t str> {
        let whole = text.trim_end_matches('\u{FFFD}');
        let keep = whole.chars().count().saturating_sub(self.hold);
        let end = whole.char_indices().nth(keep).map_or(whole.len(), |(i, _)| i);
        if end <= self.shown || !text.is_char_boundary(self.shown) {
            return None;
        }
        let piece = &text[self.shown..end];
        self.shown = end;
        Some(piece)
    }

    /// What is left of the final text.
    fn rest<'t>(&mut self, text: &'t str) -> Option<&'t str> {
        let piece = text.get(self.shown..).filter(|p| !p.is_empty());
        self.shown = text.len();
        piece
    }
}

#[cfg(test)]
mod tests {
    use super::Streamer;

    #[test]
    fn pieces_wait_for_whole_characters_and_hold_back_possible_stop_strings() {
        let mut s = Streamer::new(&[]);
        assert_eq!(s.piece("建议"), Some("建议"));
        assert_eq!(s.piece("建议\u{FFFD}"), None, "half of the next character");
        assert_eq!(s.piece("建议休"), Some("休"));
        assert_eq!(s.rest("建议休息"), Some("息"));

        let mut s = Streamer::new(&["<END>".to_string(), "。".to_string()]);
        assert_eq!(s.piece("多喝"), None, "four characters held back");
        assert_eq!(s.piece("多喝水<E"), Some("多"));
        assert_eq!(s.piece("多喝水<EN"), Some("喝"));
        assert_eq!(s.piece("多喝水<ENx，注"), Some("水<E"));
        assert_eq!(s.rest("多喝水<ENx，注"), Some("Nx，注"));
        assert_eq!(s.rest("多喝水<ENx，注"), None);
    }
}
