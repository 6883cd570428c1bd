//! Sensitive content in Chinese medical text: detectors find spans on import and on every
//! edited answer, reviewers confirm, dismiss or add spans and item-level flags, admins
//! resolve them (redact, edit, exclude), and exports leave out or redact what is unresolved.
mod api;
pub mod bulk;
mod panel;
mod queue;
#[cfg(feature = "ssr")]
pub mod resolve;
pub use crate::domain::flag::*;
pub use api::*;
pub use bulk::{BulkPanel, CategoryState, flag_bulk, flag_categories, flag_gating};
/// The detectors and redaction (`crates/detect`).
#[cfg(feature = "ssr")]
pub use medpref_detect::{detect, redact};
pub use panel::{FlagPanel, field_attr};
pub use queue::{FlagQueuePage, FlaggedItemPage, text_label};
