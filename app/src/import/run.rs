//! The import transaction: parse everything, then write everything or nothing.
use super::qa::{self, FieldMapping};
use super::{ImportError, ImportFormat, ImportSummary, candidates, cmd_reward, lines};
use crate::domain::{DatasetName, UserId};
use crate::store::items::NewItem;
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

/// How to read a file.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    pub format: ImportFormat,
    /// Required by the `jsonl` format: which fields hold question and answer.
    pub mapping: Option<&'a FieldMapping>,
    /// The model that wrote the answers, when the file does not say.
    pub generator: Option<&'a str>,
}

impl From<ImportFormat> for ImportOptions<'_> {
    fn from(format: ImportFormat) -> Self {
        ImportOptions { format, mapping: None, generator: None }
    }
}

/// Imports `bytes` (the content of `source`) into `dataset`. The CLI and the API both call this.
pub async fn import(
    pool: &SqlitePool,
    dataset: &DatasetName,
    options: &ImportOptions<'_>,
    source: &str,
    bytes: &[u8],
    actor: Option<UserId>,
) -> Result<ImportSummary, ImportFailure> {
    let rejected = |line: Option<usize>, message: String| {
        ImportFailure::Rejected(ImportError { source: source.into(), line, message, more: vec![] })
    };
    let format = options.format;
    let mapping = match (format, options.mapping) {
        (ImportFormat::Jsonl, None) => return Err(rejected(None, "the jsonl format needs a field mapping".into())),
        (_, m) => m,
    };
    let parse = |line: usize, text: &str| -> Result<NewItem, String> {
        match format {
            ImportFormat::CmdReward => cmd_reward::parse_record(line, text),
            ImportFormat::Candidates => candidates::parse_record(line, text),
            ImportFormat::Sharegpt => qa::sharegpt(line, text),
            ImportFormat::Alpaca => qa::alpaca(line, text),
            ImportFormat::Chatmed => qa::chatmed(line, text),
            ImportFormat::Promptcblue => qa::promptcblue(line, text),
            ImportFormat::Jsonl => qa::mapped(mapping.expect("checked above"), line, text),
        }
    };
    let records = lines::numbered(source, bytes).map_err(ImportFailure::Rejected)?;
    let mut parsed = Vec::with_capacity(records.len());
    let mut bad: Vec<(usize, String)> = Vec::new();
    for (line, text) in &records {
        match parse(*line, text) {
            Ok(item) => parsed.push(item),
            Err(message) if bad.len() <= super::MORE_ERRORS => bad.push((*line, message)),
            Err(_) => {}
        }
    }
    if let Some(((line, message), more)) = bad.split_first() {
        let error =
            ImportError { source: source.into(), line: Some(*line), message: message.clone(), more: more.to_vec() };
        return Err(ImportFailure::Rejected(error));
    }
    if let Some(generator) = options.generator {
        for c in parsed.iter_mut().flat_map(|i| i.candidates.iter_mut()).filter(|c| c.model.is_none()) {
            c.model = Some(generator.to_string());
        }
    }

    let mut tx = store::begin_write(pool).await?;
    let kind = format.dataset_kind();
    let dataset_id = match store::datasets::get_or_create(&mut tx, dataset, kind, actor).await? {
        Ok(id) => id,
        Err(existing) => {
            return Err(rejected(
                None,
                format!("`{dataset}` is a {existing} dataset; {} records need a {kind} dataset", format.as_str()),
            ));
        }
    };
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
