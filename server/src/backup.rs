//! Backups: a consistent copy made while the server runs, checked before anyone relies on
//! it, and put back only over a stopped server's database.
use std::fmt;
use std::path::Path;

/// What a checked copy holds.
pub struct Report {
    pub bytes: u64,
    pub rows: Vec<(String, i64)>,
    pub audit_entries: i64,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<String> = self.rows.iter().filter(|(_, n)| *n > 0).map(|(t, n)| format!("{t} {n}")).collect();
        write!(
            f,
            "{} bytes, integrity ok, audit log {} entries with every link holding; rows: {}",
            self.bytes,
            self.audit_entries,
            rows.join(", ")
        )
    }
}

/// Opens `file` read-only and checks it: `PRAGMA integrity_check`, the audit log's chain,
/// and the rows of every table (printed, so that a copy can be compared with its source).
pub async fn check(file: &Path) -> Result<Report, Box<dyn std::error::Error>> {
    let options = sqlx::sqlite::SqliteConnectOptions::new().filename(file).read_only(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.map_err(|e| format!("opening {}: {e}", file.display()))?;
    let integrity: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&pool).await?;
    if integrity != "ok" {
        return Err(format!("{}: integrity check failed: {integrity}", file.display()).into());
    }
    let audit = app::store::audit::verify(&app::store::Db::Sqlite(pool.clone())).await?;
    if let Some((id, why)) = audit.broken {
        return Err(format!("{}: the audit log is broken at entry {id}: {why}", file.display()).into());
    }
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'
          ORDER BY name",
    )
    .fetch_all(&pool)
    .await?;
    let mut rows = Vec::with_capacity(tables.len());
    for t in tables {
        // Table names come from the file's own schema, quoted as identifiers.
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM \"{}\"", t.replace('"', "\"\"")))
            .fetch_one(&pool)
            .await?;
        rows.push((t, n));
    }
    pool.close().await;
    Ok(Report { bytes: std::fs::metadata(file)?.len(), rows, audit_entries: audit.entries })
}

/// Copies a checked backup over the data directory's database: written beside it, synced,
/// then renamed into place, so a crash leaves the old database or the new one, never half.
pub fn restore(source: &Path, data_dir: &Path, replace: bool) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(data_dir)?;
    let target = crate::database_path(data_dir);
    if target.exists() && std::fs::metadata(&target)?.len() > 0 && !replace {
        return Err(format!("{} already has a database; stop the server and add --replace", data_dir.display()).into());
    }
    let staged = target.with_extension("db.restoring");
    std::fs::copy(source, &staged)?;
    std::fs::File::open(&staged)?.sync_all()?;
    for side in ["-wal", "-shm"] {
        let file = data_dir.join(format!("{}{side}", target.file_name().unwrap_or_default().to_string_lossy()));
        if file.exists() {
            std::fs::remove_file(file)?;
        }
    }
    std::fs::rename(&staged, &target)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}
