//! The OpenAI-compatible backend through the real router, against a stand-in chat-completions
//! server on a local port (the wire format of vLLM / llama.cpp / Ollama: server-sent events).
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
mod common;
use app::domain::Role;
use axum::body::Body;
use axum::extract::State;
use axum::response::Response;
use common::{TestApp, pairs};
use http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

/// What the stand-in saw, and how it answers: `fail_first` requests get a 503, and with
/// `hang` it never answers.
#[derive(Default)]
struct Upstream {
    requests: Vec<(Option<String>, Value)>,
    fail_first: usize,
    hang: bool,
}

type Shared = Arc<Mutex<Upstream>>;

async fn completions(State(up): State<Shared>, headers: http::HeaderMap, body: String) -> Response {
    let (fail, hang) = {
        let mut up = up.lock().unwrap();
        let auth = headers.get(header::AUTHORIZATION).map(|v| v.to_str().unwrap().to_string());
        up.requests.push((auth, serde_json::from_str(&body).unwrap()));
        (up.requests.len() <= up.fail_first, up.hang)
    };
    if hang {
        tokio::time::sleep(std::time::Duration::from_secs(30)).await;
    }
    if fail {
        return Response::builder().status(503).body(Body::from("overloaded")).unwrap();
    }
    let chunk = |content: &str, logprob: f64, finish: Option<&str>| {
        let c = json!({ "choices": [{ "delta": { "content": content }, "finish_reason": finish,
                                       "logprobs": { "content": [{ "token": content, "logprob": logprob }] } }] });
        format!("data: {c}\n\n")
    };
    let events = [chunk("多喝水，", -0.2, None), chunk("注意休息。", -0.4, Some("stop")), "data: [DONE]\n\n".into()];
    let stream = futures::stream::iter(events.map(Ok::<_, std::convert::Infallible>));
    Response::builder().header(header::CONTENT_TYPE, "text/event-stream").body(Body::from_stream(stream)).unwrap()
}

async fn upstream(up: Shared) -> String {
    let router = axum::Router::new().route("/v1/chat/completions", axum::routing::post(completions)).with_state(up);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    format!("http://{addr}/v1")
}

async fn regenerate(app: &TestApp, cookie: &str, assignment: i64) -> Vec<Value> {
    let req = Request::post(format!("/api/regenerate?assignment={assignment}")).header(header::COOKIE, cookie);
    let res = app.request(req.body(Body::empty()).unwrap()).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.body.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_configured_endpoint_streams_answers_with_retries_timeouts_and_a_hidden_key() {
    let models = tempfile::tempdir().unwrap();
    std::fs::create_dir(models.path().join("local")).unwrap();
    std::fs::write(models.path().join("local/tokenizer.json"), "{}").unwrap();
    let app = TestApp::with_models(models.path()).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let up: Shared = Arc::default();
    up.lock().unwrap().fail_first = 2;
    let base_url = upstream(up.clone()).await;
    let endpoint = |name: &str, url: &str, key: Option<&str>, timeout: i64, retries: i64| {
        json!({ "endpoint": { "name": name, "base_url": url, "model": "qwen2.5-7b-instruct", "api_key": key,
                              "timeout_secs": timeout, "retries": retries } })
    };

    // Only admins configure endpoints, and only web addresses under names of their own.
    let save = |body: Value, who: &str| {
        let who = who.to_string();
        let app = &app;
        async move { app.call_json("save_endpoint", body, Some(&who)).await }
    };
    assert_eq!(save(endpoint("gpu", &base_url, None, 5, 2), &doctor).await.status, StatusCode::FORBIDDEN);
    let res = save(endpoint("gpu", "file:///etc/passwd", None, 5, 2), &admin).await;
    assert!(res.status == StatusCode::BAD_REQUEST && res.body.contains("http"), "{}", res.body);
    let res = save(endpoint("local", &base_url, None, 5, 2), &admin).await;
    assert!(res.body.contains("local model"), "{}", res.body);
    let res = save(endpoint("gpu", &base_url, Some("sk-secret"), 5, 2), &admin).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let listed = app.call("models", &[], Some(&admin)).await;
    assert!(!listed.body.contains("sk-secret"), "keys are never sent back: {}", listed.body);
    assert_eq!(listed.json()["endpoints"][0]["has_key"], json!(true));
    assert_eq!(listed.json()["local"], json!(["local"]));
    // Saving again without a key keeps the stored one.
    assert_eq!(save(endpoint("gpu", &base_url, None, 5, 2), &admin).await.status, StatusCode::OK);

    app.import(&admin, "d", &pairs(2)).await;
    app.configure(&admin, "d", json!({ "settings": { "model": "gpu" } })).await;
    let assignment = app.queue(&doctor, "d").await["items"][0]["assignment"].as_i64().unwrap();
    let lines = regenerate(&app, &doctor, assignment).await;
    let pieces: Vec<&str> = lines.iter().filter_map(|l| l["piece"].as_str()).collect();
    assert_eq!(pieces, ["多喝水，", "注意休息。"]);
    let done = &lines.last().unwrap()["done"];
    assert_eq!((done["model"].clone(), done["backend"].clone()), (json!("gpu"), json!("openai")), "{done}");
    assert_eq!((done["text"].clone(), done["tokens"].clone()), (json!("多喝水，注意休息。"), json!(2)));
    {
        let up = up.lock().unwrap();
        assert_eq!(up.requests.len(), 3, "two refusals retried, then the answer");
        let (auth, body) = &up.requests[2];
        assert_eq!(auth.as_deref(), Some("Bearer sk-secret"));
        assert_eq!(body["model"], json!("qwen2.5-7b-instruct"));
        assert_eq!(body["stream"], json!(true));
        assert_eq!(body["messages"].as_array().unwrap().last().unwrap()["role"], json!("user"));
        assert!(body["messages"].to_string().contains("头痛怎么办"));
    }
    let score: (Option<f64>, Option<String>) =
        sqlx::query_as("SELECT score, score_kind FROM generated_answers").fetch_one(&app.pool).await.unwrap();
    assert!((score.0.unwrap() + 0.3).abs() < 1e-9 && score.1.as_deref() == Some("mean_logprob"), "{score:?}");

    // A server that does not answer: the timeout ends it, reported without internals.
    up.lock().unwrap().hang = true;
    assert_eq!(save(endpoint("gpu", &base_url, None, 1, 0), &admin).await.status, StatusCode::OK);
    let started = std::time::Instant::now();
    let lines = regenerate(&app, &doctor, assignment).await;
    assert_eq!(lines.last().unwrap(), &json!({ "error": "the model could not answer" }));
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "{:?}", started.elapsed());
}

/// Issue 17, item 6: the stored key stays with the address it was entered for, redirects are
/// not followed (the key and the prompt never reach a host nobody checked), and metadata and
/// link-local addresses are refused however they are written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_stays_with_its_address_and_redirects_are_not_followed() {
    let models = tempfile::tempdir().unwrap();
    let app = TestApp::with_models(models.path()).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let doctor = app.signed_in("doctor", Role::Annotator).await;
    let elsewhere: Shared = Arc::default();
    let elsewhere_url = upstream(elsewhere.clone()).await;
    // A server that answers every request with a redirect to `elsewhere`.
    let target = format!("{elsewhere_url}/chat/completions");
    let redirect = axum::Router::new().route(
        "/v1/chat/completions",
        axum::routing::post(move || {
            let target = target.clone();
            async move { Response::builder().status(307).header(header::LOCATION, target).body(Body::empty()).unwrap() }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let redirect_url = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, redirect).await.unwrap() });
    let endpoint = |url: &str, key: Option<&str>| json!({ "endpoint": { "name": "gpu", "base_url": url, "model": "m", "api_key": key, "timeout_secs": 5, "retries": 0 } });
    let save = async |body: Value| app.call_json("save_endpoint", body, Some(&admin)).await;

    for bad in ["http://169.254.169.254/latest", "http://2852039166/v1", "http://[fe80::1]/v1", "http://gpu:8000/v1#"] {
        let res = save(endpoint(bad, Some("k"))).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {}", res.body);
    }
    assert_eq!(save(endpoint(&elsewhere_url, Some("sk-secret"))).await.status, StatusCode::OK);
    // A new address without the key: refused, the stored endpoint unchanged.
    let res = save(endpoint(&redirect_url, None)).await;
    assert!(res.status == StatusCode::BAD_REQUEST && res.body.contains("enter the key again"), "{}", res.body);
    let listed = app.call("models", &[], Some(&admin)).await.json();
    assert_eq!(listed["endpoints"][0]["base_url"], json!(elsewhere_url));
    // With a key typed for it, the new address is saved; its redirect is not followed.
    assert_eq!(save(endpoint(&redirect_url, Some("sk-other"))).await.status, StatusCode::OK);
    app.import(&admin, "d", &pairs(1)).await;
    app.configure(&admin, "d", json!({ "settings": { "model": "gpu" } })).await;
    let assignment = app.queue(&doctor, "d").await["items"][0]["assignment"].as_i64().unwrap();
    let lines = regenerate(&app, &doctor, assignment).await;
    assert_eq!(lines.last().unwrap(), &json!({ "error": "the model could not answer" }));
    assert!(elsewhere.lock().unwrap().requests.is_empty(), "the redirect was not followed");
}

/// Issue 17, item 8: endpoint keys are sealed at rest. The database (and its WAL) never holds
/// a key in clear; the sealing key is a file beside it, 0600; keys stored before sealing are
/// sealed when the store opens; a copy of the database without the key file gives no key.
#[tokio::test]
async fn endpoint_keys_are_sealed_with_a_key_file_beside_the_database() {
    use std::os::unix::fs::PermissionsExt;
    let models = tempfile::tempdir().unwrap();
    let app = TestApp::with_models(models.path()).await;
    let admin = app.signed_in("admin", Role::Admin).await;
    let body = json!({ "endpoint": { "name": "gpu", "base_url": "http://127.0.0.1:9/v1", "model": "m",
                                     "api_key": "sk-at-rest-4242", "timeout_secs": 5, "retries": 0 } });
    assert_eq!(app.call_json("save_endpoint", body, Some(&admin)).await.status, StatusCode::OK);

    let stored: String = sqlx::query_scalar("SELECT api_key FROM model_endpoints").fetch_one(&app.pool).await.unwrap();
    assert!(stored.starts_with("sealed1:") && !stored.contains("sk-at-rest"), "{stored}");
    for file in ["medpref.db", "medpref.db-wal"] {
        let bytes = std::fs::read(app.dir.path().join(file)).unwrap_or_default();
        assert!(!bytes.windows(15).any(|w| w == b"sk-at-rest-4242"), "{file} holds the key in clear");
    }
    let key_file = app.dir.path().join(app::store::sealed::KEY_FILE);
    assert_eq!(std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777, 0o600);
    let opened = app::store::endpoints::by_name(&app.db, "gpu").await.unwrap().unwrap();
    assert_eq!(opened.api_key.as_deref(), Some("sk-at-rest-4242"), "the server still uses the key");

    // A key written in clear by an earlier version is sealed when the store next opens.
    sqlx::query("UPDATE model_endpoints SET api_key = 'sk-legacy-77'").execute(&app.pool).await.unwrap();
    let reopened_db = server::open_store(app.dir.path()).await.unwrap();
    let app::store::Db::Sqlite(reopened) = reopened_db.clone() else { unreachable!() };
    let stored: String = sqlx::query_scalar("SELECT api_key FROM model_endpoints").fetch_one(&reopened).await.unwrap();
    assert!(stored.starts_with("sealed1:"), "{stored}");
    let legacy = app::store::endpoints::by_name(&reopened_db, "gpu").await.unwrap().unwrap();
    assert_eq!(legacy.api_key.as_deref(), Some("sk-legacy-77"));

    // The database copied without its key file: the endpoint is there, its key is not.
    let copy = tempfile::tempdir().unwrap();
    sqlx::query(&format!("VACUUM INTO '{}'", copy.path().join("medpref.db").display()))
        .execute(&reopened)
        .await
        .unwrap();
    let elsewhere = server::open_store(copy.path()).await.unwrap();
    let copied = app::store::endpoints::by_name(&elsewhere, "gpu").await.unwrap().unwrap();
    assert_eq!((copied.base_url.as_str(), copied.api_key), ("http://127.0.0.1:9/v1", None));
}
