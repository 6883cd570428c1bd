//! Regenerating an answer through the real router with a real (tiny, random-weight) local
//! model run by ONNX Runtime (`MEDPREF_ORT_DYLIB`, set by scripts/env.sh).
mod common;
use app::domain::Role;
use axum::body::Body;
use common::{TestApp, pairs};
use http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::path::PathBuf;

/// A models folder holding the tiny test model as `tiny`.
fn models() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let python = std::env::var_os("MEDPREF_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/medpref/venv/bin/python"));
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/tiny_model.py");
    let out = std::process::Command::new(python).arg(script).arg(dir.path().join("tiny")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    dir
}

async fn regenerate(app: &TestApp, cookie: Option<&str>, assignment: i64) -> common::Response {
    let mut req = Request::post(format!("/api/regenerate?assignment={assignment}"));
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    app.request(req.body(Body::empty()).unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_regenerates_an_answer_and_it_streams_with_its_provenance() {
    let folder = models();
    let app = TestApp::with_models(folder.path()).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    app.import(&admin, "d", &pairs(3)).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let assignment = app.queue(&doctor, "d").await["items"][0]["assignment"].as_i64().unwrap();

    // No model chosen for the dataset yet.
    let res = regenerate(&app, Some(&doctor), assignment).await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert!(res.body.contains("no model"), "{}", res.body);
    app.configure(&admin, "d", json!({ "settings": { "model": "elsewhere" } })).await;
    let res = regenerate(&app, Some(&doctor), assignment).await;
    assert!(res.status == StatusCode::BAD_REQUEST && res.body.contains("not installed"), "{}", res.body);

    let res = app.configure(&admin, "d", json!({ "settings": { "model": "tiny" } })).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = regenerate(&app, Some(&doctor), assignment).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let lines: Vec<Value> = res.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let (last, pieces) = lines.split_last().unwrap();
    let done = &last["done"];
    assert_eq!((done["model"].clone(), done["template"].clone()), (json!("tiny"), json!("chatml")), "{last}");
    let streamed: String = pieces.iter().map(|p| p["piece"].as_str().unwrap()).collect();
    assert_eq!(streamed, done["text"].as_str().unwrap(), "the pieces make the answer");
    assert!(done["tokens"].as_u64().unwrap() > 0);
    assert!(done["sampling"]["seed"].is_u64() && done["sampling"]["stop"] == json!(["<|im_end|>"]));

    // Only the assignment's reviewer, signed in.
    let other = app.signed_in("other", Role::Annotator).await;
    assert_eq!(regenerate(&app, Some(&other), assignment).await.status, StatusCode::NOT_FOUND);
    assert_eq!(regenerate(&app, None, assignment).await.status, StatusCode::UNAUTHORIZED);
    let auditor = app.signed_in("auditor", Role::Auditor).await;
    assert_eq!(regenerate(&app, Some(&auditor), assignment).await.status, StatusCode::FORBIDDEN);
}
