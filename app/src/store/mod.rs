//! The store: connection set-up and typed access, one module per table group. SQLite is
//! the embedded default; `postgres` opens the same schema on PostgreSQL (see `engine`).
//!
//! All SQL lives in this folder. Callers get typed values, never rows.
//!
//! Every function is written once and compiled for both engines: [`on!`] runs its body with
//! the engine's own pool or connection type and the engine's names in scope (`Engine`, `NOW`,
//! `begin_write`, …, exported alike by [`sqlite`] and [`postgres`]). SQL is shared where both
//! engines read it alike (`$1` placeholders, `RETURNING`, `ON CONFLICT`, `COALESCE`); where
//! they differ, the engine modules hold the piece (`dialect` functions and constants).

/// Runs `$body` with `$name` bound to the engine-specific value inside `$handle` (a [`Db`], a
/// [`Conn`], …: any [`Engines`]), the body compiled once per engine with that engine's names.
macro_rules! on {
    ($handle:expr, $name:ident => $body:expr) => {
        match $handle {
            $crate::store::Engines::Sqlite($name) => {
                #[allow(unused_imports)]
                use $crate::store::Dialect as _;
                #[allow(unused_imports)]
                use $crate::store::sqlite::{
                    Engine, MAX_PARAMETERS, NOW, WriteTx, begin_write, begin_write_on, bulk_connection, local,
                    write_grouped,
                };
                $body
            }
            $crate::store::Engines::Postgres($name) => {
                #[allow(unused_imports)]
                use $crate::store::Dialect as _;
                #[allow(unused_imports)]
                use $crate::store::postgres::{
                    Engine, MAX_PARAMETERS, NOW, WriteTx, begin_write, begin_write_on, bulk_connection, local,
                    write_grouped,
                };
                $body
            }
        }
    };
}
/// [`on!`] over a pool and a connection of the same database: `$body` runs with both bound
/// to the engine's own types.
macro_rules! on2 {
    (($a:expr, $b:expr), ($x:ident, $y:ident) => $body:expr) => {
        match ($a, $b) {
            ($crate::store::Engines::Sqlite($x), $crate::store::Engines::Sqlite($y)) => {
                #[allow(unused_imports)]
                use $crate::store::Dialect as _;
                #[allow(unused_imports)]
                use $crate::store::sqlite::{
                    Engine, MAX_PARAMETERS, NOW, WriteTx, begin_write, begin_write_on, bulk_connection, local,
                    write_grouped,
                };
                $body
            }
            ($crate::store::Engines::Postgres($x), $crate::store::Engines::Postgres($y)) => {
                #[allow(unused_imports)]
                use $crate::store::Dialect as _;
                #[allow(unused_imports)]
                use $crate::store::postgres::{
                    Engine, MAX_PARAMETERS, NOW, WriteTx, begin_write, begin_write_on, bulk_connection, local,
                    write_grouped,
                };
                $body
            }
            _ => unreachable!("a connection of one engine with the pool of the other"),
        }
    };
}

pub mod agreement;
pub mod audit;
pub mod audit_flags;
pub mod audits;
pub mod browse;
pub mod copy;
pub mod corrections;
pub mod datasets;
pub mod endpoints;
pub mod engine;
pub mod export;
pub mod flags;
pub mod generated;
pub mod items;
pub mod jobs;
pub mod judgments;
pub mod postgres;
pub mod queue;
pub mod render;
pub mod sealed;
pub mod sqlite;
pub mod staging;
pub mod stats;
pub mod users;

pub use engine::DatabaseUrl;

/// One value per engine: a pool, a connection, a transaction. Store functions take them
/// and dispatch with [`on!`].
#[derive(Clone, Debug)]
pub enum Engines<S, P> {
    Sqlite(S),
    Postgres(P),
}

/// An open database of either engine.
pub type Db = Engines<sqlx::SqlitePool, sqlx::PgPool>;

/// What the engines spell differently, for helpers that build SQL for either one
/// (`helper::<Engine>(…)` inside [`on!`]). Implemented in `sqlite::dialect` and
/// `postgres::dialect`.
pub trait Dialect: sqlx::Database {
    /// "Now" in the store's timestamp format (UTC ISO-8601 text, sortable).
    const NOW: &'static str;
    /// The position of a substring, 0 when absent: `{INSTR}(haystack, needle)`.
    const INSTR: &'static str;
    /// A timestamp `seconds` from now, in the store's format.
    fn now_plus(seconds: i64) -> String;
    /// A subquery of the ids in the JSON array bound as parameter `p` (e.g. `$1`).
    fn json_ids(p: &str) -> String;
    /// The JSON array (as text; `[]` for no rows) of `value` over the group's rows, in `order`.
    fn json_agg(value: &str, order: &str) -> String;
    /// A JSON array (as text) of the SQL values listed, e.g. `"c.id, c.body"`.
    fn json_array(values: &str) -> String;
}

/// A borrowed connection (or open transaction) of either engine.
pub type Conn<'c> = Engines<&'c mut sqlx::SqliteConnection, &'c mut sqlx::PgConnection>;

/// An owned connection of either engine, detached from its pool (see [`bulk_connection`]).
pub type Connection = Engines<sqlx::SqliteConnection, sqlx::PgConnection>;

/// A connection of either engine, borrowed from its pool until dropped (see [`Db::acquire`]).
pub type Pooled = Engines<sqlx::pool::PoolConnection<sqlx::Sqlite>, sqlx::pool::PoolConnection<sqlx::Postgres>>;

/// A write transaction of either engine (see [`begin_write`]).
pub type WriteTx<'c> = Engines<sqlite::WriteTx<'c>, postgres::WriteTx<'c>>;

macro_rules! conn_from {
    ($($sqlite:ty, $postgres:ty;)*) => {$(
        impl<'c, 'x> From<&'c mut $sqlite> for Conn<'c> {
            fn from(c: &'c mut $sqlite) -> Self { Engines::Sqlite(&mut *c) }
        }
        impl<'c, 'x> From<&'c mut $postgres> for Conn<'c> {
            fn from(c: &'c mut $postgres) -> Self { Engines::Postgres(&mut *c) }
        }
    )*};
}
conn_from! {
    sqlx::SqliteConnection, sqlx::PgConnection;
    sqlite::WriteTx<'x>, postgres::WriteTx<'x>;
    sqlx::Transaction<'x, sqlx::Sqlite>, sqlx::Transaction<'x, sqlx::Postgres>;
    sqlx::pool::PoolConnection<sqlx::Sqlite>, sqlx::pool::PoolConnection<sqlx::Postgres>;
}

impl<'c> From<&'c mut WriteTx<'_>> for Conn<'c> {
    fn from(tx: &'c mut WriteTx<'_>) -> Self {
        on!(tx, tx => Conn::from(tx))
    }
}

impl<'c> From<&'c mut Pooled> for Conn<'c> {
    fn from(c: &'c mut Pooled) -> Self {
        on!(c, c => Conn::from(c))
    }
}

impl<'c> From<&'c mut Connection> for Conn<'c> {
    fn from(c: &'c mut Connection) -> Self {
        on!(c, c => Conn::from(c))
    }
}

impl<'c> From<&'c mut Conn<'_>> for Conn<'c> {
    fn from(c: &'c mut Conn<'_>) -> Self {
        on!(c, c => Conn::from(&mut **c))
    }
}

impl Db {
    /// Which engine, for messages and logs.
    pub fn engine(&self) -> &'static str {
        match self {
            Engines::Sqlite(_) => "SQLite",
            Engines::Postgres(_) => "PostgreSQL",
        }
    }

    /// A connection from the pool, for several reads in a row.
    pub async fn acquire(&self) -> Result<Pooled, sqlx::Error> {
        Ok(match self {
            Engines::Sqlite(pool) => Engines::Sqlite(pool.acquire().await?),
            Engines::Postgres(pool) => Engines::Postgres(pool.acquire().await?),
        })
    }

    /// Closes the pool: waits for its connections to be returned.
    pub async fn close(&self) {
        on!(self, pool => pool.close().await)
    }
}

/// Starts a write transaction (on SQLite: with the write lock taken at once, in turn with this
/// process's other writers; on PostgreSQL: an ordinary transaction, rows locked as touched).
pub async fn begin_write(db: &Db) -> Result<WriteTx<'static>, sqlx::Error> {
    Ok(match db {
        Engines::Sqlite(pool) => Engines::Sqlite(sqlite::begin_write(pool).await?),
        Engines::Postgres(pool) => Engines::Postgres(postgres::begin_write(pool).await?),
    })
}

impl<'c> From<sqlite::WriteTx<'c>> for WriteTx<'c> {
    fn from(tx: sqlite::WriteTx<'c>) -> Self {
        Engines::Sqlite(tx)
    }
}

impl<'c> From<postgres::WriteTx<'c>> for WriteTx<'c> {
    fn from(tx: postgres::WriteTx<'c>) -> Self {
        Engines::Postgres(tx)
    }
}

impl WriteTx<'_> {
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        on!(self, tx => tx.commit().await)
    }
}

/// A connection of its own for one large write transaction (an import).
pub async fn bulk_connection(db: &Db) -> Result<Connection, sqlx::Error> {
    Ok(match db {
        Engines::Sqlite(pool) => Engines::Sqlite(sqlite::bulk_connection(pool).await?),
        Engines::Postgres(pool) => Engines::Postgres(postgres::bulk_connection(pool).await?),
    })
}

/// Opens (creating if needed) a SQLite database file and brings its schema up to date.
pub async fn open(path: &std::path::Path) -> Result<Db, sqlx::Error> {
    let db = Engines::Sqlite(sqlite::open(path).await?);
    endpoints::seal_plain_keys(&db).await?;
    Ok(db)
}

/// Connects to a PostgreSQL database and brings its schema up to date.
pub async fn open_postgres(url: &str) -> Result<Db, sqlx::Error> {
    let db = Engines::Postgres(postgres::open(url).await?);
    endpoints::seal_plain_keys(&db).await?;
    Ok(db)
}

/// SQLite's text for SQLITE_FULL, as it reaches callers that only get the error as text.
pub const DISK_FULL_TEXT: &str = "database or disk is full";

/// Whether a database error means the disk (or the database's size limit) is full: SQLite's
/// SQLITE_FULL, its shared-memory file failing to grow, PostgreSQL's disk_full (53100), or
/// the writer's report of either.
pub fn is_disk_full(e: &sqlx::Error) -> bool {
    const SQLITE_FULL: &str = "13";
    const SQLITE_IOERR_SHMSIZE: &str = "4874";
    const PG_DISK_FULL: &str = "53100";
    match e {
        sqlx::Error::Database(db) => {
            matches!(db.code().as_deref(), Some(SQLITE_FULL | SQLITE_IOERR_SHMSIZE | PG_DISK_FULL))
        }
        sqlx::Error::Io(io) => io.kind() == std::io::ErrorKind::StorageFull,
        _ => false,
    }
}
