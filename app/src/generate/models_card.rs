//! The admin console's models card: the local models folder's directories, and the
//! OpenAI-compatible endpoints (add, change, remove). Keys are typed in, never shown.
use super::endpoints::{EndpointInput, available_models, remove_endpoint, save_endpoint};
use crate::i18n::use_i18n;
use leptos::prelude::*;

#[component]
pub fn ModelsCard() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().generate;
    let models = Resource::new(|| (), |_| available_models());
    let name = RwSignal::new(String::new());
    let base_url = RwSignal::new(String::new());
    let model = RwSignal::new(String::new());
    let key = RwSignal::new(String::new());
    let timeout = RwSignal::new("120".to_string());
    let retries = RwSignal::new("2".to_string());
    let status = RwSignal::new(None::<Result<(), String>>);
    let save = Action::new(move |_: &()| {
        let input = EndpointInput {
            name: name.get_untracked().trim().to_string(),
            base_url: base_url.get_untracked(),
            model: model.get_untracked(),
            api_key: Some(key.get_untracked()).filter(|k| !k.trim().is_empty()),
            timeout_secs: timeout.get_untracked().trim().parse().unwrap_or(0),
            retries: retries.get_untracked().trim().parse().unwrap_or(-1),
        };
        async move {
            let result = save_endpoint(input).await.map_err(|e| i18n.t().error(&e));
            if result.is_ok() {
                key.set(String::new());
                models.refetch();
            }
            status.set(Some(result));
        }
    });
    let remove = Action::new(move |name: &String| {
        let name = name.clone();
        async move {
            let _ = remove_endpoint(name).await;
            models.refetch();
        }
    });
    view! {
        <section class="card" id="models">
            <h2>{move || t().models_title}</h2>
            <Transition fallback=|| ()>
                {move || models.get().map(|r| match r {
                    Err(e) => view! { <p class="error">{i18n.t().error(&e)}</p> }.into_any(),
                    Ok(m) => view! {
                        <p>{t().local_models} ": "
                            <span id="local-models">{if m.local.is_empty() { t().none.to_string() } else { m.local.join(", ") }}</span>
                        </p>
                        <h3>{t().endpoints}</h3>
                        <table class="endpoints">
                            <tbody>
                                {m.endpoints.into_iter().map(|e| {
                                    let gone = e.name.clone();
                                    view! {
                                        <tr data-endpoint=e.name.clone()>
                                            <td><b>{e.name.clone()}</b></td>
                                            <td><code>{e.base_url.clone()}</code></td>
                                            <td>{e.model.clone()}</td>
                                            <td class="muted">{if e.has_key { t().key_kept } else { "" }}</td>
                                            <td class="muted">{e.timeout_secs} " s · " {e.retries} " ×"</td>
                                            <td><button type="button" class="link" on:click=move |_| { remove.dispatch(gone.clone()); }>{t().remove}</button></td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Transition>
            <form class="grid-form" id="endpoint-form" on:submit=move |ev| { ev.prevent_default(); save.dispatch(()); }>
                <label>{move || t().endpoint_name}<input id="endpoint-name" required bind:value=name/></label>
                <label>{move || t().base_url}<input id="endpoint-url" required placeholder="http://gpu-01:8000/v1" bind:value=base_url/></label>
                <label>{move || t().endpoint_model}<input id="endpoint-model" required bind:value=model/></label>
                <label>{move || t().api_key}<input id="endpoint-key" type="password" autocomplete="off" bind:value=key/></label>
                <label>{move || t().timeout}<input id="endpoint-timeout" type="number" min="1" max="3600" bind:value=timeout/></label>
                <label>{move || t().retries}<input id="endpoint-retries" type="number" min="0" max="10" bind:value=retries/></label>
                <button type="submit" class="primary" id="save-endpoint">{move || t().save}</button>
            </form>
            {move || match status.get() {
                Some(Ok(())) => view! { <p class="ok" id="endpoint-saved">{i18n.t().admin.saved}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error" role="alert">{e}</p> }.into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}
