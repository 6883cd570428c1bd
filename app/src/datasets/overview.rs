//! What an admin sees of one dataset: its set-up, progress, votes, departments, daily
//! throughput, reviewers and imports.
use super::admin::DatasetConfig;
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportEntry {
    pub id: i64,
    pub source_name: String,
    pub format: String,
    pub lines: i64,
    pub added: i64,
    pub duplicates: i64,
    /// Bad lines kept in the import's reject file (quarantine mode).
    pub quarantined: i64,
    pub created_at: String,
    pub created_by: Option<String>,
}

#[cfg(feature = "ssr")]
impl From<crate::store::stats::ImportRow> for ImportEntry {
    fn from(r: crate::store::stats::ImportRow) -> Self {
        let crate::store::stats::ImportRow {
            id,
            source_name,
            format,
            lines,
            added,
            duplicates,
            quarantined,
            created_at,
            created_by,
        } = r;
        ImportEntry { id, source_name, format, lines, added, duplicates, quarantined, created_at, created_by }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatasetOverview {
    pub name: String,
    pub kind: crate::import::DatasetKind,
    /// Every field set: the form starts from it.
    pub config: DatasetConfig,
    /// Items under review (excluded ones not counted).
    pub items: i64,
    /// (decisions on an item, items with that many).
    pub progress: Vec<(i64, i64)>,
    /// Votes by `outcome/strength`, or corrections by decision.
    pub outcomes: Vec<(String, i64)>,
    /// Items per department ("" for none).
    pub departments: Vec<(String, i64)>,
    /// Decisions per UTC day.
    pub per_day: Vec<(String, i64)>,
    /// Decisions per reviewer.
    pub reviewers: Vec<(String, i64)>,
    pub imports: Vec<ImportEntry>,
    /// The largest file the browser may upload, in bytes.
    pub upload_limit: u64,
    /// Whether the caller may change the dataset (admins): auditors get the figures only.
    pub can_manage: bool,
}

/// A dataset's overview. Admins and auditors.
#[server(prefix = "/api", endpoint = "dataset_overview")]
pub async fn get_dataset_overview(dataset: String) -> Result<DatasetOverview, AppError> {
    crate::error::with_status(
        async {
            use crate::domain::Role;
            use crate::store::stats;
            let user = crate::auth::session::require(&[Role::Admin, Role::Auditor]).await?;
            let state = crate::state::app_state()?;
            let pool = &state.pool;
            let name = crate::domain::DatasetName::parse(dataset).map_err(|_| AppError::NotFound)?;
            let d = crate::store::datasets::by_name(pool, &name).await?.ok_or(AppError::NotFound)?;
            let kind = d.kind;
            let progress = stats::progress(pool, d.id).await?;
            Ok(DatasetOverview {
                name: d.name.clone(),
                kind,
                config: DatasetConfig {
                    overlap_target: Some(d.overlap_target),
                    lease_seconds: Some(d.lease_seconds),
                    settings: Some(d.review_settings()?),
                    guidelines: Some(d.guidelines.clone()),
                    department: Some(d.department.clone().unwrap_or_default()),
                    prompt_template: Some(d.prompt_template.clone().unwrap_or_default()),
                },
                items: progress.iter().map(|(_, n)| n).sum(),
                progress,
                outcomes: stats::outcomes(pool, d.id).await?,
                departments: stats::departments(pool, d.id).await?,
                per_day: stats::per_day(pool, d.id).await?,
                reviewers: stats::per_reviewer(pool, d.id).await?,
                imports: stats::imports(pool, d.id).await?.into_iter().map(ImportEntry::from).collect(),
                upload_limit: state.upload_limit as u64,
                can_manage: user.role == Role::Admin,
            })
        }
        .await,
    )
}
