//! Requests an attacker would send (issue 17), each reproduced against the real router.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use common::TestApp;
use http::StatusCode;
use serde_json::json;
use std::time::{Duration, Instant};

/// `"- " × 8000` took 34 s to preview and two such requests kept `/api/me` from answering
/// for 90 s: nesting is now bounded and rendering runs off the async threads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pathological_markdown_neither_takes_seconds_nor_stalls_other_requests() {
    let app = TestApp::new().await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let texts =
        ["- ".repeat(8000) + "底", "> - ".repeat(8000) + "底", "> ".repeat(20000) + "底", "1. ".repeat(8000) + "底"];
    let previews = futures::future::join_all(texts.iter().map(|t| {
        let (app, doctor) = (&app, &doctor);
        async move { app.call("preview", &[("markdown", t)], Some(doctor)).await }
    }));
    let me = async {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        let res = app.call("me", &[], Some(&doctor)).await;
        (res.status, started.elapsed())
    };
    let started = Instant::now();
    let (previews, (me, waited)) = tokio::join!(previews, me);
    for res in &previews {
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains('底'), "the text survives flattening");
    }
    assert_eq!(me, StatusCode::OK);
    // Liveness, not speed (speed is `scripts/bench.sh markdown`): bounds far above a debug build's.
    assert!(waited < Duration::from_secs(5), "/api/me waited {waited:?} behind the previews");
    assert!(started.elapsed() < Duration::from_secs(30), "four previews took {:?}", started.elapsed());

    // Stored the same way (an imported answer), the item opens for review.
    let admin = app.signed_in("admin", Role::Admin).await;
    let line =
        serde_json::json!({ "question": "q", "response_chosen": "> - ".repeat(8000) + "底", "response_rejected": "b" });
    assert_eq!(app.import(&admin, "d", &line.to_string()).await.status, StatusCode::OK);
    let q = app.queue(&doctor, "d").await;
    assert_eq!(q["items"].as_array().map(Vec::len), Some(1), "{q}");
}

/// 40 guesses sent at once got 29 evaluated against a limit of 5: an attempt now counts
/// from the moment it starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_guesses_do_not_race_past_the_limit() {
    let app = TestApp::new().await;
    app.user("admin", Role::Admin).await;
    let guesses = (0..40).map(|i| {
        let app = &app;
        async move { app.login_from(&format!("10.1.0.{i}"), "admin", "a-wrong-guess-123").await.status }
    });
    let statuses = futures::future::join_all(guesses).await;
    let evaluated = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    assert_eq!((evaluated, refused), (app::auth::throttle::FREE_FAILURES as usize, 35), "{statuses:?}");
}

/// Five wrong guesses locked `admin` out for 15 minutes even with the right password. Guesses
/// now delay the name for other clients only; the machine the admin signs in from gets in.
#[tokio::test]
async fn guesses_from_elsewhere_do_not_lock_the_right_person_out() {
    let app = TestApp::new().await;
    let password = app.user("admin", Role::Admin).await;
    assert_eq!(app.login_from("10.0.0.1", "admin", &password).await.status, StatusCode::OK);
    for i in 0..10 {
        app.login_from(&format!("10.9.0.{i}"), "admin", "a-wrong-guess-123").await;
    }
    let attacker = app.login_from("10.9.0.99", "admin", &password).await;
    assert_eq!(attacker.status, StatusCode::TOO_MANY_REQUESTS, "a new client must wait, right password or not");
    assert_eq!(app.login_from("10.0.0.1", "admin", &password).await.status, StatusCode::OK, "the admin gets in");
    // One client trying many names is slowed down too (25 names went through unthrottled).
    let statuses: Vec<StatusCode> = {
        let mut out = vec![];
        for i in 0..8 {
            out.push(app.login_from("10.7.0.1", &format!("user{i}"), "a-wrong-guess-123").await.status);
        }
        out
    };
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count(), 3, "{statuses:?}");
}

/// Five sign-ins with 16 MB names held 276 MB in the throttle: a name no account can have is
/// refused before it is kept or hashed.
#[tokio::test]
async fn an_impossible_user_name_is_refused_before_it_is_kept() {
    let app = TestApp::new().await;
    let huge = "a".repeat(16 << 20);
    let res = app.login_from("10.2.0.1", &huge, "whatever-password").await;
    assert_eq!((res.status, res.json()), (StatusCode::UNAUTHORIZED, serde_json::json!("InvalidCredentials")));
}

/// Two admins demoting each other at once left no admin: the rule is now checked inside the
/// write transaction that makes the change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    for round in 0..5 {
        let app = TestApp::new().await;
        let a = app.signed_in("a", Role::Admin).await;
        let b = app.signed_in("b", Role::Admin).await;
        let demote = |cookie: &str, user: &str| {
            let body = serde_json::json!({ "username": user, "changes": { "role": "annotator" } });
            let (app, cookie) = (&app, cookie.to_string());
            async move { app.call_json("update_person", body, Some(&cookie)).await.status }
        };
        let (one, other) = tokio::join!(demote(&a, "b"), demote(&b, "a"));
        let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        assert_eq!(admins, 1, "round {round}: {one} / {other}");
        let mut statuses = [one, other];
        statuses.sort();
        assert!(
            statuses == [StatusCode::OK, StatusCode::BAD_REQUEST]
                || statuses == [StatusCode::OK, StatusCode::FORBIDDEN],
            "round {round}: {statuses:?}"
        );
    }
}

/// A `text/plain` body with a foreign `Origin` created an admin through `create_person`; a
/// form-encoded `reset_password` went through. State-changing requests now need this origin.
#[tokio::test]
async fn requests_from_another_site_change_nothing() {
    use axum::body::Body;
    use http::{Request, header};
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let doctor_password = app.user("doctor", Role::Annotator).await;
    let forged = |path: &str, content_type: &str, body: &str, site: (&'static str, &'static str)| {
        Request::post(path)
            .header(header::HOST, "127.0.0.1:3000")
            .header(header::CONTENT_TYPE, content_type)
            .header(header::COOKIE, &admin)
            .header(site.0, site.1)
            .body(Body::from(body.to_string()))
            .unwrap()
    };
    let create = r#"{"username":"mallory","role":"admin","specialties":[]}"#;
    for site in [("origin", "http://127.0.0.1:4000"), ("sec-fetch-site", "same-site"), ("origin", "null")] {
        let res = app.request(forged("/api/create_person", "text/plain", create, site)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{site:?}: {}", res.body);
        let res = app
            .request(forged("/api/reset_password", "application/x-www-form-urlencoded", "username=doctor", site))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{site:?}");
    }
    assert_eq!(app.count("users").await, 2, "no account was created");
    app.login("doctor", &doctor_password).await; // the password was not reset
    // Sign-in forgery: a foreign form cannot sign a visitor into an account.
    let login = format!("username=doctor&password={doctor_password}");
    let res = app
        .request(forged("/api/login", "application/x-www-form-urlencoded", &login, ("origin", "http://evil.example")))
        .await;
    assert_eq!((res.status, res.session_cookie().is_some()), (StatusCode::FORBIDDEN, false));
    // The app's own pages pass.
    let own = app
        .request(forged("/api/create_person", "application/json", create, ("origin", "http://127.0.0.1:3000")))
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.body);
    // No state change on GET: an export is POST only.
    let get = app.get("/api/export?dataset=d&format=trl-dpo", Some(&admin)).await;
    assert_eq!(get.status, StatusCode::METHOD_NOT_ALLOWED);
}

/// The database held raw session ids that worked as cookies, in files readable by everyone.
#[tokio::test]
async fn a_copy_of_the_database_hands_out_no_session_and_its_files_are_private() {
    let app = TestApp::new().await;
    let cookie = app.signed_in("admin", Role::Admin).await;
    let id = cookie.trim_start_matches("medpref_session=").to_string();
    let stored: Vec<String> = sqlx::query_scalar("SELECT id FROM tower_sessions").fetch_all(&app.pool).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0], id, "the id is stored hashed");
    let forged = format!("medpref_session={}", stored[0]);
    assert_eq!(app.call("me", &[], Some(&forged)).await.json(), serde_json::Value::Null, "the stored key is no cookie");
    assert_eq!(app.call("me", &[], Some(&cookie)).await.json()["username"], "admin", "the real cookie works");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let app::store::Db::Sqlite(pool) = server::open_store(&data).await.unwrap() else { unreachable!() };
        sqlx::query("CREATE TABLE t (x)").execute(&pool).await.unwrap();
        let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        for entry in std::fs::read_dir(&data).unwrap() {
            let path = entry.unwrap().path();
            assert_eq!(mode(&path), 0o600, "{}", path.display());
        }
    }
}

/// Issue 17, item 10: what files and settings from the field got wrong, each refused by name.
#[tokio::test]
async fn arrays_identical_answers_path_like_model_names_and_cr_lf_file_names_are_refused_or_cleaned() {
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;

    // A pretty-printed JSON array: one clear error, not a bad line per line.
    let array = "[\n  {\"question\": \"头痛怎么办？\",\n   \"response_chosen\": \"休息\", \"response_rejected\": \"不知道\"}\n]\n";
    let res = app.upload(&admin, "dataset=d&format=cmd-reward&file_name=a.json", array).await;
    let err = &res.json()["Import"];
    assert_eq!(
        (res.status, err["problem"].clone()),
        (StatusCode::BAD_REQUEST, json!({ "problem": "json_array" })),
        "{err}"
    );
    assert!(err["more"].is_null() && err["line"].is_null(), "{err}");

    // Chosen and rejected the same text: nothing to compare.
    let same = r#"{"question": "头痛怎么办？", "response_chosen": "多休息。", "response_rejected": " 多休息。"}"#;
    let res = app.upload(&admin, "dataset=d&format=cmd-reward&file_name=s.jsonl", same).await;
    let err = &res.json()["Import"];
    assert_eq!(err["problem"], json!({ "problem": "same_answers", "first": 1, "second": 2 }), "{err}");
    assert_eq!(err["line"], 1);
    let ranked = r#"{"question": "q", "answers": ["甲", "乙", "甲"]}"#;
    let res = app.upload(&admin, "dataset=r&format=candidates&file_name=r.jsonl", ranked).await;
    assert_eq!(res.json()["Import"]["problem"], json!({ "problem": "same_answers", "first": 1, "second": 3 }));

    // A CR/LF in the file name does not reach the stored provenance.
    let good = r#"{"question": "头痛怎么办？", "response_chosen": "多休息。", "response_rejected": "不知道。"}"#;
    let res = app.upload(&admin, "dataset=d&format=cmd-reward&file_name=a%0D%0AINFO%20forged.jsonl", good).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let name: String = sqlx::query_scalar("SELECT source_name FROM imports").fetch_one(&app.pool).await.unwrap();
    assert_eq!(name, "aINFO forged.jsonl");

    // Model names are names, not paths.
    for model in ["../../etc", "..", "a/b"] {
        let config = json!({ "settings": { "model": model } });
        let res = app.configure(&admin, "d", config).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{model}: {}", res.body);
    }
    let endpoint = json!({ "endpoint": { "name": "..", "base_url": "https://llm.example.cn/v1", "model": "m", "timeout_secs": 30, "retries": 0 } });
    assert_eq!(app.call_json("save_endpoint", endpoint, Some(&admin)).await.status, StatusCode::BAD_REQUEST);
}

/// Issue 17, item 10: an anonymous request with a bad body is told to sign in (401, was 400),
/// a body over the limit gets the API's JSON error (was plain text), and the production CSP
/// allows no websocket to a development reload server.
#[tokio::test]
async fn anonymous_bad_bodies_get_401_oversized_bodies_json_and_the_csp_no_websocket() {
    use axum::body::Body;
    use http::{Request, header};
    let app = TestApp::new().await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let res = app.call_json("judge", json!("not a judgment"), None).await;
    assert_eq!((res.status, res.json()), (StatusCode::UNAUTHORIZED, json!("Unauthenticated")));
    let res = app.call("items", &[("nonsense", "1")], None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.call("me", &[], None).await.status, StatusCode::OK, "who am I stays public");

    let big = vec![b'a'; (64 << 20) + 1];
    let req = Request::post("/api/preview")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::CONTENT_LENGTH, big.len())
        .header(header::COOKIE, &admin)
        .body(Body::from(big))
        .unwrap();
    let res = app.request(req).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let refused = json!({ "Invalid": { "code": "body_too_large", "limit_mib": 64, "message": "the request body is larger than 64 MiB" } });
    assert_eq!(res.json(), refused, "{}", res.body);

    let page = app.get("/login", None).await;
    let csp = page.headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap().to_string();
    assert!(csp.contains("connect-src 'self';") && !csp.contains("ws:"), "{csp}");
}
