//! The PostgreSQL engine: connecting, and its schema (`migrations/postgres`, the mirror of
//! `migrations/sqlite`, same file names; `server/tests/schema.rs` keeps them equal).
use sqlx::PgPool;
use sqlx::postgres::PgPoolOptions;
use std::time::Duration;

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
