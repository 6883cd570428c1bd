//! Browser upload: the file arrives as the raw request body (the page shows the upload's
//! progress as it goes), is read up to the limit, and goes through the same import as the
//! CLI and the `import` server function: the same formats, checks and all-or-nothing rule.
use super::{ImportRequest, import_request};
use crate::auth::session::require_in;
use crate::domain::{Problem, Role};
use crate::error::AppError;
use crate::state::AppState;
use axum::Json;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use tower_sessions::Session;

pub const PATH: &str = super::UPLOAD_PATH;

/// Imports the request body as a file. Admins only.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    params: Result<Query<ImportRequest>, axum::extract::rejection::QueryRejection>,
    body: Body,
) -> Result<Response, AppError> {
    let user = require_in(&session, &state.pool, &[Role::Admin]).await?;
    let Query(request) = params?;
    let limit = state.upload_limit;
    let mut bytes = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| Problem::UploadBrokeOff)?;
        if bytes.len() + chunk.len() > limit {
            return Err(Problem::UploadTooLarge { limit_mb: (limit >> 20) as u64 }.into());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Json(import_request(&state.pool, request, &bytes, user.id).await?).into_response())
}

/// `?import=ID`
#[derive(serde::Deserialize)]
pub struct RejectsQuery {
    import: i64,
}

/// A quarantined import's reject file (JSON Lines). Admins only.
pub async fn rejects(
    State(state): State<AppState>,
    session: Session,
    params: Result<Query<RejectsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    require_in(&session, &state.pool, &[Role::Admin]).await?;
    let Query(query) = params?;
    let text = super::rejects_file(&state.pool, query.import).await?;
    let disposition = format!("attachment; filename=\"import-{}-rejects.jsonl\"", query.import);
    let headers = [
        (http::header::CONTENT_TYPE, "application/jsonl; charset=utf-8".to_string()),
        (http::header::CONTENT_DISPOSITION, disposition),
    ];
    Ok((headers, text).into_response())
}
