//! An OpenAI-compatible endpoint as an admin configured it (`model_endpoints`).

/// An endpoint as an admin configured it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct EndpointConfig {
    pub name: String,
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub timeout_secs: i64,
    pub retries: i64,
}
