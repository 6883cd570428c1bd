//! A real medpref for each test: a fresh database and the real router. The database is a
//! SQLite file in a temp dir, or with `MEDPREF_TEST_ENGINE=postgres` a fresh database of the
//! test PostgreSQL (see `pg`): the same test bodies run on both engines.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
#![allow(dead_code)]
use app::domain::{NewPassword, Role, Username};
use axum::Router;
use axum::body::Body;
use http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use server::ServerConfig;
use tempfile::TempDir;
use tower::ServiceExt;

pub mod pg;
pub mod process;

pub const REWARD_SAMPLE: &str = include_str!("../../../fixtures/medicalgpt-reward-test-100.jsonl");

pub struct TestApp {
    pub router: Router,
    /// The store, for calling its functions.
    pub db: app::store::Db,
    /// The same database for raw SQL in test bodies (`$1` placeholders read on both engines).
    pub pool: sqlx::AnyPool,
    pub dir: TempDir,
}

/// Whether this run's tests use PostgreSQL (`MEDPREF_TEST_ENGINE=postgres`).
pub fn on_postgres() -> bool {
    std::env::var("MEDPREF_TEST_ENGINE").is_ok_and(|e| e == "postgres")
}

/// A fresh database of the run's engine, for a server whose data directory is `dir`.
pub async fn fresh_database(dir: &std::path::Path) -> (app::store::Db, String) {
    if on_postgres() {
        let url = pg::database().await;
        let db = server::open_database(&url.parse().unwrap()).await.unwrap();
        app::store::sealed::use_key_dir(dir);
        (db, url)
    } else {
        let db = server::open_store(dir).await.unwrap();
        (db, format!("sqlite://{}", server::database_path(dir).display()))
    }
}

/// A raw-SQL pool on the database `url` names.
pub async fn any_pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new().max_connections(2).connect(url).await.unwrap()
}

pub struct Response {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Response {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The `medpref_session=…` pair from Set-Cookie, if the response set one.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("medpref_session="))
            .map(|v| v.split(';').next().unwrap().to_string())
    }
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_upload_limit(server::UPLOAD_LIMIT_BYTES).await
    }

    pub async fn with_upload_limit(upload_limit: usize) -> Self {
        Self::with_config(|c| c.upload_limit = upload_limit).await
    }

    /// A server whose local models are the subdirectories of `dir`.
    pub async fn with_models(dir: &std::path::Path) -> Self {
        Self::with_config(|c| c.models_dir = Some(dir.to_owned())).await
    }

    /// A server on the SQLite database already in `dir` (`dir/medpref.db`).
    pub async fn at(dir: TempDir) -> Self {
        let db = server::open_store(dir.path()).await.unwrap();
        let pool = any_pool(&format!("sqlite://{}", server::database_path(dir.path()).display())).await;
        let config = ServerConfig::from_env("127.0.0.1:0".parse().unwrap());
        let router = server::router(db.clone(), config).await.unwrap();
        Self { router, db, pool, dir }
    }

    async fn with_config(change: impl FnOnce(&mut ServerConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let (db, url) = fresh_database(dir.path()).await;
        let pool = any_pool(&url).await;
        let mut config = ServerConfig::from_env("127.0.0.1:0".parse().unwrap());
        change(&mut config);
        let router = server::router(db.clone(), config).await.unwrap();
        Self { router, db, pool, dir }
    }

    /// Creates an account and returns its password.
    pub async fn user(&self, name: &str, role: Role) -> String {
        let password = format!("pw-{name}-0123456789");
        app::auth::accounts::create(
            &self.db,
            None,
            &Username::parse(name).unwrap(),
            &NewPassword::parse(password.clone()).unwrap(),
            role,
        )
        .await
        .unwrap();
        password
    }

    pub async fn request(&self, req: Request<Body>) -> Response {
        let what = format!("{} {}", req.method(), req.uri());
        // A stalled response fails the test instead of stalling the whole run.
        let limit = std::time::Duration::from_secs(60);
        let res = tokio::time::timeout(limit, self.router.clone().oneshot(req))
            .await
            .unwrap_or_else(|_| panic!("{what}: no response within {limit:?}"))
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = tokio::time::timeout(limit, res.into_body().collect())
            .await
            .unwrap_or_else(|_| panic!("{what}: body not complete within {limit:?}"))
            .unwrap()
            .to_bytes();
        Response { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
    }

    /// Calls a server function the way the browser does: a form-encoded POST.
    pub async fn call(&self, endpoint: &str, form: &[(&str, &str)], cookie: Option<&str>) -> Response {
        let body = form.iter().map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v))).collect::<Vec<_>>().join("&");
        let mut req = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.request(req.body(Body::from(body)).unwrap()).await
    }

    /// Downloads an export (the browser's POST /api/export) and its manifest, as
    /// `{"content": data text, "summary": the manifest's counts, "manifest": …}`.
    pub async fn export(&self, form: &[(&str, &str)], cookie: &str) -> serde_json::Value {
        let res = self.call("export", form, Some(cookie)).await;
        assert_eq!(res.status, StatusCode::OK, "export {form:?}: {}", res.body);
        let id = res.headers["x-medpref-export"].to_str().unwrap().to_string();
        let manifest = self.get(&format!("/api/export_part?id={id}&part=manifest"), Some(cookie)).await;
        assert_eq!(manifest.status, StatusCode::OK, "{}", manifest.body);
        let manifest = manifest.json();
        serde_json::json!({ "content": res.body, "summary": manifest["counts"], "manifest": manifest })
    }

    /// Calls a server function that takes a JSON body.
    pub async fn call_json(&self, endpoint: &str, body: serde_json::Value, cookie: Option<&str>) -> Response {
        let mut req = Request::post(format!("/api/{endpoint}"))
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, "application/json");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.request(req.body(Body::from(body.to_string())).unwrap()).await
    }

    /// The reviewer's queue in a dataset (asserting success).
    pub async fn queue(&self, cookie: &str, dataset: &str) -> serde_json::Value {
        let res = self.call("queue", &[("dataset", dataset)], Some(cookie)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        res.json()
    }

    /// Submits a judgment of an assignment.
    pub async fn judge(&self, cookie: &str, assignment: i64, judgment: serde_json::Value) -> Response {
        self.call_json("judge", serde_json::json!({ "assignment": assignment, "judgment": judgment }), Some(cookie))
            .await
    }

    /// Sends a file as the browser's upload does: the raw body of `POST /api/upload?QUERY`.
    pub async fn upload(&self, cookie: &str, query: &str, body: &str) -> Response {
        let req = Request::post(format!("/api/upload?{query}"))
            .header(header::COOKIE, cookie)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.request(req).await
    }

    pub async fn get(&self, path: &str, cookie: Option<&str>) -> Response {
        let mut req = Request::get(path);
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.request(req.body(Body::empty()).unwrap()).await
    }

    /// Signs in and returns the session cookie.
    /// A sign-in as it arrives from the TCP peer `ip` (the throttle counts per client).
    pub async fn login_from(&self, ip: &str, name: &str, password: &str) -> Response {
        let body = format!("username={}&password={}", urlencode(name), urlencode(password));
        let peer: std::net::SocketAddr = format!("{ip}:40000").parse().expect("an IP address");
        let req = Request::post("/api/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .extension(axum::extract::ConnectInfo(peer))
            .body(Body::from(body))
            .unwrap();
        self.request(req).await
    }

    pub async fn login(&self, name: &str, password: &str) -> String {
        let res = self.call("login", &[("username", name), ("password", password)], None).await;
        assert_eq!(res.status, StatusCode::OK, "login {name}: {}", res.body);
        res.session_cookie().expect("login sets a session cookie")
    }

    /// A signed-in user of the given role.
    pub async fn signed_in(&self, name: &str, role: Role) -> String {
        let pw = self.user(name, role).await;
        self.login(name, &pw).await
    }

    pub async fn count(&self, table: &str) -> i64 {
        sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&self.pool).await.unwrap()
    }

    /// Imports CMD(Reward) lines through the API as the given admin.
    pub async fn import(&self, admin: &str, dataset: &str, content: &str) -> Response {
        self.import_as(admin, dataset, "cmd-reward", content).await
    }

    pub async fn import_as(&self, admin: &str, dataset: &str, format: &str, content: &str) -> Response {
        self.call(
            "import",
            &[("dataset", dataset), ("format", format), ("file_name", "t.jsonl"), ("content", content)],
            Some(admin),
        )
        .await
    }

    /// Changes a dataset's review set-up as an admin.
    pub async fn configure(&self, admin: &str, dataset: &str, config: serde_json::Value) -> Response {
        self.call_json("configure_dataset", serde_json::json!({ "dataset": dataset, "config": config }), Some(admin))
            .await
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// `n` small CMD(Reward) lines with distinct content.
pub fn pairs(n: usize) -> String {
    (0..n)
        .map(|i| {
            serde_json::json!({
                "question": format!("问题{i}：头痛怎么办？"),
                "response_chosen": format!("回答甲{i}"),
                "response_rejected": format!("回答乙{i}"),
            })
            .to_string()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A pairwise judgment body: `vote` is a/b/tie/both_bad; decisive votes get a strength.
pub fn vote(vote: &str) -> serde_json::Value {
    let strength = if vote == "a" || vote == "b" { serde_json::json!("clear") } else { serde_json::Value::Null };
    serde_json::json!({ "decision": { "Pairwise": { "vote": vote, "strength": strength } } })
}

/// A ranking judgment body (ranks in shown order).
pub fn ranking(ranks: &[u8]) -> serde_json::Value {
    serde_json::json!({ "decision": { "Ranking": { "ranks": ranks } } })
}

/// The Python of scripts/setup.sh (`MEDPREF_PYTHON` overrides it).
pub fn python() -> std::path::PathBuf {
    std::env::var_os("MEDPREF_PYTHON").map(std::path::PathBuf::from).unwrap_or_else(|| {
        std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/medpref/venv/bin/python")
    })
}

/// Writes the tiny random-weight test decoder (or, `reward`, a tiny reward model) into `dir`
/// with scripts/tiny_model.py.
pub fn tiny_model(dir: &std::path::Path, reward: bool) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/tiny_model.py");
    let mut command = std::process::Command::new(python());
    command.arg(script).arg(dir);
    if reward {
        command.arg("--reward");
    }
    let out = command.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}
