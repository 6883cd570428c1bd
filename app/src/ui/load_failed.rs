//! The one view of a page whose data could not be loaded.
use crate::error::AppError;
use crate::i18n::use_i18n;
use leptos::prelude::*;

/// What a page shows when its data could not be loaded: the sign-in page when the session
/// is gone, otherwise the error in the reader's language.
pub fn load_failed(e: AppError) -> AnyView {
    if e == AppError::Unauthenticated {
        return view! { <leptos_router::components::Redirect path="/login"/> }.into_any();
    }
    let i18n = use_i18n();
    view! { <p class="error card">{i18n.t().error(&e)}</p> }.into_any()
}
