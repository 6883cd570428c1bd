//! Generating answers: a local model (ONNX Runtime through `ort`: the runtime, a model
//! directory, decoding with a KV cache and sampling, the model's thread) or an OpenAI-compatible
//! endpoint; prompt templates; scoring; regenerating in review; batch jobs.
pub mod add;
#[cfg(feature = "ssr")]
pub mod derive;
pub mod endpoints;
#[cfg(feature = "ssr")]
pub mod engine;
pub mod jobs;
#[cfg(feature = "ssr")]
pub mod models;
pub mod models_card;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod regenerate;
#[cfg(feature = "ssr")]
pub mod remote;
#[cfg(feature = "ssr")]
pub mod score;
pub mod template;
/// The local model runtime (`crates/infer`).
#[cfg(feature = "ssr")]
pub use medpref_infer::{decoder, model, reward, runtime, sampling, worker};
