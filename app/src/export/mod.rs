//! Taking training data out: votes aggregated per item, written in a trainer's format.
#[cfg(feature = "ssr")]
mod aggregate;
#[cfg(feature = "ssr")]
mod gate;
#[cfg(feature = "ssr")]
mod run;
#[cfg(feature = "ssr")]
mod trl;
#[cfg(feature = "ssr")]
pub use aggregate::{Decision, decide, decide_pairs};
#[cfg(feature = "ssr")]
mod sft;
#[cfg(feature = "ssr")]
pub use run::{ExportRequest, export};

use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

crate::named_enum! {
    pub enum ExportFormat("export format") {
        /// TRL DPO, standard (string) form: `{"prompt", "chosen", "rejected"}`.
        TrlDpo = "trl-dpo",
        /// SFT, ShareGPT `{"conversations": [...]}` (correct datasets).
        SftSharegpt = "sft-sharegpt",
        /// SFT, alpaca `{"instruction", "input", "output"}` (correct datasets).
        SftAlpaca = "sft-alpaca",
    }
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
        /// Most reviewers called the answers equally good: a pairwise format cannot hold that.
        Tie = "tie",
        /// Most reviewers called both answers bad: neither may be "chosen".
        BothBad = "both_bad",
        /// No outcome has more than half of the votes.
        NoMajority = "no_majority",
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

/// Counts are of answer pairs: one per two-answer item, one per pair of answers of a ranked item.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportSummary {
    pub written: usize,
    /// Records written with flagged spans replaced by placeholders.
    pub redacted: usize,
    /// Records written that still name age and sex together (a weak quasi-identifier).
    pub age_sex: usize,
    /// Pairs left out, per reason (every reason listed, zeros included).
    pub left_out: Vec<(LeftOut, usize)>,
}

impl fmt::Display for ExportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: usize = self.left_out.iter().map(|(_, n)| n).sum();
        write!(
            f,
            "wrote {} records ({} redacted for flags, {} naming age and sex), left out {}",
            self.written, self.redacted, self.age_sex, total
        )?;
        let parts: Vec<String> = self.left_out.iter().map(|(r, n)| format!("{}: {n}", r.as_str())).collect();
        write!(f, " ({})", parts.join(", "))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportFile {
    pub file_name: String,
    pub content: String,
    pub summary: ExportSummary,
}

/// Exports a dataset. Admins only.
#[server(prefix = "/api", endpoint = "export")]
pub async fn export_dataset(
    dataset: String,
    format: ExportFormat,
    #[server(default)] source: Option<PairSource>,
    #[server(default)] flagged: Option<FlagPolicy>,
) -> Result<ExportFile, AppError> {
    crate::error::with_status(
        async {
            crate::auth::session::require(&[crate::domain::Role::Admin]).await?;
            let state = crate::state::app_state()?;
            let name = crate::domain::DatasetName::parse(dataset).map_err(|_| AppError::NotFound)?;
            let mut content = Vec::new();
            let request = ExportRequest {
                format,
                source: source.unwrap_or(PairSource::Votes),
                flagged: flagged.unwrap_or(FlagPolicy::LeaveOut),
            };
            let summary = export(&state.pool, &name, &request, &mut content).await?.ok_or(AppError::NotFound)?;
            let content = String::from_utf8(content).map_err(|e| crate::error::internal("export utf-8", e))?;
            Ok(ExportFile { file_name: format!("{name}.{}.jsonl", format.as_str()), content, summary })
        }
        .await,
    )
}
