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
