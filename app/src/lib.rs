//! medpref's web application: Leptos components and the `#[server]` functions they call.
//!
//! One folder per capability (`auth`, `review`, `import`, `export`, …). Modules marked
//! `ssr` exist only in the server build; the browser bundle never links them.
#![recursion_limit = "256"]

pub mod app;
pub mod audit;
pub mod auth;
pub mod correct;
pub mod datasets;
pub mod error;
pub mod export;
pub mod flag;
pub mod generate;
pub mod i18n;
pub mod import;
pub mod items;
pub mod pages;
pub mod review;
pub mod ui;

#[cfg(feature = "ssr")]
pub mod markdown;
pub mod people;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;

pub use app::{App, shell};
/// The domain at the bottom (its own crate, `crates/domain`): every capability names it as
/// `crate::domain`.
pub use medpref_domain as domain;
pub use medpref_domain::named_enum;

/// The browser entry point: attaches event handlers to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Lazy routes (see `pages`): hydration waits for the current screen's chunk.
    leptos::mount::hydrate_lazy(App);
}
