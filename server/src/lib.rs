//! The medpref server: the axum router around the Leptos app, and the command line.

/// Prints a line of command output. A reader that stops early (`medpref job list | head`)
/// closes the pipe: the command then ends quietly instead of panicking like `println!`.
macro_rules! say {
    ($($arg:tt)*) => { $crate::say_line(format_args!($($arg)*)) };
}

pub mod backup;
pub mod cli;
pub mod csrf;
pub mod demo;
pub mod jobs;
pub mod limits;
pub mod sessions;

use app::auth::throttle::LoginThrottle;
use app::state::AppState;
use app::store::{DatabaseUrl, Db};
use app::{App, shell};
use axum::Router;
use http::{HeaderName, HeaderValue, header};
use leptos::prelude::*;
use leptos_axum::{LeptosRoutes, generate_route_list};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::{SetResponseHeader, SetResponseHeaderLayer};
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

/// The largest request body accepted (an import file arrives in one request).
pub const MAX_BODY_BYTES: usize = 64 << 20;

/// The default limit on a browser upload for import (`MEDPREF_UPLOAD_LIMIT_MB` changes it).
pub const UPLOAD_LIMIT_BYTES: usize = 256 << 20;

/// Sessions end after this much inactivity.
pub const SESSION_IDLE: time::Duration = time::Duration::hours(8);

pub struct ServerConfig {
    pub leptos_options: LeptosOptions,
    /// Mark the session cookie `Secure` (set when served over HTTPS).
    pub secure_cookies: bool,
    pub throttle: LoginThrottle,
    /// The largest file a browser may upload for import.
    pub upload_limit: usize,
    /// Where the local models are (`serve --models`).
    pub models_dir: Option<PathBuf>,
}

impl ServerConfig {
    /// Options for the built site: `LEPTOS_SITE_ROOT` (set by cargo-leptos) or `target/site`.
    pub fn from_env(addr: std::net::SocketAddr) -> Self {
        let site_root = std::env::var("LEPTOS_SITE_ROOT").unwrap_or_else(|_| "target/site".into());
        let options = LeptosOptions::builder()
            .output_name("medpref")
            .site_root(site_root)
            .site_pkg_dir("pkg")
            .site_addr(addr)
            .env(leptos::config::Env::PROD)
            .hash_files(bundle_is_hashed())
            .build();
        let upload_limit = std::env::var("MEDPREF_UPLOAD_LIMIT_MB")
            .ok()
            .and_then(|mb| mb.parse::<usize>().ok())
            .map_or(UPLOAD_LIMIT_BYTES, |mb| mb << 20);
        let models_dir = std::env::var_os("MEDPREF_MODELS_DIR").map(PathBuf::from);
        Self {
            leptos_options: options,
            secure_cookies: false,
            throttle: LoginThrottle::default(),
            upload_limit,
            models_dir,
        }
    }
}

/// Whether the bundle in `pkg/` has content-hashed names: cargo-leptos (`hash-files`) writes
/// the hashes to `hash.txt` beside the server binary, where Leptos reads them.
fn bundle_is_hashed() -> bool {
    std::env::current_exe().ok().and_then(|exe| Some(exe.parent()?.join("hash.txt"))).is_some_and(|f| f.is_file())
}

/// The browser bundle (`/pkg/…`): the precompressed brotli or gzip file cargo-leptos wrote
/// beside each one when there is one (release builds), and with content-hashed names cached
/// for good, since a new build has new names; without hashes, revalidated on each load.
fn bundle(options: &LeptosOptions) -> SetResponseHeader<tower_http::services::ServeDir, HeaderValue> {
    let dir = Path::new(options.site_root.as_ref()).join(options.site_pkg_dir.as_ref());
    let files = tower_http::services::ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let caching = if options.hash_files { "public, max-age=31536000, immutable" } else { "no-cache" };
    SetResponseHeader::overriding(files, header::CACHE_CONTROL, HeaderValue::from_static(caching))
}

/// The database file inside a data directory.
pub fn database_path(data_dir: &Path) -> PathBuf {
    data_dir.join("medpref.db")
}

/// Opens the store in `data_dir`, creating the directory and database if needed.
/// The directory is made private to its owner (0700): it holds endpoint keys and session data.
pub async fn open_store(data_dir: &Path) -> Result<Db, Box<dyn std::error::Error>> {
    std::fs::create_dir_all(data_dir).map_err(|e| format!("creating data directory {}: {e}", data_dir.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(data_dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| format!("making {} private: {e}", data_dir.display()))?;
    }
    open_sqlite(&database_path(data_dir)).await
}

/// Opens (creating if needed) a SQLite database file, made 0600 (SQLite gives its `-wal` and
/// `-shm` files the same mode).
pub async fn open_sqlite(path: &Path) -> Result<Db, Box<dyn std::error::Error>> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let private = |p: &Path| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| format!("making {} private: {e}", p.display()))
        };
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)
            .map_err(|e| format!("creating {}: {e}", path.display()))?;
        private(path)?;
        for side in ["-wal", "-shm"] {
            let file = path.with_file_name(format!("{}{side}", path.file_name().unwrap_or_default().to_string_lossy()));
            if file.exists() {
                private(&file)?;
            }
        }
    }
    app::store::open(path).await.map_err(|e| format!("opening {}: {e}", path.display()).into())
}

/// Opens the database a URL names, bringing its schema up to date.
pub async fn open_database(url: &DatabaseUrl) -> Result<Db, Box<dyn std::error::Error>> {
    Ok(match url {
        DatabaseUrl::Sqlite(path) => open_sqlite(path).await?,
        DatabaseUrl::Postgres(address) => {
            app::store::open_postgres(address).await.map_err(|e| format!("opening {url}: {e}"))?
        }
    })
}

/// Builds the whole HTTP application: pages, `/api/*` server functions and static files.
pub async fn router(pool: Db, config: ServerConfig) -> Result<Router, sqlx::Error> {
    let session_store = sessions::HashedStore::open(&pool).await?;
    let sessions = SessionManagerLayer::new(session_store)
        .with_name("medpref_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.secure_cookies)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE));

    let options = config.leptos_options.clone();
    let state = AppState {
        pool,
        leptos_options: options.clone(),
        throttle: Arc::new(config.throttle),
        upload_limit: config.upload_limit,
        models: Arc::new(app::generate::models::Models::new(config.models_dir)),
        jobs: Arc::new(tokio::sync::Notify::new()),
    };
    // Batch generation jobs, including those a restart interrupted.
    app::generate::jobs::run::spawn(state.clone());
    let routes = route_list();
    let fixed = |name: &'static str, value: &'static str| {
        SetResponseHeaderLayer::if_not_present(HeaderName::from_static(name), HeaderValue::from_static(value))
    };

    use app::export::download;
    // Uploads stream past the general body limit; the handler enforces the upload limit.
    let uploads = Router::new()
        .route(app::import::upload::PATH, axum::routing::post(app::import::upload::upload))
        .route(app::import::REJECTS_PATH, axum::routing::get(app::import::upload::rejects))
        .layer(axum::extract::DefaultBodyLimit::disable());
    Ok(Router::new()
        .route(app::generate::regenerate::PATH, axum::routing::post(app::generate::regenerate::regenerate))
        // POST only: an export is recorded (and audited), and nothing changes on GET.
        .route(download::DATA_PATH, axum::routing::post(download::data))
        .route(download::PART_PATH, axum::routing::get(download::part))
        .route(app::audit::download::PATH, axum::routing::get(app::audit::download::report))
        .route(app::audit::judgments::PATH, axum::routing::post(app::audit::judgments::download::handler))
        .nest_service("/pkg", bundle(&config.leptos_options))
        .leptos_routes(&state, routes, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        // axum applies its own 2 MB default to extracted bodies (server functions included).
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(RequestBodyLimitLayer::new(MAX_BODY_BYTES))
        .merge(uploads)
        .layer(axum::middleware::map_response(limits::json_413))
        .layer(axum::middleware::from_fn(csrf::same_origin))
        .layer(axum::middleware::from_fn(limits::signed_in_first))
        .layer(sessions)
        .layer(fixed("x-content-type-options", "nosniff"))
        .layer(fixed("x-frame-options", "DENY"))
        .layer(fixed("referrer-policy", "same-origin"))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(compression())
        .layer(request_log())
        .with_state(state))
}

/// Answers slower than this are logged as warnings, with their method, path and status.
const SLOW_REQUEST: std::time::Duration = std::time::Duration::from_secs(1);

/// Every request in its own span (method and path; never the body), its answer logged at debug
/// level (`RUST_LOG=server=debug,tower_http=debug`), a slow one as a warning, so that it can be found.
fn request_log() -> tower_http::trace::TraceLayer<
    tower_http::classify::SharedClassifier<tower_http::classify::ServerErrorsAsFailures>,
    tower_http::trace::DefaultMakeSpan,
    tower_http::trace::DefaultOnRequest,
    impl Fn(&axum::response::Response, std::time::Duration, &tracing::Span) + Clone,
> {
    // The span at info level, so that the warning (and any error logged inside the request)
    // carries the method and path with the default filter.
    let span = tower_http::trace::DefaultMakeSpan::new().level(tracing::Level::INFO);
    tower_http::trace::TraceLayer::new_for_http().make_span_with(span).on_response(
        |res: &axum::response::Response, latency: std::time::Duration, _: &tracing::Span| {
            let status = res.status().as_u16();
            if latency >= SLOW_REQUEST {
                tracing::warn!(status, latency_ms = latency.as_millis() as u64, "slow request");
            } else {
                tracing::debug!(status, latency_ms = latency.as_millis() as u64, "answered");
            }
        },
    )
}

/// Pages, API answers, exports and the static bundle go out brotli- or gzip-compressed to a
/// client that accepts it; a regeneration's stream does not (each piece must leave at once).
fn compression() -> tower_http::compression::CompressionLayer<impl tower_http::compression::Predicate> {
    use tower_http::compression::predicate::{DefaultPredicate, NotForContentType, Predicate};
    tower_http::compression::CompressionLayer::new()
        .compress_when(DefaultPredicate::new().and(NotForContentType::new("application/x-ndjson")))
}

/// The app's routes, generated once per process. Generating them renders the app with
/// resource loading suppressed through a process-global flag (leptos issue #4773): a
/// resource first polled by another render meanwhile would never resolve. Once, before
/// anything is served, nothing else can be rendering.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> = std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Renders the texts stored before texts were rendered on write (see `store::render`).
pub fn spawn_render_missing(pool: Db) {
    tokio::spawn(async move {
        match app::store::render::render_missing(&pool, app::markdown::render).await {
            Ok(0) => {}
            Ok(n) => tracing::info!("rendered {n} stored texts to HTML"),
            Err(e) => tracing::error!("rendering stored texts: {e}"),
        }
    });
}

/// Every minute, finishes imports a crash left half-published and discards abandoned ones
/// (see `store::staging`), for as long as the server runs.
pub fn spawn_import_recovery(pool: Db) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            every.tick().await;
            if let Err(e) = app::store::staging::recover(&pool).await {
                tracing::error!("recovering interrupted imports: {e}");
            }
        }
    });
}

/// Deletes expired sessions from the store every hour, for as long as the server runs.
pub fn spawn_session_cleanup(pool: Db) {
    tokio::spawn(async move {
        use tower_sessions::session_store::ExpiredDeletion;
        let store = match sessions::HashedStore::open(&pool).await {
            Ok(store) => store,
            Err(e) => return tracing::error!("session cleanup: {e}"),
        };
        if let Err(e) = store.continuously_delete_expired(tokio::time::Duration::from_secs(3600)).await {
            tracing::error!("session cleanup stopped: {e}");
        }
    });
}

#[doc(hidden)]
pub fn say_line(line: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}").and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write the output: {e}");
        std::process::exit(1);
    }
}
