//! The `?` keys overlay and the `G` guidelines panel.
use crate::i18n::use_i18n;
use leptos::prelude::*;

/// Which list of keys a help overlay shows.
pub type KeyList = fn(&'static crate::i18n::Catalog) -> &'static [(&'static str, &'static str)];

#[component]
pub fn KeysHelp(open: RwSignal<bool>, keys: KeyList) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || open.get()>
            <div class="overlay" role="dialog" aria-modal="true" id="keys-help" on:click=move |_| open.set(false)>
                <div class="card" on:click=|ev| ev.stop_propagation()>
                    <h2>{move || i18n.t().keys_title}</h2>
                    <table class="keys">
                        <tbody>
                            {move || keys(i18n.t()).iter().map(|(k, what)| view! {
                                <tr><th><kbd>{*k}</kbd></th><td>{*what}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                    <button type="button" on:click=move |_| open.set(false)>{move || i18n.t().close} " (Esc)"</button>
                </div>
            </div>
        </Show>
    }
}

#[component]
pub fn GuidelinesPanel(open: RwSignal<bool>, html: Signal<Option<String>>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || open.get()>
            <aside class="guidelines card" id="guidelines">
                <header>
                    <h2>{move || i18n.t().guidelines}</h2>
                    <button type="button" class="link" on:click=move |_| open.set(false)>{move || i18n.t().close}</button>
                </header>
                {move || match html.get() {
                    None => view! { <p>{i18n.t().loading}</p> }.into_any(),
                    Some(h) if h.trim().is_empty() => view! { <p class="muted">{i18n.t().no_guidelines}</p> }.into_any(),
                    Some(h) => view! { <div class="md" inner_html=h></div> }.into_any(),
                }}
            </aside>
        </Show>
    }
}
