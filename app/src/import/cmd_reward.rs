//! CMD(Reward) / MedicalGPT preference pairs. Three shapes are in use:
//! - 2023: `{"question", "response_chosen", "response_rejected"}`
//! - 2024: the same plus `"system"` and `"history": [[q, a], …]`
//! - 2026: `{"conversations": [{"from": "human", "value"}, …], "chosen", "rejected"}`
//!
//! The file's chosen/rejected becomes a prior label on each answer; reviewers never see it.
use super::lines::{Prompt, kind, optional_string_field, required_text, string_field};
use crate::store::items::{NewCandidate, NewItem, PriorLabel};
use serde_json::{Map, Value};

/// Parses one record; the error text names the field and what is wrong with it.
pub fn parse_record(line: usize, text: &str) -> Result<NewItem, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
    let Value::Object(obj) = value else {
        return Err(format!("expected a JSON object, found {}", kind(&value)));
    };
    let system = optional_string_field(&obj, "system")?;
    let department = optional_string_field(&obj, "department")?;
    let (history, question, chosen, rejected) = if obj.contains_key("conversations") {
        let (history, question) = conversations(&obj)?;
        (history, question, string_field(&obj, "chosen")?, string_field(&obj, "rejected")?)
    } else {
        (
            super::lines::history(&obj)?,
            string_field(&obj, "question")?,
            string_field(&obj, "response_chosen")?,
            string_field(&obj, "response_rejected")?,
        )
    };
    let candidate = |body, label| NewCandidate::imported(body, None, Some(label));
    let prompt = Prompt { system, history, question, department };
    Ok(prompt.into_item(line, vec![candidate(chosen, PriorLabel::Chosen), candidate(rejected, PriorLabel::Rejected)]))
}

/// `conversations`: alternating human/gpt turns ending on the human question to answer.
fn conversations(obj: &Map<String, Value>) -> Result<(Vec<(String, String)>, String), String> {
    let turns = obj["conversations"].as_array().ok_or("field `conversations` must be an array")?;
    let mut texts = Vec::with_capacity(turns.len());
    for (i, turn) in turns.iter().enumerate() {
        let t = turn.as_object().ok_or(format!("`conversations[{i}]` must be an object"))?;
        let from = t.get("from").and_then(Value::as_str).ok_or(format!("`conversations[{i}].from` is missing"))?;
        let expected = if i % 2 == 0 { "human" } else { "gpt" };
        if from != expected {
            return Err(format!("`conversations[{i}].from` is `{from}`; expected `{expected}` (turns must alternate)"));
        }
        let value = t.get("value").ok_or(format!("`conversations[{i}].value` is missing"))?;
        texts.push(required_text(&format!("conversations[{i}].value"), value)?);
    }
    if texts.len() % 2 == 0 {
        return Err("`conversations` must end with the human turn to be answered".into());
    }
    let question = texts.pop().expect("odd length");
    let mut it = texts.into_iter();
    let mut history = Vec::new();
    while let (Some(q), Some(a)) = (it.next(), it.next()) {
        history.push((q, a));
    }
    Ok((history, question))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_2023_shape_with_prior_labels() {
        let item =
            parse_record(7, r#"{"question":"头痛怎么办？","response_chosen":"多休息","response_rejected":"不知道"}"#)
                .unwrap();
        assert_eq!(item.question, "头痛怎么办？");
        assert_eq!(item.source_line, 7);
        assert_eq!(item.candidates[0].body, "多休息");
        assert_eq!(item.candidates[0].prior_label, Some(PriorLabel::Chosen));
        assert_eq!(item.candidates[1].prior_label, Some(PriorLabel::Rejected));
        assert!(item.history.is_empty() && item.system.is_none());
    }

    #[test]
    fn reads_the_2024_shape_with_system_and_history() {
        let item = parse_record(
            1,
            r#"{"system":"你是医生","history":[["q1","a1"]],"question":"q2","response_chosen":"c","response_rejected":"r","department":"心内科"}"#,
        )
        .unwrap();
        assert_eq!(item.system.as_deref(), Some("你是医生"));
        assert_eq!(item.department.as_deref(), Some("心内科"));
        assert_eq!(item.history, vec![("q1".to_string(), "a1".to_string())]);
    }

    #[test]
    fn reads_the_2026_conversations_shape() {
        let item = parse_record(
            1,
            r#"{"conversations":[{"from":"human","value":"q1"},{"from":"gpt","value":"a1"},{"from":"human","value":"q2"}],"chosen":"c","rejected":"r"}"#,
        )
        .unwrap();
        assert_eq!(item.question, "q2");
        assert_eq!(item.history, vec![("q1".to_string(), "a1".to_string())]);
        assert_eq!(item.candidates[1].body, "r");
    }

    #[test]
    fn errors_name_the_problem() {
        let cases = [
            ("{not json", "invalid JSON"),
            ("[1,2]", "expected a JSON object, found an array"),
            (r#"{"question":"q","response_chosen":"c"}"#, "missing field `response_rejected`"),
            (
                r#"{"question":5,"response_chosen":"c","response_rejected":"r"}"#,
                "field `question` must be a string, found a number",
            ),
            (r#"{"question":"  ","response_chosen":"c","response_rejected":"r"}"#, "field `question` is empty"),
            (
                r#"{"question":"q","response_chosen":"c","response_rejected":"r","history":[["a"]]}"#,
                "`history[0]` must be a [question, answer] pair",
            ),
            (r#"{"conversations":[{"from":"gpt","value":"x"}],"chosen":"c","rejected":"r"}"#, "expected `human`"),
            (
                r#"{"conversations":[{"from":"human","value":"q"},{"from":"gpt","value":"a"}],"chosen":"c","rejected":"r"}"#,
                "must end with the human turn",
            ),
        ];
        for (line, expected) in cases {
            let err = parse_record(1, line).unwrap_err();
            assert!(err.contains(expected), "{line}: {err}");
        }
    }

    #[test]
    fn oversized_field_is_refused() {
        let big = "药".repeat(400_000); // 1.2 MB of UTF-8
        let line = format!(r#"{{"question":"q","response_chosen":"{big}","response_rejected":"r"}}"#);
        assert!(parse_record(1, &line).unwrap_err().contains("the limit is 1 MB"));
    }

    #[test]
    fn same_content_same_hash_and_order_matters() {
        let a = parse_record(1, r#"{"question":"q","response_chosen":"c","response_rejected":"r"}"#).unwrap();
        let b = parse_record(9, r#"{"response_rejected":"r","question":"q","response_chosen":"c"}"#).unwrap();
        let c = parse_record(1, r#"{"question":"q","response_chosen":"r","response_rejected":"c"}"#).unwrap();
        assert_eq!(a.content_hash, b.content_hash);
        assert_ne!(a.content_hash, c.content_hash);
    }
}
