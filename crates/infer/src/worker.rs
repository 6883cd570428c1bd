//! One thread owns a model and runs one generation at a time: ONNX Runtime's `run` needs
//! exclusive access, and two generations on two cores would only halve each other. Requests
//! queue on a channel; the async server waits on its answer's channel, never on the model.
use super::model::{GeneratedText, LocalModel};
use super::sampling::Sampling;
use std::path::Path;
use std::sync::mpsc;
use tokio::sync::mpsc as async_mpsc;

/// What a generation sends back: pieces of text as they come, then the whole answer.
#[derive(Debug)]
pub enum Event {
    Piece(String),
    Done(Result<GeneratedText, String>),
}

struct Request {
    prompt: String,
    sampling: Sampling,
    events: async_mpsc::UnboundedSender<Event>,
}

/// A handle to the model's thread; cheap to share (`Send + Sync`).
pub struct Generator {
    /// The model's name (its directory's), for provenance.
    pub model: String,
    requests: mpsc::Sender<Request>,
}

impl Generator {
    /// Loads the model on a thread of its own; errors (a bad directory, no runtime) come back here.
    pub fn start(dir: &Path, threads: usize) -> Result<Self, String> {
        let (ready_tx, ready) = mpsc::channel();
        let (requests, queue) = mpsc::channel::<Request>();
        let dir = dir.to_owned();
        std::thread::Builder::new()
            .name("medpref-model".into())
            .spawn(move || {
                let mut model = match LocalModel::open(&dir, threads) {
                    Ok(m) => m,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(model.name.clone()));
                for r in queue {
                    // A closed channel means nobody reads any more: stop generating.
                    let result =
                        model.generate(&r.prompt, &r.sampling, |p| r.events.send(Event::Piece(p.into())).is_ok());
                    let _ = r.events.send(Event::Done(result));
                }
            })
            .map_err(|e| format!("starting the model thread: {e}"))?;
        let model = ready.recv().map_err(|_| "the model thread stopped".to_string())??;
        Ok(Generator { model, requests })
    }

    /// Queues a generation; its events arrive on the returned channel. Dropping the channel
    /// stops the generation at its next token.
    pub fn stream(&self, prompt: String, sampling: Sampling) -> async_mpsc::UnboundedReceiver<Event> {
        let (events, rx) = async_mpsc::unbounded_channel();
        if let Err(mpsc::SendError(r)) = self.requests.send(Request { prompt, sampling, events }) {
            let _ = r.events.send(Event::Done(Err("the model thread stopped".into())));
        }
        rx
    }

    /// The whole answer (batch jobs).
    pub async fn answer(&self, prompt: String, sampling: Sampling) -> Result<GeneratedText, String> {
        let mut events = self.stream(prompt, sampling);
        while let Some(event) = events.recv().await {
            if let Event::Done(result) = event {
                return result;
            }
        }
        Err("the model thread stopped".into())
    }
}
