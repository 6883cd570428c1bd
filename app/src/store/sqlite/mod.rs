//! The SQLite engine: the embedded default. Opening a file, its schema
//! (`migrations/sqlite`), and what its single write lock needs: one writer at a time through
//! this process's gate, and the review loop's writes committed in groups by [`writer`].
//!
//! The names exported here (`Engine`, `NOW`, `begin_write`, …) are the ones `on!` gives the
//! store's functions; `postgres` exports the same names.
pub mod writer;

pub use writer::write as write_grouped;

/// This engine, for query builders and types of the store.
pub type Engine = sqlx::Sqlite;

mod dialect;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, SqliteConnection, SqlitePool};
use std::path::Path;
use std::time::Duration;

/// SQL expression for "now" in the store's timestamp format (UTC, sortable as text).
pub const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// How much of the database file each connection maps into memory (address space, not RAM).
const MMAP_BYTES: u64 = 1 << 30;
/// Page cache per pool connection, in KiB.
const CACHE_KIB: u32 = 16_384;

/// SQLite's limit on parameters in one statement (SQLITE_MAX_VARIABLE_NUMBER since 3.32).
/// Multi-row inserts are cut to stay under it.
pub const MAX_PARAMETERS: usize = 32_766;

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
        // Reads through a memory map rather than a read() call per page, and a page cache
        // per connection that holds a review loop's working set: in the review-loop bench the
        // system calls for pages were a fifth of the server's time.
        .pragma("mmap_size", MMAP_BYTES.to_string())
        .pragma("cache_size", format!("-{CACHE_KIB}"))
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        // A connection whose transaction could not end (a COMMIT refused by a full disk, after
        // which SQLite may already have rolled back and sqlx's ROLLBACK fails) must not go back
        // to the pool: every later `BEGIN` on it would fail. Such connections are closed.
        .after_release(|conn, _| Box::pin(async move { Ok(out_of_transaction(conn).await) }))
        .connect_with(options)
        .await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Whether a released connection is back out of any transaction. A dropped transaction's
/// ROLLBACK is queued on the connection; a ping runs after it, so its outcome is known.
async fn out_of_transaction(conn: &mut SqliteConnection) -> bool {
    if !conn.is_in_transaction() {
        return true;
    }
    conn.ping().await.is_ok() && !conn.is_in_transaction()
}

/// Applies the migrations in `migrations/sqlite` (embedded at compile time).
pub async fn migrate(pool: &SqlitePool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../migrations/sqlite").run(pool).await
}

/// Starts a write transaction that takes SQLite's write lock at once, so a
/// read-then-write sequence (such as picking the next queue item) cannot interleave
/// with another writer.
///
/// Writers of this process first queue on the database's [`gate`], in arrival order, so
/// only one of them at a time asks SQLite for its lock. Left to SQLite, waiting writers
/// poll with sleeps of up to 100 ms (its busy handler): that, not the work, made the
/// review loop's p99 seconds long under load.
pub async fn begin_write(pool: &SqlitePool) -> Result<WriteTx<'static>, sqlx::Error> {
    let guard = gate(pool).lock_owned().await;
    Ok(WriteTx { tx: pool.begin_with(BEGIN_WRITE).await?, _turn: guard, began: std::time::Instant::now() })
}

const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// [`begin_write`] on a connection of the caller's (see [`bulk_connection`]).
pub async fn begin_write_on<'c>(pool: &SqlitePool, conn: &'c mut SqliteConnection) -> Result<WriteTx<'c>, sqlx::Error> {
    let guard = gate(pool).lock_owned().await;
    Ok(WriteTx { tx: conn.begin_with(BEGIN_WRITE).await?, _turn: guard, began: std::time::Instant::now() })
}

/// A write transaction holding its turn at the database's gate until it ends. Derefs to
/// the connection, as `sqlx::Transaction` does; dropped without [`WriteTx::commit`], it
/// rolls back.
pub struct WriteTx<'c> {
    tx: sqlx::Transaction<'c, sqlx::Sqlite>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
    began: std::time::Instant,
}

/// A write transaction holding the lock longer than this is logged at debug level (the
/// scale bench reports the longest); one longer than [`LONG_HOLD`], as a warning: every other
/// writer waited that long.
const NOTED_HOLD: Duration = Duration::from_millis(100);
const LONG_HOLD: Duration = Duration::from_secs(1);

impl WriteTx<'_> {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let began = self.began;
        self.tx.commit().await?;
        let held = began.elapsed();
        let held_ms = held.as_millis() as u64;
        if held > LONG_HOLD {
            tracing::warn!(held_ms, "a write transaction held the write lock for long");
        } else if held > NOTED_HOLD {
            tracing::debug!(held_ms, "write transaction");
        }
        Ok(())
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

/// What this process keeps per database file: the write gate, and when the queue last gave
/// back expired leases.
#[derive(Default)]
pub struct Local {
    gate: std::sync::Arc<tokio::sync::Mutex<()>>,
    pub(crate) last_reclaim: std::sync::Mutex<Option<std::time::Instant>>,
    writer: std::sync::Mutex<Option<std::sync::Arc<writer::Writer>>>,
}

pub fn local(pool: &SqlitePool) -> std::sync::Arc<Local> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    static LOCAL: LazyLock<Mutex<HashMap<std::path::PathBuf, Arc<Local>>>> = LazyLock::new(Default::default);
    let file = pool.connect_options().get_filename().to_path_buf();
    let mut all = LOCAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    all.entry(file).or_default().clone()
}

/// The write gate of the pool's database file: one per file and process.
fn gate(pool: &SqlitePool) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    local(pool).gate.clone()
}

/// Page cache, in KiB, of the connection an import writes with. With SQLite's default 2 MB a
/// large transaction spills dirty pages to the WAL and reads them back; 64 MB makes an import
/// of 351,600 QA pairs ~20% faster (`scripts/bench.sh scale`).
const BULK_CACHE_KIB: u32 = 65_536;

/// A connection of its own for one large write transaction (an import), with a larger page
/// cache. It is detached from the pool, so the cache is freed when it is dropped.
pub async fn bulk_connection(pool: &SqlitePool) -> Result<SqliteConnection, sqlx::Error> {
    let mut conn = pool.acquire().await?.detach();
    sqlx::query(&format!("PRAGMA cache_size = -{BULK_CACHE_KIB}")).execute(&mut conn).await?;
    Ok(conn)
}
