//! The clinicians' screens (sign-in, home, compare, correct and their histories) are linked into
//! the main WebAssembly file; every other screen is a lazy route: built with
//! `cargo leptos build --split`, its code is cut out into chunks the browser fetches when the
//! route is first shown, so a clinician never downloads the admin console, the audits or the
//! generation jobs (issue 15). The review screens stay eager on purpose: a lazy screen hydrates
//! only after its chunks, dozens of small files for a large screen, have been fetched and
//! instantiated one by one — measured, that made the compare screen interactive in 2.9 s instead
//! of 0.7 s. Without `--split` the lazy routes are linked in as usual, so the debug build and the
//! tests behave alike.
//!
//! The page hydrates once the current screen's chunk has arrived (`hydrate_lazy`), and each
//! screen ends in a [`HydrationMark`] that sets the body's `data-hydrated` mark, what browser tests
//! and the page-timing script wait for before they press a key.
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// One lazy route per screen: `$route` is the router's handle, `$page` the screen's component.
macro_rules! lazy_pages {
    ($($route:ident => $page:path),* $(,)?) => {$(
        #[doc = concat!("The lazily loaded route of [`", stringify!($page), "`].")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { {untrack($page)} <HydrationMark/> }.into_any()
            }
        }
    )*};
}

/// One eagerly linked screen: `$route` is what the router shows, `$page` the screen's component.
macro_rules! eager_pages {
    ($($route:ident => $page:path),* $(,)?) => {$(
        #[doc = concat!("[`", stringify!($page), "`], linked into the main bundle.")]
        #[allow(non_snake_case)]
        pub fn $route() -> impl IntoView {
            view! { {untrack($page)} <HydrationMark/> }
        }
    )*};
}

eager_pages! {
    Login => crate::auth::LoginPage,
    Home => crate::datasets::HomePage,
    Compare => crate::review::compare::ComparePage,
    History => crate::review::history::HistoryPage,
    EditJudgment => crate::review::history::EditJudgmentPage,
    Correct => crate::correct::CorrectPage,
    CorrectionHistory => crate::correct::CorrectionHistoryPage,
    EditCorrection => crate::correct::EditCorrectionPage,
}

lazy_pages! {
    Adjudicate => crate::correct::AdjudicatePage,
    FlagQueue => crate::flag::FlagQueuePage,
    FlaggedItem => crate::flag::FlaggedItemPage,
    Admin => crate::datasets::AdminPage,
    Audits => crate::audit::AuditsPage,
    Agreement => crate::audit::AgreementPage,
    AuditResults => crate::audit::AuditResultsPage,
    AuditLabel => crate::audit::AuditLabelPage,
    Dataset => crate::datasets::DatasetPage,
    Items => crate::items::ItemsPage,
    Generate => crate::generate::jobs::GeneratePage,
    Item => crate::items::ItemPage,
    People => crate::people::PeoplePage,
    Reviewer => crate::people::ReviewerPage,
}

/// Rendered at the end of every screen: once the screen has hydrated, the body gets the mark.
#[component]
pub fn HydrationMark() -> impl IntoView {
    // The effect runs once the screen around it has hydrated; the timer after every queued
    // microtask, so content under <Suspense>/<Transition>, hydrated in tasks queued by then, is
    // live before the mark says so.
    Effect::new(|_| set_timeout(mark_hydrated, std::time::Duration::ZERO));
}

fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
