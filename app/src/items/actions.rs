//! What an admin does to items from the browse list and the item record: mark gold with a
//! known answer, unmark, exclude — one item or a selection, all or none.
use crate::domain::judgment::GoldVote;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// An action on a selection of items.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum ItemAction {
    /// Gold with this known answer (two-answer items only).
    Gold { answer: GoldVote },
    /// No longer gold.
    Ungold,
    /// Out of every queue and export; its active flags resolved as excluded.
    Exclude,
}

pub use crate::domain::item::{ItemActionProblem, MAX_SELECTION};

/// Applies `action` to `items` of `dataset` in one write (admins). Returns how many.
#[server(prefix = "/api", endpoint = "item_action", input = Json)]
pub async fn act_on_items(dataset: String, items: Vec<i64>, action: ItemAction) -> Result<usize, AppError> {
    crate::error::with_status(
        async {
            let user = crate::auth::session::require(&[crate::domain::Role::Admin]).await?;
            let pool = crate::state::app_state()?.pool;
            ssr::apply(&pool, dataset, &items, action, user.id).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::domain::{ItemId, UserId};
    use crate::store::{flags, items};

    pub async fn apply(
        pool: &crate::store::Db,
        dataset: String,
        ids: &[i64],
        action: ItemAction,
        actor: UserId,
    ) -> Result<usize, AppError> {
        let refuse = |p| Err(AppError::ItemAction(p));
        if ids.is_empty() {
            return refuse(ItemActionProblem::NothingChosen);
        }
        if ids.len() > MAX_SELECTION {
            return refuse(ItemActionProblem::TooMany);
        }
        let dataset = crate::datasets::named(pool, dataset).await?;
        let mut chosen: Vec<ItemId> = ids.iter().map(|&i| ItemId(i)).collect();
        chosen.sort_by_key(|i| i.0);
        chosen.dedup();
        let done = match action {
            ItemAction::Gold { answer } => {
                items::set_gold_many(pool, dataset.id(), &chosen, Some(answer), Some(actor)).await?
            }
            ItemAction::Ungold => items::set_gold_many(pool, dataset.id(), &chosen, None, Some(actor)).await?,
            ItemAction::Exclude => flags::exclude_many(pool, dataset.id, &chosen, actor).await?,
        };
        match done {
            Ok(()) => Ok(chosen.len()),
            Err(item) => refuse(ItemActionProblem::NotApplicable(item.0)),
        }
    }
}
