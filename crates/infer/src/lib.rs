//! The local model runtime: ONNX Runtime loaded at run time ([`runtime`]), a model directory
//! in the optimum layout ([`model`]), decoding with a KV cache and seeded sampling
//! ([`decoder`], [`sampling`]), reward models ([`reward`]), and the thread that owns a model
//! ([`worker`]). No web and no database: the app's generation screens and jobs call it.
pub mod decoder;
pub mod model;
pub mod reward;
pub mod runtime;
pub mod sampling;
pub mod worker;
