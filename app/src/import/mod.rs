//! Bringing datasets in. A file is checked line by line and published all at once. By
//! default a bad line rejects the file with its line number (and every other bad line, up to
//! 20) and nothing changes; with [`OnError::Quarantine`] every valid record is imported and
//! every bad one is kept, with its line and reason, in the import's reject file.
#[cfg(feature = "ssr")]
mod candidates;
#[cfg(feature = "ssr")]
mod cmd_reward;
#[cfg(feature = "ssr")]
pub(crate) mod lines;
pub mod problem;
#[cfg(feature = "ssr")]
pub mod qa;
#[cfg(feature = "ssr")]
mod run;
#[cfg(feature = "ssr")]
pub mod upload;
#[cfg(feature = "ssr")]
pub use run::{ImportFailure, ImportOptions, import};

use crate::error::AppError;
pub use problem::{JsonKind, Problem};

/// The largest text field accepted: far above any real answer, small enough that one
/// runaway record cannot fill the store.
pub const MAX_FIELD_BYTES: usize = 1 << 20;
/// How many answers a `candidates` item takes.
pub const MIN_ANSWERS: usize = 2;
pub const MAX_ANSWERS: usize = 8;

/// Where the browser sends a file for import (see `upload`).
pub const UPLOAD_PATH: &str = "/api/upload";
/// Where a quarantined import's reject file is downloaded: `?import=ID`.
pub const REJECTS_PATH: &str = "/api/import_rejects";
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

pub use crate::domain::DatasetKind;

crate::named_enum! {
    /// The file formats medpref reads (see the README).
    pub enum ImportFormat("import format") {
        /// CMD(Reward) / MedicalGPT preference pairs, in all three of its published shapes.
        CmdReward = "cmd-reward",
        /// Items with 2 to 8 answers: `{"question", "answers": [...]}`; more than two are ranked.
        Candidates = "candidates",
        /// QA pairs to correct, ShareGPT `conversations`.
        Sharegpt = "sharegpt",
        /// QA pairs to correct, alpaca `instruction` / `input` / `output`.
        Alpaca = "alpaca",
        /// QA pairs to correct, ChatMed `query` / `response`.
        Chatmed = "chatmed",
        /// QA pairs to correct, PromptCBLUE `input` / `target` / `answer_choices`.
        Promptcblue = "promptcblue",
        /// QA pairs to correct from any JSON Lines, with a field mapping.
        Jsonl = "jsonl",
    }
}

crate::named_enum! {
    /// What an import does with bad lines.
    pub enum OnError("on-error choice") {
        /// Refuse the whole file (the default): fix the lines and import again.
        Reject = "reject",
        /// Import every valid record; keep the bad ones, with line and reason, in a reject file.
        Quarantine = "quarantine",
    }
}

#[allow(clippy::derivable_impls)] // `named_enum!` writes the enum, so `#[default]` cannot go on it
impl Default for OnError {
    fn default() -> Self {
        OnError::Reject
    }
}

impl ImportFormat {
    /// The kind of dataset this format's records belong in.
    pub fn dataset_kind(self) -> DatasetKind {
        match self {
            ImportFormat::CmdReward | ImportFormat::Candidates => DatasetKind::Compare,
            _ => DatasetKind::Correct,
        }
    }
}

/// Why a file was rejected: where, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ImportErrorWire", from = "ImportErrorWire")]
pub struct ImportError {
    pub source: String,
    /// 1-based; `None` when the problem is the file as a whole.
    pub line: Option<usize>,
    pub problem: Problem,
    /// Further bad lines (up to [`MORE_ERRORS`]), so that one round of fixes covers them.
    pub more: Vec<(usize, Problem)>,
    /// Bad lines beyond those reported.
    pub omitted: usize,
}

/// How many bad lines beyond the first an import reports.
pub const MORE_ERRORS: usize = 19;

impl ImportError {
    /// A problem with the file as a whole.
    pub fn of_file(source: &str, problem: Problem) -> ImportError {
        ImportError { source: source.into(), line: None, problem, more: vec![], omitted: 0 }
    }
}

/// An import error as the API sends it: each problem typed (the UI says it in its language)
/// and as the server's English text (`message`, `more`), for scripts and the command line.
#[derive(Serialize, Deserialize)]
struct ImportErrorWire {
    source: String,
    line: Option<usize>,
    message: String,
    problem: Problem,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    more: Vec<(usize, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    more_problems: Vec<Problem>,
    #[serde(default)]
    omitted: usize,
}

impl From<ImportError> for ImportErrorWire {
    fn from(e: ImportError) -> Self {
        ImportErrorWire {
            message: e.problem.to_string(),
            more: e.more.iter().map(|(l, p)| (*l, p.to_string())).collect(),
            more_problems: e.more.into_iter().map(|(_, p)| p).collect(),
            source: e.source,
            line: e.line,
            problem: e.problem,
            omitted: e.omitted,
        }
    }
}

impl From<ImportErrorWire> for ImportError {
    fn from(w: ImportErrorWire) -> Self {
        let more = w.more.iter().map(|(l, _)| *l).zip(w.more_problems).collect();
        ImportError { source: w.source, line: w.line, problem: w.problem, more, omitted: w.omitted }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.source, line, self.problem)?,
            None => write!(f, "{}: {}", self.source, self.problem)?,
        }
        for (line, problem) in &self.more {
            write!(f, "\n{}:{}: {}", self.source, line, problem)?;
        }
        if self.omitted > 0 {
            write!(f, "\n{}: {} more bad lines", self.source, self.omitted)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportSummary {
    pub dataset: String,
    pub records: usize,
    pub added: usize,
    /// Records whose content the dataset already held (from this or an earlier import).
    pub duplicates: usize,
    /// Bad lines left out (quarantine mode); they are in the import's reject file.
    #[serde(default)]
    pub quarantined: usize,
    /// The import's id: its reject file is `GET /api/import_rejects?import=ID`.
    #[serde(default)]
    pub import: i64,
}

impl fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "imported {} records into `{}`: {} added, {} duplicates skipped",
            self.records, self.dataset, self.added, self.duplicates
        )?;
        if self.quarantined > 0 {
            write!(f, "; {} bad lines quarantined (import {})", self.quarantined, self.import)?;
        }
        Ok(())
    }
}

/// Imports a file into a dataset (created if new). Admins only.
#[server(prefix = "/api", endpoint = "import")]
pub async fn import_dataset(
    dataset: String,
    format: ImportFormat,
    file_name: String,
    content: String,
    #[server(default)] mapping: Option<String>,
    #[server(default)] generator: Option<String>,
    #[server(default)] on_error: OnError,
) -> Result<ImportSummary, AppError> {
    crate::error::with_status(
        async {
            let user = crate::auth::session::require(&[crate::domain::Role::Admin]).await?;
            let state = crate::state::app_state()?;
            let request = ImportRequest { dataset, format, file_name, mapping, generator, on_error };
            import_request(&state.pool, request, content.as_bytes(), user.id).await
        }
        .await,
    )
}

/// An import as the API receives it (the server function and the browser upload).
#[derive(Debug, Clone, Deserialize)]
pub struct ImportRequest {
    pub dataset: String,
    pub format: ImportFormat,
    pub file_name: String,
    #[serde(default)]
    pub mapping: Option<String>,
    #[serde(default)]
    pub generator: Option<String>,
    #[serde(default)]
    pub on_error: OnError,
}

/// Checks an API import request and imports `bytes` for the admin `actor`.
#[cfg(feature = "ssr")]
pub async fn import_request(
    pool: &sqlx::SqlitePool,
    request: ImportRequest,
    bytes: &[u8],
    actor: crate::domain::UserId,
) -> Result<ImportSummary, AppError> {
    let dataset = crate::domain::DatasetName::parse(request.dataset)?;
    // Only the base name is kept: it is provenance, never a path to open; control characters
    // (a CR/LF would forge lines in logs and reject files) are dropped, the length bounded.
    let base = request.file_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let file_name: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    let mapping =
        request.mapping.filter(|m| !m.trim().is_empty()).map(|m| m.parse::<qa::FieldMapping>()).transpose()?;
    let options = ImportOptions {
        format: request.format,
        mapping: mapping.as_ref(),
        generator: request.generator.as_deref(),
        on_error: request.on_error,
    };
    import(pool, &dataset, &options, &file_name, bytes, Some(actor)).await.map_err(|e| match e {
        ImportFailure::Rejected(e) => AppError::Import(e),
        ImportFailure::Db(e) => e.into(),
    })
}

/// A quarantined import's reject file: one JSON line per bad line of the file,
/// `{"line", "reason", "record"}` (`record` is the line's text, to fix and import again).
#[cfg(feature = "ssr")]
pub async fn rejects_file(pool: &sqlx::SqlitePool, import: i64) -> Result<String, AppError> {
    let rows = crate::store::staging::rejects(pool, import).await?.ok_or(AppError::NotFound)?;
    let mut out = String::new();
    for (line, reason, record) in rows {
        out.push_str(&serde_json::json!({ "line": line, "reason": reason, "record": record }).to_string());
        out.push('\n');
    }
    Ok(out)
}
