//! Writing an export: one JSON line per record, in item order, with counts of what was
//! left out and why.
use super::aggregate::{Decision, decide_pairs};
use super::gate::Gate;
use super::sft::{Record, Written, correction_pairs, sft_line};
use super::trl::DpoStandard;
use super::{ExportFormat, ExportSummary, FlagPolicy, LeftOut, PairSource};
use crate::domain::{CandidateId, DatasetName};
use crate::flag::TextRef;
use crate::import::DatasetKind;
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

#[derive(Debug, Clone, Copy)]
pub struct ExportRequest {
    pub format: ExportFormat,
    /// For pair formats: votes, corrections or both.
    pub source: PairSource,
    /// Leave out or redact texts with unresolved flags.
    pub flagged: FlagPolicy,
}

impl From<ExportFormat> for ExportRequest {
    fn from(format: ExportFormat) -> Self {
        ExportRequest { format, source: PairSource::Votes, flagged: FlagPolicy::LeaveOut }
    }
}

/// Counts written lines and left-out records, starting from the reasons that apply.
struct Tally {
    summary: ExportSummary,
    left_out: BTreeMap<LeftOut, usize>,
}

impl Tally {
    fn new(reasons: &[LeftOut]) -> Self {
        let reasons = reasons.iter().chain(&[LeftOut::Flagged, LeftOut::Unsafe]);
        Tally { summary: ExportSummary::default(), left_out: reasons.map(|&r| (r, 0)).collect() }
    }

    fn take(&mut self, out: &mut impl Write, record: Record) -> std::io::Result<()> {
        match record {
            Record::Write(w) => {
                writeln!(out, "{}", w.line)?;
                self.summary.written += 1;
                self.summary.redacted += usize::from(w.redacted);
                self.summary.age_sex += usize::from(w.quasi);
            }
            Record::Skip(reason) => *self.left_out.entry(reason).or_default() += 1,
        }
        Ok(())
    }

    fn summary(self) -> ExportSummary {
        ExportSummary { left_out: self.left_out.into_iter().collect(), ..self.summary }
    }
}

const VOTE_REASONS: &[LeftOut] = &[LeftOut::Unjudged, LeftOut::Tie, LeftOut::BothBad, LeftOut::NoMajority];
const SFT_REASONS: &[LeftOut] = &[LeftOut::Unjudged, LeftOut::Rejected, LeftOut::Disputed];
const CORRECTION_REASONS: &[LeftOut] = &[LeftOut::StyleOnly, LeftOut::NotCorrected];

/// Writes the dataset's export to `out`; `Ok(None)` if there is no such dataset.
/// The CLI and the API both call this.
pub async fn export(
    pool: &SqlitePool,
    dataset: &DatasetName,
    request: &ExportRequest,
    out: &mut impl Write,
) -> Result<Option<ExportSummary>, ExportFailure> {
    let Some(dataset) = store::datasets::by_name(pool, dataset).await? else { return Ok(None) };
    let kind: DatasetKind = dataset.kind.parse().map_err(|e: String| sqlx::Error::Decode(e.into()))?;
    let summary = match (request.format, kind) {
        (ExportFormat::SftSharegpt | ExportFormat::SftAlpaca, DatasetKind::Correct) => {
            let mut tally = Tally::new(SFT_REASONS);
            let flags = store::flags::active_in_dataset(pool, dataset.id).await?;
            for item in store::corrections::corrected_items(pool, dataset.id).await? {
                let gate = Gate::new(flags.get(&item.item), request.flagged);
                tally.take(out, sft_line(&item, &gate, request.format))?;
            }
            tally.summary()
        }
        // A compare dataset has no QA pairs to fine-tune on.
        (ExportFormat::SftSharegpt | ExportFormat::SftAlpaca, DatasetKind::Compare) => {
            Tally::new(SFT_REASONS).summary()
        }
        (ExportFormat::TrlDpo, _) => {
            let votes = matches!(request.source, PairSource::Votes | PairSource::All);
            let corrections = matches!(request.source, PairSource::Corrections | PairSource::All);
            let mut reasons = Vec::new();
            if votes {
                reasons.extend_from_slice(VOTE_REASONS);
            }
            if corrections {
                reasons.extend_from_slice(CORRECTION_REASONS);
            }
            let mut tally = Tally::new(&reasons);
            let flags = store::flags::active_in_dataset(pool, dataset.id).await?;
            if votes && kind == DatasetKind::Compare {
                vote_pairs(pool, dataset.id, &flags, request.flagged, &mut tally, out).await?;
            }
            if corrections && kind == DatasetKind::Correct {
                for item in store::corrections::corrected_items(pool, dataset.id).await? {
                    let gate = Gate::new(flags.get(&item.item), request.flagged);
                    for record in correction_pairs(&item, &gate) {
                        tally.take(out, record)?;
                    }
                }
            }
            tally.summary()
        }
    };
    Ok(Some(summary))
}

/// One pair per decided pair of answers, from votes and rankings.
async fn vote_pairs(
    pool: &SqlitePool,
    dataset: i64,
    flags: &std::collections::HashMap<crate::domain::ItemId, Vec<crate::flag::FlagView<TextRef>>>,
    policy: FlagPolicy,
    tally: &mut Tally,
    out: &mut impl Write,
) -> Result<(), ExportFailure> {
    for item in store::judgments::voted_items(pool, dataset).await? {
        let gate = Gate::new(flags.get(&item.item_id), policy);
        let ids: Vec<CandidateId> = item.candidates.iter().map(|(id, _)| *id).collect();
        let body = |id: CandidateId| item.candidates.iter().find(|(c, _)| *c == id).map(|(_, b)| b.as_str());
        for decision in decide_pairs(&ids, &item.votes) {
            let record = match decision {
                Decision::LeftOut(reason) => Record::Skip(reason),
                Decision::Pair { chosen, rejected } => match (body(chosen), body(rejected)) {
                    (Some(c), Some(r)) => gated_pair(&gate, &item.question, (chosen, c), (rejected, r)),
                    _ => continue,
                },
            };
            tally.take(out, record)?;
        }
    }
    Ok(())
}

/// A DPO line from a voted pair, through the item's flags.
fn gated_pair(gate: &Gate, question: &str, chosen: (CandidateId, &str), rejected: (CandidateId, &str)) -> Record {
    if let Some(reason) = gate.whole_item() {
        return Record::Skip(reason);
    }
    if !gate.may_be_chosen(&[TextRef::Answer(chosen.0)]) {
        return Record::Skip(LeftOut::Unsafe);
    }
    let passed = (|| {
        Ok::<_, LeftOut>((
            gate.pass(&[TextRef::Question], question)?,
            gate.pass(&[TextRef::Answer(chosen.0)], chosen.1)?,
            gate.pass(&[TextRef::Answer(rejected.0)], rejected.1)?,
        ))
    })();
    match passed {
        Ok((p, c, r)) => {
            let line = DpoStandard { prompt: &p.text, chosen: &c.text, rejected: &r.text };
            Record::Write(Written {
                line: serde_json::to_string(&line).expect("strings serialise"),
                redacted: p.redacted || c.redacted || r.redacted,
                quasi: p.quasi || c.quasi || r.quasi,
            })
        }
        Err(reason) => Record::Skip(reason),
    }
}
