//! Writing an export: items in id order, a batch at a time (read one batch ahead, see
//! `read.rs`), each batch's lines written and hashed in turn; then the manifest. Same data
//! and policy, same bytes.
use super::Manifest;
use super::aggregate::{Decision, decide, outcome_counts, pair_votes};
use super::agreement::AgreementTally;
use super::formats::dataset_info;
use super::gate::Gate;
use super::policy::{BothBadRule, ExportPolicy, TieRule};
use super::read::{Batch, Content, ReadOptions, Reads, read_ahead};
use super::records::{Ask, Record, Text, Writer};
use super::{ExportFormat, ExportSummary, LeftOut, PairSource, Shape};
use crate::domain::correction::Correction;
use crate::domain::judgment::Axis;
use crate::domain::{CandidateId, DatasetName, UserId};
use crate::flag::TextRef;
use crate::import::DatasetKind;
use crate::store::Db;
use crate::store::datasets::DatasetRecord;
use crate::store::export::{Scope, VotedItem};
use crate::store::{self, export as stored};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncWrite, AsyncWriteExt};

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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRequest {
    pub format: ExportFormat,
    pub policy: ExportPolicy,
}

impl From<ExportFormat> for ExportRequest {
    fn from(format: ExportFormat) -> Self {
        ExportRequest { format, policy: ExportPolicy::default() }
    }
}

/// An export that has been checked and recorded, ready to write.
pub struct Prepared {
    pub id: i64,
    pub file_name: String,
    dataset: DatasetRecord,
    kind: DatasetKind,
    request: ExportRequest,
    scope: Scope,
}

/// Why an export cannot start.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("no such dataset")]
    NoDataset,
    #[error("{0}")]
    Policy(crate::domain::Problem),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Checks the request and records the export. The CLI and the HTTP download both start here.
pub async fn prepare(
    pool: &Db,
    dataset: &DatasetName,
    request: ExportRequest,
    actor: Option<UserId>,
) -> Result<Prepared, Refused> {
    request.policy.check().map_err(Refused::Policy)?;
    let record = store::datasets::by_name(pool, dataset).await?.ok_or(Refused::NoDataset)?;
    let kind = record.kind;
    let scope = Scope {
        dataset: record.id,
        department: request.policy.department.clone(),
        reviewers: request.policy.reviewer_names().map_err(Refused::Policy)?,
        from: request.policy.from.clone(),
        to: request.policy.to.clone(),
    };
    let policy = serde_json::to_value(&request.policy).expect("policy serialises");
    let id = stored::begin(pool, record.id, request.format.as_str(), &policy, actor).await?;
    let file_name = format!("{}.{}.jsonl", record.name, request.format.as_str());
    Ok(Prepared { id, file_name, dataset: record, kind, request, scope })
}

/// Counts written and left-out records, and hashes what is written.
struct Tally {
    summary: ExportSummary,
    agreement: AgreementTally,
    sha: Sha256,
    bytes: u64,
    buf: Vec<u8>,
}

impl Tally {
    fn take(&mut self, record: Record) {
        match record {
            Record::Write(w) => {
                self.buf.extend_from_slice(w.line.as_bytes());
                self.buf.push(b'\n');
                self.summary.written += 1;
                self.summary.redacted += usize::from(w.redacted);
                self.summary.age_sex += usize::from(w.quasi);
            }
            Record::Skip(reason) => *self.summary.left_out.entry(reason).or_default() += 1,
        }
    }

    async fn flush(&mut self, out: &mut (impl AsyncWrite + Unpin)) -> std::io::Result<()> {
        self.sha.update(&self.buf);
        self.bytes += self.buf.len() as u64;
        out.write_all(&self.buf).await?;
        self.buf.clear();
        Ok(())
    }
}

/// The reasons that can apply, listed with zero counts so every manifest names them all.
fn reasons(shape: Shape, kind: DatasetKind, source: PairSource) -> Vec<LeftOut> {
    use LeftOut::*;
    let mut r = vec![Flagged, Unsafe, Gold];
    let votes = matches!(source, PairSource::Votes | PairSource::All) && kind == DatasetKind::Compare;
    let corrections = matches!(source, PairSource::Corrections | PairSource::All) && kind == DatasetKind::Correct;
    match shape {
        Shape::Sft => r.extend([Unjudged, Rejected, Disputed]),
        _ => {
            if votes {
                r.extend([Unjudged, TooFewJudgments, Tie, BothBad, NoMajority, LowAgreement]);
            }
            if votes && shape == Shape::Unpaired {
                r.push(Mixed);
            }
            if corrections {
                r.extend([Unjudged, Disputed, StyleOnly, NotCorrected]);
            }
        }
    }
    r
}

impl Prepared {
    /// Writes the data to `out`, then completes the export's record with its manifest.
    pub async fn write(self, pool: &Db, out: &mut (impl AsyncWrite + Unpin)) -> Result<Manifest, ExportFailure> {
        let format = self.request.format;
        let policy = &self.request.policy;
        let shape = format.shape();
        let writer = Writer {
            format,
            context: stored::has_context(pool, &self.scope).await?,
            ratings: policy.ratings,
            tools: stored::has_tools(pool, &self.scope).await?,
        };
        let mut tally = Tally {
            summary: ExportSummary {
                left_out: reasons(shape, self.kind, policy.source).into_iter().map(|r| (r, 0)).collect(),
                ..Default::default()
            },
            agreement: AgreementTally::default(),
            sha: Sha256::new(),
            bytes: 0,
            buf: Vec::with_capacity(1 << 20),
        };
        let votes = matches!(policy.source, PairSource::Votes | PairSource::All);
        let corrections = matches!(policy.source, PairSource::Corrections | PairSource::All);
        let reads = match (self.kind, shape) {
            (DatasetKind::Compare, Shape::Pair | Shape::Unpaired) if votes => Reads::Votes,
            (DatasetKind::Correct, Shape::Sft) => Reads::Corrections,
            (DatasetKind::Correct, Shape::Pair | Shape::Unpaired) if corrections => Reads::Corrections,
            // A compare dataset has no QA pairs to fine-tune on, and so on: nothing to write.
            _ => Reads::Nothing,
        };
        let ungated = crate::store::flags::ungated(&mut pool.acquire().await?, self.dataset.id).await?;
        let options = ReadOptions { exclude_gold: policy.exclude_gold, ratings: policy.ratings };
        let mut batches = read_ahead(pool.clone(), self.scope.clone(), reads, options);
        while let Some(batch) = batches.recv().await {
            let Batch { gold, flags, content } = batch?;
            for _ in 0..gold {
                tally.take(Record::Skip(LeftOut::Gold));
            }
            match content {
                Content::Voted(items) => {
                    for item in items {
                        let gate = Gate::new(flags.get(&item.prompt.id), policy.flagged, &ungated);
                        vote_records(&writer, &gate, &item, policy, &mut tally);
                    }
                }
                Content::Corrected(items) => {
                    for item in items {
                        let gate = Gate::new(flags.get(&item.item), policy.flagged, &ungated);
                        tally.agreement.add(&verdict_counts(&item));
                        if shape == Shape::Sft {
                            tally.take(writer.sft(&item, &gate));
                        } else {
                            for record in writer.corrections(&item, &gate, policy.margin_clear) {
                                tally.take(record);
                            }
                        }
                    }
                }
                Content::Nothing => {}
            }
            tally.flush(out).await?;
        }
        out.flush().await?;

        let context = writer.context;
        let manifest = Manifest {
            medpref_version: env!("CARGO_PKG_VERSION").to_string(),
            created_at: stored::now(pool).await?,
            dataset: self.dataset.name.clone(),
            format,
            dataset_info: dataset_info(format, &self.file_name, context, writer.tools),
            data_file: self.file_name,
            sha256: hex::encode(tally.sha.finalize()),
            bytes: tally.bytes,
            unit: match shape {
                Shape::Pair => "pair",
                Shape::Unpaired => "answer",
                Shape::Sft => "item",
            }
            .into(),
            policy: self.request.policy.clone(),
            counts: tally.summary,
            agreement: tally.agreement.finish(),
            generated: generated_answers(pool, &self.scope).await?,
            ungated_categories: ungated,
        };
        stored::finish(pool, self.id, &serde_json::to_value(&manifest).expect("manifest serialises")).await?;
        Ok(manifest)
    }
}

/// How many reviewers accepted, edited and rejected a QA item (its agreement unit).
fn verdict_counts(item: &crate::store::corrections::CorrectedItem) -> [usize; 3] {
    let mut counts = [0; 3];
    for d in &item.decisions {
        counts[match d.correction {
            Correction::Accept => 0,
            Correction::Edit { .. } => 1,
            Correction::Reject => 2,
        }] += 1;
    }
    counts
}

/// The records of one voted item: a record per decided pair, or for KTO one per answer.
fn vote_records(writer: &Writer, gate: &Gate, item: &VotedItem, policy: &ExportPolicy, tally: &mut Tally) {
    let ids: Vec<CandidateId> = item.candidates.iter().map(|(id, _)| *id).collect();
    let refs: Vec<[TextRef; 1]> = ids.iter().map(|&c| [TextRef::Answer(c)]).collect();
    let ratings: Vec<serde_json::Value> =
        if writer.ratings { ids.iter().map(|&c| mean_ratings(&item.ratings, c)).collect() } else { vec![] };
    let text = |id: CandidateId| {
        let i = ids.iter().position(|c| *c == id).expect("a pair is of the item's answers");
        Text { refs: &refs[i], text: &item.candidates[i].1, ratings: ratings.get(i) }
    };
    let p = &item.prompt;
    let ask = Ask {
        system: p.system.as_deref(),
        history: &p.history,
        question: Text::new(&[TextRef::Question], &p.question),
        tools: p.tools.as_deref(),
    };
    let decisions: Vec<([CandidateId; 2], Decision)> = pair_votes(&ids, &item.ballots)
        .into_iter()
        .map(|(pair, votes)| {
            tally.agreement.add(&outcome_counts(pair, &votes));
            (pair, decide(pair, &votes, policy))
        })
        .collect();
    if writer.format.shape() == Shape::Unpaired {
        for (id, label) in kto_labels(&ids, &decisions, policy) {
            tally.take(match label {
                Ok(label) => writer.unpaired(gate, ask, text(id), label),
                Err(reason) => Record::Skip(reason),
            });
        }
        return;
    }
    for (_, decision) in decisions {
        match decision {
            Decision::Pair { chosen, rejected, margin } => {
                for record in writer.pair(gate, ask, text(chosen), text(rejected), margin) {
                    tally.take(record);
                }
            }
            Decision::Tie(_) => tally.take(Record::Skip(LeftOut::Tie)),
            Decision::BothBad(_) => tally.take(Record::Skip(LeftOut::BothBad)),
            Decision::LeftOut(reason) => tally.take(Record::Skip(reason)),
        }
    }
}

/// An answer's mean rating on every axis (`null` where nobody rated it), so every line has
/// the same columns whatever was rated.
fn mean_ratings(ratings: &[(CandidateId, Axis, u8)], answer: CandidateId) -> serde_json::Value {
    Axis::ALL
        .iter()
        .map(|&axis| {
            let values: Vec<f64> =
                ratings.iter().filter(|(c, a, _)| *c == answer && *a == axis).map(|(_, _, v)| f64::from(*v)).collect();
            let mean = (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64);
            (axis.as_str().to_string(), serde_json::json!(mean))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

/// KTO labels each answer once: desirable if it won every decided pair it is in (or tied,
/// when ties count as desirable), undesirable if it lost every one (or was called bad);
/// an answer that won some and lost others (the middle of a ranking) is left out.
fn kto_labels(
    ids: &[CandidateId],
    decisions: &[([CandidateId; 2], Decision)],
    policy: &ExportPolicy,
) -> Vec<(CandidateId, Result<bool, LeftOut>)> {
    ids.iter()
        .map(|&id| {
            let mut labels = Vec::new();
            let mut reason = None;
            for (_, d) in decisions.iter().filter(|(pair, _)| pair.contains(&id)) {
                let label = match d {
                    Decision::Pair { chosen, .. } => Ok(*chosen == id),
                    Decision::Tie(_) if policy.ties == TieRule::Desirable => Ok(true),
                    Decision::Tie(_) => Err(LeftOut::Tie),
                    Decision::BothBad(_) if policy.both_bad == BothBadRule::Undesirable => Ok(false),
                    Decision::BothBad(_) => Err(LeftOut::BothBad),
                    Decision::LeftOut(r) => Err(*r),
                };
                match label {
                    Ok(l) => labels.push(l),
                    Err(r) => reason = reason.or(Some(r)),
                }
            }
            let label = match labels.first() {
                Some(&first) if labels.iter().all(|&l| l == first) => Ok(first),
                Some(_) => Err(LeftOut::Mixed),
                None => Err(reason.unwrap_or(LeftOut::Unjudged)),
            };
            (id, label)
        })
        .collect()
}

/// Exports to `out` with no actor (tests and benchmarks).
pub async fn export_to(
    pool: &Db,
    dataset: &DatasetName,
    request: ExportRequest,
    out: &mut (impl AsyncWrite + Unpin),
) -> Result<Manifest, String> {
    let prepared = prepare(pool, dataset, request, None).await.map_err(|e| e.to_string())?;
    prepared.write(pool, out).await.map_err(|e| e.to_string())
}

/// The manifest's list of generated answers in scope.
async fn generated_answers(
    pool: &Db,
    scope: &stored::Scope,
) -> Result<Vec<super::manifest::GeneratedAnswer>, sqlx::Error> {
    Ok(stored::generated(pool, scope)
        .await?
        .into_iter()
        .map(|(item, derived_from, model, score, score_kind, job, generation, body)| super::manifest::GeneratedAnswer {
            item,
            derived_from,
            model,
            score,
            score_kind,
            job,
            generation: serde_json::from_str(&generation).unwrap_or(serde_json::Value::String(generation)),
            sha256: hex::encode(Sha256::digest(body.as_bytes())),
        })
        .collect())
}
