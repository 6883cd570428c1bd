//! Batch generation (admins): for a dataset and a selection of its items, N answers per item,
//! scored; the best becomes a new review item against the originals or against the worst of
//! the N. Jobs are stored in SQLite and run by one task per server (`run`), which resumes them
//! after a restart; they can be paused, resumed and cancelled between items.
mod page;
#[cfg(feature = "ssr")]
pub mod run;
pub use page::GeneratePage;

use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

pub use crate::domain::job::{JobState, JobStatus, Pairing, Selection};

/// A job as an admin asks for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobSpec {
    pub selection: Selection,
    /// For `FewerThan`.
    #[serde(default)]
    pub k: u32,
    /// Answers generated per item.
    pub n: u32,
    pub pairing: Pairing,
    /// How each answer is sampled (temperature, top-p, top-k, most new tokens), as in a
    /// dataset's regeneration settings.
    #[serde(flatten)]
    pub decoding: crate::domain::decoding::Decoding,
    /// Answer i of item x is sampled with seed `seed + x * 1_000_003 + i`: a resumed job
    /// writes the same answers, and every answer's seed is stored with it.
    pub seed: u64,
    /// Generate nothing: score the selected items' answers that have no score yet (imported
    /// ones) with the dataset's reward model, so the reward-model-vs-clinician report covers
    /// every judged item.
    #[serde(default)]
    pub score_only: bool,
}

pub const MAX_N: u32 = 16;

#[cfg(feature = "ssr")]
impl JobSpec {
    pub fn check(&self) -> Result<(), crate::domain::Problem> {
        if !(1..=MAX_N).contains(&self.n) {
            return Err(crate::domain::Problem::JobN { max: MAX_N });
        }
        if self.selection == Selection::FewerThan && !(1..=20).contains(&self.k) {
            return Err(crate::domain::Problem::JobK { max: 20 });
        }
        self.sampling(vec![], 0).check()
    }

    /// The sampling of one answer.
    pub fn sampling(&self, stop: Vec<String>, seed: u64) -> super::sampling::Sampling {
        super::sampling::Sampling::of(self.decoding, stop, seed)
    }

    pub fn seed_of(&self, item: i64, answer: u32) -> u64 {
        self.seed.wrapping_add((item as u64).wrapping_mul(1_000_003)).wrapping_add(u64::from(answer))
    }
}

/// A job: what was asked for, and how far it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobView {
    pub spec: JobSpec,
    #[serde(flatten)]
    pub status: JobStatus,
    /// Why items failed, most frequent reason first (the job list fills it in).
    #[serde(default)]
    pub failures: Vec<JobFailure>,
}

/// One reason items of a job failed, and on how many. Stored as `kind: details`, the
/// details in the model's or endpoint's own words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobFailure {
    pub reason: String,
    pub items: i64,
}

crate::named_enum! {
    /// What went wrong with a job's item.
    pub enum FailureKind("failure") {
        /// The item was deleted while the job ran.
        Gone = "gone",
        /// The model or endpoint gave no answer.
        Model = "model",
        /// The reward model could not score the answer.
        Score = "score",
    }
}

impl FailureKind {
    /// The stored reason: the kind's code, then the details.
    pub fn reason(self, details: &str) -> String {
        const MAX: usize = 300;
        let mut short: String = details.chars().take(MAX).collect();
        if details.chars().nth(MAX).is_some() {
            short.push('…');
        }
        format!("{}: {short}", self.as_str())
    }
}

impl JobFailure {
    /// The kind (`None` for a reason stored by an older version) and the details.
    pub fn parts(&self) -> (Option<FailureKind>, &str) {
        let (code, details) = self.reason.split_once(": ").unwrap_or((&self.reason, ""));
        match code.parse() {
            Ok(kind) => (Some(kind), details),
            Err(_) => (None, &self.reason),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobsView {
    /// The dataset's model, if it has one (jobs need it).
    pub model: Option<String>,
    pub reward_model: Option<String>,
    pub jobs: Vec<JobView>,
}

crate::named_enum! {
    /// What an admin does to a job (between items).
    pub enum JobAction("job action") { Pause = "pause", Resume = "resume", Cancel = "cancel" }
}

/// Starts a batch job on a dataset. Admins only.
#[server(prefix = "/api", endpoint = "start_job", input = Json)]
pub async fn start_job(dataset: String, spec: JobSpec) -> Result<JobView, AppError> {
    crate::error::with_status(ssr::start(dataset, spec).await)
}

/// A dataset's jobs, newest first, with their progress. Admins only.
#[server(prefix = "/api", endpoint = "jobs")]
pub async fn generation_jobs(dataset: String) -> Result<JobsView, AppError> {
    crate::error::with_status(ssr::list(dataset).await)
}

/// Pauses, resumes or cancels a job (between items). Admins only.
#[server(prefix = "/api", endpoint = "control_job")]
pub async fn control_job(job: i64, action: JobAction) -> Result<JobView, AppError> {
    crate::error::with_status(ssr::control(job, action).await)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::auth::session::require;
    use crate::domain::{Role, UserId};
    use crate::state::app_state;
    use crate::store::jobs::{self, JobRow};

    pub fn view(row: JobRow) -> Result<JobView, AppError> {
        let spec = serde_json::from_str(&row.settings).map_err(|e| crate::error::internal("job settings", e))?;
        Ok(JobView { spec, status: row.status, failures: Vec::new() })
    }

    pub async fn start(dataset: String, spec: JobSpec) -> Result<JobView, AppError> {
        let user = require(&[Role::Admin]).await?;
        let state = app_state()?;
        spec.check()?;
        let record = crate::datasets::named(&state.pool, dataset.clone()).await?;
        // Refuse at once what the runner would fail on: no model, or one not there.
        let settings = record.review_settings()?;
        if spec.score_only && settings.reward_model.is_none() {
            return Err(crate::domain::Problem::NoRewardModel.into());
        }
        super::super::regenerate::engine_for(&state, settings.model).await?;
        let job = create(&state.pool, Some(user.id), dataset, &spec).await?;
        state.jobs.notify_one();
        Ok(job)
    }

    /// Stores a job over the dataset's matching items (the CLI calls this too: a running
    /// server's runner picks the job up).
    pub async fn create(
        pool: &crate::store::Db,
        actor: Option<UserId>,
        dataset: String,
        spec: &JobSpec,
    ) -> Result<JobView, AppError> {
        spec.check()?;
        let record = crate::datasets::named(pool, dataset).await?;
        if record.review_settings()?.model.is_none() {
            return Err(crate::domain::Problem::NoModel.into());
        }
        let settings = serde_json::to_value(spec).expect("a job spec serialises");
        let (k, n) = (i64::from(spec.k), i64::from(spec.n));
        let created = jobs::create(pool, record.id(), actor, spec.selection, k, n, &settings).await?;
        let (job, _) = created.ok_or(AppError::from(crate::domain::Problem::SelectionEmpty))?;
        view(jobs::get(pool, job).await?.ok_or(AppError::NotFound)?)
    }

    pub async fn list(dataset: String) -> Result<JobsView, AppError> {
        require(&[Role::Admin]).await?;
        of_dataset(&app_state()?.pool, dataset).await
    }

    pub async fn of_dataset(pool: &crate::store::Db, dataset: String) -> Result<JobsView, AppError> {
        let record = crate::datasets::named(pool, dataset).await?;
        let settings = record.review_settings()?;
        let mut jobs = Vec::new();
        for row in jobs::of_dataset(pool, record.id()).await? {
            let mut job = view(row)?;
            if job.status.failed > 0 {
                let reasons = jobs::failures(pool, job.status.id).await?;
                job.failures = reasons.into_iter().map(|(reason, items)| JobFailure { reason, items }).collect();
            }
            jobs.push(job);
        }
        Ok(JobsView { model: settings.model, reward_model: settings.reward_model, jobs })
    }

    pub async fn control(job: i64, action: JobAction) -> Result<JobView, AppError> {
        let user = require(&[Role::Admin]).await?;
        let state = app_state()?;
        let view = apply(&state.pool, Some(user.id), job, action).await?;
        state.jobs.notify_one();
        Ok(view)
    }

    /// Pauses, resumes or cancels a job (the CLI calls this too).
    pub async fn apply(
        pool: &crate::store::Db,
        actor: Option<UserId>,
        job: i64,
        action: JobAction,
    ) -> Result<JobView, AppError> {
        let (from, to): (&[JobState], JobState) = match action {
            JobAction::Pause => (&[JobState::Queued, JobState::Running], JobState::Paused),
            JobAction::Resume => (&[JobState::Paused], JobState::Queued),
            JobAction::Cancel => (&[JobState::Queued, JobState::Running, JobState::Paused], JobState::Cancelled),
        };
        if !jobs::transition(pool, job, from, to, None, jobs::By::Admin(actor)).await? {
            let row = jobs::get(pool, job).await?.ok_or(AppError::NotFound)?;
            return Err(crate::domain::Problem::JobState { state: row.status.state }.into());
        }
        view(jobs::get(pool, job).await?.ok_or(AppError::NotFound)?)
    }
}
