//! Sessions as the database keeps them: under a hash of their id, never the id itself. The
//! cookie carries the id; the `tower_sessions` table holds sha256(id), so a copy of the
//! database file hands out no working session (it used to hold raw ids that worked as
//! cookies). Everything else is `tower_sessions_sqlx_store`'s store for the engine: on
//! PostgreSQL every server of the database shares the sessions.
use app::store::{Db, Engines};
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::{PostgresStore, SqliteStore};

#[derive(Debug, Clone)]
pub struct HashedStore(Engines<SqliteStore, PostgresStore>);

impl HashedStore {
    /// The session store of the database, its table created if needed.
    pub async fn open(db: &Db) -> Result<Self, sqlx::Error> {
        Ok(HashedStore(match db {
            Engines::Sqlite(pool) => {
                let store = SqliteStore::new(pool.clone());
                store.migrate().await?;
                Engines::Sqlite(store)
            }
            Engines::Postgres(pool) => {
                let store = PostgresStore::new(pool.clone());
                store.migrate().await?;
                Engines::Postgres(store)
            }
        }))
    }
}

/// Runs `$call` on the engine's store.
macro_rules! inner {
    ($self:expr, $store:ident => $call:expr) => {
        match &$self.0 {
            Engines::Sqlite($store) => $call,
            Engines::Postgres($store) => $call,
        }
    };
}

/// The key a session is stored under.
fn stored(id: &Id) -> Id {
    let digest = Sha256::digest(id.0.to_le_bytes());
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    Id(i128::from_le_bytes(first))
}

fn hashed(record: &Record) -> Record {
    Record { id: stored(&record.id), ..record.clone() }
}

#[async_trait::async_trait]
impl SessionStore for HashedStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh random id until its hash is free (a collision of 128-bit hashes: never, in practice).
        while inner!(self, s => s.load(&stored(&record.id)).await)?.is_some() {
            record.id = Id::default();
        }
        inner!(self, s => s.save(&hashed(record)).await)
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        inner!(self, s => s.save(&hashed(record)).await)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Ok(inner!(self, s => s.load(&stored(id)).await)?.map(|r| Record { id: *id, ..r }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        inner!(self, s => s.delete(&stored(id)).await)
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for HashedStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        inner!(self, s => s.delete_expired().await)
    }
}
