//! The line shapes trainers read (TRL: https://huggingface.co/docs/trl/dataset_formats;
//! ShareGPT and alpaca as LLaMA-Factory reads them).
use serde::Serialize;

/// A preference pair in TRL's standard (plain string) form.
#[derive(Serialize)]
pub struct DpoStandard<'a> {
    pub prompt: &'a str,
    pub chosen: &'a str,
    pub rejected: &'a str,
}

#[derive(Serialize)]
pub struct Turn<'a> {
    pub from: &'static str,
    pub value: &'a str,
}

/// SFT, ShareGPT: earlier turns, then the question and its answer.
#[derive(Serialize)]
pub struct SftShareGpt<'a> {
    pub conversations: Vec<Turn<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<&'a str>,
}

/// SFT, alpaca, with LLaMA-Factory's optional `system` and `history`.
#[derive(Serialize)]
pub struct SftAlpaca<'a> {
    pub instruction: &'a str,
    pub input: &'a str,
    pub output: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub system: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    pub history: &'a [(String, String)],
}
