//! What writes an answer: a local ONNX model on its own thread, or an admin-configured
//! OpenAI-compatible endpoint. Both stream pieces of text, then the whole answer, and both
//! are named by datasets the same way.
use super::remote::Endpoint;
use super::sampling::Sampling;
use super::template::Template;
use super::worker::{self, Generator};
use crate::domain::prompt::Prompt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::mpsc;

/// A finished answer, whichever backend wrote it.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub text: String,
    pub tokens: usize,
    /// Ended by the model (its end-of-answer token or a stop string), not by the length limit.
    pub finished: bool,
    /// Mean log-probability of the answer's tokens, when the backend reports them.
    pub mean_logprob: Option<f64>,
}

#[derive(Debug)]
pub enum Event {
    Piece(String),
    Done(Result<Answer, String>),
}

/// How an answer was made: stored as JSON with it (`candidates.generation`) and exported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// `onnx` (local) or `openai` (an OpenAI-compatible endpoint).
    pub backend: String,
    /// `chatml`, `chimed`, an admin's template text, or `messages` for chat endpoints.
    pub template: String,
    pub sampling: Sampling,
    pub tokens: usize,
    pub finished: bool,
}

#[derive(Clone)]
pub enum Engine {
    Local(Arc<Generator>),
    Remote(Arc<Endpoint>),
}

impl Engine {
    /// The name datasets use for it: what provenance records as the model.
    pub fn name(&self) -> &str {
        match self {
            Engine::Local(g) => &g.model,
            Engine::Remote(e) => &e.name,
        }
    }

    /// Stop strings for this backend and template: chat endpoints apply their own template.
    pub fn stops(&self, template: &Template) -> Vec<String> {
        match self {
            Engine::Local(_) => template.stops(),
            Engine::Remote(_) => vec![],
        }
    }

    /// Starts writing an answer; dropping the receiver stops it.
    pub fn stream(
        &self,
        conversation: &Prompt<'_>,
        template: &Template,
        sampling: Sampling,
    ) -> mpsc::UnboundedReceiver<Event> {
        let (tx, rx) = mpsc::unbounded_channel();
        match self {
            Engine::Local(generator) => {
                let mut events = generator.stream(template.render(conversation), sampling);
                tokio::spawn(async move {
                    while let Some(event) = events.recv().await {
                        let event = match event {
                            worker::Event::Piece(p) => Event::Piece(p),
                            worker::Event::Done(done) => Event::Done(done.map(|g| Answer {
                                mean_logprob: g.tokens.mean_logprob(),
                                tokens: g.tokens.ids.len(),
                                finished: g.tokens.finished || g.stopped_by.is_some(),
                                text: g.text,
                            })),
                        };
                        if tx.send(event).is_err() {
                            return; // the reader left: dropping `events` stops the model
                        }
                    }
                });
            }
            Engine::Remote(endpoint) => {
                let endpoint = endpoint.clone();
                let messages = super::remote::messages(conversation);
                tokio::spawn(async move { endpoint.stream(messages, sampling, tx).await });
            }
        }
        rx
    }

    /// The whole answer (batch jobs).
    pub async fn answer(
        &self,
        conversation: &Prompt<'_>,
        template: &Template,
        sampling: Sampling,
    ) -> Result<Answer, String> {
        let mut events = self.stream(conversation, template, sampling);
        while let Some(event) = events.recv().await {
            if let Event::Done(done) = event {
                return done;
            }
        }
        Err("the model stopped without an answer".into())
    }

    /// The provenance of `answer`, written by this engine with `template` and `sampling`.
    pub fn provenance(&self, template: &Template, sampling: &Sampling, answer: &Answer) -> Provenance {
        let (backend, template) = match self {
            Engine::Local(_) => ("onnx", template.as_stored()),
            Engine::Remote(_) => ("openai", "messages"),
        };
        Provenance {
            backend: backend.into(),
            template: template.into(),
            sampling: sampling.clone(),
            tokens: answer.tokens,
            finished: answer.finished,
        }
    }
}
