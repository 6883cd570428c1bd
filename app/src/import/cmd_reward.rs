//! CMD(Reward) / MedicalGPT preference pairs. Three shapes are in use:
//! - 2023: `{"question", "response_chosen", "response_rejected"}`
//! - 2024: the same plus `"system"` and `"history": [[q, a], …]`
//! - 2026: `{"conversations": [{"from": "human", "value"}, …], "chosen", "rejected"}`, the list
//!   possibly opening with a `system` turn, or OpenAI-style `messages` (`role`/`content`); chosen
//!   and rejected as strings or as one assistant turn
//!
//! Fields the format does not read are kept as item metadata (`meta.extra`).
//!
//! The file's chosen/rejected becomes a prior label on each answer; reviewers never see it.
use super::Problem;
use super::lines::{
    Prompt, conversation, extra_fields, kind, one_system, optional_string_field, pairs, required_text, string_field,
};
use crate::store::items::{NewCandidate, NewItem, PriorLabel};
use serde_json::Value;

/// Parses one record; the error text names the field and what is wrong with it.
pub fn parse_record(line: usize, text: &str) -> Result<NewItem, Problem> {
    let value: Value = serde_json::from_str(text).map_err(|e| Problem::invalid_json(&e))?;
    let Value::Object(obj) = value else {
        return Err(Problem::NotAnObject { found: kind(&value) });
    };
    let department = optional_string_field(&obj, "department")?;
    let (system, history, question, chosen, rejected, read) = match conversation(&obj)? {
        Some((field, conversation)) => {
            let mut texts = conversation.turns;
            if texts.len() % 2 == 0 {
                return Err(Problem::MustEndWithQuestion { field: field.into() });
            }
            let question = texts.pop().expect("odd length");
            let system = one_system(optional_string_field(&obj, "system")?, conversation.system)?;
            let (chosen, rejected) = (answer_field(&obj, "chosen")?, answer_field(&obj, "rejected")?);
            (system, pairs(texts), question, chosen, rejected, vec![field, "chosen", "rejected"])
        }
        None => (
            optional_string_field(&obj, "system")?,
            super::lines::history(&obj)?,
            string_field(&obj, "question")?,
            string_field(&obj, "response_chosen")?,
            string_field(&obj, "response_rejected")?,
            vec!["question", "response_chosen", "response_rejected", "history"],
        ),
    };
    let extra = extra_fields(&obj, &[&read[..], &["system", "department"]].concat());
    let candidate = |body, label| NewCandidate::imported(body, None, Some(label));
    let prompt = Prompt { system, history, question, department };
    let candidates = vec![candidate(chosen, PriorLabel::Chosen), candidate(rejected, PriorLabel::Rejected)];
    Ok(prompt.into_compared_item(line, candidates)?.with_extra(extra))
}

/// An answer as the conversational files write it: a string, one assistant turn
/// (`{"from": "gpt", "value"}` or `{"role": "assistant", "content"}`), or a list holding one.
fn answer_field(obj: &serde_json::Map<String, Value>, name: &str) -> Result<String, Problem> {
    let value = obj.get(name).ok_or_else(|| Problem::MissingField { path: name.into() })?;
    let turn = match value {
        Value::Array(list) if list.len() == 1 => &list[0],
        Value::Array(list) => {
            return Err(Problem::AnswerTurns { field: name.into(), turns: list.len() });
        }
        other => other,
    };
    let Value::Object(t) = turn else { return required_text(name, turn) };
    let (speaker, text) = if t.contains_key("role") { ("role", "content") } else { ("from", "value") };
    match t.get(speaker).and_then(Value::as_str) {
        Some("gpt" | "assistant") => {}
        Some(other) => {
            return Err(Problem::NotAnAnswerTurn { path: format!("{name}.{speaker}"), speaker: other.into() });
        }
        None => return Err(Problem::Missing { path: format!("{name}.{speaker}") }),
    }
    let path = format!("{name}.{text}");
    required_text(&path, t.get(text).ok_or_else(|| Problem::Missing { path: path.clone() })?)
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
    fn a_leading_system_turn_and_openai_messages_are_read() {
        let sharegpt = r#"{"conversations":[{"from":"system","value":"你是医生"},{"from":"human","value":"q"}],"chosen":"c","rejected":"r"}"#;
        let openai = r#"{"messages":[{"role":"system","content":"你是医生"},{"role":"user","content":"q"}],"chosen":[{"role":"assistant","content":"c"}],"rejected":{"from":"gpt","value":"r"}}"#;
        for line in [sharegpt, openai] {
            let item = parse_record(1, line).unwrap();
            assert_eq!(item.system.as_deref(), Some("你是医生"), "{line}");
            assert_eq!(item.question, "q");
            assert_eq!((item.candidates[0].body.as_str(), item.candidates[1].body.as_str()), ("c", "r"));
            assert_eq!(item.meta, serde_json::json!({}), "every field was read: {line}");
        }
        let empty_system = r#"{"conversations":[{"from":"system","value":""},{"from":"human","value":"q"}],"chosen":"c","rejected":"r"}"#;
        assert!(parse_record(1, empty_system).unwrap().system.is_none());
        let agreeing = r#"{"system":"s","conversations":[{"from":"system","value":"s"},{"from":"human","value":"q"}],"chosen":"c","rejected":"r"}"#;
        assert_eq!(parse_record(1, agreeing).unwrap().system.as_deref(), Some("s"));
    }

    #[test]
    fn fields_the_format_does_not_read_are_kept() {
        let line = r#"{"question":"q","response_chosen":"c","response_rejected":"r","id":"x-7","tools":[{"name":"get_weather"}]}"#;
        let item = parse_record(1, line).unwrap();
        assert_eq!(item.meta["extra"], serde_json::json!({"id": "x-7", "tools": [{"name": "get_weather"}]}));
        let conv =
            r#"{"conversations":[{"from":"human","value":"q"}],"chosen":"c","rejected":"r","history":[["a","b"]]}"#;
        assert_eq!(parse_record(1, conv).unwrap().meta["extra"]["history"][0][1], "b");
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
            (
                r#"{"system":"a","conversations":[{"from":"system","value":"b"},{"from":"human","value":"q"}],"chosen":"c","rejected":"r"}"#,
                "differ; give the system prompt once",
            ),
            (
                r#"{"conversations":[{"from":"human","value":"q"},{"from":"system","value":"s"},{"from":"human","value":"q"}],"chosen":"c","rejected":"r"}"#,
                "only the first turn may be one",
            ),
            (
                r#"{"conversations":[{"from":"human","value":"q"},{"from":"function_call","value":"{}"},{"from":"human","value":"q"}],"chosen":"c","rejected":"r"}"#,
                "is `function_call`: medpref reads system",
            ),
            (
                r#"{"conversations":[{"from":"human","value":"q"}],"chosen":[{"role":"user","content":"c"}],"rejected":"r"}"#,
                "`chosen.role` is `user`",
            ),
        ];
        for (line, expected) in cases {
            let err = parse_record(1, line).unwrap_err();
            assert!(err.to_string().contains(expected), "{line}: {err}");
        }
    }

    #[test]
    fn oversized_field_is_refused() {
        let big = "药".repeat(400_000); // 1.2 MB of UTF-8
        let line = format!(r#"{{"question":"q","response_chosen":"{big}","response_rejected":"r"}}"#);
        assert!(parse_record(1, &line).unwrap_err().to_string().contains("the limit is 1 MB"));
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
