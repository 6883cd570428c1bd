//! The SQLite store: connection set-up and typed access, one module per table group.
//!
//! All SQL lives in this folder. Callers get typed values, never rows.
pub mod audit;
pub mod corrections;
pub mod datasets;
pub mod export;
pub mod flags;
pub mod items;
pub mod judgments;
pub mod queue;
pub mod stats;
pub mod users;

use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::time::Duration;

pub use sqlx::SqlitePool as Pool;

/// SQL expression for "now" in the store's timestamp format (UTC, sortable as text).
pub(crate) const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// Opens (creating if needed) the database file and brings its schema up to date.
///
/// WAL lets readers proceed while one writer writes; the busy timeout makes a second
/// writer wait instead of failing; foreign keys are off by default in SQLite.
pub async fn open(path: &Path) -> Result<SqlitePool, sqlx::Error> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new().max_connections(8).connect_with(options).await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Applies the migrations in `migrations/` (embedded at compile time).
pub async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../migrations").run(pool).await
}

/// Starts a write transaction that takes SQLite's write lock at once, so a
/// read-then-write sequence (such as picking the next queue item) cannot interleave
/// with another writer.
pub async fn begin_write(pool: &SqlitePool) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}
