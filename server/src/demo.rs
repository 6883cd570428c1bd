//! The demo database: real MedicalGPT sample pairs (bundled in `fixtures/`, Apache-2.0)
//! and demo accounts whose random passwords are printed once and stored only as hashes.
use app::domain::{DatasetName, NewPassword, Role, Username};
use app::import::ImportFormat;
use rand::Rng;
use std::path::Path;

/// The bundled samples, compiled in so the binary needs no repository checkout:
/// (dataset, format, source name, content).
const SAMPLES: [(&str, ImportFormat, &str, &[u8]); 2] = [
    (
        "medicalgpt-reward-demo",
        ImportFormat::CmdReward,
        "fixtures/medicalgpt-reward-test-100.jsonl",
        include_bytes!("../../fixtures/medicalgpt-reward-test-100.jsonl"),
    ),
    (
        "medicalgpt-sft-demo",
        ImportFormat::Sharegpt,
        "fixtures/medicalgpt-medical-sft-1k-sharegpt.jsonl",
        include_bytes!("../../fixtures/medicalgpt-medical-sft-1k-sharegpt.jsonl"),
    ),
];

fn random_password() -> String {
    rand::thread_rng().sample_iter(rand::distributions::Alphanumeric).take(16).map(char::from).collect()
}

/// Replaces the data directory's database with a fresh demo one.
pub async fn create(data_dir: &Path) -> crate::cli::CliResult {
    let db = crate::database_path(data_dir);
    for suffix in ["", "-wal", "-shm"] {
        let p = format!("{}{suffix}", db.display());
        if Path::new(&p).exists() {
            std::fs::remove_file(&p).map_err(|e| format!("removing {p}: {e}"))?;
        }
    }
    let pool = crate::open_store(data_dir).await?;
    for (name, format, source, content) in SAMPLES {
        let dataset = DatasetName::parse(name)?;
        let summary = app::import::import(&pool, &dataset, &format.into(), source, content, None)
            .await
            .map_err(|e| format!("{e:?}"))?;
        say!("{summary}");
    }
    say!("demo accounts (passwords are shown only now):");
    for (name, role) in
        [("admin", Role::Admin), ("doctor1", Role::Annotator), ("doctor2", Role::Annotator), ("auditor", Role::Auditor)]
    {
        let password = random_password();
        app::auth::accounts::create(&pool, None, &Username::parse(name)?, &NewPassword::parse(password.clone())?, role)
            .await?;
        say!("  {name:<8} {role:<9} {password}");
    }
    pool.close().await;
    Ok(())
}
