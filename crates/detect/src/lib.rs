//! medpref's sensitive-content detectors: [`detect::detect`] finds spans, [`redact::redact`]
//! replaces them by placeholders, [`corpus`] is the labelled corpus they are measured on
//! (`cargo run --release -p medpref-detect --example flag_corpus`).
pub mod corpus;
pub mod detect;
pub mod redact;

pub use detect::{Span, detect};
pub use redact::redact;
