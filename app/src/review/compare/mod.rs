//! The compare screen's server side: the reviewer's queue, judging, skipping, guidelines.
mod form;
pub mod help;
mod page;
mod ranking;
mod ratings;
pub use form::{JudgmentForm, answer_label};
pub use page::ComparePage;

use crate::domain::AssignmentId;
use crate::domain::judgment::{JudgmentInput, ReviewSettings, SkipReason};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// One answer as shown: sanitised HTML rendered on the server, and its length in characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerView {
    pub html: String,
    pub chars: usize,
}

/// An item as the reviewer sees it. No model names, no source labels, no gold marks: the
/// answers' order was drawn at random for this reviewer and only the server can map it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewItem {
    pub assignment: AssignmentId,
    pub system_html: Option<String>,
    /// Earlier turns as (question, answer) HTML.
    pub history: Vec<(String, String)>,
    pub question_html: String,
    pub department: Option<String>,
    pub answers: Vec<AnswerView>,
    /// Sensitive-content flags, with the question and answers highlighted.
    pub flags: crate::flag::FlagState,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueView {
    /// The item to show now and, when there is one, the next (already leased, so it can be
    /// shown the moment the current one is submitted).
    pub items: Vec<ReviewItem>,
    /// Items this reviewer has judged in the dataset.
    pub done: i64,
    /// Items this reviewer may still be given, including the ones in `items`.
    pub open: i64,
    pub settings: ReviewSettings,
}

/// The reviewer's current item and the next one, leased to them.
#[server(prefix = "/api", endpoint = "queue")]
pub async fn review_queue(dataset: String) -> Result<QueueView, AppError> {
    crate::error::with_status(ssr::review_queue(dataset).await)
}

/// Records a judgment of the caller's own leased item. Returns the judgment's id.
#[server(prefix = "/api", endpoint = "judge", input = Json)]
pub async fn judge(assignment: AssignmentId, judgment: JudgmentInput) -> Result<i64, AppError> {
    crate::error::with_status(ssr::judge(assignment, judgment).await)
}

/// Passes on the caller's leased item; they will not be given it again.
#[server(prefix = "/api", endpoint = "skip")]
pub async fn skip_item(assignment: AssignmentId, reason: SkipReason) -> Result<(), AppError> {
    crate::error::with_status(ssr::skip(assignment, reason).await)
}

/// The dataset's guidelines, rendered to sanitised HTML.
#[server(prefix = "/api", endpoint = "guidelines")]
pub async fn guidelines(dataset: String) -> Result<String, AppError> {
    crate::error::with_status(ssr::guidelines(dataset).await)
}

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use super::*;
    use crate::auth::session::require;
    use crate::domain::{CandidateId, ItemId};
    use crate::flag::FlagTarget;
    use crate::markdown::render;
    use crate::review::REVIEWER_ROLES;
    use crate::state::app_state;
    use crate::store::Db;
    use crate::store::{datasets, judgments, queue, users};
    use rand::SeedableRng;

    /// How many items a reviewer holds: the one on screen and the next.
    const PREFETCH: usize = 2;

    pub async fn review_item(
        pool: &Db,
        target: FlagTarget,
        item: ItemId,
        shown: &[CandidateId],
    ) -> Result<ReviewItem, AppError> {
        let c = queue::content(pool, item, shown, crate::markdown::render).await?;
        // The question and answers are rendered once, with their flags highlighted.
        let flags = crate::flag::state_for(pool, target, item, shown, &c.question, &c.answers, &c.html.texts).await?;
        Ok(ReviewItem {
            assignment: target.key(),
            system_html: c.html.system.filter(|_| c.system.as_deref().is_some_and(|s| !s.trim().is_empty())),
            history: c.html.history,
            question_html: flags.html[0].clone(),
            department: c.department,
            answers: c
                .answers
                .iter()
                .zip(&flags.html[1..])
                .map(|(body, html)| AnswerView { html: html.clone(), chars: body.chars().count() })
                .collect(),
            flags,
        })
    }

    pub async fn review_queue(dataset_name: String) -> Result<QueueView, AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let dataset = crate::datasets::named(&pool, dataset_name).await?;
        let settings = dataset.review_settings()?;
        let reviewer = queue::Reviewer { id: user.id, specialties: users::specialties(&pool, user.id).await? };
        let mut rng = rand::rngs::StdRng::from_entropy();
        let leases = queue::lease(&pool, &dataset, &reviewer, settings.gold_rate, PREFETCH, &mut rng).await?;
        let mut items = Vec::with_capacity(leases.len());
        for a in &leases {
            items.push(review_item(&pool, FlagTarget::Assignment(a.id), a.item_id, &a.presentation).await?);
        }
        let (done, open) = queue::progress(&pool, &dataset, user.id, settings.gold_rate).await?;
        Ok(QueueView { items, done, open, settings })
    }

    pub fn record_error(e: judgments::RecordError) -> AppError {
        match e {
            judgments::RecordError::NotFound => AppError::NotFound,
            judgments::RecordError::AlreadySubmitted => AppError::AlreadySubmitted,
            judgments::RecordError::LeaseLost => AppError::LeaseLost,
            judgments::RecordError::Invalid(p) => AppError::Judgment(p),
            judgments::RecordError::Db(e) => e.into(),
        }
    }

    /// The review settings of the dataset an assignment belongs to.
    async fn settings_of_assignment(pool: &Db, assignment: AssignmentId) -> Result<ReviewSettings, AppError> {
        let dataset = datasets::of_assignment(pool, assignment).await?.ok_or(AppError::NotFound)?;
        Ok(dataset.review_settings()?)
    }

    pub async fn judge(assignment: AssignmentId, input: JudgmentInput) -> Result<i64, AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let settings = settings_of_assignment(&pool, assignment).await?;
        judgments::record(&pool, user.id, assignment, &input, &settings).await.map_err(record_error)
    }

    pub async fn skip(assignment: AssignmentId, reason: SkipReason) -> Result<(), AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        if queue::skip(&pool, user.id, assignment, reason).await? { Ok(()) } else { Err(AppError::NotFound) }
    }

    pub async fn guidelines(dataset_name: String) -> Result<String, AppError> {
        require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        Ok(render(&crate::datasets::named(&pool, dataset_name).await?.guidelines))
    }
}
