//! Sensitive content in Chinese medical text: detection now; review, the flag queue,
//! redaction and export gating build on it (issue 5).
#[cfg(feature = "ssr")]
pub mod detect;
