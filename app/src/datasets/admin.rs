//! Admin controls over a dataset's review: overlap, lease, rating axes and rules, guidelines,
//! gold items; and the reviewers' gold accuracy. The CLI calls the same functions.
use crate::domain::judgment::{GoldVote, ReviewSettings};
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

/// Limits on the review set-up an admin may choose.
pub const MAX_OVERLAP: i64 = 50;
pub const LEASE_SECONDS: std::ops::RangeInclusive<i64> = 60..=86_400;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatasetConfig {
    pub overlap_target: Option<i64>,
    pub lease_seconds: Option<i64>,
    pub settings: Option<ReviewSettings>,
    pub guidelines: Option<String>,
    /// The department (科室) the dataset belongs to; empty clears it.
    #[serde(default)]
    pub department: Option<String>,
    /// How prompts are put to a model when regenerating (plain `{question}` substitution);
    /// empty clears it.
    #[serde(default)]
    pub prompt_template: Option<String>,
}

impl DatasetConfig {
    pub fn check(&self) -> Result<(), crate::domain::Problem> {
        if let Some(n) = self.overlap_target.filter(|n| !(1..=MAX_OVERLAP).contains(n)) {
            return Err(crate::domain::Problem::OverlapTarget { max: MAX_OVERLAP, found: n });
        }
        if let Some(s) = self.lease_seconds.filter(|s| !LEASE_SECONDS.contains(s)) {
            return Err(crate::domain::Problem::LeaseLength { seconds: s });
        }
        if let Some(s) = &self.settings {
            s.check()?;
        }
        if self.department.as_ref().is_some_and(|d| d.chars().count() > 50) {
            return Err(crate::domain::Problem::DepartmentTooLong { max: 50 });
        }
        if let Some(t) = self.prompt_template.as_deref().filter(|t| !t.trim().is_empty()) {
            crate::generate::template::Template::parse(t)?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerGold {
    pub reviewer: String,
    pub judged: i64,
    pub correct: i64,
}

/// Changes a dataset's review set-up (recorded in the audit log). Admins only.
#[server(prefix = "/api", endpoint = "configure_dataset", input = Json)]
pub async fn configure_dataset(dataset: String, config: DatasetConfig) -> Result<(), AppError> {
    crate::error::with_status(
        async {
            let user = crate::auth::session::require(&[crate::domain::Role::Admin]).await?;
            let pool = crate::state::app_state()?.pool;
            ssr::configure(&pool, dataset, &config, Some(user.id)).await
        }
        .await,
    )
}

/// Creates an empty dataset of a kind, set up as given (recorded in the audit log). Admins only.
#[server(prefix = "/api", endpoint = "create_dataset", input = Json)]
pub async fn create_dataset(
    name: String,
    kind: crate::import::DatasetKind,
    config: DatasetConfig,
) -> Result<(), AppError> {
    crate::error::with_status(
        async {
            let user = crate::auth::session::require(&[crate::domain::Role::Admin]).await?;
            let pool = crate::state::app_state()?.pool;
            config.check()?;
            let parsed = crate::domain::DatasetName::parse(name.clone())?;
            if crate::store::datasets::create(&pool, &parsed, kind, Some(user.id)).await?.is_none() {
                return Err(crate::domain::Problem::DatasetExists { name: parsed.to_string() }.into());
            }
            ssr::configure(&pool, name, &config, Some(user.id)).await
        }
        .await,
    )
}

/// Marks an item as gold with its known answer (`1`/`2`: the first or second answer in the
/// source is better; `tie`; `both_bad`), or unmarks it. Admins only.
#[server(prefix = "/api", endpoint = "mark_gold")]
pub async fn mark_gold(dataset: String, item: i64, answer: Option<GoldVote>) -> Result<(), AppError> {
    crate::error::with_status(
        async {
            let user = crate::auth::session::require(&[crate::domain::Role::Admin]).await?;
            let pool = crate::state::app_state()?.pool;
            ssr::mark_gold(&pool, dataset, item, answer, Some(user.id)).await
        }
        .await,
    )
}

/// Each reviewer's judgments of gold items and how many matched. Admins and auditors.
#[server(prefix = "/api", endpoint = "gold_accuracy")]
pub async fn gold_accuracy(dataset: String) -> Result<Vec<ReviewerGold>, AppError> {
    crate::error::with_status(
        async {
            use crate::domain::Role;
            crate::auth::session::require(&[Role::Admin, Role::Auditor]).await?;
            let pool = crate::state::app_state()?.pool;
            let dataset = crate::datasets::named(&pool, dataset).await?;
            Ok(crate::store::judgments::gold_accuracy(&pool, dataset.id)
                .await?
                .into_iter()
                .map(|(reviewer, judged, correct)| ReviewerGold { reviewer, judged, correct })
                .collect())
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::domain::{DatasetName, ItemId, UserId};
    use crate::store::Db;
    use crate::store::{datasets, items};

    pub async fn configure(
        pool: &Db,
        dataset: String,
        config: &DatasetConfig,
        actor: Option<UserId>,
    ) -> Result<(), AppError> {
        config.check()?;
        let name = DatasetName::parse(dataset).map_err(|_| AppError::NotFound)?;
        let changes = datasets::DatasetChanges {
            overlap_target: config.overlap_target,
            lease_seconds: config.lease_seconds,
            settings: config.settings.clone(),
            guidelines: config.guidelines.clone(),
            department: config.department.as_ref().map(|d| d.trim().to_string()),
            prompt_template: config.prompt_template.clone(),
        };
        if datasets::configure(pool, &name, &changes, actor).await? { Ok(()) } else { Err(AppError::NotFound) }
    }

    pub async fn mark_gold(
        pool: &Db,
        dataset: String,
        item: i64,
        answer: Option<GoldVote>,
        actor: Option<UserId>,
    ) -> Result<(), AppError> {
        let dataset = crate::datasets::named(pool, dataset).await?;
        if items::set_gold(pool, dataset.id(), ItemId(item), answer, actor).await? {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
}
