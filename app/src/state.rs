//! What every request handler and server function can reach.
use crate::auth::throttle::LoginThrottle;
use crate::error::AppError;
use crate::store::Db;
use axum::extract::FromRef;
use leptos::prelude::*;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub pool: Db,
    pub leptos_options: LeptosOptions,
    pub throttle: Arc<LoginThrottle>,
    /// The largest file a browser may upload for import, in bytes.
    pub upload_limit: usize,
    /// The local models on offer, started on first use.
    pub models: Arc<crate::generate::models::Models>,
    /// Wakes the batch-job runner (a job was started or resumed).
    pub jobs: Arc<tokio::sync::Notify>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state provided by the router; missing only if the server was wired wrongly.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| crate::error::internal("context", "AppState not provided"))
}
