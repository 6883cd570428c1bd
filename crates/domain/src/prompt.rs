//! What a model is asked, one shape for import, generation and export, and the chat
//! messages OpenAI-style formats and chat-completions endpoints take.
use serde::Serialize;

/// What the model is asked: an optional system text, earlier turns, and the question.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Prompt<'a> {
    pub system: Option<&'a str>,
    /// Earlier (question, answer) turns.
    pub history: &'a [(String, String)],
    pub question: &'a str,
}

/// One chat message, as OpenAI-style formats (and chat-completions endpoints) take it.
#[derive(Debug, Serialize)]
pub struct Msg<'a> {
    pub role: &'static str,
    pub content: &'a str,
}

/// OpenAI-style messages: system, earlier turns, the question.
pub fn messages<'a>(p: &Prompt<'a>) -> Vec<Msg<'a>> {
    let mut out: Vec<Msg> = p.system.map(|s| Msg { role: "system", content: s }).into_iter().collect();
    for (q, a) in p.history {
        out.push(Msg { role: "user", content: q });
        out.push(Msg { role: "assistant", content: a });
    }
    out.push(Msg { role: "user", content: p.question });
    out
}
