//! Sign-in, sessions and role checks, through the real router.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::TestApp;
use http::StatusCode;

#[tokio::test]
async fn wrong_password_and_unknown_user_get_the_same_refusal() {
    let app = TestApp::new().await;
    app.user("li", Role::Annotator).await;
    let wrong = app.call("login", &[("username", "li"), ("password", "not-the-password")], None).await;
    let unknown = app.call("login", &[("username", "nobody"), ("password", "not-the-password")], None).await;
    for res in [&wrong, &unknown] {
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(res.json(), serde_json::json!("InvalidCredentials"));
        assert!(res.session_cookie().is_none(), "no session for a failed sign-in");
    }
}

#[tokio::test]
async fn login_sets_a_hardened_cookie_and_me_reports_the_user() {
    let app = TestApp::new().await;
    let pw = app.user("li", Role::Annotator).await;
    let res = app.call("login", &[("username", "li"), ("password", &pw)], None).await;
    assert_eq!(res.status, StatusCode::OK);
    let raw = res.headers.get(http::header::SET_COOKIE).unwrap().to_str().unwrap().to_string();
    assert!(raw.contains("HttpOnly"), "{raw}");
    assert!(raw.contains("SameSite=Lax"), "{raw}");
    let cookie = res.session_cookie().unwrap();
    let me = app.call("me", &[], Some(&cookie)).await;
    assert_eq!(me.json()["username"], "li");
    assert_eq!(me.json()["role"], "annotator");
    // The stored hash is argon2id, never the password.
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users").fetch_one(&app.pool).await.unwrap();
    assert!(hash.starts_with("$argon2id$") && !hash.contains(&pw));
}

#[tokio::test]
async fn login_cycles_the_session_id_and_logout_deletes_the_session() {
    let app = TestApp::new().await;
    let pw_a = app.user("a", Role::Annotator).await;
    let pw_b = app.user("b", Role::Annotator).await;
    let first = app.login("a", &pw_a).await;
    // Signing in again while holding a session must hand out a new id.
    let res = app.call("login", &[("username", "b"), ("password", &pw_b)], Some(&first)).await;
    let second = res.session_cookie().expect("a new cookie");
    assert_ne!(first, second);
    assert_eq!(app.call("me", &[], Some(&first)).await.json(), serde_json::Value::Null);
    assert_eq!(app.call("me", &[], Some(&second)).await.json()["username"], "b");

    let out = app.call("logout", &[], Some(&second)).await;
    assert_eq!(out.status, StatusCode::OK);
    assert_eq!(app.call("me", &[], Some(&second)).await.json(), serde_json::Value::Null);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions").fetch_one(&app.pool).await.unwrap();
    assert_eq!(left, 0, "logout removes the session from the store");
}

#[tokio::test]
async fn repeated_failures_lock_the_account_name() {
    let app = TestApp::new().await;
    let pw = app.user("li", Role::Annotator).await;
    for _ in 0..5 {
        let res = app.call("login", &[("username", "li"), ("password", "guess-guess-guess")], None).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    }
    let res = app.call("login", &[("username", "LI"), ("password", &pw)], None).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(res.json(), serde_json::json!("TooManyAttempts"));
}

#[tokio::test]
async fn a_disabled_account_loses_its_session_at_once() {
    let app = TestApp::new().await;
    let cookie = app.signed_in("li", Role::Annotator).await;
    sqlx::query("UPDATE users SET disabled_at = '2026-01-01T00:00:00Z'").execute(&app.pool).await.unwrap();
    let res = app.call("datasets", &[], Some(&cookie)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

/// An endpoint, its form, the caller's cookie and the status expected.
type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], Option<&'a str>, StatusCode);

#[tokio::test]
async fn every_data_endpoint_checks_the_role() {
    let app = TestApp::new().await;
    let annotator = app.signed_in("li", Role::Annotator).await;
    let auditor = app.signed_in("zhao", Role::Auditor).await;
    let import = [("dataset", "d"), ("format", "cmd-reward"), ("file_name", "f"), ("content", "{}")];
    let export = [("dataset", "d"), ("format", "trl-dpo")];
    let sampled = [("audit", "1"), ("position", "1")];
    let verdict = [("audit", "1"), ("position", "1"), ("flag", "1"), ("verdict", "confirm")];
    let cases: &[Case] = &[
        ("import", &import, None, StatusCode::UNAUTHORIZED),
        ("import", &import, Some(&annotator), StatusCode::FORBIDDEN),
        ("import", &import, Some(&auditor), StatusCode::FORBIDDEN),
        ("export", &export, None, StatusCode::UNAUTHORIZED),
        ("export", &export, Some(&annotator), StatusCode::FORBIDDEN),
        ("export", &export, Some(&auditor), StatusCode::FORBIDDEN),
        ("queue", &[("dataset", "d")], None, StatusCode::UNAUTHORIZED),
        ("queue", &[("dataset", "d")], Some(&auditor), StatusCode::FORBIDDEN),
        ("skip", &[("assignment", "1"), ("reason", "cant_judge")], None, StatusCode::UNAUTHORIZED),
        ("skip", &[("assignment", "1"), ("reason", "cant_judge")], Some(&auditor), StatusCode::FORBIDDEN),
        ("guidelines", &[("dataset", "d")], Some(&auditor), StatusCode::FORBIDDEN),
        ("my_judgments", &[("dataset", "d")], None, StatusCode::UNAUTHORIZED),
        ("judgment", &[("id", "1")], Some(&auditor), StatusCode::FORBIDDEN),
        ("mark_gold", &[("dataset", "d"), ("item", "1"), ("answer", "1")], Some(&annotator), StatusCode::FORBIDDEN),
        ("gold_accuracy", &[("dataset", "d")], Some(&annotator), StatusCode::FORBIDDEN),
        ("datasets", &[], None, StatusCode::UNAUTHORIZED),
        ("audit_flags", &sampled, None, StatusCode::UNAUTHORIZED),
        ("audit_flags", &sampled, Some(&annotator), StatusCode::FORBIDDEN),
        ("audit_review_flag", &verdict, Some(&annotator), StatusCode::FORBIDDEN),
    ];
    for (endpoint, form, cookie, expected) in cases {
        let res = app.call(endpoint, form, *cookie).await;
        assert_eq!(res.status, *expected, "{endpoint} as {cookie:?}: {}", res.body);
    }
    assert_eq!(app.count("datasets").await, 0, "nothing was created by refused calls");
    let judgment = common::vote("a");
    let json_cases = [
        ("judge", serde_json::json!({ "assignment": 1, "judgment": judgment }), None, StatusCode::UNAUTHORIZED),
        ("judge", serde_json::json!({ "assignment": 1, "judgment": judgment }), Some(&auditor), StatusCode::FORBIDDEN),
        ("edit_judgment", serde_json::json!({ "id": 1, "judgment": judgment }), Some(&auditor), StatusCode::FORBIDDEN),
        (
            "configure_dataset",
            serde_json::json!({ "dataset": "d", "config": { "overlap_target": 1 } }),
            Some(&annotator),
            StatusCode::FORBIDDEN,
        ),
        (
            "audit_flag",
            serde_json::json!({ "audit": 1, "position": 1,
                                "flag": { "type": "concern", "field": null, "concern": "pii", "severity": null, "note": "" } }),
            Some(&annotator),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (endpoint, body, cookie, expected) in json_cases {
        let res = app.call_json(endpoint, body, cookie.map(String::as_str)).await;
        assert_eq!(res.status, expected, "{endpoint} as {cookie:?}: {}", res.body);
    }
}

#[tokio::test]
async fn undecodable_arguments_are_a_client_error() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let res = app.call("import", &[("dataset", "d"), ("format", "no-such-format")], Some(&admin)).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
    assert!(res.json()["Request"].is_string());
}

#[tokio::test]
async fn server_functions_refuse_get() {
    let app = TestApp::new().await;
    let res = app.get("/api/logout", None).await;
    assert!(res.status.is_client_error(), "{}", res.status);
}
