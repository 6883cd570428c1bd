//! Adding a regenerated answer as a new candidate: it becomes new review items (new vs each
//! original answer; for correct datasets, the new answer to check), which need fresh judgments.
//! The reviewer's judgment of the old pair stays as it was, and they are not given the new
//! items (they know which answer is new).
use crate::error::AppError;
use leptos::prelude::*;

/// Adds the caller's regenerated answer (kept under `draft` by `/api/regenerate`); returns how
/// many review items it made. Reviewers only, their own answers only, once.
#[server(prefix = "/api", endpoint = "add_generated")]
pub async fn add_generated(draft: i64) -> Result<usize, AppError> {
    crate::error::with_status(ssr::add(draft).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::session::require;
    use crate::domain::ItemId;
    use crate::generate::derive::answer_sets;
    use crate::generate::jobs::Pairing;
    use crate::review::REVIEWER_ROLES;
    use crate::state::app_state;
    use crate::store::{audit, begin_write, datasets, generated};

    pub async fn add(draft_id: i64) -> Result<usize, AppError> {
        let user = require(&REVIEWER_ROLES).await?;
        let pool = app_state()?.pool;
        let mut tx = begin_write(&pool).await?;
        let draft =
            generated::draft(&mut tx, draft_id).await?.filter(|d| d.user_id == user.id.0).ok_or(AppError::NotFound)?;
        if draft.added_at.is_some() {
            return Err(crate::domain::Problem::AnswerExists.into());
        }
        let parent = generated::parent(&mut tx, ItemId(draft.item_id)).await?.ok_or(AppError::NotFound)?;
        let record = datasets::by_id(&pool, parent.dataset).await?.ok_or(AppError::NotFound)?;
        let sets = answer_sets(record.kind, parent.answers(), vec![draft.candidate()], Pairing::BestVsOriginal);
        let scanned: Vec<_> = parent.derived(sets).into_iter().map(crate::import::scan::scan).collect();
        let created = generated::derive(&mut tx, &parent, Some(user.id), &scanned).await?;
        generated::mark_added(&mut tx, draft.id).await?;
        let detail = serde_json::json!({ "draft": draft.id, "model": draft.model, "items": created.iter().map(|i| i.0).collect::<Vec<_>>() });
        audit::record(&mut tx, Some(user.id), "generated_added", "item", Some(parent.id.0), detail).await?;
        tx.commit().await?;
        Ok(created.len())
    }
}
