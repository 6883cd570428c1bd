//! Prompt templates: how an item's question (with its system text and earlier turns) is put to
//! a model. Plain substitution of `{question}` and `{system}`: a template is never evaluated,
//! so an admin's template (or a question's text) cannot run anything.
use crate::domain::prompt::Prompt;
use serde::{Deserialize, Serialize};

/// A dataset's prompt template, as stored (`datasets.prompt_template`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Template {
    /// Qwen-style ChatML with `<|im_start|>` / `<|im_end|>` turns.
    ChatMl,
    /// ChiMed-GPT's `[human]:…\n[bot]:` (used with top-p 0.9).
    ChiMed,
    /// An admin's own text with `{question}` (and optionally `{system}`).
    Custom(String),
}

const DEFAULT_SYSTEM: &str = "You are a helpful medical assistant.";

impl Template {
    /// The stored form: `chatml`, `chimed`, or the custom text itself.
    pub fn parse(stored: &str) -> Result<Self, crate::domain::Problem> {
        match stored.trim() {
            "" | "chatml" => Ok(Template::ChatMl),
            "chimed" => Ok(Template::ChiMed),
            custom if custom.contains("{question}") => Ok(Template::Custom(stored.to_string())),
            _ => Err(crate::domain::Problem::PromptTemplate),
        }
    }

    pub fn as_stored(&self) -> &str {
        match self {
            Template::ChatMl => "chatml",
            Template::ChiMed => "chimed",
            Template::Custom(t) => t,
        }
    }

    /// Stop strings that end an answer in this format (besides the model's eos ids).
    pub fn stops(&self) -> Vec<String> {
        match self {
            Template::ChatMl => vec!["<|im_end|>".into()],
            Template::ChiMed => vec!["[human]:".into()],
            Template::Custom(_) => vec![],
        }
    }

    pub fn render(&self, c: &Prompt<'_>) -> String {
        match self {
            Template::ChatMl => {
                let mut out = format!("<|im_start|>system\n{}<|im_end|>\n", c.system.unwrap_or(DEFAULT_SYSTEM));
                for (q, a) in c.history {
                    out.push_str(&format!("<|im_start|>user\n{q}<|im_end|>\n<|im_start|>assistant\n{a}<|im_end|>\n"));
                }
                out.push_str(&format!("<|im_start|>user\n{}<|im_end|>\n<|im_start|>assistant\n", c.question));
                out
            }
            Template::ChiMed => {
                let mut out = c.system.map(|s| format!("{s}\n")).unwrap_or_default();
                for (q, a) in c.history {
                    out.push_str(&format!("[human]:{q}\n[bot]:{a}\n"));
                }
                out.push_str(&format!("[human]:{}\n[bot]:", c.question));
                out
            }
            Template::Custom(t) => substitute(t, c.system.unwrap_or(""), c.question),
        }
    }
}

/// Replaces `{system}` and `{question}` in one pass, so text inside the question that looks
/// like a placeholder stays as it is.
fn substitute(template: &str, system: &str, question: &str) -> String {
    let mut out = String::with_capacity(template.len() + question.len());
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        if let Some(after) = tail.strip_prefix("{question}") {
            out.push_str(question);
            rest = after;
        } else if let Some(after) = tail.strip_prefix("{system}") {
            out.push_str(system);
            rest = after;
        } else {
            out.push('{');
            rest = &tail[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv<'a>(question: &'a str, history: &'a [(String, String)]) -> Prompt<'a> {
        Prompt { system: None, history, question }
    }

    #[test]
    fn the_built_in_formats() {
        let history = vec![("头痛".to_string(), "多休息。".to_string())];
        assert_eq!(
            Template::ChiMed.render(&conv("还是痛怎么办？", &history)),
            "[human]:头痛\n[bot]:多休息。\n[human]:还是痛怎么办？\n[bot]:"
        );
        let chatml =
            Template::ChatMl.render(&Prompt { system: Some("你是医生。"), history: &[], question: "发烧" });
        assert_eq!(
            chatml,
            "<|im_start|>system\n你是医生。<|im_end|>\n<|im_start|>user\n发烧<|im_end|>\n<|im_start|>assistant\n"
        );
        assert_eq!(Template::ChatMl.stops(), ["<|im_end|>"]);
    }

    #[test]
    fn custom_templates_substitute_once_and_never_evaluate() {
        let t = Template::parse("问：{question}\n答：").unwrap();
        assert_eq!(t.render(&conv("{system} {{x}} {question}", &[])), "问：{system} {{x}} {question}\n答：");
        let t = Template::parse("{system}|{question}|{other}").unwrap();
        assert_eq!(t.render(&Prompt { system: Some("S"), history: &[], question: "Q" }), "S|Q|{other}");
        assert!(Template::parse("no placeholder").unwrap_err().to_string().contains("{question}"));
        assert_eq!(Template::parse("").unwrap(), Template::ChatMl);
        assert_eq!(Template::parse("chimed").unwrap().as_stored(), "chimed");
    }
}
