//! Taking training data out: votes aggregated per pair of answers under a policy, written
//! in a trainer's format with a manifest, streamed a batch at a time.
#[cfg(feature = "ssr")]
mod aggregate;
pub mod agreement;
#[cfg(feature = "ssr")]
pub mod download;
#[cfg(feature = "ssr")]
pub mod formats;
#[cfg(feature = "ssr")]
mod gate;
mod manifest;
pub mod page;
pub mod policy;
#[cfg(feature = "ssr")]
mod read;
#[cfg(feature = "ssr")]
mod records;
#[cfg(feature = "ssr")]
mod run;
#[cfg(feature = "ssr")]
pub use run::{ExportFailure, ExportRequest, Prepared, Refused, export_to, prepare};

use crate::error::AppError;
use leptos::prelude::*;
pub use manifest::Manifest;
pub use policy::ExportPolicy;

/// Path of the data download (GET with a query string, or POST with a form).
pub const DATA_PATH: &str = "/api/export";
/// Path of an export's manifest or `dataset_info.json` entry.
pub const PART_PATH: &str = "/api/export_part";
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

crate::named_enum! {
    /// The files trainers read (exact shapes in the README).
    pub enum ExportFormat("export format") {
        /// TRL DPO, standard: `{"prompt", "chosen", "rejected"}` as strings.
        TrlDpo = "trl-dpo",
        /// TRL DPO, conversational: the same as lists of `{"role", "content"}` messages.
        TrlDpoConversational = "trl-dpo-conversational",
        /// TRL reward modelling, implicit prompt, with `margin` from the votes' strength.
        TrlReward = "trl-reward",
        /// TRL KTO, unpaired: `{"prompt", "completion", "label"}`.
        TrlKto = "trl-kto",
        /// LLaMA-Factory alpaca ranking data (+ dataset_info.json entry).
        LlamafactoryAlpaca = "llamafactory-alpaca",
        /// LLaMA-Factory sharegpt ranking data (+ dataset_info.json entry).
        LlamafactorySharegpt = "llamafactory-sharegpt",
        /// CMD(Reward) / MedicalGPT: `{"question", "response_chosen", "response_rejected"}`.
        CmdReward = "cmd-reward",
        /// OpenAI-style preference fine-tuning (also Together, Fireworks).
        OpenaiPreference = "openai-preference",
        /// SFT, ShareGPT `{"conversations": [...]}` (correct datasets).
        SftSharegpt = "sft-sharegpt",
        /// SFT, alpaca `{"instruction", "input", "output"}` (correct datasets).
        SftAlpaca = "sft-alpaca",
    }
}

/// What one line of a format holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// A chosen and a rejected answer.
    Pair,
    /// One answer labelled desirable or not.
    Unpaired,
    /// A question and the answer to learn.
    Sft,
}

crate::named_enum! {
    /// Where preference pairs come from.
    pub enum PairSource("pair source") {
        /// Reviewers' votes and rankings (compare datasets).
        Votes = "votes",
        /// Corrections: corrected ≻ original, for fixes beyond wording (correct datasets).
        Corrections = "corrections",
        All = "all",
    }
}

crate::named_enum! {
    /// What happens to texts with unresolved flags that gate (personal information, advertising).
    pub enum FlagPolicy("flag policy") {
        /// Leave the record out (the default).
        LeaveOut = "leave-out",
        /// Write it with the flagged spans replaced by placeholders (〔电话〕…).
        Redact = "redact",
    }
}

crate::named_enum! {
    /// Why an item was not written.
    pub enum LeftOut("reason") {
        /// Nobody has judged it yet.
        Unjudged = "unjudged",
        /// Fewer votes than the policy's minimum.
        TooFewJudgments = "too_few_judgments",
        /// Most reviewers called the answers equally good: a pairwise format cannot hold that.
        Tie = "tie",
        /// Most reviewers called both answers bad: neither may be "chosen".
        BothBad = "both_bad",
        /// No outcome has more than half of the votes.
        NoMajority = "no_majority",
        /// The winning outcome's share of the votes is below the policy's minimum agreement.
        LowAgreement = "low_agreement",
        /// KTO: the answer won some of its pairs and lost others (the middle of a ranking).
        Mixed = "mixed",
        /// A gold (known-answer) item, and the policy excludes them.
        Gold = "gold",
        /// The agreed decision is to reject the QA pair.
        Rejected = "rejected",
        /// Reviewers disagree and no adjudicator has decided.
        Disputed = "disputed",
        /// The correction only changed wording: no preference pair.
        StyleOnly = "style_only",
        /// Accepted or rejected rather than corrected: no preference pair.
        NotCorrected = "not_corrected",
        /// A text has unresolved flags (personal information, advertising, a concern) and
        /// the policy is to leave such records out, or the flag cannot be redacted.
        Flagged = "flagged",
        /// The answer that would be chosen is flagged unsafe or hallucinated.
        Unsafe = "unsafe",
    }
}

/// Counts of records (pairs, answers or items: see the manifest's `unit`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSummary {
    pub written: usize,
    /// Records written with flagged spans replaced by placeholders.
    pub redacted: usize,
    /// Records written that still name age and sex together (a weak quasi-identifier).
    pub age_sex: usize,
    /// Left out, per reason (every reason that can apply is listed, zeros included).
    pub left_out: BTreeMap<LeftOut, usize>,
}

impl fmt::Display for ExportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: usize = self.left_out.values().sum();
        write!(
            f,
            "wrote {} records ({} redacted for flags, {} naming age and sex), left out {}",
            self.written, self.redacted, self.age_sex, total
        )?;
        let parts: Vec<String> = self.left_out.iter().map(|(r, n)| format!("{}: {n}", r.as_str())).collect();
        write!(f, " ({})", parts.join(", "))
    }
}

/// An export as the export page lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportEntry {
    pub id: i64,
    pub format: String,
    pub created_by: Option<String>,
    pub created_at: String,
    /// The manifest (JSON text); `None` while writing or if the download broke off.
    pub manifest: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<crate::store::export::ExportRow> for ExportEntry {
    fn from(r: crate::store::export::ExportRow) -> Self {
        let crate::store::export::ExportRow { id, format, created_by, created_at, manifest } = r;
        ExportEntry { id, format, created_by, created_at, manifest }
    }
}

/// A dataset's recent exports with their manifests, newest first. Admins only.
#[server(prefix = "/api", endpoint = "exports")]
pub async fn list_exports(dataset: String) -> Result<Vec<ExportEntry>, AppError> {
    crate::error::with_status(
        async {
            crate::auth::session::require(&[crate::domain::Role::Admin]).await?;
            let pool = crate::state::app_state()?.pool;
            let name = crate::domain::DatasetName::parse(dataset).map_err(|_| AppError::NotFound)?;
            let dataset = crate::store::datasets::by_name(&pool, &name).await?.ok_or(AppError::NotFound)?;
            Ok(crate::store::export::recent(&pool, dataset.id, 20).await?.into_iter().map(ExportEntry::from).collect())
        }
        .await,
    )
}
