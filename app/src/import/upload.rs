//! Browser upload: the file arrives as the raw request body (the page shows the upload's
//! progress as it goes), is read up to the limit, and goes through the same import as the
//! CLI and the `import` server function: the same formats, checks and all-or-nothing rule.
use super::{ImportFailure, ImportFormat, ImportOptions, import, qa::FieldMapping};
use crate::auth::session::{allowed, user_of};
use crate::domain::{DatasetName, Role};
use crate::error::AppError;
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http::StatusCode;
use serde::Deserialize;
use tower_sessions::Session;

pub const PATH: &str = super::UPLOAD_PATH;

#[derive(Debug, Deserialize)]
pub struct UploadParams {
    pub dataset: String,
    pub format: ImportFormat,
    pub file_name: String,
    #[serde(default)]
    pub mapping: Option<String>,
    #[serde(default)]
    pub generator: Option<String>,
}

/// Errors answer as server functions do: the status, and the `AppError` as JSON.
fn refuse(e: AppError) -> Response {
    (StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR), Json(e)).into_response()
}

/// Imports the request body as a file. Admins only.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    params: Result<Query<UploadParams>, axum::extract::rejection::QueryRejection>,
    body: Body,
) -> Response {
    let user = match user_of(&session, &state.pool).await.and_then(|u| allowed(u, &[Role::Admin])) {
        Ok(u) => u,
        Err(e) => return refuse(e),
    };
    let Query(params) = match params {
        Ok(p) => p,
        Err(e) => return refuse(AppError::Invalid(e.body_text())),
    };
    let dataset = match DatasetName::parse(params.dataset) {
        Ok(d) => d,
        Err(e) => return refuse(AppError::Invalid(e)),
    };
    let mapping = match params.mapping.filter(|m| !m.trim().is_empty()).map(|m| m.parse::<FieldMapping>()).transpose() {
        Ok(m) => m,
        Err(e) => return refuse(AppError::Invalid(e)),
    };
    let limit = state.upload_limit;
    let mut bytes = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { return refuse(AppError::Invalid("the upload broke off".into())) };
        if bytes.len() + chunk.len() > limit {
            let mb = limit >> 20;
            return refuse(AppError::Invalid(format!("the file is larger than the upload limit of {mb} MB")));
        }
        bytes.extend_from_slice(&chunk);
    }
    // Only the base name is kept: it is provenance, never a path to open.
    let file_name = params.file_name.rsplit(['/', '\\']).next().unwrap_or_default().to_string();
    let options =
        ImportOptions { format: params.format, mapping: mapping.as_ref(), generator: params.generator.as_deref() };
    match import(&state.pool, &dataset, &options, &file_name, &bytes, Some(user.id)).await {
        Ok(summary) => Json(summary).into_response(),
        Err(ImportFailure::Rejected(e)) => refuse(AppError::Import(e)),
        Err(ImportFailure::Db(e)) => refuse(e.into()),
    }
}
