//! What several capabilities' screens share: the review-queue session kit (hiding a finished
//! item while the queue reloads, page keys, progress bar, history table), bar charts, the
//! view of a page that could not load, and the download header of every file.
#[cfg(feature = "ssr")]
pub mod attachment;
pub mod charts;
pub mod keys;
pub mod load_failed;
pub mod queue;

#[cfg(feature = "ssr")]
pub use attachment::attachment;
pub use load_failed::load_failed;
