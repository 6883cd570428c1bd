//! The admin's flag queue (`/flags`): items with unresolved flags, filterable by kind and
//! harm severity; and one item (`/flags/:item`) to resolve by redacting, editing or excluding.
use super::{BulkPanel, FlagKind, FlagView, FlaggedItem, Harm, Resolve, TextRef};
use super::{flag_queue, get_flagged_item, resolve_flags};
use crate::i18n::use_i18n;
use crate::ui::load_failed;
use leptos::prelude::*;
use leptos_router::NavigateOptions;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use std::collections::HashSet;

/// How a text of an item is named on admin pages.
pub fn text_label(r: TextRef) -> String {
    let t = use_i18n().t().flag;
    match r {
        TextRef::Question => t.question.into(),
        TextRef::Answer(c) => format!("{} #{}", t.answer, c.0),
        TextRef::CorrectedQuestion(id) => format!("{} #{id} · {}", t.corrected, t.question),
        TextRef::CorrectedAnswer(id) => format!("{} #{id} · {}", t.corrected, t.answer),
        TextRef::FinalQuestion => format!("{} · {}", t.final_version, t.question),
        TextRef::FinalAnswer => format!("{} · {}", t.final_version, t.answer),
    }
}

fn kind_label(wire: &str) -> String {
    FlagKind::parse(wire).map(|k| use_i18n().t().flag.kind(k).to_string()).unwrap_or_else(|| wire.to_string())
}

#[component]
pub fn FlagQueuePage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().flag;
    let query = use_query_map();
    let kind = RwSignal::new(query.with_untracked(|q| q.get("kind")).unwrap_or_default());
    let severity = RwSignal::new(query.with_untracked(|q| q.get("severity")).unwrap_or_default());
    let dataset = RwSignal::new(query.with_untracked(|q| q.get("dataset")).unwrap_or_default());
    // Bumped after a bulk action, so the list shows what is left.
    let version = RwSignal::new(0u32);
    let entries = Resource::new(
        move || (dataset.get(), kind.get(), severity.get(), version.get()),
        |(d, k, s, _)| flag_queue(Some(d).filter(|d| !d.is_empty()), Some(k).filter(|k| !k.is_empty()), s.parse().ok()),
    );
    let datasets = Resource::new(|| (), |_| crate::datasets::my_datasets());
    // The filters live in the address too, so a reload or a shared link shows the same list.
    let navigate = use_navigate();
    let set = move |signal: RwSignal<String>, value: String| {
        signal.set(value);
        let pairs: Vec<(&str, String)> = [("dataset", dataset), ("kind", kind), ("severity", severity)]
            .into_iter()
            .map(|(k, s)| (k, s.get_untracked()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        let path = if query.is_empty() { "/flags".to_string() } else { format!("/flags?{query}") };
        navigate(&path, NavigateOptions { replace: true, scroll: false, ..Default::default() });
    };
    let kinds = FlagKind::findings();
    view! {
        <section class="card">
            <h1>{move || t().queue_title}</h1>
            <div class="filters">
                <label>{move || t().dataset}
                    <select id="filter-dataset" on:change={let set = set.clone(); move |e| set(dataset, event_target_value(&e))}>
                        <option value="">{move || t().all}</option>
                        <Transition>
                            {move || Suspend::new(async move {
                                datasets.await.unwrap_or_default().into_iter().map(|d| {
                                    let (value, label, name) = (d.name.clone(), d.name.clone(), d.name);
                                    view! { <option value=value selected=move || dataset.get() == name>{label}</option> }
                                }).collect_view()
                            })}
                        </Transition>
                    </select>
                </label>
                <label>{move || t().filter} " " {move || t().category}
                    <select id="filter-kind" on:change={let set = set.clone(); move |e| set(kind, event_target_value(&e))}>
                        <option value="">{move || t().all}</option>
                        {kinds.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || kind.get() == k.as_str()>{move || t().kind(k)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || t().severity} " ≥ "
                    <select id="filter-severity" on:change=move |e| set(severity, event_target_value(&e))>
                        <option value="">{move || t().all}</option>
                        {Harm::ALL.iter().copied().map(|h| view! {
                            <option value=h.as_str() selected=move || severity.get() == h.as_str()>{move || t().harm(h)}</option>
                        }).collect_view()}
                    </select>
                </label>
            </div>
        </section>
        {move || match dataset.get() {
            d if d.is_empty() => view! { <p class="muted" id="bulk-pick">{t().bulk_pick_dataset}</p> }.into_any(),
            d => view! { <BulkPanel dataset=d changed=move |_| version.update(|v| *v += 1) /> }.into_any(),
        }}
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match entries.await {
                    Err(e) => load_failed(e),
                    Ok(list) if list.is_empty() => view! { <p class="card" id="no-flags">{t().queue_empty}</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="card flag-queue">
                            <tbody>
                                {list.into_iter().map(|e| view! {
                                    <tr data-item=e.item>
                                        <td><A href=format!("/flags/{}", e.item)>"#" {e.item}</A></td>
                                        <td class="muted">{e.dataset}</td>
                                        <td>{e.question}</td>
                                        <td>{e.kinds.iter().map(|(k, n)| format!("{} ×{n}", kind_label(k))).collect::<Vec<_>>().join("、")}</td>
                                        <td>{e.worst.map(|h| t().harm(h))}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn FlaggedItemPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let item = move || params.with(|p| p.get("item").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0));
    let current = RwSignal::new(None::<Result<FlaggedItem, crate::error::AppError>>);
    let loaded = Resource::new(item, get_flagged_item);
    let error = RwSignal::new(None::<String>);
    let act = Action::new(move |r: &Resolve| {
        let (id, r) = (item(), r.clone());
        async move {
            match resolve_flags(id, r).await {
                Ok(state) => {
                    current.set(Some(Ok(state)));
                    error.set(None);
                }
                Err(e) => error.set(Some(i18n.t().error(&e))),
            }
        }
    });
    view! {
        <p><A href="/flags">{move || i18n.t().flag.back}</A></p>
        <p class="error" role="alert">{move || error.get()}</p>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                let first = loaded.await;
                let state = move || current.get().unwrap_or_else(|| first.clone());
                move || match state() {
                    Err(e) => load_failed(e),
                    Ok(item) => view! { <Resolver item=item act=act/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Resolver(item: FlaggedItem, act: Action<Resolve, ()>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().flag;
    let chosen = RwSignal::new(HashSet::<i64>::new());
    let editing = RwSignal::new(None::<(TextRef, String)>);
    let flags = item.flags.clone();
    let checkbox = move |f: &FlagView<TextRef>| {
        let id = f.id;
        let active = f.status.is_active();
        view! {
            <li data-flag=id data-status=f.status.as_str() data-kind=f.kind.as_str()>
                <label>
                    <input type="checkbox" disabled=!active prop:checked=move || chosen.with(|c| c.contains(&id))
                        on:change=move |_| chosen.update(|c| if !c.remove(&id) { c.insert(id); })/>
                    " " <b>{t().kind(f.kind)}</b>
                    {f.severity.map(|h| view! { <span class="badge">{t().harm(h)}</span> })}
                    {(!f.text.is_empty()).then(|| view! { " · " <q>{f.text.clone()}</q> })}
                    {f.note.clone().map(|n| view! { " · " <i>{n}</i> })}
                    <span class="muted">" · " {t().status(f.status)} " · " {if f.by_detector { t().detector } else { t().reviewer }}</span>
                </label>
            </li>
        }
    };
    let take = move || chosen.get_untracked().into_iter().collect::<Vec<i64>>();
    let whole: Vec<FlagView<TextRef>> = flags.iter().filter(|f| f.field.is_none()).cloned().collect();
    view! {
        <section class="card" data-item=item.item>
            <h1>"#" {item.item} " · " {item.dataset.clone()} {item.excluded.then(|| view! { " · " <span class="badge">{t().excluded}</span> })}</h1>
            <div class="actions">
                <button type="button" id="redact" on:click=move |_| { act.dispatch(Resolve::Redact { flags: take() }); }>{move || t().redact}</button>
                <button type="button" id="dismiss" on:click=move |_| { act.dispatch(Resolve::Dismiss { flags: take() }); }>{move || t().dismiss}</button>
                <button type="button" id="exclude" disabled=item.excluded on:click=move |_| { act.dispatch(Resolve::Exclude); }>{move || t().exclude}</button>
            </div>
            {(!whole.is_empty()).then(|| view! {
                <h3>{move || t().whole_item}</h3>
                <ul class="flag-list">{whole.iter().map(checkbox).collect_view()}</ul>
            })}
        </section>
        {item.texts.into_iter().map(|(r, raw, html)| {
            let on_text: Vec<FlagView<TextRef>> = flags.iter().filter(|f| f.field == Some(r)).cloned().collect();
            let raw_for_edit = raw.clone();
            view! {
                <section class="card flagged-text" data-text=serde_json::to_string(&r).unwrap_or_default()>
                    <header>
                        <h3>{text_label(r)}</h3>
                        <button type="button" class="small edit" on:click=move |_| editing.set(Some((r, raw_for_edit.clone())))>{move || t().edit}</button>
                    </header>
                    <div class="md" inner_html=html></div>
                    <ul class="flag-list">{on_text.iter().map(checkbox).collect_view()}</ul>
                    <Show when=move || editing.with(|e| e.as_ref().is_some_and(|(x, _)| *x == r))>
                        <textarea class="edit-text" rows="8"
                            prop:value=move || editing.with(|e| e.as_ref().map(|(_, s)| s.clone()).unwrap_or_default())
                            on:input=move |e| editing.set(Some((r, event_target_value(&e))))></textarea>
                        <button type="button" class="primary save-edit" on:click=move |_| {
                            if let Some((r, new)) = editing.get_untracked() {
                                editing.set(None);
                                act.dispatch(Resolve::Edit { text: r, new, flags: take() });
                            }
                        }>{move || t().save_edit}</button>
                    </Show>
                </section>
            }
        }).collect_view()}
    }
}
