//! A reviewer's own judgments: the recent list, and changing one (kept in the audit log).
mod page;
pub use page::{EditJudgmentPage, HistoryPage};

use super::compare::ReviewItem;
use crate::domain::judgment::{JudgmentInput, ReviewSettings};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryLine {
    pub id: i64,
    /// The question's first characters.
    pub question: String,
    pub judgment: JudgmentInput,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditView {
    pub item: ReviewItem,
    pub judgment: JudgmentInput,
    pub settings: ReviewSettings,
}

/// The caller's latest judgments in a dataset (50 at most), newest first.
#[server(prefix = "/api", endpoint = "my_judgments")]
pub async fn my_judgments(dataset: String) -> Result<Vec<HistoryLine>, AppError> {
    crate::error::with_status(ssr::my_judgments(dataset).await)
}

/// One of the caller's judgments with its item, shown as the caller saw it.
#[server(prefix = "/api", endpoint = "judgment")]
pub async fn judgment(id: i64) -> Result<EditView, AppError> {
    crate::error::with_status(ssr::judgment(id).await)
}

/// Changes one of the caller's judgments; the old value stays in the audit log.
#[server(prefix = "/api", endpoint = "edit_judgment", input = Json)]
pub async fn edit_judgment(id: i64, judgment: JudgmentInput) -> Result<(), AppError> {
    crate::error::with_status(ssr::edit(id, judgment).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::session::require;
    use crate::datasets::named as dataset;
    use crate::flag::FlagTarget;
    use crate::review::REVIEWER_ROLES;
    use crate::review::compare::ssr::{record_error, review_item};
    use crate::state::app_state;
    use crate::store::{datasets, judgments};

    const HISTORY_LIMIT: i64 = 50;
    const EXCERPT_CHARS: usize = 60;

    pub async fn my_judgments(dataset_name: String) -> Result<Vec<HistoryLine>, AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let dataset = dataset(&pool, dataset_name).await?;
        Ok(judgments::recent(&pool, user.id, dataset.id, HISTORY_LIMIT)
            .await?
            .into_iter()
            .map(|j| HistoryLine {
                id: j.id,
                question: j.question.chars().take(EXCERPT_CHARS).collect(),
                judgment: j.input,
                updated_at: j.updated_at,
            })
            .collect())
    }

    pub async fn judgment(id: i64) -> Result<EditView, AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let own = judgments::own(&pool, user.id, id).await?.ok_or(AppError::NotFound)?;
        let settings = datasets::by_id(&pool, own.dataset_id).await?.ok_or(AppError::NotFound)?.review_settings()?;
        let assignment = judgments::assignment_of(&pool, id).await?.ok_or(AppError::NotFound)?;
        let item = review_item(&pool, FlagTarget::Assignment(assignment), own.item_id, &own.presentation).await?;
        Ok(EditView { item, judgment: own.input, settings })
    }

    pub async fn edit(id: i64, input: JudgmentInput) -> Result<(), AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let own = judgments::own(&pool, user.id, id).await?.ok_or(AppError::NotFound)?;
        let settings = datasets::by_id(&pool, own.dataset_id).await?.ok_or(AppError::NotFound)?.review_settings()?;
        judgments::update(&pool, user.id, id, &input, &settings).await.map_err(record_error)
    }
}
