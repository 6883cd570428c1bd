//! The models an admin can give a dataset: the local model folder's directories and the
//! OpenAI-compatible endpoints configured here (address, model name, key, timeout, retries).
//! Keys are write-only: they are never sent back to a browser.
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointView {
    pub name: String,
    pub base_url: String,
    pub model: String,
    pub has_key: bool,
    pub timeout_secs: i64,
    pub retries: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelsView {
    /// Directories of the local models folder (decoders and reward models).
    pub local: Vec<String>,
    pub endpoints: Vec<EndpointView>,
}

/// An endpoint as an admin enters it; an empty key keeps the stored one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointInput {
    pub name: String,
    pub base_url: String,
    pub model: String,
    #[serde(default)]
    pub api_key: Option<String>,
    pub timeout_secs: i64,
    pub retries: i64,
}

impl EndpointInput {
    pub fn check(&self) -> Result<(), crate::domain::Problem> {
        let name_ok = (1..=64).contains(&self.name.len())
            && self.name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            && crate::domain::judgment::check_model_name(&self.name).is_ok();
        if !name_ok {
            return Err(crate::domain::Problem::EndpointName);
        }
        if self.model.trim().is_empty() || self.model.len() > 200 {
            return Err(crate::domain::Problem::EndpointModel);
        }
        if !(1..=3600).contains(&self.timeout_secs) {
            return Err(crate::domain::Problem::EndpointTimeout);
        }
        if !(0..=10).contains(&self.retries) {
            return Err(crate::domain::Problem::EndpointRetries);
        }
        Ok(())
    }
}

/// Local models and configured endpoints. Admins only.
#[server(prefix = "/api", endpoint = "models")]
pub async fn available_models() -> Result<ModelsView, AppError> {
    crate::error::with_status(ssr::list().await)
}

/// Adds or changes an OpenAI-compatible endpoint. Admins only.
#[server(prefix = "/api", endpoint = "save_endpoint", input = Json)]
pub async fn save_endpoint(endpoint: EndpointInput) -> Result<(), AppError> {
    crate::error::with_status(ssr::save(endpoint).await)
}

/// Removes an endpoint. Admins only.
#[server(prefix = "/api", endpoint = "remove_endpoint")]
pub async fn remove_endpoint(name: String) -> Result<(), AppError> {
    crate::error::with_status(ssr::remove(name).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::auth::session::require;
    use crate::domain::Role;
    use crate::generate::remote::{EndpointConfig, check_base_url};
    use crate::state::app_state;
    use crate::store::endpoints;

    pub async fn list() -> Result<ModelsView, AppError> {
        require(&[Role::Admin]).await?;
        let state = app_state()?;
        let endpoints = endpoints::all(&state.pool)
            .await?
            .into_iter()
            .map(|c| EndpointView {
                has_key: c.api_key.as_deref().is_some_and(|k| !k.is_empty()),
                name: c.name,
                base_url: c.base_url,
                model: c.model,
                timeout_secs: c.timeout_secs,
                retries: c.retries,
            })
            .collect();
        Ok(ModelsView { local: state.models.names(), endpoints })
    }

    pub async fn save(input: EndpointInput) -> Result<(), AppError> {
        let user = require(&[Role::Admin]).await?;
        let state = app_state()?;
        input.check()?;
        let url = check_base_url(&input.base_url)?;
        if state.models.names().contains(&input.name) {
            return Err(crate::domain::Problem::LocalModelName { name: input.name }.into());
        }
        // The stored key belongs to the address it was entered for: a new address needs it again,
        // or re-saving with a new address and no key would send the key to the new host.
        let stored = crate::store::endpoints::by_name(&state.pool, &input.name).await?;
        let no_key = input.api_key.as_deref().is_none_or(|k| k.trim().is_empty());
        let new_url = url.as_str().trim_end_matches('/');
        if let Some(old) = stored.filter(|s| s.api_key.is_some() && s.base_url != new_url)
            && no_key
        {
            return Err(crate::domain::Problem::KeyForNewAddress { old: old.base_url }.into());
        }
        let config = EndpointConfig {
            name: input.name,
            base_url: url.as_str().trim_end_matches('/').to_string(),
            model: input.model.trim().to_string(),
            api_key: input.api_key.filter(|k| !k.trim().is_empty()).map(|k| k.trim().to_string()),
            timeout_secs: input.timeout_secs,
            retries: input.retries,
        };
        Ok(endpoints::save(&state.pool, &config, user.id).await?)
    }

    pub async fn remove(name: String) -> Result<(), AppError> {
        let user = require(&[Role::Admin]).await?;
        let pool = app_state()?.pool;
        if endpoints::remove(&pool, &name, user.id).await? { Ok(()) } else { Err(AppError::NotFound) }
    }
}
