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
pub mod domain;
pub mod error;
pub mod export;
pub mod flag;
pub mod generate;
pub mod i18n;
pub mod import;
pub mod items;
pub mod review;

#[cfg(feature = "ssr")]
pub mod markdown;
pub mod people;
#[cfg(feature = "ssr")]
pub mod state;
#[cfg(feature = "ssr")]
pub mod store;

pub use app::{App, shell};

/// The browser entry point: attaches event handlers to the server-rendered page.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(App);
    // Lets browser tests (and curious people) see that the page is interactive now. Content
    // under <Suspense>/<Transition> hydrates in tasks queued by the line above: the mark waits
    // for them (a timer runs after every queued microtask), so no click lands on a dead button.
    leptos::prelude::set_timeout(
        || {
            if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
                let _ = body.set_attribute("data-hydrated", "true");
            }
        },
        std::time::Duration::ZERO,
    );
}
