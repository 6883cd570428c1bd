//! Generating answers with a local model (ONNX Runtime through `ort`): the runtime, a model
//! directory, decoding with a KV cache and sampling. Server side only.
#[cfg(feature = "ssr")]
pub mod decoder;
#[cfg(feature = "ssr")]
pub mod model;
#[cfg(feature = "ssr")]
pub mod runtime;
#[cfg(feature = "ssr")]
pub mod sampling;
