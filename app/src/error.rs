//! The one error type every server function returns.
//!
//! Variants carry only what is safe to show a user. Anything internal (SQL, paths, I/O)
//! is logged on the server and becomes [`AppError::Internal`] before it leaves.
use crate::domain::Problem;
use serde::{Deserialize, Serialize};
use server_fn_error::*;

mod server_fn_error {
    pub use leptos::server_fn::codec::JsonEncoding;
    pub use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("your role may not do this")]
    Forbidden,
    #[error("wrong username or password")]
    InvalidCredentials,
    #[error("too many failed sign-ins; try again in a few minutes")]
    TooManyAttempts,
    /// Too many requests of this kind at once (sign-ins): try again shortly.
    #[error("the server is busy; try again in a moment")]
    Busy,
    #[error("not found")]
    NotFound,
    /// The request was understood but its content is not acceptable; the problem says why, and
    /// each language's catalog says it in words (on the wire: `{"Invalid": {"code": …, "message": …}}`).
    #[error("{0}")]
    Invalid(Invalid),
    /// An import file was rejected; nothing was written.
    #[error("{0}")]
    Import(Box<crate::domain::import::ImportError>),
    /// A judgment breaks its dataset's rules; nothing was stored.
    #[error("{0}")]
    Judgment(crate::domain::judgment::Problem),
    /// A correction breaks the rules; nothing was stored.
    #[error("{0}")]
    Correction(crate::domain::correction::CorrectionProblem),
    /// A flag request was refused; nothing changed.
    #[error("{0}")]
    Flag(crate::domain::flag::FlagProblem),
    /// An action on items was refused; nothing changed.
    #[error("{0}")]
    ItemAction(crate::domain::item::ItemActionProblem),
    /// An audit has yet to label this item: its earlier decisions are hidden from auditors.
    #[error("an audit has yet to label this item")]
    AuditBlind,
    /// The item was already judged by this reviewer (a repeated submit); nothing changed.
    #[error("already submitted")]
    AlreadySubmitted,
    /// The lease ran out and other reviewers have since completed the item; nothing stored.
    #[error("lease lost")]
    LeaseLost,
    /// The server's disk is full: nothing was written; reads still work, and writes do again
    /// once space is freed (no restart needed).
    #[error("the server's disk is full; nothing was saved")]
    DiskFull,
    #[error("internal error")]
    Internal,
    /// The request never reached the function (network, encoding); from server_fn.
    #[error("request failed: {0}")]
    Request(String),
}

/// A refused request's [`Problem`], sent with its English wording beside the code so that API
/// clients and logs can read it; the browser renders the code in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(from = "InvalidWire", into = "InvalidWire")]
#[error("{0}")]
pub struct Invalid(pub Problem);

#[derive(Serialize, Deserialize)]
struct InvalidWire {
    #[serde(flatten)]
    problem: Problem,
    #[serde(default)]
    message: String,
}

impl From<InvalidWire> for Invalid {
    fn from(w: InvalidWire) -> Self {
        Invalid(w.problem)
    }
}

impl From<Invalid> for InvalidWire {
    fn from(i: Invalid) -> Self {
        InvalidWire { message: i.0.to_string(), problem: i.0 }
    }
}

impl From<Problem> for AppError {
    fn from(p: Problem) -> Self {
        AppError::Invalid(Invalid(p))
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        let error = match value {
            // Server-side failures inside server_fn itself must not leak their text.
            ServerFnErrorErr::ServerError(_) | ServerFnErrorErr::Response(_) => AppError::Internal,
            other => AppError::Request(other.to_string()),
        };
        // On the server this runs when a request could not be decoded: answer 400, not 500.
        #[cfg(feature = "ssr")]
        set_status(&error);
        error
    }
}

impl AppError {
    /// The HTTP status the API answers with.
    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthenticated => 401,
            AppError::Forbidden | AppError::AuditBlind => 403,
            AppError::InvalidCredentials => 401,
            AppError::TooManyAttempts => 429,
            AppError::Busy => 503,
            AppError::NotFound => 404,
            AppError::Invalid(_)
            | AppError::Import(_)
            | AppError::Judgment(_)
            | AppError::Correction(_)
            | AppError::Flag(_)
            | AppError::ItemAction(_)
            | AppError::Request(_) => 400,
            AppError::AlreadySubmitted | AppError::LeaseLost => 409,
            AppError::DiskFull => 507,
            AppError::Internal => 500,
        }
    }
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::AppError;

    /// Logs the real cause and hands the caller a message-free error.
    pub fn internal(context: &str, err: impl std::fmt::Display) -> AppError {
        tracing::error!("{context}: {err}");
        AppError::Internal
    }

    impl From<sqlx::Error> for AppError {
        fn from(e: sqlx::Error) -> Self {
            if crate::store::is_disk_full(&e) {
                tracing::error!("database: {e}");
                return AppError::DiskFull;
            }
            internal("database", e)
        }
    }

    impl From<tower_sessions::session::Error> for AppError {
        fn from(e: tower_sessions::session::Error) -> Self {
            // The session store hands back the database's error as text only.
            if e.to_string().contains(crate::store::DISK_FULL_TEXT) {
                tracing::error!("session: {e}");
                return AppError::DiskFull;
            }
            internal("session", e)
        }
    }
}
#[cfg(feature = "ssr")]
pub use ssr::internal;

/// A plain axum handler's error answers as server functions do: the status, and the error as JSON.
#[cfg(feature = "ssr")]
impl axum::response::IntoResponse for AppError {
    fn into_response(self) -> axum::response::Response {
        let status = http::StatusCode::from_u16(self.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self)).into_response()
    }
}

/// A query string or form that did not decode (a hand-made API call: the browser never sends
/// one): the rejection's text names the field and the values it accepts, no internals.
#[cfg(feature = "ssr")]
impl From<axum::extract::rejection::QueryRejection> for AppError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        Problem::BadRequest { detail: e.body_text() }.into()
    }
}

#[cfg(feature = "ssr")]
impl From<axum::extract::rejection::FormRejection> for AppError {
    fn from(e: axum::extract::rejection::FormRejection) -> Self {
        Problem::BadRequest { detail: e.body_text() }.into()
    }
}

/// Sets the response status for an error, so API clients see 401/403/… rather than 500.
#[cfg(feature = "ssr")]
pub fn with_status<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if let Err(e) = &result {
        set_status(e);
    }
    result
}

/// Sets the status of the response being built for this request to the error's.
#[cfg(feature = "ssr")]
fn set_status(e: &AppError) {
    if let Some(opts) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
        opts.set_status(http::StatusCode::from_u16(e.status()).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR));
    }
}
