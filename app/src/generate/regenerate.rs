//! `POST /api/regenerate?assignment=ID`: a new answer to the caller's own assignment by the
//! dataset's model, streamed as it is written. JSON Lines: `{"piece": "…"}` per piece of text,
//! then `{"done": {…}}` with the answer, its provenance and the id it is kept under (see
//! `add_generated`), or `{"error": "…"}`. The score is stored, not sent: reviewers do not see
//! scores. A reader who goes away stops the model at the next token.
use super::engine::{Answer, Engine, Event, Provenance};
use super::models::ModelError;
use super::sampling::Sampling;
use super::score::score;
use super::template::Template;
use crate::auth::session::require_in;
use crate::domain::prompt::Prompt;
use crate::domain::{AssignmentId, ItemId, UserId};
use crate::error::{AppError, internal};
use crate::review::REVIEWER_ROLES;
use crate::state::AppState;
use crate::store::items::{Generated, NewCandidate};
use crate::store::{browse, datasets, generated, queue};
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

/// The last line of a stream: the answer, how it was made, and the id it is kept under.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Regenerated {
    pub draft: i64,
    pub text: String,
    pub model: String,
    #[serde(flatten)]
    pub provenance: Provenance,
}

/// Turns a dataset's answers into candidates: scored, with their provenance.
pub struct Keeper {
    pub state: AppState,
    pub engine: Engine,
    pub template: Template,
    pub reward_model: Option<String>,
}

impl Keeper {
    /// `answer` to `prompt` (as the template wrote it), made with `sampling`, as a candidate;
    /// with its provenance.
    pub async fn candidate(
        &self,
        prompt: &str,
        sampling: &Sampling,
        answer: &Answer,
        job: Option<i64>,
    ) -> Result<(NewCandidate, Provenance), ModelError> {
        let score = score(&self.state.models, self.reward_model.as_deref(), prompt, answer).await?;
        let provenance = self.engine.provenance(&self.template, sampling, answer);
        let candidate = NewCandidate {
            body: answer.text.clone(),
            model: Some(self.engine.name().to_string()),
            prior_label: None,
            generated: Some(Generated {
                generation: serde_json::to_string(&provenance).expect("provenance serialises"),
                score: score.value,
                score_kind: Some(score.kind.as_str().to_string()),
                job,
            }),
        };
        Ok((candidate, provenance))
    }
}

/// The engine a dataset's settings name, as an error a reader can act on when it cannot run.
pub async fn engine_for(state: &AppState, model: Option<String>) -> Result<Engine, AppError> {
    let name = model.ok_or(AppError::from(crate::domain::Problem::NoModel))?;
    match state.models.engine(&state.pool, &name).await {
        Ok(engine) => Ok(engine),
        Err(ModelError::NotInstalled(name)) => Err(crate::domain::Problem::ModelNotInstalled { name }.into()),
        Err(ModelError::Failed(e)) => Err(internal("starting the model", e)),
    }
}

pub async fn regenerate(
    State(state): State<AppState>,
    session: Session,
    params: Result<Query<RegenerateRequest>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, AppError> {
    let body = start(&state, &session, params).await?;
    Response::builder()
        .header(http::header::CONTENT_TYPE, "application/x-ndjson; charset=utf-8")
        .body(body)
        .map_err(|e| internal("regenerate response", e))
}

async fn start(
    state: &AppState,
    session: &Session,
    params: Result<Query<RegenerateRequest>, axum::extract::rejection::QueryRejection>,
) -> Result<Body, AppError> {
    let user = require_in(session, &state.pool, &REVIEWER_ROLES).await?;
    let Query(request) = params?;
    let (owner, item, _) =
        queue::assignment(&state.pool, AssignmentId(request.assignment)).await?.ok_or(AppError::NotFound)?;
    if owner != user.id {
        return Err(AppError::NotFound);
    }
    let facts = browse::item(&state.pool, item).await?.ok_or(AppError::NotFound)?;
    let record = datasets::by_id(&state.pool, facts.dataset_id).await?.ok_or(AppError::NotFound)?;
    let settings = record.review_settings()?;
    let template = Template::parse(record.prompt_template.as_deref().unwrap_or(""))?;
    let history: Vec<(String, String)> =
        serde_json::from_str(&facts.history).map_err(|e| internal("item history", e))?;
    let conversation = Prompt { system: facts.system.as_deref(), history: &history, question: &facts.question };
    let engine = engine_for(state, settings.model).await?;
    // The dataset's sampling with a fresh seed, kept with the answer.
    let sampling = Sampling::of(settings.regeneration, engine.stops(&template), u64::from(rand::random::<u32>()));
    let events = engine.stream(&conversation, &template, sampling.clone());
    let pending = Pending {
        prompt: template.render(&conversation),
        keeper: Keeper { state: state.clone(), engine, template, reward_model: settings.reward_model },
        sampling,
        item,
        user: user.id,
    };
    let lines = futures::stream::unfold((events, pending), |(mut events, pending)| async move {
        let line = match events.recv().await? {
            Event::Piece(p) => serde_json::json!({ "piece": p }),
            Event::Done(Ok(answer)) => match pending.keep(&answer).await {
                Ok(done) => serde_json::json!({ "done": done }),
                Err(e) => {
                    tracing::error!("keeping a regenerated answer: {e}");
                    serde_json::json!({ "error": "the answer could not be kept" })
                }
            },
            Event::Done(Err(e)) => {
                tracing::error!("regenerating: {e}");
                serde_json::json!({ "error": "the model could not answer" })
            }
        };
        Some((Ok::<_, std::convert::Infallible>(Bytes::from(format!("{line}\n"))), (events, pending)))
    });
    Ok(Body::from_stream(lines))
}

/// A regeneration under way, and what its answer is kept with.
struct Pending {
    keeper: Keeper,
    prompt: String,
    sampling: Sampling,
    item: ItemId,
    user: UserId,
}

impl Pending {
    /// Scores and stores the answer for its reviewer: the stream's last line.
    async fn keep(&self, answer: &Answer) -> Result<Regenerated, String> {
        let k = &self.keeper;
        let (candidate, provenance) =
            k.candidate(&self.prompt, &self.sampling, answer, None).await.map_err(|e| format!("{e:?}"))?;
        let draft =
            generated::save_draft(&k.state.pool, self.item, self.user, &candidate).await.map_err(|e| e.to_string())?;
        Ok(Regenerated { draft, text: answer.text.clone(), model: k.engine.name().to_string(), provenance })
    }
}
