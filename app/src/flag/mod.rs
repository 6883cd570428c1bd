//! Sensitive content in Chinese medical text: detectors find spans on import and on every
//! edited answer, reviewers confirm, dismiss or add spans and item-level flags, admins
//! resolve them (redact, edit, exclude), and exports leave out or redact what is unresolved.
mod api;
pub mod bulk;
#[cfg(feature = "ssr")]
pub mod corpus;
#[cfg(feature = "ssr")]
pub mod detect;
mod panel;
mod queue;
#[cfg(feature = "ssr")]
pub mod redact;
pub use crate::domain::flag::*;
pub use api::*;
pub use bulk::{BulkPanel, CategoryState, flag_bulk, flag_categories, flag_gating};
pub use panel::{FlagPanel, field_attr};
pub use queue::{FlagQueuePage, FlaggedItemPage, text_label};
