//! QA pairs to correct: one question, one answer per record, in the shapes users have.
//!
//! - `sharegpt`: `{"conversations": [{"from": "human"|"user", "value"}, {"from": "gpt"|"assistant", "value"}, …], "system"?}`,
//!   ending on the answer; earlier turns become history. The list may open with a `system` turn;
//!   OpenAI-style `messages` (`role`/`content`) are read the same way.
//! - `alpaca`: `{"instruction", "input"?, "output", "system"?, "history"?}`.
//! - `chatmed`: `{"query", "response"}`.
//! - `promptcblue`: `{"input", "target", "answer_choices"?, "task_type"|"type"?, "task_dataset"?, "sample_id"?}`.
//! - `jsonl`: any JSON Lines, with a field mapping such as `question=q,answer=a,system=sys,department=dept`.
//!
//! In every format, fields it does not read are kept as item metadata (`meta.extra`).
use super::Problem;
use super::lines::{
    Prompt, conversation, extra_fields, kind, one_system, optional_string_field, pairs, required_text, string_field,
};
use crate::store::items::{NewCandidate, NewItem};
use serde_json::{Map, Value, json};

fn object(text: &str) -> Result<Map<String, Value>, Problem> {
    match serde_json::from_str(text).map_err(|e| Problem::invalid_json(&e))? {
        Value::Object(obj) => Ok(obj),
        other => Err(Problem::NotAnObject { found: kind(&other) }),
    }
}

fn qa_item(line: usize, prompt: Prompt, answer: String, task: Option<String>, meta: Value) -> NewItem {
    let mut item = prompt.into_item(line, vec![NewCandidate::imported(answer, None, None)]);
    item.task = task;
    item.meta = meta;
    item
}

pub fn sharegpt(line: usize, text: &str) -> Result<NewItem, Problem> {
    let obj = object(text)?;
    let (field, conversation) =
        conversation(&obj)?.ok_or_else(|| Problem::MissingField { path: "conversations".into() })?;
    let mut texts = conversation.turns;
    if texts.len() < 2 || texts.len() % 2 == 1 {
        return Err(Problem::MustEndWithAnswer { field: field.into() });
    }
    let answer = texts.pop().expect("even, non-empty");
    let question = texts.pop().expect("even, non-empty");
    let system = one_system(optional_string_field(&obj, "system")?, conversation.system)?;
    let department = optional_string_field(&obj, "department")?;
    let prompt = Prompt { system, history: pairs(texts), question, department };
    let extra = extra_fields(&obj, &[field, "system", "department"]);
    Ok(qa_item(line, prompt, answer, None, json!({})).with_extra(extra))
}

pub fn alpaca(line: usize, text: &str) -> Result<NewItem, Problem> {
    let obj = object(text)?;
    let instruction = string_field(&obj, "instruction")?;
    let question = match optional_string_field(&obj, "input")? {
        Some(input) => format!("{instruction}\n{input}"),
        None => instruction,
    };
    let answer = string_field(&obj, "output")?;
    let prompt = Prompt {
        system: optional_string_field(&obj, "system")?,
        history: super::lines::history(&obj)?,
        question,
        department: optional_string_field(&obj, "department")?,
    };
    let extra = extra_fields(&obj, &["instruction", "input", "output", "system", "history", "department"]);
    Ok(qa_item(line, prompt, answer, None, json!({})).with_extra(extra))
}

pub fn chatmed(line: usize, text: &str) -> Result<NewItem, Problem> {
    let obj = object(text)?;
    let prompt = Prompt { system: None, history: vec![], question: string_field(&obj, "query")?, department: None };
    let extra = extra_fields(&obj, &["query", "response"]);
    Ok(qa_item(line, prompt, string_field(&obj, "response")?, None, json!({})).with_extra(extra))
}

pub fn promptcblue(line: usize, text: &str) -> Result<NewItem, Problem> {
    let obj = object(text)?;
    let question = string_field(&obj, "input")?;
    let target = match obj.get("target") {
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Err(Problem::EmptyTarget);
        }
        _ => string_field(&obj, "target")?,
    };
    let choices = match obj.get("answer_choices") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(
            a.iter()
                .enumerate()
                .map(|(i, c)| required_text(&format!("answer_choices[{i}]"), c))
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(other) => {
            return Err(Problem::NotArrayOrNull { path: "answer_choices".into(), found: kind(other) });
        }
    };
    // The README names the task field `type`; the shipped files use `task_type`.
    let task_type = match optional_string_field(&obj, "task_type")? {
        Some(t) => Some(t),
        None => optional_string_field(&obj, "type")?,
    };
    let task_dataset = optional_string_field(&obj, "task_dataset")?;
    let sample_id = optional_string_field(&obj, "sample_id")?;
    let meta = json!({
        "answer_choices": choices, "task_type": task_type, "task_dataset": task_dataset, "sample_id": sample_id,
    });
    let prompt = Prompt { system: None, history: vec![], question, department: None };
    let known = ["input", "target", "answer_choices", "task_type", "type", "task_dataset", "sample_id"];
    Ok(qa_item(line, prompt, target, task_dataset.or(task_type), meta).with_extra(extra_fields(&obj, &known)))
}

/// Which source field holds each part of a QA pair, for `jsonl` imports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMapping {
    pub question: String,
    pub answer: String,
    pub system: Option<String>,
    pub department: Option<String>,
}

impl std::str::FromStr for FieldMapping {
    type Err = crate::domain::Problem;

    /// `question=q,answer=a[,system=s][,department=d]`
    fn from_str(s: &str) -> Result<Self, crate::domain::Problem> {
        use crate::domain::Problem as P;
        let (mut question, mut answer, mut system, mut department) = (None, None, None, None);
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (key, field) = part.split_once('=').ok_or_else(|| P::MappingPart { part: part.to_string() })?;
            let slot = match key.trim() {
                "question" => &mut question,
                "answer" => &mut answer,
                "system" => &mut system,
                "department" => &mut department,
                other => return Err(P::MappingUnknownPart { part: other.to_string() }),
            };
            *slot = Some(field.trim().to_string());
        }
        Ok(FieldMapping {
            question: question.ok_or_else(|| P::MappingNeeds { part: "question".into() })?,
            answer: answer.ok_or_else(|| P::MappingNeeds { part: "answer".into() })?,
            system,
            department,
        })
    }
}

pub fn mapped(mapping: &FieldMapping, line: usize, text: &str) -> Result<NewItem, Problem> {
    let obj = object(text)?;
    let optional =
        |f: &Option<String>| f.as_deref().map(|f| optional_string_field(&obj, f)).transpose().map(Option::flatten);
    let prompt = Prompt {
        system: optional(&mapping.system)?,
        history: vec![],
        question: string_field(&obj, &mapping.question)?,
        department: optional(&mapping.department)?,
    };
    let known: Vec<&str> =
        [Some(&mapping.question), Some(&mapping.answer), mapping.system.as_ref(), mapping.department.as_ref()]
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
    let extra = extra_fields(&obj, &known);
    Ok(qa_item(line, prompt, string_field(&obj, &mapping.answer)?, None, json!({})).with_extra(extra))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sharegpt_multi_turn_keeps_history_and_answer() {
        let item = sharegpt(
            2,
            r#"{"system":"你是医生","conversations":[{"from":"human","value":"q1"},{"from":"gpt","value":"a1"},{"from":"user","value":"q2"},{"from":"assistant","value":"a2"}]}"#,
        )
        .unwrap();
        assert_eq!(item.question, "q2");
        assert_eq!(item.history, vec![("q1".to_string(), "a1".to_string())]);
        assert_eq!(item.candidates[0].body, "a2");
        assert_eq!(item.system.as_deref(), Some("你是医生"));
        for (bad, expected) in [
            (r#"{"conversations":[{"from":"human","value":"q"}]}"#, "must end with the answer"),
            (r#"{"conversations":[{"from":"gpt","value":"a"},{"from":"human","value":"q"}]}"#, "expected `human`"),
            (r#"{"conversations":"x"}"#, "must be an array"),
            (
                r#"{"conversations":[{"from":"human"},{"from":"gpt","value":"a"}]}"#,
                "`conversations[0].value` is missing",
            ),
        ] {
            assert!(sharegpt(1, bad).unwrap_err().to_string().contains(expected), "{bad}");
        }
    }

    #[test]
    fn sharegpt_reads_system_turns_openai_messages_and_keeps_tools() {
        let line = r#"{"conversations":[{"from":"system","value":"你是医生"},{"from":"human","value":"q"},{"from":"gpt","value":"a"}],"tools":"[{\"name\":\"get_weather\"}]"}"#;
        let item = sharegpt(1, line).unwrap();
        assert_eq!((item.system.as_deref(), item.question.as_str()), (Some("你是医生"), "q"));
        assert_eq!(item.meta["extra"]["tools"], "[{\"name\":\"get_weather\"}]");
        let openai = r#"{"messages":[{"role":"system","content":"s"},{"role":"user","content":"q1"},{"role":"assistant","content":"a1"},{"role":"user","content":"q2"},{"role":"assistant","content":"a2"}]}"#;
        let item = sharegpt(1, openai).unwrap();
        assert_eq!(item.history, vec![("q1".to_string(), "a1".to_string())]);
        assert_eq!((item.system.as_deref(), item.candidates[0].body.as_str()), (Some("s"), "a2"));
        assert_eq!(item.meta, json!({}));
        let ends_on_human = r#"{"messages":[{"role":"user","content":"q"},{"role":"assistant","content":"a"},{"role":"user","content":"q2"}]}"#;
        assert!(sharegpt(1, ends_on_human).unwrap_err().to_string().contains("`messages` must end with the answer"));
    }

    #[test]
    fn every_format_keeps_unread_fields() {
        assert_eq!(alpaca(1, r#"{"instruction":"i","output":"o","id":3}"#).unwrap().meta["extra"]["id"], 3);
        assert_eq!(chatmed(1, r#"{"query":"q","response":"r","src":"x"}"#).unwrap().meta["extra"]["src"], "x");
        let m: FieldMapping = "question=q,answer=a".parse().unwrap();
        assert_eq!(mapped(&m, 1, r#"{"q":"q","a":"a","科室":"儿科"}"#).unwrap().meta["extra"]["科室"], "儿科");
        let cblue = promptcblue(1, r#"{"input":"x","target":"y","extra_tag":1}"#).unwrap();
        assert_eq!((cblue.meta["extra"]["extra_tag"].as_i64(), cblue.meta["sample_id"].is_null()), (Some(1), true));
    }

    #[test]
    fn alpaca_joins_instruction_and_input() {
        let item = alpaca(1, r#"{"instruction":"解释","input":"高血压","output":"血压持续升高"}"#).unwrap();
        assert_eq!(item.question, "解释\n高血压");
        let item = alpaca(1, r#"{"instruction":"什么是感冒","input":"","output":"上呼吸道感染"}"#).unwrap();
        assert_eq!(item.question, "什么是感冒");
        assert!(alpaca(1, r#"{"instruction":"x"}"#).unwrap_err().to_string().contains("missing field `output`"));
    }

    #[test]
    fn chatmed_reads_query_and_response() {
        let item = chatmed(1, r#"{"query":"失眠怎么办","response":"规律作息"}"#).unwrap();
        assert_eq!((item.question.as_str(), item.candidates[0].body.as_str()), ("失眠怎么办", "规律作息"));
        assert!(
            chatmed(1, r#"{"query":"q","response":7}"#)
                .unwrap_err()
                .to_string()
                .contains("must be a string, found a number")
        );
    }

    #[test]
    fn promptcblue_keeps_choices_and_task_under_either_field_name() {
        let line = r#"{"input":"匹配程度如何？\n选项：完全不匹配，部分匹配，完全匹配\n答：","target":"部分匹配","answer_choices":["完全不匹配","部分匹配","完全匹配"],"task_type":"matching","task_dataset":"KUAKE-QTR","sample_id":"dev-5126"}"#;
        let item = promptcblue(1, line).unwrap();
        assert_eq!(item.task.as_deref(), Some("KUAKE-QTR"));
        assert_eq!(item.meta["answer_choices"][2], "完全匹配");
        assert_eq!(item.meta["sample_id"], "dev-5126");
        let readme_shape = r#"{"input":"抽取实体","target":"无","answer_choices":null,"type":"ner"}"#;
        let item = promptcblue(1, readme_shape).unwrap();
        assert_eq!(item.task.as_deref(), Some("ner"));
        assert!(item.meta["answer_choices"].is_null());
        assert!(promptcblue(1, r#"{"input":"x","target":""}"#).unwrap_err().to_string().contains("nothing to correct"));
        assert!(
            promptcblue(1, r#"{"input":"x","target":"y","answer_choices":"a"}"#)
                .unwrap_err()
                .to_string()
                .contains("array or null")
        );
    }

    #[test]
    fn field_mappings_parse_and_apply() {
        let m: FieldMapping = "question=ask, answer=reply, department=科室".parse().unwrap();
        let item = mapped(&m, 5, r#"{"ask":"胸闷","reply":"做心电图","科室":"心内科"}"#).unwrap();
        assert_eq!(item.department.as_deref(), Some("心内科"));
        assert_eq!(item.source_line, 5);
        assert!(mapped(&m, 1, r#"{"ask":"胸闷"}"#).unwrap_err().to_string().contains("missing field `reply`"));
        assert!("question=a".parse::<FieldMapping>().unwrap_err().to_string().contains("answer=FIELD"));
        assert!("q=a,answer=b".parse::<FieldMapping>().unwrap_err().to_string().contains("unknown part `q`"));
    }
}
