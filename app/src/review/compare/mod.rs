//! Pairwise comparison: the next pair for a reviewer, and their vote.
mod page;
pub use page::ComparePage;

use crate::domain::{AssignmentId, Vote};
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One answer as shown: sanitised HTML rendered on the server, and its length in characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerView {
    pub html: String,
    pub chars: usize,
}

/// A pair as the reviewer sees it. No model names, no source labels: the left/right order
/// was drawn at random for this reviewer and is known to the server only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairView {
    pub assignment: AssignmentId,
    pub system_html: Option<String>,
    /// Earlier turns as (question, answer) HTML.
    pub history: Vec<(String, String)>,
    pub question_html: String,
    pub answers: Vec<AnswerView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextUp {
    pub pair: Option<PairView>,
    /// Items this reviewer has judged in the dataset.
    pub done: i64,
    /// Items this reviewer may still be given (including the one shown).
    pub open: i64,
}

/// The reviewer's current pair in a dataset (leased to them), or the next one.
#[server(prefix = "/api", endpoint = "next_pair")]
pub async fn next_pair(dataset: String) -> Result<NextUp, AppError> {
    crate::error::with_status(ssr::next_pair(dataset).await)
}

/// Records a vote on the caller's own assignment. `A` is the answer shown on the left.
#[server(prefix = "/api", endpoint = "vote")]
pub async fn submit_vote(assignment: AssignmentId, vote: Vote) -> Result<(), AppError> {
    crate::error::with_status(ssr::submit_vote(assignment, vote).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::session::require;
    use crate::domain::DatasetName;
    use crate::markdown::render;
    use crate::review::REVIEWER_ROLES;
    use crate::state::app_state;
    use crate::store::{datasets, judgments, queue};

    pub async fn next_pair(dataset: String) -> Result<NextUp, AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let state = app_state()?;
        let name = DatasetName::parse(dataset).map_err(|_| AppError::NotFound)?;
        let dataset = datasets::by_name(&state.pool, &name).await?.ok_or(AppError::NotFound)?;
        let assignment = queue::next(&state.pool, &dataset, user.id).await?;
        let (done, open) = queue::progress(&state.pool, &dataset, user.id).await?;
        let pair = match assignment {
            None => None,
            Some(a) => {
                let c = queue::content(&state.pool, &a).await?;
                Some(PairView {
                    assignment: a.id,
                    system_html: c.system.as_deref().filter(|s| !s.trim().is_empty()).map(render),
                    history: c.history.iter().map(|(q, a)| (render(q), render(a))).collect(),
                    question_html: render(&c.question),
                    answers: c
                        .answers
                        .iter()
                        .map(|body| AnswerView { html: render(body), chars: body.chars().count() })
                        .collect(),
                })
            }
        };
        Ok(NextUp { pair, done, open })
    }

    pub async fn submit_vote(assignment: AssignmentId, vote: Vote) -> Result<(), AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let state = app_state()?;
        judgments::record_vote(&state.pool, user.id, assignment, vote).await.map_err(|e| match e {
            judgments::RecordError::NotFound => AppError::NotFound,
            judgments::RecordError::AlreadySubmitted => AppError::AlreadySubmitted,
            judgments::RecordError::Db(e) => e.into(),
        })
    }
}
