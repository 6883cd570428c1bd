//! The HTTP side of exports: the data file streams to the browser as it is written (the
//! download starts at once, memory stays flat); the manifest and the LLaMA-Factory entry
//! are fetched afterwards by the export's id. Plain axum handlers, because a server
//! function answers with one JSON value rather than a stream.
use super::{ExportFormat, ExportPolicy, ExportRequest, Refused, prepare};
use crate::auth::session::require_in;
use crate::domain::{DatasetName, Problem, Role};
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::attachment;
use axum::body::Body;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Query, State};
use axum::response::Response;
use futures::StreamExt;
use http::{HeaderValue, header};
use serde::Deserialize;
use tower_sessions::Session;

pub use super::{DATA_PATH, PART_PATH};

#[derive(Debug, Deserialize)]
pub struct DownloadParams {
    pub dataset: String,
    pub format: ExportFormat,
    #[serde(flatten)]
    pub policy: ExportPolicy,
    /// Whatever the policy did not take: refused by name rather than silently ignored.
    #[serde(flatten)]
    pub unknown: std::collections::BTreeMap<String, String>,
}

/// Streams an export's data file. Admins only.
pub async fn data(
    State(state): State<AppState>,
    session: Session,
    params: Result<Form<DownloadParams>, FormRejection>,
) -> Result<Response, AppError> {
    let user = require_in(&session, &state.pool, &[Role::Admin]).await?;
    // The rejection names the field and the values it accepts (serde's text, no internals).
    let Form(params) = params?;
    if let Some(option) = params.unknown.keys().next() {
        return Err(Problem::UnknownExportOption { option: option.clone() }.into());
    }
    let name = DatasetName::parse(params.dataset).map_err(|_| AppError::NotFound)?;
    let request = ExportRequest { format: params.format, policy: params.policy };
    let prepared = prepare(&state.pool, &name, request, Some(user.id)).await.map_err(|refused| match refused {
        Refused::NoDataset => AppError::NotFound,
        Refused::Policy(p) => p.into(),
        Refused::Db(e) => e.into(),
    })?;
    let (id, file_name) = (prepared.id, prepared.file_name.clone());
    let (mut writer, reader) = tokio::io::duplex(256 << 10);
    let (done_tx, done_rx) = tokio::sync::oneshot::channel();
    let pool = state.pool.clone();
    tokio::spawn(async move {
        let result = prepared.write(&pool, &mut writer).await;
        if let Err(e) = &result {
            tracing::error!("export {id}: {e}");
        }
        drop(writer);
        let _ = done_tx.send(result.is_ok());
    });
    // A failure after the first bytes cannot change the status: end the body with an
    // error instead, so the browser reports a failed download rather than a short file.
    let tail = futures::stream::once(async move {
        match done_rx.await {
            Ok(true) => None,
            _ => Some(Err(std::io::Error::other("the export failed"))),
        }
    })
    .filter_map(|x| async move { x });
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(reader).chain(tail));
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/jsonl; charset=utf-8"));
    headers.insert(header::CONTENT_DISPOSITION, attachment(&file_name));
    headers.insert("x-medpref-export", HeaderValue::from(id));
    Ok(response)
}

crate::named_enum! {
    /// What can be fetched about a finished export.
    pub enum Part("export part") {
        Manifest = "manifest",
        /// LLaMA-Factory's `dataset_info.json`, holding this export's entry.
        DatasetInfo = "dataset_info",
    }
}

#[derive(Debug, Deserialize)]
pub struct PartParams {
    pub id: i64,
    pub part: Part,
}

/// An export's manifest, or its `dataset_info.json`. Admins only; 404 until it finished.
pub async fn part(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<PartParams>,
) -> Result<Response, AppError> {
    require_in(&session, &state.pool, &[Role::Admin]).await?;
    let manifest = crate::store::export::manifest(&state.pool, params.id).await?.ok_or(AppError::NotFound)?;
    let manifest =
        serde_json::from_str::<super::Manifest>(&manifest).map_err(|e| crate::error::internal("manifest", e))?;
    let stem = manifest.data_file.trim_end_matches(".jsonl").to_string();
    let (file_name, body) = match params.part {
        Part::Manifest => (format!("{stem}.manifest.json"), serde_json::to_value(&manifest)),
        Part::DatasetInfo => match &manifest.dataset_info {
            Some(entry) => ("dataset_info.json".into(), Ok(serde_json::json!({ manifest.dataset_info_name(): entry }))),
            None => return Err(AppError::NotFound),
        },
    };
    let text = serde_json::to_string_pretty(&body.expect("JSON values serialise")).expect("JSON values serialise");
    let mut response = Response::new(Body::from(text + "\n"));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response.headers_mut().insert(header::CONTENT_DISPOSITION, attachment(&file_name));
    Ok(response)
}
