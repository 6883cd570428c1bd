//! Writing an export: one JSON line per decided item, in item order.
use super::aggregate::{Decision, decide_pairs};
use super::trl::DpoStandard;
use super::{ExportFormat, ExportSummary, LeftOut};
use crate::domain::{CandidateId, DatasetName};
use crate::store;
use sqlx::SqlitePool;
use std::collections::BTreeMap;
use std::io::Write;

#[derive(Debug, thiserror::Error)]
pub enum ExportFailure {
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("writing the export: {0}")]
    Io(#[from] std::io::Error),
}

impl From<ExportFailure> for crate::error::AppError {
    fn from(e: ExportFailure) -> Self {
        crate::error::internal("export", e)
    }
}

/// Writes the dataset's aggregated pairs to `out`; `Ok(None)` if there is no such dataset.
/// The CLI and the API both call this.
pub async fn export(
    pool: &SqlitePool,
    dataset: &DatasetName,
    format: ExportFormat,
    out: &mut impl Write,
) -> Result<Option<ExportSummary>, ExportFailure> {
    let Some(dataset) = store::datasets::by_name(pool, dataset).await? else {
        return Ok(None);
    };
    let mut written = 0;
    let mut left_out: BTreeMap<LeftOut, usize> = LeftOut::ALL.iter().map(|&r| (r, 0)).collect();
    for item in store::judgments::voted_items(pool, dataset.id).await? {
        let ids: Vec<CandidateId> = item.candidates.iter().map(|(id, _)| *id).collect();
        for decision in decide_pairs(&ids, &item.votes) {
            match decision {
                Decision::LeftOut(reason) => *left_out.entry(reason).or_default() += 1,
                Decision::Pair { chosen, rejected } => {
                    let body =
                        |id: CandidateId| item.candidates.iter().find(|(c, _)| *c == id).map(|(_, b)| b.as_str());
                    let (Some(chosen), Some(rejected)) = (body(chosen), body(rejected)) else {
                        continue;
                    };
                    let line = match format {
                        ExportFormat::TrlDpo => {
                            serde_json::to_string(&DpoStandard { prompt: &item.question, chosen, rejected })
                        }
                    }
                    .expect("strings serialise");
                    writeln!(out, "{line}")?;
                    written += 1;
                }
            }
        }
    }
    Ok(Some(ExportSummary { written, left_out: left_out.into_iter().collect() }))
}
