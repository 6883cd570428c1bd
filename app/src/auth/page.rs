use super::{Login, use_user};
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// The sign-in form. It works without JavaScript too (a plain form post).
#[component]
pub fn LoginPage() -> impl IntoView {
    let i18n = use_i18n();
    let user = use_user();
    let login = ServerAction::<Login>::new();

    Effect::new(move |_| {
        if let Some(Ok(())) = login.value().get() {
            crate::app::load_page("/");
        }
    });
    let error = move || match login.value().get() {
        Some(Err(e)) => Some(i18n.t().error(&e)),
        _ => None,
    };

    view! {
        <Suspense>
            {move || Suspend::new(async move {
                matches!(user.await, Ok(Some(_))).then(|| view! { <Redirect path="/"/> })
            })}
        </Suspense>
        <section class="login card">
            <h1>{move || i18n.t().login_title}</h1>
            <ActionForm action=login>
                <label>
                    <span>{move || i18n.t().login_username}</span>
                    <input type="text" name="username" autocomplete="username" required autofocus/>
                </label>
                <label>
                    <span>{move || i18n.t().login_password}</span>
                    <input type="password" name="password" autocomplete="current-password" required/>
                </label>
                <button type="submit" class="primary" disabled=move || login.pending().get()>
                    {move || i18n.t().login_submit}
                </button>
            </ActionForm>
            <p class="error" role="alert">{error}</p>
        </section>
    }
}
