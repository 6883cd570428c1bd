//! Endpoint keys at rest: sealed (ChaCha20-Poly1305) with a key kept in a file beside the
//! database, created 0600. A copy of the database alone — a backup, a file sent for
//! debugging — holds no usable key; the key file is needed too.
use super::Db;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use std::path::PathBuf;

/// The key file's name, beside the database file.
pub const KEY_FILE: &str = "endpoint-keys.secret";
/// Marks a sealed value (anything else in the column is a key stored before sealing).
const PREFIX: &str = "sealed1:";
const NONCE_BYTES: usize = 12;

/// Where a PostgreSQL database's key file is: the data directory of the server (every server
/// of one database needs the same file). Set when the database is opened.
static KEY_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Names the directory of the key file for databases that are not a file (PostgreSQL).
pub fn use_key_dir(dir: &std::path::Path) {
    let _ = KEY_DIR.set(dir.to_path_buf());
}

fn key_file(db: &Db) -> PathBuf {
    let dir = match db {
        super::Engines::Sqlite(pool) => {
            pool.connect_options().get_filename().parent().map(std::path::Path::to_path_buf).unwrap_or_default()
        }
        super::Engines::Postgres(_) => KEY_DIR.get().cloned().unwrap_or_default(),
    };
    dir.join(KEY_FILE)
}

/// The cipher of the pool's key file, creating the file (0600) on first use.
fn cipher(db: &Db) -> std::io::Result<ChaCha20Poly1305> {
    use std::io::Write;
    let path = key_file(db);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let key: [u8; 32] = rand::random();
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            match options.open(&path) {
                Ok(mut file) => {
                    file.write_all(&key)?;
                    file.sync_all()?;
                    key.to_vec()
                }
                // Another process created it first: use theirs.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(&path)?,
                Err(e) => return Err(e),
            }
        }
        Err(e) => return Err(e),
    };
    if bytes.len() != 32 {
        let why = format!("{} is not a 32-byte key", path.display());
        return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, why));
    }
    Ok(ChaCha20Poly1305::new(Key::from_slice(&bytes)))
}

fn io(e: std::io::Error) -> sqlx::Error {
    sqlx::Error::Io(e)
}

/// Seals a key for storing.
pub fn seal(db: &Db, plain: &str) -> Result<String, sqlx::Error> {
    let nonce: [u8; NONCE_BYTES] = rand::random();
    let sealed = cipher(db)
        .map_err(io)?
        .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
        .map_err(|_| sqlx::Error::Protocol("sealing a key failed".into()))?;
    Ok(format!("{PREFIX}{}{}", hex::encode(nonce), hex::encode(sealed)))
}

/// Whether a stored value is sealed.
pub fn is_sealed(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// The key a stored value holds. `None` when it cannot be opened (the database was copied
/// without its key file): the endpoint then has no key until an admin enters it again.
pub fn open(db: &Db, stored: &str) -> Option<String> {
    let Some(sealed) = stored.strip_prefix(PREFIX) else { return Some(stored.to_owned()) };
    let bytes = hex::decode(sealed).ok().filter(|b| b.len() > NONCE_BYTES)?;
    let (nonce, sealed) = bytes.split_at(NONCE_BYTES);
    let opened = cipher(db).ok()?.decrypt(Nonce::from_slice(nonce), sealed);
    match opened.ok().and_then(|plain| String::from_utf8(plain).ok()) {
        Some(key) => Some(key),
        None => {
            tracing::warn!("an endpoint key cannot be opened with {}: enter it again", key_file(db).display());
            None
        }
    }
}
