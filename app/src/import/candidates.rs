//! `candidates`: an item with 2 to 8 answers, such as best-of-N model outputs. Items with
//! more than two answers are reviewed as a ranking.
//!
//! `{"question", "answers": ["…" | {"text": "…", "model": "…"}, …], "system"?, "history"?, "department"?}`
use super::Problem;
use super::lines::{Prompt, extra_fields, kind, optional_string_field, required_text};
use crate::store::items::{NewCandidate, NewItem};
use serde_json::Value;

pub use super::{MAX_ANSWERS, MIN_ANSWERS};

pub fn parse_record(line: usize, text: &str) -> Result<NewItem, Problem> {
    let value: Value = serde_json::from_str(text).map_err(|e| Problem::invalid_json(&e))?;
    let Value::Object(obj) = value else {
        return Err(Problem::NotAnObject { found: kind(&value) });
    };
    let prompt = Prompt::from_fields(&obj)?;
    let answers = obj.get("answers").ok_or_else(|| Problem::MissingField { path: "answers".into() })?;
    let answers =
        answers.as_array().ok_or_else(|| Problem::NotAnArray { path: "answers".into(), found: kind(answers) })?;
    if !(MIN_ANSWERS..=MAX_ANSWERS).contains(&answers.len()) {
        return Err(Problem::AnswerCount { count: answers.len() });
    }
    let candidates = answers
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let name = format!("answers[{i}]");
            match a {
                Value::Object(o) => Ok(NewCandidate::imported(
                    required_text(
                        &format!("{name}.text"),
                        o.get("text").ok_or_else(|| Problem::Missing { path: format!("{name}.text") })?,
                    )?,
                    optional_string_field(o, "model")?,
                    None,
                )),
                other => Ok(NewCandidate::imported(required_text(&name, other)?, None, None)),
            }
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    let extra = extra_fields(&obj, &["question", "answers", "system", "history", "department"]);
    Ok(prompt.into_compared_item(line, candidates)?.with_extra(extra))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_plain_and_described_answers() {
        let item = parse_record(
            3,
            r#"{"question":"发烧怎么办？","department":"儿科","answers":["多喝水",{"text":"物理降温","model":"qwen-0.5b"},"就医"]}"#,
        )
        .unwrap();
        assert_eq!(item.candidates.len(), 3);
        assert_eq!(item.candidates[1].model.as_deref(), Some("qwen-0.5b"));
        assert_eq!(item.department.as_deref(), Some("儿科"));
    }

    #[test]
    fn answer_count_and_shape_are_checked() {
        for (line, expected) in [
            (r#"{"question":"q","answers":["a"]}"#, "an item takes 2 to 8"),
            (r#"{"question":"q","answers":["1","2","3","4","5","6","7","8","9"]}"#, "has 9 entries"),
            (r#"{"question":"q","answers":"a"}"#, "must be an array"),
            (r#"{"question":"q","answers":["a",{"model":"m"}]}"#, "`answers[1].text` is missing"),
            (r#"{"question":"q","answers":["a",3]}"#, "`answers[1]` must be a string"),
            (r#"{"answers":["a","b"]}"#, "missing field `question`"),
        ] {
            let err = parse_record(1, line).unwrap_err();
            assert!(err.to_string().contains(expected), "{line}: {err}");
        }
    }
}
