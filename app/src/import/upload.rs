//! Browser upload: the file arrives as the raw request body (the page shows the upload's
//! progress as it goes), is read up to the limit, and goes through the same import as the
//! CLI and the `import` server function: the same formats, checks and all-or-nothing rule.
use super::{ImportRequest, import_request};
use crate::auth::session::require_in;
use crate::domain::Role;
use crate::error::{AppError, respond};
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
) -> Response {
    let user = match require_in(&session, &state.pool, &[Role::Admin]).await {
        Ok(u) => u,
        Err(e) => return respond(e),
    };
    let Query(request) = match params {
        Ok(p) => p,
        Err(e) => return respond(AppError::Invalid(e.body_text())),
    };
    let limit = state.upload_limit;
    let mut bytes = Vec::new();
    let mut stream = body.into_data_stream();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { return respond(AppError::Invalid("the upload broke off".into())) };
        if bytes.len() + chunk.len() > limit {
            let mb = limit >> 20;
            return respond(AppError::Invalid(format!("the file is larger than the upload limit of {mb} MB")));
        }
        bytes.extend_from_slice(&chunk);
    }
    match import_request(&state.pool, request, &bytes, user.id).await {
        Ok(summary) => Json(summary).into_response(),
        Err(e) => respond(e),
    }
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
) -> Response {
    if let Err(e) = require_in(&session, &state.pool, &[Role::Admin]).await {
        return respond(e);
    }
    let Query(query) = match params {
        Ok(p) => p,
        Err(e) => return respond(AppError::Invalid(e.body_text())),
    };
    match super::rejects_file(&state.pool, query.import).await {
        Ok(text) => {
            let disposition = format!("attachment; filename=\"import-{}-rejects.jsonl\"", query.import);
            let headers = [
                (http::header::CONTENT_TYPE, "application/jsonl; charset=utf-8".to_string()),
                (http::header::CONTENT_DISPOSITION, disposition),
            ];
            (headers, text).into_response()
        }
        Err(e) => respond(e),
    }
}
