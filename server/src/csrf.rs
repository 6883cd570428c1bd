//! Cross-site request forgery: a request that changes something must come from medpref's own
//! pages. `SameSite=Lax` cookies do not stop another port of the same host or a sibling
//! subdomain (a `text/plain` body from a foreign `Origin` once created an admin), so every
//! request other than GET/HEAD/OPTIONS is checked with the headers browsers set themselves:
//! `Sec-Fetch-Site` must be `same-origin` (or `none`: typed by the user), else `Origin` must name
//! this host (or one listed in `MEDPREF_ORIGINS`). A request with neither header does not come
//! from a browser (curl, scripts): it carries no victim's cookie by accident and passes.
//! Sign-in is covered too, so a foreign form cannot sign a clinician into another account.
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, header};

/// Origins allowed besides the request's own host, e.g. behind a proxy that rewrites `Host`:
/// `MEDPREF_ORIGINS=https://medpref.example.org,https://review.example.org`.
fn extra_origins() -> &'static [String] {
    static ORIGINS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    ORIGINS.get_or_init(|| {
        std::env::var("MEDPREF_ORIGINS")
            .unwrap_or_default()
            .split(',')
            .map(|o| o.trim().trim_end_matches('/').to_string())
            .filter(|o| !o.is_empty())
            .collect()
    })
}

/// Whether the request was sent by a page of another site (or another port of this one).
pub fn cross_site(headers: &HeaderMap) -> bool {
    let text = |name| headers.get(name).and_then(|v: &http::HeaderValue| v.to_str().ok());
    match text(header::HeaderName::from_static("sec-fetch-site")) {
        Some("same-origin" | "none") => return false,
        Some(_) => return true,
        None => {}
    }
    let Some(origin) = text(header::ORIGIN) else { return false };
    let origin = origin.trim_end_matches('/');
    if extra_origins().iter().any(|o| o == origin) {
        return false;
    }
    let host = origin.split_once("://").map(|(_, rest)| rest);
    host.is_none() || host != text(header::HOST)
}

/// The middleware: refuses a cross-site state-changing request with 403 before anything runs.
pub async fn same_origin(req: Request, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && cross_site(req.headers()) {
        tracing::warn!("refused a cross-site {} {}", req.method(), req.uri().path());
        return app::error::AppError::Forbidden.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::cross_site;
    use http::{HeaderMap, HeaderValue};

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (http::HeaderName::from_static(k), HeaderValue::from_static(v))).collect()
    }

    #[test]
    fn only_this_origin_may_change_things() {
        let host = ("host", "127.0.0.1:3000");
        assert!(!cross_site(&headers(&[host, ("origin", "http://127.0.0.1:3000")])));
        assert!(cross_site(&headers(&[host, ("origin", "http://127.0.0.1:4000")])), "another port");
        assert!(cross_site(&headers(&[host, ("origin", "http://evil.example")])));
        assert!(cross_site(&headers(&[host, ("origin", "null")])), "a sandboxed page");
        assert!(cross_site(&headers(&[host, ("sec-fetch-site", "same-site")])), "a sibling subdomain");
        assert!(cross_site(&headers(&[host, ("sec-fetch-site", "cross-site"), ("origin", "http://127.0.0.1:3000")])));
        assert!(!cross_site(&headers(&[host, ("sec-fetch-site", "same-origin")])));
        assert!(!cross_site(&headers(&[host])), "no browser headers: curl or a script");
    }
}
