//! The ONNX Runtime library, loaded once per process from a path an admin configured
//! (`MEDPREF_ORT_DYLIB`, which `scripts/setup.sh` fills from the PyPI wheel): nothing is
//! downloaded at run time. ONNX Runtime allows one environment per process, ever.
use ort::environment::Environment;
use ort::session::Session;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The environment variable naming the ONNX Runtime shared library.
pub const DYLIB_VAR: &str = "MEDPREF_ORT_DYLIB";

static ENVIRONMENT: OnceLock<Result<Environment, String>> = OnceLock::new();

/// Where the library is configured to be.
pub fn dylib_path() -> Result<PathBuf, String> {
    std::env::var_os(DYLIB_VAR)
        .map(PathBuf::from)
        .ok_or_else(|| format!("no ONNX Runtime library configured: set {DYLIB_VAR} (scripts/setup.sh prints it)"))
}

/// The process's ONNX Runtime environment, loading the configured library on first use.
pub fn environment() -> Result<&'static Environment, String> {
    match ENVIRONMENT.get() {
        Some(env) => env.as_ref().map_err(Clone::clone),
        None => init(&dylib_path()?),
    }
}

/// Loads the library at `path` and starts the environment; once started, later calls return
/// the same environment whatever their path.
pub fn init(path: &Path) -> Result<&'static Environment, String> {
    ENVIRONMENT
        .get_or_init(|| {
            if !path.is_file() {
                return Err(format!("no ONNX Runtime library at {}", path.display()));
            }
            ort::init_from(path)
                .map_err(|e| format!("loading {}: {e}", path.display()))?
                .with_name("medpref")
                .build()
                .map_err(|e| format!("starting ONNX Runtime: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// An ONNX Runtime session on `file`, running on `threads` threads.
pub fn session(file: &Path, threads: usize) -> Result<Session, String> {
    Session::builder(environment()?)
        .and_then(|b| b.with_intra_threads(threads.max(1)).map_err(Into::into))
        .and_then(|mut b| b.commit_from_file(file))
        .map_err(|e| format!("{}: {e}", file.display()))
}
