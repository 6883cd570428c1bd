//! Sensitive content in Chinese medical text: detection, review, the flag queue,
//! redaction and export gating.
#[cfg(feature = "ssr")]
pub mod corpus;
#[cfg(feature = "ssr")]
pub mod detect;
