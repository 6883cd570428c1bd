//! Sessions as the database keeps them: under a hash of their id, never the id itself. The
//! cookie carries the id; the `tower_sessions` table holds sha256(id), so a copy of the
//! database file hands out no working session (it used to hold raw ids that worked as
//! cookies). Everything else is `tower_sessions_sqlx_store::SqliteStore`.
use sha2::{Digest, Sha256};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};
use tower_sessions_sqlx_store::SqliteStore;

#[derive(Debug, Clone)]
pub struct HashedStore(pub SqliteStore);

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
        while self.0.load(&stored(&record.id)).await?.is_some() {
            record.id = Id::default();
        }
        self.0.save(&hashed(record)).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.0.save(&hashed(record)).await
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        Ok(self.0.load(&stored(id)).await?.map(|r| Record { id: *id, ..r }))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.delete(&stored(id)).await
    }
}

#[async_trait::async_trait]
impl ExpiredDeletion for HashedStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        self.0.delete_expired().await
    }
}
