//! The PostgreSQL engine: connecting, and its schema (`migrations/postgres`, the mirror of
//! `migrations/sqlite`, same file names; `server/tests/schema.rs` keeps them equal).
//!
//! It exports the names `sqlite` exports, for `on!`. Several servers may share the database,
//! so nothing here serialises writers in the process: transactions lock the rows they touch.
mod dialect;

use futures::future::BoxFuture;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};
use std::time::Duration;

/// This engine, for query builders and types of the store.
pub type Engine = sqlx::Postgres;

/// SQL expression for "now" in the store's timestamp format (UTC, sortable as text); the
/// function is created by the first migration.
pub const NOW: &str = "medpref_now()";

/// PostgreSQL's limit on parameters in one statement (a 16-bit count in its protocol).
pub const MAX_PARAMETERS: usize = 65_535;

/// Connections per process: several servers share one PostgreSQL, whose default limit is 100.
const MAX_CONNECTIONS: u32 = 16;

/// Connects and brings the schema up to date. Servers starting together on one database
/// migrate one at a time (sqlx holds an advisory lock while it migrates).
pub async fn open(url: &str) -> Result<PgPool, sqlx::Error> {
    let pool = PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(30))
        .connect(url)
        .await?;
    migrate(&pool).await?;
    Ok(pool)
}

/// Applies the migrations in `migrations/postgres` (embedded at compile time).
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    sqlx::migrate!("../migrations/postgres").run(pool).await
}

/// A write transaction. Derefs to the connection; dropped without [`WriteTx::commit`], it
/// rolls back.
pub struct WriteTx<'c> {
    tx: sqlx::Transaction<'c, sqlx::Postgres>,
}

impl WriteTx<'_> {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}

/// Starts a write transaction (read committed; statements that must not interleave lock
/// their rows, see the queue).
pub async fn begin_write(pool: &PgPool) -> Result<WriteTx<'static>, sqlx::Error> {
    Ok(WriteTx { tx: pool.begin().await? })
}

/// [`begin_write`] on a connection of the caller's.
pub async fn begin_write_on<'c>(_pool: &PgPool, conn: &'c mut PgConnection) -> Result<WriteTx<'c>, sqlx::Error> {
    Ok(WriteTx { tx: conn.begin().await? })
}

/// A connection of its own for one large write transaction (an import).
pub async fn bulk_connection(pool: &PgPool) -> Result<PgConnection, sqlx::Error> {
    Ok(pool.acquire().await?.detach())
}

/// Runs `work` in a transaction of its own and returns its result once committed; an `Err`
/// rolls it back. (SQLite groups such writes behind its one write lock; PostgreSQL has no
/// such lock to share, so each caller commits alone.)
pub async fn write_grouped<T, E, F>(pool: &PgPool, work: F) -> Result<T, E>
where
    T: Send + 'static,
    E: From<sqlx::Error> + Send + 'static,
    F: for<'c> FnOnce(&'c mut PgConnection) -> BoxFuture<'c, Result<T, E>> + Send + 'static,
{
    let mut tx = pool.begin().await?;
    let result = work(&mut tx).await;
    if result.is_ok() {
        tx.commit().await?;
    }
    result
}

/// What this process keeps per database: when the queue last gave back expired leases.
#[derive(Default)]
pub struct Local {
    pub(crate) last_reclaim: std::sync::Mutex<Option<std::time::Instant>>,
}

/// This process's [`Local`] for the pool's database (by server and database name).
pub fn local(pool: &PgPool) -> std::sync::Arc<Local> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    static LOCAL: LazyLock<Mutex<HashMap<String, Arc<Local>>>> = LazyLock::new(Default::default);
    let o = pool.connect_options();
    let key = format!("{}:{}:{:?}:{:?}", o.get_host(), o.get_port(), o.get_socket(), o.get_database());
    let mut all = LOCAL.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    all.entry(key).or_default().clone()
}
