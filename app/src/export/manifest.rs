//! The manifest written next to every export.
use super::agreement::Agreement;
use super::{ExportFormat, ExportPolicy, ExportSummary};
use serde::{Deserialize, Serialize};

/// Written next to the data: how it was made and what it holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub medpref_version: String,
    pub created_at: String,
    pub dataset: String,
    pub format: ExportFormat,
    pub data_file: String,
    pub sha256: String,
    pub bytes: u64,
    /// What a count counts: `pair` (pairwise formats), `answer` (KTO) or `item` (SFT).
    pub unit: String,
    pub policy: ExportPolicy,
    pub counts: ExportSummary,
    pub agreement: Agreement,
    /// Every model-generated answer of the exported items, with how it was made (model,
    /// template, sampling, seed, score); `sha256` of its text matches it to the data lines.
    #[serde(default)]
    pub generated: Vec<GeneratedAnswer>,
    /// Detector categories the dataset's admin turned off for gating: their open spans did
    /// not keep texts out of this export (and were not redacted).
    #[serde(default)]
    pub ungated_categories: Vec<crate::flag::Category>,
    /// LLaMA-Factory formats: the entry to add to its `data/dataset_info.json`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dataset_info: Option<serde_json::Value>,
}

impl Manifest {
    /// The `dataset_info.json` entry's name.
    pub fn dataset_info_name(&self) -> String {
        format!("{}_{}", self.dataset, self.format.as_str()).replace(['-', '.'], "_")
    }
}

/// The provenance of one generated answer, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeneratedAnswer {
    pub item: i64,
    /// The item whose prompt it answers, when the item was made from another.
    pub derived_from: Option<i64>,
    pub model: Option<String>,
    pub score: Option<f64>,
    /// `reward_model` or `mean_logprob`.
    pub score_kind: Option<String>,
    pub job: Option<i64>,
    /// Backend, template, sampling settings, seed, token count.
    pub generation: serde_json::Value,
    /// Of the answer's text as stored (before any redaction).
    pub sha256: String,
}
