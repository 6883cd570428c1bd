//! What the API answers before a server function runs: 401 for a caller who is not signed
//! in (before the body is read, so a bad body cannot tell an anonymous caller more), and the
//! JSON error, not plain text, for a body over the limit.
use app::domain::Problem;
use app::error::AppError;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{StatusCode, header};
use tower_sessions::Session;

/// The server functions anyone may call: signing in and out, who am I, the language.
const PUBLIC: &[&str] = &["/api/login", "/api/logout", "/api/me", "/api/set_language"];

fn json_error(status: StatusCode, value: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], value.to_string()).into_response()
}

/// Refuses `/api/*` (but [`PUBLIC`]) with 401 `"Unauthenticated"` when the session names no
/// user. The functions still check the caller's role themselves; this only orders the
/// answers (an anonymous request with a bad body used to get 400 first).
pub async fn signed_in_first(session: Session, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if path.starts_with("/api/") && !PUBLIC.contains(&path) {
        let user: Option<i64> = session.get(app::auth::session::USER_KEY).await.ok().flatten();
        if user.is_none() {
            return json_error(StatusCode::UNAUTHORIZED, serde_json::json!("Unauthenticated"));
        }
    }
    next.run(request).await
}

/// A 413 from the body limits, which answer in plain text, as the API's JSON error.
pub async fn json_413(response: Response) -> Response {
    let json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE || json {
        return response;
    }
    let refused = AppError::from(Problem::BodyTooLarge { limit_mib: (crate::MAX_BODY_BYTES >> 20) as u64 });
    let body = serde_json::to_value(&refused).unwrap_or_default();
    json_error(StatusCode::PAYLOAD_TOO_LARGE, body)
}
