//! `POST /api/regenerate?assignment=ID`: a new answer to the caller's own assignment by the
//! dataset's local model, streamed as it is written. JSON Lines: `{"piece": "…"}` per piece of
//! text, then `{"done": {…}}` with the answer and its provenance, or `{"error": "…"}`.
//! The model runs on its own thread; a reader who goes away stops it at the next token.
use super::models::ModelError;
use super::sampling::Sampling;
use super::template::{Conversation, Template};
use super::worker::Event;
use crate::auth::session::require_in;
use crate::domain::AssignmentId;
use crate::error::{AppError, internal, respond};
use crate::review::REVIEWER_ROLES;
use crate::state::AppState;
use crate::store::{browse, datasets, queue};
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use tower_sessions::Session;

pub const PATH: &str = "/api/regenerate";

#[derive(Debug, Deserialize)]
pub struct RegenerateRequest {
    pub assignment: i64,
}

/// The last line of a stream: the answer and how it was made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regenerated {
    pub text: String,
    pub model: String,
    pub template: String,
    pub sampling: Sampling,
    pub tokens: usize,
    /// Ended by the model's end-of-answer token (not the length limit).
    pub finished: bool,
    pub mean_logprob: Option<f64>,
}

/// How answers are regenerated: varied but on topic; a fresh seed each time, kept with the answer.
fn sampling(template: &Template) -> Sampling {
    Sampling {
        temperature: 0.7,
        top_k: 0,
        top_p: 0.9,
        max_new_tokens: 512,
        stop: template.stops(),
        seed: u64::from(rand::random::<u32>()),
    }
}

pub async fn regenerate(
    State(state): State<AppState>,
    session: Session,
    params: Result<Query<RegenerateRequest>, axum::extract::rejection::QueryRejection>,
) -> Response {
    match start(&state, &session, params).await {
        Ok(body) => Response::builder()
            .header(http::header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")
            .body(body)
            .unwrap_or_else(|e| respond(internal("regenerate response", e))),
        Err(e) => respond(e),
    }
}

async fn start(
    state: &AppState,
    session: &Session,
    params: Result<Query<RegenerateRequest>, axum::extract::rejection::QueryRejection>,
) -> Result<Body, AppError> {
    let user = require_in(session, &state.pool, &REVIEWER_ROLES).await?;
    let Query(request) = params.map_err(|e| AppError::Invalid(e.body_text()))?;
    let (owner, item, _) =
        queue::assignment(&state.pool, AssignmentId(request.assignment)).await?.ok_or(AppError::NotFound)?;
    if owner != user.id {
        return Err(AppError::NotFound);
    }
    let facts = browse::item(&state.pool, item).await?.ok_or(AppError::NotFound)?;
    let record = datasets::by_id(&state.pool, facts.dataset_id).await?.ok_or(AppError::NotFound)?;
    let model_name = record
        .review_settings()?
        .model
        .ok_or_else(|| AppError::Invalid("this dataset has no model to regenerate answers with".into()))?;
    let template = Template::parse(record.prompt_template.as_deref().unwrap_or("")).map_err(AppError::Invalid)?;
    let history: Vec<(String, String)> =
        serde_json::from_str(&facts.history).map_err(|e| internal("item history", e))?;
    let conversation = Conversation { system: facts.system.as_deref(), history: &history, question: &facts.question };
    let prompt = template.render(&conversation);

    let models = state.models.clone();
    let generator = match tokio::task::spawn_blocking(move || models.get(&model_name)).await {
        Ok(Ok(g)) => g,
        Ok(Err(ModelError::NotInstalled(name))) => {
            return Err(AppError::Invalid(format!("this dataset's model `{name}` is not installed on the server")));
        }
        Ok(Err(ModelError::Failed(e))) => return Err(internal("starting the model", e)),
        Err(e) => return Err(internal("starting the model", e)),
    };
    let sampling = sampling(&template);
    let events = generator.stream(prompt, sampling.clone());
    let done = move |answer: super::model::GeneratedText| Regenerated {
        mean_logprob: answer.tokens.mean_logprob(),
        tokens: answer.tokens.ids.len(),
        finished: answer.tokens.finished,
        text: answer.text,
        model: generator.model.clone(),
        template: template.as_stored().to_string(),
        sampling: sampling.clone(),
    };
    let lines = futures::stream::unfold((events, done), |(mut events, done)| async move {
        let line = match events.recv().await? {
            Event::Piece(p) => serde_json::json!({ "piece": p }),
            Event::Done(Ok(answer)) => serde_json::json!({ "done": done(answer) }),
            Event::Done(Err(e)) => {
                tracing::error!("regenerating: {e}");
                serde_json::json!({ "error": "the model could not answer" })
            }
        };
        Some((Ok::<_, std::convert::Infallible>(Bytes::from(format!("{line}\n"))), (events, done)))
    });
    Ok(Body::from_stream(lines))
}
