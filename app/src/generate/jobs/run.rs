//! The job runner: one task per server, taking the oldest queued or interrupted job and
//! working through its items one at a time. An item's new review items and its "done" mark
//! are written in one transaction, so a server killed mid-item redoes that item (with the same
//! seeds) and nothing else. Pause and cancel take effect between answers; a paused item's
//! answers so far are dropped and written again on resume.
use super::{FailureKind, JobSpec, JobState};
use crate::domain::ItemId;
use crate::domain::prompt::Prompt;
use crate::error::AppError;
use crate::generate::derive::answer_sets;
use crate::generate::engine::Engine;
use crate::generate::regenerate::{Keeper, engine_for};
use crate::generate::template::Template;
use crate::import::DatasetKind;
use crate::state::AppState;
use crate::store::jobs::By;
use crate::store::{begin_write, datasets, generated, jobs};
use std::time::Duration;

/// How long the runner sleeps when there is nothing to do, unless woken (a job started or
/// resumed).
const IDLE: Duration = Duration::from_secs(5);

/// Starts the runner for as long as the server runs.
pub fn spawn(state: AppState) {
    tokio::spawn(async move {
        loop {
            match jobs::next_runnable(&state.pool).await {
                Ok(Some(job)) => {
                    if let Err(e) = run(&state, job).await {
                        tracing::error!("generation job {job}: {e}");
                        let message = "the job stopped on an internal error; see the server log";
                        let _ = jobs::transition(
                            &state.pool,
                            job,
                            &[JobState::Running],
                            JobState::Failed,
                            Some(message),
                            By::Runner,
                        )
                        .await;
                    }
                }
                Ok(None) => {
                    let _ = tokio::time::timeout(IDLE, state.jobs.notified()).await;
                }
                Err(e) => {
                    tracing::error!("looking for generation jobs: {e}");
                    tokio::time::sleep(IDLE).await;
                }
            }
        }
    });
}

/// What stays the same for every item of a job.
struct Job {
    id: i64,
    spec: JobSpec,
    kind: DatasetKind,
    keeper: Keeper,
}

async fn run(state: &AppState, id: i64) -> Result<(), String> {
    let row = jobs::get(&state.pool, id).await.map_err(|e| e.to_string())?.ok_or("the job is gone")?;
    let spec: JobSpec = serde_json::from_str(&row.settings).map_err(|e| format!("job settings: {e}"))?;
    let record = datasets::by_id(&state.pool, row.dataset_id).await.map_err(|e| e.to_string())?.ok_or("no dataset")?;
    if !jobs::transition(&state.pool, id, &[JobState::Queued, JobState::Running], JobState::Running, None, By::Runner)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(());
    }
    let settings = record.review_settings().map_err(|e| e.to_string())?;
    let fail = |message: String| async move {
        jobs::transition(&state.pool, id, &[JobState::Running], JobState::Failed, Some(&message), By::Runner)
            .await
            .map_err(|e| e.to_string())
    };
    let template = match Template::parse(record.prompt_template.as_deref().unwrap_or("")) {
        Ok(t) => t,
        Err(e) => return fail(e.to_string()).await.map(drop),
    };
    let engine: Engine = match engine_for(state, settings.model).await {
        Ok(e) => e,
        Err(AppError::Invalid(problem)) => return fail(problem.0.to_string()).await.map(drop),
        Err(e) => return Err(format!("{e:?}")),
    };
    let kind = record.kind;
    let keeper = Keeper { state: state.clone(), engine, template, reward_model: settings.reward_model };
    let job = Job { id, spec, kind, keeper };
    loop {
        if !running(state, id).await? {
            return Ok(()); // paused or cancelled
        }
        let Some(item) = jobs::next_item(&state.pool, id).await.map_err(|e| e.to_string())? else {
            jobs::transition(&state.pool, id, &[JobState::Running], JobState::Done, None, By::Runner)
                .await
                .map_err(|e| e.to_string())?;
            return Ok(());
        };
        do_item(state, &job, item).await?;
    }
}

async fn running(state: &AppState, job: i64) -> Result<bool, String> {
    let mut conn = state.pool.acquire().await.map_err(|e| e.to_string())?;
    Ok(jobs::state(&mut conn, job).await.map_err(|e| e.to_string())? == Some(JobState::Running))
}

/// Generates, scores and stores one item's answers. Errors returned stop the job; a model
/// that fails on this item marks the item failed and the job goes on.
async fn do_item(state: &AppState, job: &Job, item: ItemId) -> Result<(), String> {
    let db = |e: sqlx::Error| e.to_string();
    let parent = {
        let mut conn = state.pool.acquire().await.map_err(db)?;
        generated::parent(&mut conn, item).await.map_err(db)?
    };
    let Some(parent) = parent else { return fail_item(state, job.id, item, &FailureKind::Gone.reason("")).await };
    if job.spec.score_only {
        return score_item(state, job, item, &parent).await;
    }
    let keeper = &job.keeper;
    let conversation = Prompt {
        system: parent.item.system.as_deref(),
        history: &parent.item.history,
        question: &parent.item.question,
    };
    let prompt = keeper.template.render(&conversation);
    let mut answers = Vec::with_capacity(job.spec.n as usize);
    for i in 0..job.spec.n {
        let sampling = job.spec.sampling(keeper.engine.stops(&keeper.template), job.spec.seed_of(item.0, i));
        let answer = match keeper.engine.answer(&conversation, &keeper.template, sampling.clone()).await {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!("job {} item {}: {e}", job.id, item.0);
                return fail_item(state, job.id, item, &FailureKind::Model.reason(&e)).await;
            }
        };
        match keeper.candidate(&prompt, &sampling, &answer, Some(job.id)).await {
            Ok((c, _)) => answers.push(c),
            Err(e) => {
                tracing::warn!("job {} item {}: scoring: {e:?}", job.id, item.0);
                return fail_item(state, job.id, item, &FailureKind::Score.reason(&format!("{e:?}"))).await;
            }
        }
        if !running(state, job.id).await? {
            return Ok(());
        }
    }
    // Best first; answers without a score (an endpoint without log-probabilities) last.
    let score = |c: &crate::store::items::NewCandidate| c.generated.as_ref().and_then(|g| g.score).unwrap_or(f64::MIN);
    answers.sort_by(|a, b| score(b).total_cmp(&score(a)));
    let sets = answer_sets(job.kind, parent.answers(), answers, job.spec.pairing);
    // Detected and rendered before the write begins: CPU work outside the write lock.
    let scanned: Vec<_> = parent.derived(sets).into_iter().map(crate::import::scan::scan).collect();
    let mut tx = begin_write(&state.pool).await.map_err(db)?;
    if jobs::state(&mut tx, job.id).await.map_err(db)? != Some(JobState::Running) {
        return Ok(()); // cancelled or paused meanwhile: keep nothing
    }
    let created = generated::derive(&mut tx, &parent, None, &scanned).await.map_err(db)?;
    if jobs::finish_item(&mut tx, job.id, item, created.len(), None).await.map_err(db)? {
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}

/// A score-only job's item: its answers without a score get the reward model's; nothing new
/// is made. The scores and the item's "done" mark are written together.
async fn score_item(state: &AppState, job: &Job, item: ItemId, parent: &generated::Parent) -> Result<(), String> {
    let db = |e: sqlx::Error| e.to_string();
    let keeper = &job.keeper;
    let Some(reward) = keeper.reward_model.as_deref() else {
        return fail_item(state, job.id, item, &FailureKind::Score.reason("the dataset has no reward model")).await;
    };
    let conversation = Prompt {
        system: parent.item.system.as_deref(),
        history: &parent.item.history,
        question: &parent.item.question,
    };
    let prompt = keeper.template.render(&conversation);
    let unscored = {
        let mut conn = state.pool.acquire().await.map_err(db)?;
        generated::unscored(&mut conn, item).await.map_err(db)?
    };
    let mut scores = Vec::with_capacity(unscored.len());
    for (candidate, body) in unscored {
        match crate::generate::score::by_reward_model(&state.models, reward, format!("{prompt}{body}")).await {
            Ok(score) => scores.push((candidate, score)),
            Err(e) => return fail_item(state, job.id, item, &FailureKind::Score.reason(&format!("{e:?}"))).await,
        }
    }
    let mut tx = begin_write(&state.pool).await.map_err(db)?;
    if jobs::state(&mut tx, job.id).await.map_err(db)? != Some(JobState::Running) {
        return Ok(());
    }
    for (candidate, score) in scores {
        generated::set_score(&mut tx, candidate, score, crate::generate::reward::ScoreKind::RewardModel.as_str())
            .await
            .map_err(db)?;
    }
    if jobs::finish_item(&mut tx, job.id, item, 0, None).await.map_err(db)? {
        tx.commit().await.map_err(db)?;
    }
    Ok(())
}

async fn fail_item(state: &AppState, job: i64, item: ItemId, error: &str) -> Result<(), String> {
    let mut tx = begin_write(&state.pool).await.map_err(|e| e.to_string())?;
    jobs::finish_item(&mut tx, job, item, 0, Some(error)).await.map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())
}
