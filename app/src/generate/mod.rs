//! Generating answers with a local model (ONNX Runtime through `ort`): the runtime, a model
//! directory, decoding with a KV cache and sampling, the model's thread, and prompt templates.
#[cfg(feature = "ssr")]
pub mod decoder;
#[cfg(feature = "ssr")]
pub mod model;
#[cfg(feature = "ssr")]
pub mod models;
#[cfg(feature = "ssr")]
pub mod regenerate;
#[cfg(feature = "ssr")]
pub mod runtime;
#[cfg(feature = "ssr")]
pub mod sampling;
pub mod template;
#[cfg(feature = "ssr")]
pub mod worker;
