//! The page shell, the router and the frame around every page.
use crate::auth::{Logout, UserResource, me, use_user};
use crate::i18n::{I18n, Lang, SetLanguage, use_i18n};
use crate::pages;
use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::Lazy;
use leptos_router::components::{A, Route, Router, Routes};
use leptos_router::path;

/// The language of the request being rendered (server) or of the page being hydrated (browser),
/// so both sides render the same strings.
fn initial_lang() -> Lang {
    #[cfg(feature = "ssr")]
    {
        use_context::<http::request::Parts>()
            .and_then(|p| p.headers.get(http::header::COOKIE)?.to_str().ok().map(Lang::from_cookie_header))
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        #[cfg(feature = "hydrate")]
        if let Some(tag) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
            .and_then(|e| e.get_attribute("lang"))
        {
            return Lang::from_tag(&tag).unwrap_or_default();
        }
        Lang::default()
    }
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    let lang = initial_lang();
    #[cfg(feature = "ssr")]
    content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang=lang.tag()>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HashedStylesheet options=options.clone()/>
                <HydrationScripts options/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Sets a per-response Content-Security-Policy whose script nonce Leptos puts on its own
/// scripts: even if sanitising ever failed, an injected script would not run, and no page
/// can load images or connect anywhere but this server.
#[cfg(feature = "ssr")]
fn content_security_policy() {
    leptos::nonce::provide_nonce();
    let (Some(nonce), Some(resp)) = (leptos::nonce::use_nonce(), use_context::<leptos_axum::ResponseOptions>()) else {
        return;
    };
    let policy = format!(
        "default-src 'self'; script-src 'nonce-{nonce}' 'strict-dynamic' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    if let Ok(v) = http::HeaderValue::from_str(&policy) {
        resp.insert_header(http::header::CONTENT_SECURITY_POLICY, v);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = RwSignal::new(initial_lang());
    provide_context(I18n(lang));
    let user: UserResource = Resource::new(|| (), |_| me());
    provide_context(user);

    view! {
        <Title text=move || lang.get().catalog().app_title/>
        <Router>
            <Header/>
            <main>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=pages::Home/>
                    <Route path=path!("/login") view=pages::Login/>
                    <Route path=path!("/review/:dataset") view=pages::Compare/>
                    <Route path=path!("/review/:dataset/history") view=pages::History/>
                    <Route path=path!("/review/:dataset/judgment/:id") view=pages::EditJudgment/>
                    <Route path=path!("/correct/:dataset") view=pages::Correct/>
                    <Route path=path!("/correct/:dataset/history") view=pages::CorrectionHistory/>
                    <Route path=path!("/correct/:dataset/correction/:id") view=pages::EditCorrection/>
                    <Route path=path!("/adjudicate/:dataset") view={Lazy::<pages::Adjudicate>::new()}/>
                    <Route path=path!("/flags") view={Lazy::<pages::FlagQueue>::new()}/>
                    <Route path=path!("/flags/:item") view={Lazy::<pages::FlaggedItem>::new()}/>
                    <Route path=path!("/admin") view={Lazy::<pages::Admin>::new()}/>
                    <Route path=path!("/audit") view={Lazy::<pages::Audits>::new()}/>
                    <Route path=path!("/audit/datasets/:dataset") view={Lazy::<pages::Agreement>::new()}/>
                    <Route path=path!("/audit/:id") view={Lazy::<pages::AuditResults>::new()}/>
                    <Route path=path!("/audit/:id/label") view={Lazy::<pages::AuditLabel>::new()}/>
                    <Route path=path!("/admin/datasets/:dataset") view={Lazy::<pages::Dataset>::new()}/>
                    <Route path=path!("/admin/datasets/:dataset/items") view={Lazy::<pages::Items>::new()}/>
                    <Route path=path!("/admin/datasets/:dataset/generate") view={Lazy::<pages::Generate>::new()}/>
                    <Route path=path!("/admin/items/:item") view={Lazy::<pages::Item>::new()}/>
                    <Route path=path!("/admin/people") view={Lazy::<pages::People>::new()}/>
                    <Route path=path!("/admin/people/:name") view={Lazy::<pages::Reviewer>::new()}/>
                </Routes>
            </main>
        </Router>
    }
}

/// Loads a page in full (not a client-side route change), so that every part of it,
/// including the header's view of who is signed in, starts from the new session.
pub fn load_page(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

#[component]
fn NotFound() -> impl IntoView {
    let i18n = use_i18n();
    #[cfg(feature = "ssr")]
    if let Some(resp) = use_context::<leptos_axum::ResponseOptions>() {
        resp.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <p class="card">{move || i18n.t().err_not_found}</p>
        <pages::HydrationMark/>
    }
}

#[component]
fn Header() -> impl IntoView {
    let i18n = use_i18n();
    let user = use_user();
    let logout = ServerAction::<Logout>::new();
    let set_language = ServerAction::<SetLanguage>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = logout.value().get() {
            load_page("/login");
        }
    });
    let switch_language = move |_| {
        let next = i18n.lang().other();
        i18n.0.set(next);
        #[cfg(feature = "hydrate")]
        if let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) {
            let _ = root.set_attribute("lang", next.tag());
        }
        set_language.dispatch(SetLanguage { lang: next });
    };

    view! {
        <header class="top">
            <A href="/" attr:class="brand">"medpref"</A>
            <span class="tagline">{move || i18n.t().tagline}</span>
            <span class="spacer"></span>
            <button type="button" class="link" id="switch-language" on:click=switch_language>
                {move || i18n.t().switch_language}
            </button>
            <Transition>
                {move || Suspend::new(async move {
                    user.await.ok().flatten().map(|u| {
                        let role = u.role;
                        view! {
                            {(role == crate::domain::Role::Admin).then(|| view! {
                                <A href="/admin" attr:id="admin-link">{move || i18n.t().admin.admin_link}</A>
                                <A href="/flags" attr:id="flags-link">{move || i18n.t().flag.queue_link}</A>
                            })}
                            {matches!(role, crate::domain::Role::Admin | crate::domain::Role::Auditor).then(|| view! {
                                <A href="/audit" attr:id="audit-link">{move || i18n.t().audit.link}</A>
                            })}
                            <span class="who">
                                {move || i18n.t().signed_in_as} " " <b>{u.username.clone()}</b>
                                " (" {move || i18n.t().role(role)} ")"
                            </span>
                            <ActionForm action=logout attr:class="inline">
                                <button type="submit" class="link" id="sign-out">{move || i18n.t().sign_out}</button>
                            </ActionForm>
                        }
                    })
                })}
            </Transition>
        </header>
    }
}
