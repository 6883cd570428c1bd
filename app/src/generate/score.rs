//! Scoring generated answers: the dataset's reward model when it names one, otherwise the
//! answer's mean token log-probability under the model that wrote it (labelled as such).
use super::engine::Answer;
use super::models::{ModelError, Models};
use super::reward::ScoreKind;
use std::sync::Arc;

/// A score and what it means; `None` when the backend reported no log-probabilities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Score {
    pub value: Option<f64>,
    pub kind: ScoreKind,
}

/// Scores `answer` to the prompt `prompt` (as the dataset's template writes it).
pub async fn score(
    models: &Arc<Models>,
    reward_model: Option<&str>,
    prompt: &str,
    answer: &Answer,
) -> Result<Score, ModelError> {
    let Some(name) = reward_model else {
        return Ok(Score { value: answer.mean_logprob, kind: ScoreKind::MeanLogprob });
    };
    let value = by_reward_model(models, name, format!("{prompt}{}", answer.text)).await?;
    Ok(Score { value: Some(value), kind: ScoreKind::RewardModel })
}

/// The reward model `name`'s score of a prompt followed by its answer, off the async threads.
pub async fn by_reward_model(models: &Arc<Models>, name: &str, text: String) -> Result<f64, ModelError> {
    let (models, name) = (models.clone(), name.to_string());
    tokio::task::spawn_blocking(move || models.reward(&name)?.score(&text).map_err(ModelError::Failed))
        .await
        .map_err(|e| ModelError::Failed(e.to_string()))?
}
