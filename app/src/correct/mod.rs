//! Correcting generated QA pairs: accept, edit or reject, with a character-level diff;
//! disagreements go to adjudication. Every decision becomes SFT data, and every substantive
//! fix also a preference pair (see `export`).
pub mod diff;
mod form;
mod pages;
pub use form::CorrectionForm;
pub use pages::{AdjudicatePage, CorrectPage, CorrectionHistoryPage, EditCorrectionPage};

use crate::domain::correction::{Correction, CorrectionInput};
use crate::domain::{AssignmentId, Role};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Roles that settle disputes between reviewers.
pub const ADJUDICATOR_ROLES: [Role; 2] = [Role::Admin, Role::Auditor];

/// A QA pair as the reviewer sees it: raw text to edit, HTML to read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QaItem {
    pub assignment: AssignmentId,
    pub question: String,
    pub question_html: String,
    pub answer: String,
    pub answer_html: String,
    pub system_html: Option<String>,
    pub history: Vec<(String, String)>,
    pub department: Option<String>,
    /// Task name and type (PromptCBLUE).
    pub task: Option<String>,
    pub task_type: Option<String>,
    /// The answer must be one of these (PromptCBLUE `answer_choices`), or `no_match`.
    pub choices: Option<Vec<String>>,
    pub no_match: Option<String>,
    /// Sensitive-content flags, with the question and answer highlighted.
    pub flags: crate::flag::FlagState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QaQueue {
    pub items: Vec<QaItem>,
    pub done: i64,
    pub open: i64,
    /// The dataset names a model: reviewers may regenerate the answer.
    pub can_regenerate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionLine {
    pub id: i64,
    pub question: String,
    pub correction: CorrectionInput,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionEdit {
    pub item: QaItem,
    pub correction: CorrectionInput,
}

/// An item whose reviewers disagree, with every decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dispute {
    pub item: i64,
    pub question: String,
    pub answer: String,
    pub decisions: Vec<(String, CorrectionInput)>,
}

/// The caller's current QA item and the next one, leased to them.
#[server(prefix = "/api", endpoint = "correct_queue")]
pub async fn correct_queue(dataset: String) -> Result<QaQueue, AppError> {
    crate::error::with_status(ssr::queue(dataset).await)
}

/// Records the caller's decision on their leased QA item. Returns its id.
#[server(prefix = "/api", endpoint = "correct", input = Json)]
pub async fn submit_correction(assignment: AssignmentId, correction: CorrectionInput) -> Result<i64, AppError> {
    crate::error::with_status(ssr::submit(assignment, correction).await)
}

/// Renders markdown the way answers are shown (sanitised), for the live preview.
#[server(prefix = "/api", endpoint = "preview")]
pub async fn preview(markdown: String) -> Result<String, AppError> {
    crate::error::with_status(
        async {
            crate::auth::session::require(Role::ALL).await?;
            if markdown.len() > crate::domain::correction::MAX_TEXT_BYTES {
                return Err(crate::domain::Problem::TextTooLong {
                    max_mb: (crate::domain::correction::MAX_TEXT_BYTES >> 20) as u32,
                }
                .into());
            }
            // Off the async threads, so a slow text never holds up other requests.
            tokio::task::spawn_blocking(move || crate::markdown::render(&markdown))
                .await
                .map_err(|e| crate::error::internal("preview", e))
        }
        .await,
    )
}

/// The caller's latest corrections in a dataset (50 at most).
#[server(prefix = "/api", endpoint = "my_corrections")]
pub async fn my_corrections(dataset: String) -> Result<Vec<CorrectionLine>, AppError> {
    crate::error::with_status(ssr::mine(dataset).await)
}

/// One of the caller's corrections with its item.
#[server(prefix = "/api", endpoint = "correction")]
pub async fn get_correction(id: i64) -> Result<CorrectionEdit, AppError> {
    crate::error::with_status(ssr::one(id).await)
}

/// Changes one of the caller's corrections; the old value stays in the audit log.
#[server(prefix = "/api", endpoint = "edit_correction", input = Json)]
pub async fn edit_correction(id: i64, correction: CorrectionInput) -> Result<(), AppError> {
    crate::error::with_status(ssr::edit(id, correction).await)
}

/// Items of a dataset whose reviewers disagree. Admins and auditors.
#[server(prefix = "/api", endpoint = "disputes")]
pub async fn disputes(dataset: String) -> Result<Vec<Dispute>, AppError> {
    crate::error::with_status(ssr::disputes(dataset).await)
}

/// Sets the final version of an item: one reviewer's decision or the adjudicator's own.
#[server(prefix = "/api", endpoint = "adjudicate", input = Json)]
pub async fn adjudicate(dataset: String, item: i64, decision: Correction) -> Result<(), AppError> {
    crate::error::with_status(ssr::adjudicate(dataset, item, decision).await)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::auth::session::require;
    use crate::datasets::named as dataset;
    use crate::domain::{CandidateId, ItemId};
    use crate::flag::FlagTarget;
    use crate::review::REVIEWER_ROLES;
    use crate::state::app_state;
    use crate::store::Db;
    use crate::store::corrections::{self, CorrectionError};
    use crate::store::{queue, users};
    use rand::SeedableRng;

    const PREFETCH: usize = 2;
    const LIST_LIMIT: i64 = 50;

    fn error(e: CorrectionError) -> AppError {
        match e {
            CorrectionError::NotFound => AppError::NotFound,
            CorrectionError::AlreadySubmitted => AppError::AlreadySubmitted,
            CorrectionError::LeaseLost => AppError::LeaseLost,
            CorrectionError::Invalid(p) => AppError::Correction(p),
            CorrectionError::Db(e) => e.into(),
        }
    }

    pub async fn qa_item(
        pool: &Db,
        target: FlagTarget,
        item: ItemId,
        shown: &[CandidateId],
    ) -> Result<QaItem, AppError> {
        let c = queue::content(pool, item, shown, crate::markdown::render).await?;
        // The connection goes back before the next queries take theirs: holding one while
        // waiting for another starves the pool once every connection is held that way.
        let (_, facts) = corrections::facts(&mut pool.acquire().await?, item).await?;
        let (task, meta) = crate::store::items::task_and_meta(pool, item).await?;
        let meta: serde_json::Value =
            serde_json::from_str(&meta).map_err(|e| crate::error::internal("item meta", e))?;
        if c.answers.is_empty() {
            return Err(AppError::NotFound);
        }
        // The question and answer are rendered once, with their flags highlighted.
        let flags = crate::flag::state_for(pool, target, item, shown, &c.question, &c.answers, &c.html.texts).await?;
        let answer = c.answers.into_iter().next().ok_or(AppError::NotFound)?;
        Ok(QaItem {
            assignment: target.key(),
            question_html: flags.html[0].clone(),
            question: c.question,
            answer_html: flags.html[1].clone(),
            answer,
            system_html: c.html.system.filter(|_| c.system.as_deref().is_some_and(|s| !s.trim().is_empty())),
            history: c.html.history,
            department: c.department,
            task,
            task_type: meta["task_type"].as_str().map(String::from),
            choices: facts.choices,
            no_match: facts.no_match,
            flags,
        })
    }

    pub async fn queue(name: String) -> Result<QaQueue, AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let dataset = dataset(&pool, name).await?;
        if dataset.kind != crate::domain::DatasetKind::Correct {
            return Err(AppError::NotFound);
        }
        let reviewer = queue::Reviewer { id: user.id, specialties: users::specialties(&pool, user.id).await? };
        let mut rng = rand::rngs::StdRng::from_entropy();
        let leases = queue::lease(&pool, &dataset, &reviewer, 0.0, PREFETCH, &mut rng).await?;
        let mut items = Vec::with_capacity(leases.len());
        for a in &leases {
            items.push(qa_item(&pool, FlagTarget::Assignment(a.id), a.item_id, &a.presentation).await?);
        }
        let (done, open) = queue::progress(&pool, &dataset, user.id, 0.0).await?;
        let can_regenerate = dataset.review_settings()?.model.is_some();
        Ok(QaQueue { items, done, open, can_regenerate })
    }

    /// What the detectors find in a correction's new texts (stored with it).
    fn spans_of((question, answer): (Option<&str>, Option<&str>)) -> corrections::EditSpans {
        let detect = |t: Option<&str>| t.map(crate::flag::detect::detect).unwrap_or_default();
        corrections::EditSpans { question: detect(question), answer: detect(answer) }
    }

    pub async fn submit(assignment: AssignmentId, input: CorrectionInput) -> Result<i64, AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let spans = spans_of(input.correction.stored_texts());
        corrections::record(&pool, user.id, assignment, &input, spans).await.map_err(error)
    }

    pub async fn mine(name: String) -> Result<Vec<CorrectionLine>, AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let dataset = dataset(&pool, name).await?;
        Ok(corrections::recent(&pool, user.id, dataset.id, LIST_LIMIT)
            .await?
            .into_iter()
            .map(|(id, question, correction, updated_at)| CorrectionLine {
                id,
                question: question.chars().take(60).collect(),
                correction,
                updated_at,
            })
            .collect())
    }

    pub async fn one(id: i64) -> Result<CorrectionEdit, AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let own = corrections::own(&pool, user.id, id).await?.ok_or(AppError::NotFound)?;
        let (_, _, shown) = queue::assignment(&pool, own.assignment).await?.ok_or(AppError::NotFound)?;
        let item = qa_item(&pool, FlagTarget::Assignment(own.assignment), own.item_id, &shown).await?;
        Ok(CorrectionEdit { item, correction: own.input })
    }

    pub async fn edit(id: i64, input: CorrectionInput) -> Result<(), AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let spans = spans_of(input.correction.stored_texts());
        corrections::update(&pool, user.id, id, &input, &spans).await.map_err(error)
    }

    pub async fn disputes(name: String) -> Result<Vec<Dispute>, AppError> {
        require(&ADJUDICATOR_ROLES).await?;
        let pool = app_state()?.pool;
        let dataset = dataset(&pool, name).await?;
        let mut out = Vec::new();
        for d in corrections::disputed(&pool, dataset.id).await? {
            let decisions = corrections::decisions(&pool, d.item).await?;
            out.push(Dispute { item: d.item.0, question: d.question, answer: d.answer, decisions });
        }
        Ok(out)
    }

    pub async fn adjudicate(name: String, item: i64, decision: Correction) -> Result<(), AppError> {
        let user = require(&ADJUDICATOR_ROLES).await?;
        let pool = app_state()?.pool;
        let dataset = dataset(&pool, name).await?;
        // The item must belong to the named dataset: ids of other datasets look missing.
        if !crate::store::items::belongs(&pool, ItemId(item), dataset.id()).await? {
            return Err(AppError::NotFound);
        }
        if let Correction::Edit { answer, .. } = &decision
            && answer.trim().is_empty()
        {
            return Err(AppError::Correction(crate::domain::correction::CorrectionProblem::EmptyAnswer));
        }
        let spans = match &decision {
            Correction::Edit { question, answer } => spans_of((question.as_deref(), Some(answer))),
            _ => corrections::EditSpans::default(),
        };
        Ok(corrections::adjudicate(&pool, user.id, ItemId(item), &decision, &spans).await?)
    }
}
