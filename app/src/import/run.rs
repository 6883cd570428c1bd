//! The import transaction: parse everything, then write everything or nothing.
use super::{ImportError, ImportFormat, ImportSummary, candidates, cmd_reward, lines};
use crate::domain::{DatasetName, UserId};
use crate::store::{self, items};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

#[derive(Debug)]
pub enum ImportFailure {
    /// The file is not acceptable; the error says where and why.
    Rejected(ImportError),
    Db(sqlx::Error),
}

impl From<sqlx::Error> for ImportFailure {
    fn from(e: sqlx::Error) -> Self {
        ImportFailure::Db(e)
    }
}

/// Imports `bytes` (the content of `source`) into `dataset`. The CLI and the API both call this.
pub async fn import(
    pool: &SqlitePool,
    dataset: &DatasetName,
    format: ImportFormat,
    source: &str,
    bytes: &[u8],
    actor: Option<UserId>,
) -> Result<ImportSummary, ImportFailure> {
    let records = lines::numbered(source, bytes).map_err(ImportFailure::Rejected)?;
    let parsed = records
        .iter()
        .map(|(line, text)| {
            let parse = match format {
                ImportFormat::CmdReward => cmd_reward::parse_record,
                ImportFormat::Candidates => candidates::parse_record,
            };
            parse(*line, text).map_err(|message| {
                ImportFailure::Rejected(ImportError { source: source.into(), line: Some(*line), message })
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    let mut tx = store::begin_write(pool).await?;
    let dataset_id = store::datasets::get_or_create(&mut tx, dataset, actor).await?;
    let sha256 = hex::encode(Sha256::digest(bytes));
    let record = items::ImportRecord {
        dataset: dataset_id,
        source_name: source,
        format: format.as_str(),
        sha256: &sha256,
        lines: records.len() as i64,
        actor,
    };
    let import_id = items::create_import(&mut tx, &record).await?;
    let mut added = 0;
    for item in &parsed {
        if items::insert(&mut tx, dataset_id, import_id, item).await?.is_some() {
            added += 1;
        }
    }
    let duplicates = parsed.len() - added;
    items::finish_import(&mut tx, import_id, added as i64, duplicates as i64).await?;
    let detail = serde_json::json!({
        "dataset": dataset.as_str(), "source": source, "sha256": sha256,
        "format": format.as_str(), "added": added, "duplicates": duplicates,
    });
    store::audit::record(&mut tx, actor, "import", "import", Some(import_id), detail).await?;
    tx.commit().await?;
    Ok(ImportSummary { dataset: dataset.to_string(), records: parsed.len(), added, duplicates })
}
