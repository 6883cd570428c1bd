//! Auditing labels (researchers): agreement and bias for every dataset, the reward model
//! against the clinicians, and spot-audits — a reproducible sample re-labelled blind by an
//! auditor and compared with the reviewers' decisions.
#[cfg(feature = "ssr")]
pub mod download;
pub mod flags;
pub mod judgments;
mod pages;
pub mod report;
pub mod sample;
pub use medpref_stats as stats;
pub mod verdict;
pub use pages::{AgreementPage, AuditLabelPage, AuditResultsPage, AuditsPage};

use crate::correct::QaItem;
use crate::domain::correction::CorrectionInput;
use crate::domain::judgment::{JudgmentInput, ReviewSettings};
use crate::domain::{AuditId, ItemId};
use crate::error::AppError;
use crate::flag::FlagKind;
use crate::import::DatasetKind;
use crate::review::compare::ReviewItem;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use report::AgreementReport;
use sample::Design;
use serde::{Deserialize, Serialize};
use verdict::Verdict;

/// Where an audit's report downloads as JSON or CSV (see `download`).
pub const REPORT_PATH: &str = "/api/audit_report";

/// The largest audit sample.
pub const MAX_SAMPLE: u32 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditSummary {
    pub id: AuditId,
    pub dataset: String,
    pub kind: DatasetKind,
    pub design: Design,
    /// Asked for; `items` were drawn (fewer when the dataset has fewer decided items).
    pub n: i64,
    pub seed: i64,
    pub created_by: Option<String>,
    pub created_at: String,
    pub items: i64,
    pub decided: i64,
}

#[cfg(feature = "ssr")]
impl From<crate::store::audits::AuditRow> for AuditSummary {
    fn from(r: crate::store::audits::AuditRow) -> Self {
        let crate::store::audits::AuditRow {
            id,
            dataset_id: _,
            dataset,
            kind,
            design,
            n,
            seed,
            created_by,
            created_at,
            items,
            decided,
        } = r;
        AuditSummary { id, dataset, kind, design, n, seed, created_by, created_at, items, decided }
    }
}

/// The next item to re-label: no earlier decisions, answers in the audit's own order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditTask {
    pub audit: AuditId,
    pub position: i64,
    pub items: i64,
    pub decided: i64,
    pub item: TaskItem,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TaskItem {
    Compare(ReviewItem, ReviewSettings),
    Correct(QaItem),
}

/// The auditor's decision, sent as the review screens make it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AuditDecision {
    Judgment(JudgmentInput),
    Correction(CorrectionInput),
}

/// A sampled item side by side: the auditor's decision and each reviewer's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditedItem {
    pub position: i64,
    pub item: ItemId,
    pub stratum: String,
    pub question: String,
    pub auditor: Option<Verdict>,
    pub reviewers: Vec<(String, Verdict)>,
    /// Some reviewer decided otherwise than the auditor.
    pub disagree: bool,
    /// Flag kinds the auditor raised or confirmed on the item.
    pub auditor_flags: Vec<FlagKind>,
    /// Flag kinds on the item that people raised or confirmed and nobody dismissed.
    pub team_flags: Vec<FlagKind>,
}

impl AuditedItem {
    /// Kinds the auditor flagged and the team did not.
    pub fn flags_missed(&self) -> Vec<FlagKind> {
        self.auditor_flags.iter().filter(|k| !self.team_flags.contains(k)).copied().collect()
    }

    /// Kinds the team flagged and the auditor did not.
    pub fn flags_unconfirmed(&self) -> Vec<FlagKind> {
        self.team_flags.iter().filter(|k| !self.auditor_flags.contains(k)).copied().collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditReport {
    pub audit: AuditSummary,
    /// Reviewer decisions that differ from the auditor's, over the decided items.
    pub errors: report::Share,
    /// Per reviewer, the same.
    pub reviewers: Vec<(String, report::Share)>,
    /// Decided items where the auditor flagged a kind the team had not.
    pub flags_missed: report::Share,
    /// Decided items where the team flagged a kind the auditor did not.
    pub flags_unconfirmed: report::Share,
    pub items: Vec<AuditedItem>,
}

/// Draws an audit sample of a dataset's decided items. Admins and auditors.
#[server(prefix = "/api", endpoint = "create_audit")]
pub async fn create_audit(dataset: String, design: Design, n: u32, seed: u64) -> Result<AuditSummary, AppError> {
    crate::error::with_status(ssr::create(dataset, design, n, seed).await)
}

/// Every audit, newest first. Admins and auditors.
#[server(prefix = "/api", endpoint = "audits")]
pub async fn audit_list() -> Result<Vec<AuditSummary>, AppError> {
    crate::error::with_status(ssr::list().await)
}

/// The audit's next undecided item, blind. Admins and auditors.
#[server(prefix = "/api", endpoint = "audit_next")]
pub async fn audit_next(audit: AuditId) -> Result<Option<AuditTask>, AppError> {
    crate::error::with_status(ssr::next(audit).await)
}

/// Records the auditor's decision on a sampled item (once). Admins and auditors.
#[server(prefix = "/api", endpoint = "audit_decide", input = Json)]
pub async fn audit_decide(audit: AuditId, position: i64, decision: AuditDecision) -> Result<(), AppError> {
    crate::error::with_status(ssr::decide(audit, position, decision).await)
}

/// The audit's results: error rates with Wilson intervals, items side by side. Admins and auditors.
#[server(prefix = "/api", endpoint = "audit_report")]
pub async fn get_audit_report(audit: AuditId) -> Result<AuditReport, AppError> {
    crate::error::with_status(ssr::report(audit).await)
}

/// Agreement, bias and model-versus-clinicians statistics of a dataset. Admins and auditors.
#[server(prefix = "/api", endpoint = "agreement")]
pub async fn agreement(dataset: String) -> Result<AgreementReport, AppError> {
    crate::error::with_status(ssr::agreement(dataset).await)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::auth::session::require;
    use crate::domain::{CandidateId, DatasetId, Role};
    use crate::flag::FlagTarget;
    use crate::state::app_state;
    use crate::store::Db;
    use crate::store::{agreement as stored, audit_flags, audits, judgments};
    use rand::SeedableRng;
    use rand::seq::SliceRandom;
    use report::compute;
    use std::collections::BTreeMap;

    pub const AUDIT_ROLES: [Role; 2] = [Role::Admin, Role::Auditor];

    /// A sampled item's answers (candidate ids) in the order the auditor sees them.
    pub fn presentation_of(row: &audits::AuditItemRow) -> Vec<CandidateId> {
        row.presentation.0.clone()
    }

    /// The decisions on a dataset's items (or on some of them), read.
    async fn decisions(
        pool: &Db,
        dataset: DatasetId,
        items: Option<&[ItemId]>,
    ) -> Result<Vec<compute::Decision>, AppError> {
        Ok(compute::read(stored::decisions(pool, dataset, items).await?))
    }

    pub async fn create(dataset: String, design: Design, n: u32, seed: u64) -> Result<AuditSummary, AppError> {
        let user = require(&AUDIT_ROLES).await?;
        let pool = app_state()?.pool;
        if !(1..=MAX_SAMPLE).contains(&n) {
            return Err(crate::domain::Problem::SampleSize { max: MAX_SAMPLE }.into());
        }
        let record = crate::datasets::named(&pool, dataset).await?;
        let eligible = audits::eligible(&pool, record.id).await?;
        if eligible.is_empty() {
            return Err(crate::domain::Problem::NothingDecided.into());
        }
        let mut by_item: BTreeMap<i64, Vec<compute::Decision>> = BTreeMap::new();
        for d in decisions(&pool, record.id, None).await? {
            by_item.entry(d.item).or_default().push(d);
        }
        let none = || "—".to_string();
        let strata: Vec<(i64, Vec<String>)> = eligible
            .into_iter()
            .map(|(ItemId(id), department, task)| {
                let ds = by_item.get(&id).map(Vec::as_slice).unwrap_or_default();
                let names = match design {
                    Design::Random => vec!["all".to_string()],
                    Design::Reviewer => ds.iter().map(|d| d.reviewer.clone()).collect(),
                    Design::Department => vec![department.unwrap_or_else(none)],
                    Design::Task => vec![task.unwrap_or_else(none)],
                    Design::Vote => vec![
                        verdict::plurality(ds.iter().map(|d| d.verdict))
                            .map_or_else(|| "no majority".to_string(), |v| v.to_string()),
                    ],
                };
                (id, names)
            })
            .collect();
        // Seeds are stored as SQLite integers.
        let seed = seed & (i64::MAX as u64);
        let sample = sample::draw(&strata, n as usize, seed);
        let ids: Vec<ItemId> = sample.iter().map(|(item, _)| ItemId(*item)).collect();
        let mut candidates = audits::candidates_of(&pool, &ids).await?;
        let mut drawn = Vec::new();
        for (item, stratum) in sample {
            let mut shown: Vec<CandidateId> = candidates.remove(&ItemId(item)).unwrap_or_default();
            shown.shuffle(&mut rand::rngs::StdRng::seed_from_u64(seed.wrapping_add(item as u64)));
            drawn.push((ItemId(item), stratum, shown));
        }
        let id = audits::create(&pool, record.id, user.id, design, i64::from(n), seed as i64, &drawn).await?;
        Ok(audits::get(&pool, id).await?.ok_or(AppError::NotFound)?.into())
    }

    pub async fn list() -> Result<Vec<AuditSummary>, AppError> {
        require(&AUDIT_ROLES).await?;
        let pool = app_state()?.pool;
        Ok(audits::all(&pool).await?.into_iter().map(AuditSummary::from).collect())
    }

    pub async fn next(audit: AuditId) -> Result<Option<AuditTask>, AppError> {
        require(&AUDIT_ROLES).await?;
        let pool = app_state()?.pool;
        let row = audits::get(&pool, audit).await?.ok_or(AppError::NotFound)?;
        let Some(next) = audits::next(&pool, audit).await? else { return Ok(None) };
        let shown = presentation_of(&next);
        // The screens show the audit's own flags, never the reviewers'.
        let target = FlagTarget::Audit { audit, position: next.position };
        let item = if row.kind == DatasetKind::Correct {
            TaskItem::Correct(crate::correct::ssr::qa_item(&pool, target, next.item_id, &shown).await?)
        } else {
            let record = crate::store::datasets::by_id(&pool, row.dataset_id).await?.ok_or(AppError::NotFound)?;
            let item = crate::review::compare::ssr::review_item(&pool, target, next.item_id, &shown).await?;
            TaskItem::Compare(item, record.review_settings()?)
        };
        Ok(Some(AuditTask { audit, position: next.position, items: row.items, decided: row.decided, item }))
    }

    /// The auditor's verdict in source terms.
    async fn verdict(pool: &Db, row: &audits::AuditItemRow, decision: &AuditDecision) -> Result<Verdict, AppError> {
        let v = match decision {
            AuditDecision::Correction(c) => Verdict::from_stored(c.correction.verdict().as_str(), &[]),
            AuditDecision::Judgment(j) => {
                let shown: Vec<i64> = presentation_of(row).into_iter().map(|c| c.0).collect();
                let positions: BTreeMap<i64, i64> =
                    audits::candidates(pool, row.item_id).await?.into_iter().map(|(c, p)| (c.0, p)).collect();
                let stored = judgments::to_stored(&shown, &j.decision);
                let best: Vec<i64> = match stored.winner {
                    Some(w) => vec![positions[&w]],
                    None => {
                        let top = stored.ranks.iter().map(|(_, r)| *r).min().unwrap_or(1);
                        stored.ranks.iter().filter(|(_, r)| *r == top).map(|(c, _)| positions[c]).collect()
                    }
                };
                Verdict::from_stored(stored.outcome.as_str(), &best)
            }
        };
        v.ok_or_else(|| crate::error::internal("audit verdict", "unknown outcome"))
    }

    pub async fn decide(audit: AuditId, position: i64, decision: AuditDecision) -> Result<(), AppError> {
        let user = require(&AUDIT_ROLES).await?;
        let pool = app_state()?.pool;
        let audit_row = audits::get(&pool, audit).await?.ok_or(AppError::NotFound)?;
        let row = audits::item(&pool, audit, position).await?.ok_or(AppError::NotFound)?;
        match (&decision, audit_row.kind) {
            (AuditDecision::Judgment(j), DatasetKind::Compare) => {
                let record =
                    crate::store::datasets::by_id(&pool, audit_row.dataset_id).await?.ok_or(AppError::NotFound)?;
                crate::domain::judgment::validate(&record.review_settings()?, row.presentation.0.len(), j)
                    .map_err(AppError::Judgment)?;
            }
            (AuditDecision::Correction(c), DatasetKind::Correct) => {
                let mut conn = pool.acquire().await?;
                let (_, facts) = crate::store::corrections::facts(&mut conn, row.item_id).await?;
                crate::domain::correction::validate(&facts, c).map_err(AppError::Correction)?;
            }
            _ => return Err(crate::domain::Problem::DecisionKind.into()),
        }
        let v = verdict(&pool, &row, &decision).await?;
        let stored = serde_json::json!({ "verdict": v, "decision": decision });
        if audits::decide(&pool, audit, position, &stored, user.id).await? {
            Ok(())
        } else {
            Err(AppError::AlreadySubmitted)
        }
    }

    pub async fn report(audit: AuditId) -> Result<AuditReport, AppError> {
        require(&AUDIT_ROLES).await?;
        build_report(&app_state()?.pool, audit).await
    }

    pub async fn build_report(pool: &Db, audit: AuditId) -> Result<AuditReport, AppError> {
        let row = audits::get(pool, audit).await?.ok_or(AppError::NotFound)?;
        let sampled = audits::items(pool, audit).await?;
        let ids: Vec<ItemId> = sampled.iter().map(|x| x.item_id).collect();
        let mut by_item: BTreeMap<i64, Vec<compute::Decision>> = BTreeMap::new();
        for d in decisions(pool, row.dataset_id, Some(&ids)).await? {
            by_item.entry(d.item).or_default().push(d);
        }
        let mut found = audit_flags::found_kinds(pool, audit).await?;
        let mut items = Vec::new();
        let mut per_reviewer: BTreeMap<String, (u64, u64)> = BTreeMap::new();
        for x in sampled {
            let kinds = |m: &mut BTreeMap<i64, std::collections::BTreeSet<FlagKind>>| -> Vec<FlagKind> {
                m.remove(&x.position).unwrap_or_default().into_iter().collect()
            };
            let auditor: Option<Verdict> =
                x.decision.as_ref().and_then(|d| serde_json::from_value(d.0["verdict"].clone()).ok());
            let reviewers: Vec<(String, Verdict)> =
                by_item.get(&x.item_id.0).into_iter().flatten().map(|d| (d.reviewer.clone(), d.verdict)).collect();
            if let Some(a) = auditor {
                for (r, v) in &reviewers {
                    let e = per_reviewer.entry(r.clone()).or_default();
                    e.0 += u64::from(*v != a);
                    e.1 += 1;
                }
            }
            let disagree = auditor.is_some_and(|a| reviewers.iter().any(|(_, v)| *v != a));
            items.push(AuditedItem {
                position: x.position,
                item: x.item_id,
                stratum: x.stratum,
                question: x.question.chars().take(80).collect(),
                auditor,
                reviewers,
                disagree,
                auditor_flags: kinds(&mut found.auditor),
                team_flags: kinds(&mut found.team),
            });
        }
        let (k, n) = per_reviewer.values().fold((0, 0), |(k, n), (a, b)| (k + a, n + b));
        let decided: Vec<&AuditedItem> = items.iter().filter(|i| i.auditor.is_some()).collect();
        let share_of = |differs: fn(&AuditedItem) -> Vec<FlagKind>| {
            let k = decided.iter().filter(|i| !differs(i).is_empty()).count();
            report::Share::of(k as u64, decided.len() as u64)
        };
        Ok(AuditReport {
            audit: row.into(),
            errors: report::Share::of(k, n),
            reviewers: per_reviewer.into_iter().map(|(r, (k, n))| (r, report::Share::of(k, n))).collect(),
            flags_missed: share_of(AuditedItem::flags_missed),
            flags_unconfirmed: share_of(AuditedItem::flags_unconfirmed),
            items,
        })
    }

    pub async fn agreement(dataset: String) -> Result<AgreementReport, AppError> {
        require(&AUDIT_ROLES).await?;
        agreement_of(&app_state()?.pool, dataset).await
    }

    /// The agreement report of a dataset (the CLI calls this too).
    pub async fn agreement_of(pool: &Db, dataset: String) -> Result<AgreementReport, AppError> {
        let pool = pool.clone();
        let record = crate::datasets::named(&pool, dataset).await?;
        let inputs = compute::Inputs {
            dataset: record.name.clone(),
            decisions: decisions(&pool, record.id, None).await?,
            ratings: stored::ratings(&pool, record.id).await?,
            gold: judgments::gold_accuracy(&pool, record.id).await?,
            scored: stored::scored_items(&pool, record.id).await?,
        };
        // CPU work over every decision: off the async threads.
        tokio::task::spawn_blocking(move || compute::report(inputs))
            .await
            .map_err(|e| crate::error::internal("agreement", e))
    }
}
