//! Splitting an uploaded file into numbered JSON Lines records.
use super::ImportError;
use super::{JsonKind, Problem};
use crate::domain::hash_content;
use crate::store::items::{NewCandidate, NewItem};
use serde_json::{Map, Value};

pub use super::MAX_FIELD_BYTES;

/// A numbered line of a file: its text, or why it is not text.
pub type Line<'a> = (usize, Result<&'a str, Problem>);

/// Yields (line number, text) for each non-blank line. Accepts a UTF-8 BOM and CRLF ends; a
/// line that is not UTF-8 is a bad line like any other (its error names the byte).
pub fn numbered<'a>(source: &str, bytes: &'a [u8]) -> Result<Vec<Line<'a>>, Box<ImportError>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        match std::str::from_utf8(raw) {
            Ok(text) if text.trim().is_empty() => {}
            Ok(text) => out.push((i + 1, Ok(text))),
            Err(e) => out.push((i + 1, Err(Problem::NotUtf8 { byte: e.valid_up_to() + 1 }))),
        }
    }
    if out.is_empty() {
        return Err(Box::new(ImportError::of_file(source, Problem::NoRecords)));
    }
    // A file that opens with `[` and reads whole as a JSON array is an export of another tool,
    // not JSON Lines: say so once instead of a bad line per line.
    let opens_array = matches!(out.first(), Some((_, Ok(t))) if t.trim_start().starts_with('['));
    if opens_array && matches!(serde_json::from_slice::<Value>(bytes), Ok(Value::Array(_))) {
        return Err(Box::new(ImportError::of_file(source, Problem::JsonArray)));
    }
    Ok(out)
}

/// Reads a required, non-empty string field of a JSON object.
pub fn string_field(obj: &serde_json::Map<String, serde_json::Value>, name: &str) -> Result<String, Problem> {
    match obj.get(name) {
        None => Err(Problem::MissingField { path: name.into() }),
        Some(v) => required_text(name, v),
    }
}

/// Reads an optional string field; absent, null and "" all mean "not given".
pub fn optional_string_field(
    obj: &serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Result<Option<String>, Problem> {
    obj.get(name).map_or(Ok(None), |v| optional_text(name, v))
}

/// A value that must be a non-empty string of bounded size.
pub fn required_text(name: &str, v: &serde_json::Value) -> Result<String, Problem> {
    let s = v.as_str().ok_or_else(|| Problem::NotAString { path: name.into(), found: kind(v) })?;
    if s.trim().is_empty() {
        return Err(Problem::EmptyField { path: name.into() });
    }
    if s.len() > MAX_FIELD_BYTES {
        return Err(Problem::TooLarge { path: name.into(), bytes: s.len() });
    }
    Ok(s.to_string())
}

/// `history`: absent/null, or an array of `[question, answer]` string pairs.
pub fn history(obj: &Map<String, Value>) -> Result<Vec<(String, String)>, Problem> {
    let Some(v) = obj.get("history").filter(|v| !v.is_null()) else {
        return Ok(vec![]);
    };
    let turns = v.as_array().ok_or(Problem::HistoryNotPairs)?;
    turns
        .iter()
        .enumerate()
        .map(|(i, turn)| match turn.as_array().map(Vec::as_slice) {
            Some([q, a]) => {
                Ok((required_text(&format!("history[{i}][0]"), q)?, required_text(&format!("history[{i}][1]"), a)?))
            }
            _ => Err(Problem::HistoryTurn { index: i }),
        })
        .collect()
}

/// A conversation list as the files in use write it: ShareGPT turns `{"from", "value"}`
/// (`human`/`user`, `gpt`/`assistant`) or OpenAI-style messages `{"role", "content"}`, either
/// may open with a system turn (MedicalGPT's and LLaMA-Factory's convention), which becomes the
/// system prompt. The other turns alternate, starting with the person asking.
pub struct Conversation {
    pub system: Option<String>,
    /// The texts in order: question, answer, question, …
    pub turns: Vec<String>,
}

/// Reads `conversations` (or, OpenAI style, `messages`) from a record. Returns the field name
/// read, so that it can be counted as known.
pub fn conversation(obj: &Map<String, Value>) -> Result<Option<(&'static str, Conversation)>, Problem> {
    let Some((field, list)) = ["conversations", "messages"].into_iter().find_map(|f| obj.get(f).map(|v| (f, v))) else {
        return Ok(None);
    };
    let turns = list.as_array().ok_or_else(|| Problem::NotAnArray { path: field.into(), found: kind(list) })?;
    let mut system = None;
    let mut texts = Vec::with_capacity(turns.len());
    for (i, turn) in turns.iter().enumerate() {
        let name = format!("{field}[{i}]");
        let t = turn.as_object().ok_or_else(|| Problem::NotATurnObject { path: name.clone() })?;
        let (speaker_key, text_key) = if t.contains_key("role") { ("role", "content") } else { ("from", "value") };
        let missing = |key: &str| Problem::Missing { path: format!("{name}.{key}") };
        let speaker = t.get(speaker_key).and_then(Value::as_str).ok_or_else(|| missing(speaker_key))?;
        let text = t.get(text_key).ok_or_else(|| missing(text_key))?;
        let asking = texts.len() % 2 == 0;
        match speaker {
            "system" if i == 0 => {
                // An empty system turn is how many files say "no system prompt".
                system = optional_text(&format!("{name}.{text_key}"), text)?;
                continue;
            }
            "system" => return Err(Problem::LateSystemTurn { path: name }),
            "human" | "user" if asking => {}
            "gpt" | "assistant" if !asking => {}
            "human" | "user" | "gpt" | "assistant" => {
                let expected = if asking { "human" } else { "gpt" };
                let path = format!("{name}.{speaker_key}");
                return Err(Problem::TurnOutOfOrder { path, speaker: speaker.into(), expected: expected.into() });
            }
            other => {
                return Err(Problem::UnsupportedTurn { path: format!("{name}.{speaker_key}"), speaker: other.into() });
            }
        }
        texts.push(required_text(&format!("{name}.{text_key}"), text)?);
    }
    Ok(Some((field, Conversation { system, turns: texts })))
}

/// The system prompt of a record that may give it twice: as a `system` field and as the
/// conversation's first turn. Both may be given only when they agree.
pub fn one_system(field: Option<String>, turn: Option<String>) -> Result<Option<String>, Problem> {
    match (field, turn) {
        (Some(f), Some(t)) if f.trim() != t.trim() => Err(Problem::SystemTwice),
        (f, t) => Ok(f.or(t)),
    }
}

/// Pairs `[q1, a1, q2, a2, …]` into history turns.
pub fn pairs(texts: Vec<String>) -> Vec<(String, String)> {
    let mut it = texts.into_iter();
    let mut history = Vec::new();
    while let (Some(q), Some(a)) = (it.next(), it.next()) {
        history.push((q, a));
    }
    history
}

/// The fields of a record that its format does not read, kept as the item's metadata
/// (`meta.extra`) so that nothing in a file is dropped without a word: a tool schema, an id,
/// a source tag. Empty when every field was read.
pub fn extra_fields(obj: &Map<String, Value>, known: &[&str]) -> Map<String, Value> {
    obj.iter().filter(|(k, _)| !known.contains(&k.as_str())).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// A text that may be absent, null or empty ("not given"), or else a bounded string.
fn optional_text(name: &str, v: &Value) -> Result<Option<String>, Problem> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        v => required_text(name, v).map(Some),
    }
}

/// What is asked, as every format carries it.
pub struct Prompt {
    pub system: Option<String>,
    pub history: Vec<(String, String)>,
    pub question: String,
    pub department: Option<String>,
}

impl Prompt {
    /// The optional `system`, `history` and `department` fields plus a required `question`.
    pub fn from_fields(obj: &Map<String, Value>) -> Result<Prompt, Problem> {
        Ok(Prompt {
            system: optional_string_field(obj, "system")?,
            history: history(obj)?,
            question: string_field(obj, "question")?,
            department: optional_string_field(obj, "department")?,
        })
    }

    /// The item, unless two of its answers are the same text (nothing to compare).
    pub fn into_compared_item(self, line: usize, candidates: Vec<NewCandidate>) -> Result<NewItem, Problem> {
        for (i, a) in candidates.iter().enumerate() {
            if let Some(j) = candidates[i + 1..].iter().position(|b| b.body.trim() == a.body.trim()) {
                return Err(Problem::SameAnswers { first: i + 1, second: i + j + 2 });
            }
        }
        Ok(self.into_item(line, candidates))
    }

    pub fn into_item(self, line: usize, candidates: Vec<NewCandidate>) -> NewItem {
        let bodies: Vec<&str> = candidates.iter().map(|c| c.body.as_str()).collect();
        NewItem {
            source_line: line as i64,
            content_hash: hash_content(&self.system, &self.history, &self.question, &bodies),
            system: self.system,
            history: self.history,
            question: self.question,
            department: self.department,
            task: None,
            meta: serde_json::json!({}),
            candidates,
        }
    }
}

impl NewItem {
    /// Keeps the record's unread fields (see [`extra_fields`]) in the item's metadata.
    pub fn with_extra(mut self, extra: Map<String, Value>) -> NewItem {
        if !extra.is_empty() {
            if !self.meta.is_object() {
                self.meta = serde_json::json!({});
            }
            self.meta["extra"] = Value::Object(extra);
        }
        self
    }
}

/// The JSON type of a value, for error texts.
pub fn kind(v: &serde_json::Value) -> JsonKind {
    JsonKind::of(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom_and_crlf_and_skips_blank_lines() {
        let lines = numbered("f", b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \n{\"b\":2}").unwrap();
        assert_eq!(lines, vec![(1, Ok("{\"a\":1}")), (4, Ok("{\"b\":2}"))]);
    }

    #[test]
    fn names_the_line_with_bad_utf8() {
        let lines = numbered("f.jsonl", b"{}\n{\"a\":\"\xff\"}\n").unwrap();
        assert_eq!(lines[1], (2, Err(crate::import::Problem::NotUtf8 { byte: 7 })));
    }

    #[test]
    fn empty_file_is_an_error() {
        assert!(numbered("f", b"\n \n").is_err());
    }
}
