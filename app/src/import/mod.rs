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
#[cfg(feature = "ssr")]
pub mod qa;
#[cfg(feature = "ssr")]
mod run;
#[cfg(feature = "ssr")]
pub mod scan;
#[cfg(feature = "ssr")]
pub mod upload;
#[cfg(feature = "ssr")]
pub use run::{ImportFailure, ImportOptions, import};

pub use crate::domain::import::*;
use crate::error::AppError;

/// Where the browser sends a file for import (see `upload`).
pub const UPLOAD_PATH: &str = "/api/upload";
/// Where a quarantined import's reject file is downloaded: `?import=ID`.
pub const REJECTS_PATH: &str = "/api/import_rejects";
use leptos::prelude::*;
use serde::{Deserialize, Serialize};
use std::fmt;

pub use crate::domain::DatasetKind;

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
    pool: &crate::store::Db,
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
pub async fn rejects_file(pool: &crate::store::Db, import: i64) -> Result<String, AppError> {
    let rows = crate::store::staging::rejects(pool, import).await?.ok_or(AppError::NotFound)?;
    let mut out = String::new();
    for (line, reason, record) in rows {
        out.push_str(&serde_json::json!({ "line": line, "reason": reason, "record": record }).to_string());
        out.push('\n');
    }
    Ok(out)
}
