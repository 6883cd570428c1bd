//! The demo database: real MedicalGPT sample pairs (bundled in `fixtures/`, Apache-2.0)
//! and demo accounts whose random passwords are printed once and stored only as hashes.
use app::domain::{DatasetName, NewPassword, Role, Username};
use app::import::ImportFormat;
use rand::Rng;
use std::path::Path;

/// The bundled CMD(Reward) sample, compiled in so the binary needs no repository checkout.
const REWARD_SAMPLE: &[u8] = include_bytes!("../../fixtures/medicalgpt-reward-test-100.jsonl");

pub const DEMO_DATASET: &str = "medicalgpt-reward-demo";

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
    let dataset = DatasetName::parse(DEMO_DATASET)?;
    let summary = app::import::import(
        &pool,
        &dataset,
        &ImportFormat::CmdReward.into(),
        "fixtures/medicalgpt-reward-test-100.jsonl",
        REWARD_SAMPLE,
        None,
    )
    .await
    .map_err(|e| format!("{e:?}"))?;
    println!("{summary}");
    println!("demo accounts (passwords are shown only now):");
    for (name, role) in
        [("admin", Role::Admin), ("doctor1", Role::Annotator), ("doctor2", Role::Annotator), ("auditor", Role::Auditor)]
    {
        let password = random_password();
        app::auth::accounts::create(&pool, &Username::parse(name)?, &NewPassword::parse(password.clone())?, role)
            .await?;
        println!("  {name:<8} {role:<9} {password}");
    }
    pool.close().await;
    Ok(())
}
