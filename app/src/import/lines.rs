//! Splitting an uploaded file into numbered JSON Lines records.
use super::ImportError;
use crate::store::items::{NewCandidate, NewItem};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The largest text field accepted: far above any real answer, small enough that one
/// runaway record cannot fill the store.
pub const MAX_FIELD_BYTES: usize = 1 << 20;

/// Yields (line number, text) for each non-blank line. Accepts a UTF-8 BOM and CRLF ends;
/// rejects bytes that are not UTF-8, naming the line.
pub fn numbered<'a>(source: &str, bytes: &'a [u8]) -> Result<Vec<(usize, &'a str)>, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|b| *b == b'\n').enumerate() {
        let line = i + 1;
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let text = std::str::from_utf8(raw).map_err(|e| ImportError {
            source: source.into(),
            line: Some(line),
            message: format!("not valid UTF-8 (byte {})", e.valid_up_to() + 1),
            more: vec![],
        })?;
        if !text.trim().is_empty() {
            out.push((line, text));
        }
    }
    if out.is_empty() {
        let message = "the file has no records".into();
        return Err(ImportError { source: source.into(), line: None, message, more: vec![] });
    }
    Ok(out)
}

/// Reads a required, non-empty string field of a JSON object.
pub fn string_field(obj: &serde_json::Map<String, serde_json::Value>, name: &str) -> Result<String, String> {
    match obj.get(name) {
        None => Err(format!("missing field `{name}`")),
        Some(v) => required_text(name, v),
    }
}

/// Reads an optional string field; absent, null and "" all mean "not given".
pub fn optional_string_field(
    obj: &serde_json::Map<String, serde_json::Value>,
    name: &str,
) -> Result<Option<String>, String> {
    match obj.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(v) => required_text(name, v).map(Some),
    }
}

/// A value that must be a non-empty string of bounded size.
pub fn required_text(name: &str, v: &serde_json::Value) -> Result<String, String> {
    let s = v.as_str().ok_or_else(|| format!("field `{name}` must be a string, found {}", kind(v)))?;
    if s.trim().is_empty() {
        return Err(format!("field `{name}` is empty"));
    }
    if s.len() > MAX_FIELD_BYTES {
        return Err(format!(
            "field `{name}` is {:.1} MB; the limit is {} MB",
            s.len() as f64 / 1e6,
            MAX_FIELD_BYTES >> 20
        ));
    }
    Ok(s.to_string())
}

/// `history`: absent/null, or an array of `[question, answer]` string pairs.
pub fn history(obj: &Map<String, Value>) -> Result<Vec<(String, String)>, String> {
    let Some(v) = obj.get("history").filter(|v| !v.is_null()) else {
        return Ok(vec![]);
    };
    let turns = v.as_array().ok_or("field `history` must be an array of [question, answer] pairs")?;
    turns
        .iter()
        .enumerate()
        .map(|(i, turn)| match turn.as_array().map(Vec::as_slice) {
            Some([q, a]) => {
                Ok((required_text(&format!("history[{i}][0]"), q)?, required_text(&format!("history[{i}][1]"), a)?))
            }
            _ => Err(format!("`history[{i}]` must be a [question, answer] pair")),
        })
        .collect()
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
    pub fn from_fields(obj: &Map<String, Value>) -> Result<Prompt, String> {
        Ok(Prompt {
            system: optional_string_field(obj, "system")?,
            history: history(obj)?,
            question: string_field(obj, "question")?,
            department: optional_string_field(obj, "department")?,
        })
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

/// Identifies an item by its content, so the same item imported twice is stored once.
pub fn hash_content(system: &Option<String>, history: &[(String, String)], question: &str, answers: &[&str]) -> String {
    let canonical = serde_json::json!([system, history, question, answers]);
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

pub fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_bom_and_crlf_and_skips_blank_lines() {
        let lines = numbered("f", b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n  \n{\"b\":2}").unwrap();
        assert_eq!(lines, vec![(1, "{\"a\":1}"), (4, "{\"b\":2}")]);
    }

    #[test]
    fn names_the_line_with_bad_utf8() {
        let e = numbered("f.jsonl", b"{}\n{\"a\":\"\xff\"}\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.to_string().starts_with("f.jsonl:2: not valid UTF-8"));
    }

    #[test]
    fn empty_file_is_an_error() {
        assert!(numbered("f", b"\n \n").is_err());
    }
}
