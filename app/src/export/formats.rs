//! One internal record → the line shape each trainer reads. Every format's field names live
//! here and nowhere else. TRL: https://huggingface.co/docs/trl/dataset_formats; LLaMA-Factory:
//! its `data/README.md`; CMD(Reward): MedicalGPT's reward data; OpenAI: preference fine-tuning.
use super::{ExportFormat, Shape};
pub use crate::domain::prompt::{Msg, Prompt, messages};
use serde::Serialize;
use serde_json::{Value, json};

/// One record, before it takes a format's shape.
#[derive(Debug, Clone, Copy)]
pub enum Line<'a> {
    Pair { prompt: Prompt<'a>, chosen: &'a str, rejected: &'a str, margin: f64 },
    Unpaired { prompt: Prompt<'a>, completion: &'a str, label: bool },
    Sft { prompt: Prompt<'a>, answer: &'a str },
}

#[derive(Serialize)]
struct Turn<'a> {
    from: &'static str,
    value: &'a str,
}

/// ShareGPT turns as LLaMA-Factory reads them: earlier turns, then the question (a human turn).
fn turns<'a>(p: &Prompt<'a>) -> Vec<Turn<'a>> {
    let mut out: Vec<Turn> = p
        .history
        .iter()
        .flat_map(|(q, a)| [Turn { from: "human", value: q }, Turn { from: "gpt", value: a }])
        .collect();
    out.push(Turn { from: "human", value: p.question });
    out
}

fn assistant(content: &str) -> [Msg<'_>; 1] {
    [Msg { role: "assistant", content }]
}

/// Renders a record in `format`. `context`: the export holds items with a system text or
/// earlier turns, so formats whose columns are optional write them on every line.
pub fn render(format: ExportFormat, line: &Line, context: bool) -> Value {
    use ExportFormat as F;
    let system = |p: &Prompt| p.system.unwrap_or_default().to_string();
    match (format, *line) {
        (F::TrlDpo, Line::Pair { prompt, chosen, rejected, .. }) => {
            json!({ "prompt": prompt.question, "chosen": chosen, "rejected": rejected })
        }
        (F::TrlDpoConversational, Line::Pair { prompt, chosen, rejected, .. }) => {
            json!({ "prompt": messages(&prompt), "chosen": assistant(chosen), "rejected": assistant(rejected) })
        }
        (F::TrlReward, Line::Pair { prompt, chosen, rejected, margin }) => {
            let with = |answer| {
                let mut m = messages(&prompt);
                m.push(Msg { role: "assistant", content: answer });
                m
            };
            json!({ "chosen": with(chosen), "rejected": with(rejected), "margin": margin })
        }
        (F::TrlKto, Line::Unpaired { prompt, completion, label }) => {
            json!({ "prompt": prompt.question, "completion": completion, "label": label })
        }
        (F::LlamafactoryAlpaca, Line::Pair { prompt, chosen, rejected, .. }) => {
            let mut v = json!({ "instruction": prompt.question, "input": "", "chosen": chosen, "rejected": rejected });
            if context {
                v["system"] = json!(system(&prompt));
                v["history"] = json!(prompt.history);
            }
            v
        }
        (F::LlamafactorySharegpt, Line::Pair { prompt, chosen, rejected, .. }) => {
            let mut v = json!({
                "conversations": turns(&prompt),
                "chosen": Turn { from: "gpt", value: chosen },
                "rejected": Turn { from: "gpt", value: rejected },
            });
            if context {
                v["system"] = json!(system(&prompt));
            }
            v
        }
        (F::CmdReward, Line::Pair { prompt, chosen, rejected, .. }) => {
            json!({ "question": prompt.question, "response_chosen": chosen, "response_rejected": rejected })
        }
        (F::OpenaiPreference, Line::Pair { prompt, chosen, rejected, .. }) => json!({
            "input": { "messages": messages(&prompt) },
            "preferred_output": assistant(chosen),
            "non_preferred_output": assistant(rejected),
        }),
        (F::SftSharegpt, Line::Sft { prompt, answer }) => {
            let mut conversations = turns(&prompt);
            conversations.push(Turn { from: "gpt", value: answer });
            let mut v = json!({ "conversations": conversations });
            if context {
                v["system"] = json!(system(&prompt));
            }
            v
        }
        (F::SftAlpaca, Line::Sft { prompt, answer }) => {
            let mut v = json!({ "instruction": prompt.question, "input": "", "output": answer });
            if context {
                v["system"] = json!(system(&prompt));
                v["history"] = json!(prompt.history);
            }
            v
        }
        (format, _) => unreachable!("{format} takes {:?} records", format.shape()),
    }
}

/// The column that holds tool definitions (JSON text), in the formats that have one: LLaMA-
/// Factory's ShareGPT `tools`.
pub fn tools_column(format: ExportFormat) -> Option<&'static str> {
    matches!(format, ExportFormat::LlamafactorySharegpt | ExportFormat::SftSharegpt).then_some("tools")
}

/// The LLaMA-Factory `dataset_info.json` entry for a file in `format`, if LLaMA-Factory reads
/// it. `tools`: the file has a tools column.
pub fn dataset_info(format: ExportFormat, file_name: &str, context: bool, tools: bool) -> Option<Value> {
    use ExportFormat as F;
    let mut entry = match format {
        F::LlamafactoryAlpaca => json!({ "file_name": file_name, "ranking": true, "columns":
            { "prompt": "instruction", "query": "input", "chosen": "chosen", "rejected": "rejected" } }),
        F::LlamafactorySharegpt => {
            json!({ "file_name": file_name, "formatting": "sharegpt", "ranking": true, "columns":
            { "messages": "conversations", "chosen": "chosen", "rejected": "rejected" } })
        }
        F::SftAlpaca => json!({ "file_name": file_name, "columns":
            { "prompt": "instruction", "query": "input", "response": "output" } }),
        F::SftSharegpt => json!({ "file_name": file_name, "formatting": "sharegpt", "columns":
            { "messages": "conversations" } }),
        _ => return None,
    };
    if context {
        entry["columns"]["system"] = json!("system");
        if matches!(format, F::LlamafactoryAlpaca | F::SftAlpaca) {
            entry["columns"]["history"] = json!("history");
        }
    }
    if let Some(column) = tools_column(format).filter(|_| tools) {
        entry["columns"][column] = json!(column);
    }
    Some(entry)
}

impl ExportFormat {
    /// What one line holds.
    pub fn shape(self) -> Shape {
        match self {
            ExportFormat::TrlKto => Shape::Unpaired,
            ExportFormat::SftSharegpt | ExportFormat::SftAlpaca => Shape::Sft,
            _ => Shape::Pair,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HISTORY: &[(String, String)] = &[];

    fn pair(prompt: Prompt<'static>) -> Line<'static> {
        Line::Pair { prompt, chosen: "c", rejected: "r", margin: 0.5 }
    }

    #[test]
    fn each_format_has_the_documented_shape() {
        let p = Prompt { system: None, history: HISTORY, question: "q" };
        let line = |f| render(f, &pair(p), false);
        let user = json!({ "role": "user", "content": "q" });
        let said = |c| json!({ "role": "assistant", "content": c });
        assert_eq!(line(ExportFormat::TrlDpo), json!({ "prompt": "q", "chosen": "c", "rejected": "r" }));
        assert_eq!(
            line(ExportFormat::TrlDpoConversational),
            json!({ "prompt": [user], "chosen": [said("c")], "rejected": [said("r")] })
        );
        assert_eq!(
            line(ExportFormat::TrlReward),
            json!({ "chosen": [user, said("c")], "rejected": [user, said("r")], "margin": 0.5 })
        );
        assert_eq!(
            line(ExportFormat::LlamafactoryAlpaca),
            json!({ "instruction": "q", "input": "", "chosen": "c", "rejected": "r" })
        );
        assert_eq!(
            line(ExportFormat::LlamafactorySharegpt),
            json!({ "conversations": [{ "from": "human", "value": "q" }], "chosen": { "from": "gpt", "value": "c" },
                    "rejected": { "from": "gpt", "value": "r" } })
        );
        assert_eq!(
            line(ExportFormat::CmdReward),
            json!({ "question": "q", "response_chosen": "c", "response_rejected": "r" })
        );
        assert_eq!(
            line(ExportFormat::OpenaiPreference),
            json!({ "input": { "messages": [user] }, "preferred_output": [said("c")], "non_preferred_output": [said("r")] })
        );
        let kto = Line::Unpaired { prompt: p, completion: "a", label: false };
        assert_eq!(
            render(ExportFormat::TrlKto, &kto, false),
            json!({ "prompt": "q", "completion": "a", "label": false })
        );
        let sft = Line::Sft { prompt: p, answer: "a" };
        assert_eq!(
            render(ExportFormat::SftAlpaca, &sft, false),
            json!({ "instruction": "q", "input": "", "output": "a" })
        );
    }

    #[test]
    fn context_goes_where_each_format_keeps_it() {
        let history = vec![("q0".to_string(), "a0".to_string())];
        let p = Prompt { system: Some("s"), history: &history, question: "q" };
        let line = Line::Pair { prompt: p, chosen: "c", rejected: "r", margin: 1.0 };
        let share = render(ExportFormat::LlamafactorySharegpt, &line, true);
        assert_eq!(share["system"], "s");
        let froms: Vec<&str> =
            share["conversations"].as_array().unwrap().iter().map(|t| t["from"].as_str().unwrap()).collect();
        assert_eq!(froms, ["human", "gpt", "human"], "odd, alternating, ending on the human turn");
        let conv = render(ExportFormat::TrlDpoConversational, &line, true);
        let roles: Vec<&str> = conv["prompt"].as_array().unwrap().iter().map(|m| m["role"].as_str().unwrap()).collect();
        assert_eq!(roles, ["system", "user", "assistant", "user"]);
        let alpaca = render(ExportFormat::LlamafactoryAlpaca, &line, true);
        assert_eq!(alpaca["history"], json!([["q0", "a0"]]));
        let info = dataset_info(ExportFormat::LlamafactoryAlpaca, "x.jsonl", true, true).unwrap();
        assert_eq!(info["columns"]["history"], "history");
        assert_eq!(info["columns"].get("tools"), None, "alpaca has no tools column");
        assert_eq!(dataset_info(ExportFormat::TrlDpo, "x.jsonl", true, true), None);
        let share = dataset_info(ExportFormat::SftSharegpt, "x.jsonl", false, true).unwrap();
        assert_eq!(share["columns"]["tools"], "tools");
    }
}
