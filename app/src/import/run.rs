//! An import: parse and stage everything, then publish everything or nothing.
use super::qa::{self, FieldMapping};
use super::{ImportError, ImportFormat, ImportSummary, candidates, cmd_reward, lines};
use crate::domain::{DatasetId, DatasetName, UserId};
use crate::import::DatasetKind;
use crate::store::items::{NewItem, ScannedItem};
use crate::store::{self, items, staging};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

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

/// How to turn one record into an item: owned, so that batches can be read on a blocking
/// thread while SQLite writes the previous batch.
#[derive(Clone)]
struct Reader {
    format: ImportFormat,
    mapping: Option<FieldMapping>,
    generator: Option<String>,
}

/// A batch's items with their detector findings, or its bad lines.
type Batch = Result<Vec<ScannedItem>, Vec<(usize, String)>>;

impl Reader {
    fn parse(&self, line: usize, text: &str) -> Result<NewItem, String> {
        match self.format {
            ImportFormat::CmdReward => cmd_reward::parse_record(line, text),
            ImportFormat::Candidates => candidates::parse_record(line, text),
            ImportFormat::Sharegpt => qa::sharegpt(line, text),
            ImportFormat::Alpaca => qa::alpaca(line, text),
            ImportFormat::Chatmed => qa::chatmed(line, text),
            ImportFormat::Promptcblue => qa::promptcblue(line, text),
            ImportFormat::Jsonl => qa::mapped(self.mapping.as_ref().expect("checked by `import`"), line, text),
        }
    }

    /// Parses the records and, unless `failed` says an earlier batch had bad lines (then only
    /// the bad lines matter), runs the detectors on every text.
    fn read(&self, records: Vec<(usize, String)>, failed: &AtomicBool) -> Batch {
        let mut items = Vec::with_capacity(records.len());
        let mut bad = Vec::new();
        for (line, text) in records {
            match self.parse(line, &text) {
                Ok(mut item) => {
                    for c in item.candidates.iter_mut().filter(|c| c.model.is_none()) {
                        c.model.clone_from(&self.generator);
                    }
                    items.push(item);
                }
                Err(message) => bad.push((line, message)),
            }
        }
        if !bad.is_empty() {
            failed.store(true, Ordering::Relaxed);
            return Err(bad);
        }
        if failed.load(Ordering::Relaxed) {
            return Ok(vec![]);
        }
        Ok(items.into_iter().map(ScannedItem::scan).collect())
    }
}

/// Imports `bytes` (the content of `source`) into `dataset`. The CLI and the API both call this.
///
/// All or nothing, without holding the write lock for the whole file: the records are
/// staged batch by batch in a hidden dataset and published at the end (`store::staging`);
/// a bad line, or any failure, discards the staging and changes nothing.
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
    if format == ImportFormat::Jsonl && options.mapping.is_none() {
        return Err(rejected(None, "the jsonl format needs a field mapping".into()));
    }
    let reader = Reader { format, mapping: options.mapping.cloned(), generator: options.generator.map(str::to_owned) };
    let records = lines::numbered(source, bytes).map_err(ImportFailure::Rejected)?;

    let kind = format.dataset_kind();
    if let Some(existing) = store::datasets::by_name(pool, dataset).await? {
        let existing: DatasetKind = existing.kind.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?;
        if existing != kind {
            return Err(kind_mismatch(source, dataset, existing, format));
        }
    }
    let sha256 = hex::encode(Sha256::digest(bytes));
    let record = items::ImportRecord {
        dataset: DatasetId(0),
        source_name: source,
        format: format.as_str(),
        sha256: &sha256,
        lines: records.len() as i64,
        actor,
    };
    let mut conn = store::bulk_connection(pool).await?;
    let staging = staging::begin(pool, &mut conn, dataset, kind, &record).await?;
    let staged = stage(pool, &mut conn, staging, &reader, &records).await;
    let (read, staged) = match staged {
        Ok(Ok(counts)) => counts,
        Ok(Err(error)) => {
            staging::discard(pool, &mut conn, staging).await?;
            return Err(ImportFailure::Rejected(ImportError { source: source.into(), ..error }));
        }
        Err(e) => {
            if let Err(cleanup) = staging::discard(pool, &mut conn, staging).await {
                tracing::error!("discarding a failed import: {cleanup}");
            }
            return Err(e.into());
        }
    };
    let detail = serde_json::json!({
        "dataset": dataset.as_str(), "source": source, "sha256": sha256, "format": format.as_str(),
    });
    let counts = (staged as i64, (read - staged) as i64);
    let published = match staging::publish(pool, &mut conn, staging, counts, actor, detail).await? {
        Ok(p) => p,
        Err(existing) => return Err(kind_mismatch(source, dataset, existing, format)),
    };
    let (added, duplicates) = (published.added as usize, read - published.added as usize);
    Ok(ImportSummary { dataset: dataset.to_string(), records: read, added, duplicates })
}

fn kind_mismatch(source: &str, dataset: &DatasetName, existing: DatasetKind, format: ImportFormat) -> ImportFailure {
    let kind = format.dataset_kind();
    ImportFailure::Rejected(ImportError {
        source: source.into(),
        line: None,
        message: format!("`{dataset}` is a {existing} dataset; {} records need a {kind} dataset", format.as_str()),
        more: vec![],
    })
}

/// Reads the records in batches on a blocking thread (parsing and the detectors) while the
/// previous batch is written to the staging dataset, each batch in its own transaction: on
/// two cores an import takes about as long as the slower of the two. A bad line stops the
/// writing; the rest of the file is still read for further bad lines. Returns (records read,
/// items staged), or the file's error (its source left for the caller to fill in).
async fn stage(
    pool: &SqlitePool,
    conn: &mut sqlx::SqliteConnection,
    staging: staging::Staging,
    reader: &Reader,
    records: &[(usize, &str)],
) -> Result<Result<(usize, usize), ImportError>, sqlx::Error> {
    let failed = Arc::new(AtomicBool::new(false));
    let mut batches = records.chunks(items::BATCH).map(|chunk| {
        let owned: Vec<(usize, String)> = chunk.iter().map(|(line, text)| (*line, text.to_string())).collect();
        let (reader, failed) = (reader.clone(), failed.clone());
        tokio::task::spawn_blocking(move || reader.read(owned, &failed))
    });
    let (mut staged, mut read) = (0, 0);
    let mut bad: Vec<(usize, String)> = Vec::new();
    let mut next = batches.next();
    while let Some(reading) = next {
        let batch = reading.await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        next = batches.next();
        match batch {
            Ok(items) if bad.is_empty() => {
                read += items.len();
                staged += staging::write(pool, conn, staging, &items).await?;
            }
            Ok(_) => {}
            Err(lines) => bad.extend(lines.into_iter().take((super::MORE_ERRORS + 1).saturating_sub(bad.len()))),
        }
    }
    if let Some(((line, message), more)) = bad.split_first() {
        let error =
            ImportError { source: String::new(), line: Some(*line), message: message.clone(), more: more.to_vec() };
        return Ok(Err(error));
    }
    Ok(Ok((read, staged)))
}
