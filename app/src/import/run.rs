//! An import: parse and stage everything, then publish everything or nothing.
use super::qa::{self, FieldMapping};
use super::{ImportError, ImportFormat, ImportSummary, OnError, Problem, candidates, cmd_reward, lines};
use crate::domain::{DatasetId, DatasetName, UserId};
use crate::import::DatasetKind;
use crate::store::Db;
use crate::store::items::{NewItem, ScannedItem};
use crate::store::{self, items, staging};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Debug)]
pub enum ImportFailure {
    /// The file is not acceptable; the error says where and why.
    Rejected(Box<ImportError>),
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
    pub on_error: OnError,
}

impl From<ImportFormat> for ImportOptions<'_> {
    fn from(format: ImportFormat) -> Self {
        ImportOptions { format, mapping: None, generator: None, on_error: OnError::Reject }
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

/// A bad line: its number, what is wrong, and its text (kept in a quarantine's reject file).
pub type BadLine = (usize, Problem, String);

/// A batch's items with their detector findings, and its bad lines.
struct Batch {
    items: Vec<ScannedItem>,
    bad: Vec<BadLine>,
}

impl Reader {
    fn parse(&self, line: usize, text: &str) -> Result<NewItem, Problem> {
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

    /// Parses the records and runs the detectors on every text. When the file is refused on
    /// any bad line, and `failed` says an earlier batch had one, only the bad lines matter.
    fn read(&self, records: Vec<(usize, Result<String, Problem>)>, on_error: OnError, failed: &AtomicBool) -> Batch {
        let mut items = Vec::with_capacity(records.len());
        let mut bad = Vec::new();
        for (line, text) in records {
            let parsed = text.as_deref().map_err(Clone::clone).and_then(|text| self.parse(line, text));
            match parsed {
                Ok(mut item) => {
                    for c in item.candidates.iter_mut().filter(|c| c.model.is_none()) {
                        c.model.clone_from(&self.generator);
                    }
                    items.push(item);
                }
                Err(message) => bad.push((line, message, text.unwrap_or_default())),
            }
        }
        if on_error == OnError::Reject && !bad.is_empty() {
            failed.store(true, Ordering::Relaxed);
        }
        if on_error == OnError::Reject && failed.load(Ordering::Relaxed) {
            return Batch { items: vec![], bad };
        }
        Batch { items: items.into_iter().map(super::scan::scan).collect(), bad }
    }
}

/// Imports `bytes` (the content of `source`) into `dataset`. The CLI and the API both call this.
///
/// All or nothing, without holding the write lock for the whole file: the records are
/// staged batch by batch in a hidden dataset and published at the end (`store::staging`);
/// a bad line, or any failure, discards the staging and changes nothing.
pub async fn import(
    pool: &Db,
    dataset: &DatasetName,
    options: &ImportOptions<'_>,
    source: &str,
    bytes: &[u8],
    actor: Option<UserId>,
) -> Result<ImportSummary, ImportFailure> {
    let format = options.format;
    if format == ImportFormat::Jsonl && options.mapping.is_none() {
        return Err(ImportFailure::Rejected(Box::new(ImportError::of_file(source, Problem::NeedsMapping))));
    }
    let reader = Reader { format, mapping: options.mapping.cloned(), generator: options.generator.map(str::to_owned) };
    let records = lines::numbered(source, bytes).map_err(ImportFailure::Rejected)?;
    let on_error = options.on_error;

    let kind = format.dataset_kind();
    if let Some(existing) = store::datasets::by_name(pool, dataset).await? {
        let existing: DatasetKind = existing.kind;
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
    let staged = stage(pool, &mut conn, staging, &reader, on_error, &records).await;
    let Staged { read, staged, quarantined } = match staged {
        Ok(Ok(counts)) => counts,
        Ok(Err(error)) => {
            staging::discard(pool, &mut conn, staging).await?;
            return Err(ImportFailure::Rejected(Box::new(ImportError { source: source.into(), ..*error })));
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
        "on_error": on_error.as_str(), "quarantined": quarantined,
    });
    let counts = (staged as i64, (read - staged) as i64);
    let published = match staging::publish(pool, &mut conn, staging, counts, actor, detail).await? {
        Ok(p) => p,
        Err(existing) => return Err(kind_mismatch(source, dataset, existing, format)),
    };
    let (added, duplicates) = (published.added as usize, read - published.added as usize);
    let import = staging.import_id;
    Ok(ImportSummary { dataset: dataset.to_string(), records: read, added, duplicates, quarantined, import })
}

fn kind_mismatch(source: &str, dataset: &DatasetName, existing: DatasetKind, format: ImportFormat) -> ImportFailure {
    let problem = Problem::WrongKind { dataset: dataset.to_string(), existing, format };
    ImportFailure::Rejected(Box::new(ImportError::of_file(source, problem)))
}

/// What staging did: records read well, items staged (repeats within the file are not),
/// bad lines quarantined.
struct Staged {
    read: usize,
    staged: usize,
    quarantined: usize,
}

/// Reads the records in batches on a blocking thread (parsing and the detectors) while the
/// previous batch is written to the staging dataset, each batch in its own transaction: on
/// two cores an import takes about as long as the slower of the two. Refusing on error, a bad
/// line stops the writing and the rest of the file is still read for further bad lines;
/// quarantining, each batch's bad lines are written to the reject file with its items.
/// Returns the counts, or the file's error (its source left for the caller to fill in).
async fn stage(
    pool: &Db,
    conn: &mut crate::store::Connection,
    staging: staging::Staging,
    reader: &Reader,
    on_error: OnError,
    records: &[lines::Line<'_>],
) -> Result<Result<Staged, Box<ImportError>>, sqlx::Error> {
    let failed = Arc::new(AtomicBool::new(false));
    let mut batches = records.chunks(items::BATCH).map(|chunk| {
        let owned: Vec<(usize, Result<String, Problem>)> =
            chunk.iter().map(|(line, text)| (*line, text.clone().map(str::to_string))).collect();
        let (reader, failed) = (reader.clone(), failed.clone());
        tokio::task::spawn_blocking(move || reader.read(owned, on_error, &failed))
    });
    let mut counts = Staged { read: 0, staged: 0, quarantined: 0 };
    let mut bad: Vec<(usize, Problem)> = Vec::new();
    let mut bad_count = 0;
    let mut next = batches.next();
    while let Some(reading) = next {
        let batch = reading.await.unwrap_or_else(|e| std::panic::resume_unwind(e.into_panic()));
        next = batches.next();
        match on_error {
            OnError::Quarantine => {
                counts.read += batch.items.len();
                counts.quarantined += batch.bad.len();
                // The reject file says each reason in the server's words, beside the line itself.
                let bad: Vec<(usize, String, String)> =
                    batch.bad.into_iter().map(|(line, problem, text)| (line, problem.to_string(), text)).collect();
                counts.staged += staging::write(pool, &mut *conn, staging, &batch.items, &bad).await?;
            }
            OnError::Reject if batch.bad.is_empty() && bad_count == 0 => {
                counts.read += batch.items.len();
                counts.staged += staging::write(pool, &mut *conn, staging, &batch.items, &[]).await?;
            }
            OnError::Reject => {
                bad_count += batch.bad.len();
                let room = (super::MORE_ERRORS + 1).saturating_sub(bad.len());
                bad.extend(batch.bad.into_iter().take(room).map(|(line, message, _)| (line, message)));
            }
        }
    }
    if on_error == OnError::Quarantine && counts.read == 0 {
        let problem = Problem::NothingValid { quarantined: counts.quarantined };
        return Ok(Err(Box::new(ImportError::of_file("", problem))));
    }
    if let Some(((line, problem), more)) = bad.split_first() {
        let (line, problem, more) = (Some(*line), problem.clone(), more.to_vec());
        let error = ImportError { source: String::new(), line, problem, more, omitted: bad_count - bad.len() };
        return Ok(Err(Box::new(error)));
    }
    Ok(Ok(counts))
}
