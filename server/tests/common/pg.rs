//! A real PostgreSQL for the tests: the cluster `scripts/test.sh` started (its socket directory
//! in `MEDPREF_TEST_PG`), or else one this test binary starts for itself with `scripts/pg.sh`
//! (stopped when the binary exits). Each test gets a database of its own in it.
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

/// The socket directory of the test cluster.
fn socket() -> &'static str {
    static SOCKET: OnceLock<String> = OnceLock::new();
    SOCKET.get_or_init(|| {
        if let Ok(dir) = std::env::var("MEDPREF_TEST_PG") {
            return dir;
        }
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
        let dir = std::env::temp_dir().join(format!("medpref-pg-{}", std::process::id()));
        let out = std::process::Command::new(root.join("scripts/pg.sh"))
            .arg("start")
            .arg(&dir)
            .arg(std::process::id().to_string())
            .output()
            .expect("scripts/pg.sh runs");
        assert!(out.status.success(), "starting PostgreSQL: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).expect("a path").trim().to_string()
    })
}

/// The URL of database `name` in the test cluster.
pub fn url(name: &str) -> String {
    format!("postgres://postgres@localhost/{name}?host={}", socket())
}

/// A new, empty database of the test cluster; returns its URL.
pub async fn database() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let name = format!("t{}_{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let admin = sqlx::PgPool::connect(&url("postgres")).await.expect("the test cluster is up");
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&admin).await.expect("creating a test database");
    admin.close().await;
    url(&name)
}
