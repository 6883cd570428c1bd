//! The admin console: `/admin` lists datasets and creates them; `/admin/datasets/:dataset`
//! shows one dataset's progress as charts (refreshed while reviewers work), its set-up, the
//! browser upload and the exports.
use super::admin::{DatasetConfig, configure_dataset, create_dataset};
use super::overview::{DatasetOverview, get_dataset_overview};
use super::upload::UploadForm;
use crate::domain::decoding::Decoding;
use crate::domain::judgment::{Axis, AxisSetting, RationaleRule, ReviewSettings};
use crate::i18n::use_i18n;
use crate::import::DatasetKind;
use crate::ui::charts::BarChart;
use crate::ui::load_failed;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

#[component]
pub fn AdminPage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().admin;
    let datasets = Resource::new(|| (), |_| super::my_datasets());
    let name = RwSignal::new(String::new());
    let kind = RwSignal::new(DatasetKind::Compare);
    let overlap = RwSignal::new("3".to_string());
    let department = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let navigate = use_navigate();
    let create = Action::new(move |_: &()| {
        let (n, k) = (name.get_untracked(), kind.get_untracked());
        let config = DatasetConfig {
            overlap_target: overlap.get_untracked().trim().parse().ok(),
            department: Some(department.get_untracked()),
            ..Default::default()
        };
        let navigate = navigate.clone();
        async move {
            match create_dataset(n.clone(), k, config).await {
                Ok(()) => navigate(&format!("/admin/datasets/{n}"), Default::default()),
                Err(e) => error.set(Some(i18n.t().error(&e))),
            }
        }
    });
    view! {
        <section class="card">
            <h1>{move || t().title}</h1>
            <p><A href="/admin/people" attr:id="people-link">{move || t().people}</A></p>
            <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
                {move || Suspend::new(async move {
                    match datasets.await {
                        Err(e) => load_failed(e),
                        Ok(list) => view! {
                            <table class="datasets-admin">
                                <tbody>
                                    {list.into_iter().map(|d| view! {
                                        <tr>
                                            <td><A href=format!("/admin/datasets/{}", d.name)>{d.name.clone()}</A></td>
                                            <td class="muted">{t().kind_name(d.kind)}</td>
                                            <td>{d.items} " " {move || i18n.t().home_items}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="card">
            <h2>{move || t().new_dataset}</h2>
            <form class="grid-form" id="new-dataset" on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(());
            }>
                <label>{move || t().name}
                    <input id="new-dataset-name" required bind:value=name/>
                </label>
                <label>{move || t().kind}
                    <select id="new-dataset-kind" on:change=move |e| {
                        kind.set(event_target_value(&e).parse().unwrap_or(DatasetKind::Compare))
                    }>
                        {DatasetKind::ALL.iter().map(|k| view! {
                            <option value=k.as_str()>{move || t().kind_name(*k)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || t().overlap}
                    <input id="new-dataset-overlap" type="number" min="1" max="50" bind:value=overlap/>
                </label>
                <label>{move || t().department}
                    <input id="new-dataset-department" bind:value=department/>
                </label>
                <button type="submit" class="primary" id="create-dataset">{move || t().create}</button>
            </form>
            <p class="error" role="alert">{move || error.get()}</p>
        </section>
        <crate::generate::models_card::ModelsCard/>
    }
}

/// Total decisions and items that reached the overlap target.
fn totals(o: &DatasetOverview) -> (i64, i64) {
    let target = o.config.overlap_target.unwrap_or(1);
    let decisions = o.progress.iter().map(|(n, items)| n * items).sum();
    let complete = o.progress.iter().filter(|(n, _)| *n >= target).map(|(_, items)| items).sum();
    (decisions, complete)
}

#[component]
pub fn DatasetPage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().admin;
    let params = use_params_map();
    let dataset = move || params.with(|p| p.get("dataset").unwrap_or_default());
    let overview = Resource::new(dataset, get_dataset_overview);
    // Reviewers keep working while the admin watches: refresh the numbers every few seconds.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || overview.refetch(), std::time::Duration::from_secs(5)) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <p><A href="/admin">{move || t().back}</A></p>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match overview.await {
                    Err(e) => load_failed(e),
                    Ok(o) => {
                        let (decisions, complete) = totals(&o);
                        let progress: Vec<(String, i64)> =
                            o.progress.iter().map(|(n, items)| (format!("{n} ×"), *items)).collect();
                        let none = i18n.t().admin.no_department;
                        let departments: Vec<(String, i64)> = o.departments.iter()
                            .map(|(d, n)| (if d.is_empty() { none.to_string() } else { d.clone() }, *n)).collect();
                        let outcomes: Vec<(String, i64)> =
                            o.outcomes.iter().map(|(code, n)| (i18n.t().outcome_label(code), *n)).collect();
                        let days: Vec<(String, i64)> = o.per_day.iter().rev().take(30).rev().cloned().collect();
                        view! {
                            <section class="card" id="overview" data-items=o.items data-decisions=decisions>
                                <h1>{o.name.clone()} " " <span class="muted">{t().kind_name(o.kind)}</span></h1>
                                <p class="figures">
                                    <span id="figure-items">{t().items} " " <b>{o.items}</b></span>
                                    <span id="figure-decisions">{t().decisions} " " <b>{decisions}</b></span>
                                    <span id="figure-complete">{t().complete} " " <b>{complete}</b> " / " {o.items}</span>
                                </p>
                                <div class="charts">
                                    <BarChart title=t().chart_progress bars=progress id="chart-progress"/>
                                    <BarChart title=t().chart_outcomes bars=outcomes id="chart-outcomes"/>
                                    <BarChart title=t().chart_departments bars=departments id="chart-departments"/>
                                    <BarChart title=t().chart_days bars=days id="chart-days"/>
                                    <BarChart title=t().chart_reviewers bars=o.reviewers.clone() id="chart-reviewers"/>
                                </div>
                                <p>
                                    <A href=format!("/admin/datasets/{}/items", o.name) attr:id="items-link">
                                        {i18n.t().browse.link}
                                    </A>
                                    " · "
                                    <A href=format!("/admin/datasets/{}/generate", o.name) attr:id="generate-link">
                                        {i18n.t().generate.link}
                                    </A>
                                    " · "
                                    <A href=format!("/audit/datasets/{}", o.name) attr:id="agreement-link">
                                        {i18n.t().audit.agreement_link}
                                    </A>
                                </p>
                                <p class="muted">
                                    {t().reviewer_pages} " "
                                    {o.reviewers.clone().into_iter().map(|(r, _)| {
                                        let href = format!("/admin/people/{r}");
                                        view! { <A href=href>{r}</A> " " }
                                    }).collect_view()}
                                </p>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
        // The forms load once: a refresh of the figures must not reset what the admin is typing.
        <Await future=get_dataset_overview(dataset()) let:loaded>
            {match loaded.clone() {
                Ok(o) if o.can_manage => view! {
                    <UploadForm dataset=o.name.clone() kind=o.kind limit=o.upload_limit imports=o.imports.clone()
                        on_done=Callback::new(move |_| overview.refetch())/>
                    <crate::export::page::ExportPanel dataset=o.name.clone() kind=o.kind/>
                    <SettingsForm dataset=o.name.clone() config=o.config.clone()/>
                }.into_any(),
                _ => ().into_any(),
            }}
        </Await>
    }
}

#[component]
fn SettingsForm(dataset: String, config: DatasetConfig) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().admin;
    let settings = config.settings.clone().unwrap_or_default();
    let overlap = RwSignal::new(config.overlap_target.unwrap_or(3).to_string());
    let lease = RwSignal::new((config.lease_seconds.unwrap_or(1800) / 60).to_string());
    let guidelines = RwSignal::new(config.guidelines.clone().unwrap_or_default());
    let department = RwSignal::new(config.department.clone().unwrap_or_default());
    let template = RwSignal::new(config.prompt_template.clone().unwrap_or_default());
    let gold_rate = RwSignal::new(settings.gold_rate.to_string());
    let rationale = RwSignal::new(settings.rationale);
    let shown = |a: Axis| settings.axes.iter().find(|s| s.axis == a).map(|s| s.required);
    let axes: Vec<(Axis, RwSignal<bool>, RwSignal<bool>)> = Axis::ALL
        .iter()
        .map(|&a| (a, RwSignal::new(shown(a).is_some()), RwSignal::new(shown(a) == Some(true))))
        .collect();
    let no_match = settings.no_match_answer.clone();
    let model = RwSignal::new(settings.model.clone().unwrap_or_default());
    let reward_model = RwSignal::new(settings.reward_model.clone().unwrap_or_default());
    let decoding = settings.regeneration;
    let temperature = RwSignal::new(decoding.temperature.to_string());
    let top_p = RwSignal::new(decoding.top_p.to_string());
    let top_k = RwSignal::new(decoding.top_k.to_string());
    let max_new_tokens = RwSignal::new(decoding.max_new_tokens.to_string());
    let choices = Resource::new(|| (), |_| crate::generate::endpoints::available_models());
    let named = |s: RwSignal<String>| Some(s.get_untracked().trim().to_string()).filter(|m| !m.is_empty());
    let status = RwSignal::new(None::<Result<(), String>>);
    let axes_for_save = axes.clone();
    let save = Action::new(move |_: &()| {
        let config = DatasetConfig {
            overlap_target: overlap.get_untracked().trim().parse().ok(),
            lease_seconds: lease.get_untracked().trim().parse::<i64>().ok().map(|m| m * 60),
            settings: Some(ReviewSettings {
                axes: axes_for_save
                    .iter()
                    .filter(|(_, on, _)| on.get_untracked())
                    .map(|(axis, _, req)| AxisSetting { axis: *axis, required: req.get_untracked() })
                    .collect(),
                rationale: rationale.get_untracked(),
                gold_rate: gold_rate.get_untracked().trim().parse().unwrap_or(-1.0),
                no_match_answer: no_match.clone(),
                model: named(model),
                reward_model: named(reward_model),
                regeneration: {
                    // An emptied field takes the default; the server checks the ranges.
                    let default = Decoding::default();
                    let read = |s: RwSignal<String>| s.get_untracked().trim().to_string();
                    Decoding {
                        temperature: read(temperature).parse().unwrap_or(default.temperature),
                        top_p: read(top_p).parse().unwrap_or(default.top_p),
                        top_k: read(top_k).parse().unwrap_or(default.top_k),
                        max_new_tokens: read(max_new_tokens).parse().unwrap_or(default.max_new_tokens),
                    }
                },
            }),
            guidelines: Some(guidelines.get_untracked()),
            department: Some(department.get_untracked()),
            prompt_template: Some(template.get_untracked()),
        };
        let dataset = dataset.clone();
        async move {
            status.set(Some(configure_dataset(dataset, config).await.map_err(|e| i18n.t().error(&e))));
        }
    });
    view! {
        <section class="card" id="settings">
            <h2>{move || t().settings}</h2>
            <form class="grid-form" on:submit=move |ev| {
                ev.prevent_default();
                save.dispatch(());
            }>
                <label>{move || t().overlap}<input id="set-overlap" type="number" min="1" max="50" bind:value=overlap/></label>
                <label>{move || t().lease_minutes}<input id="set-lease" type="number" min="1" max="1440" bind:value=lease/></label>
                <label>{move || t().gold_rate}<input id="set-gold-rate" type="number" min="0" max="0.5" step="0.01" bind:value=gold_rate/></label>
                <label>{move || t().rationale}
                    <select id="set-rationale" on:change=move |e| {
                        if let Ok(r) = event_target_value(&e).parse() { rationale.set(r) }
                    }>
                        {RationaleRule::ALL.iter().map(|r| view! {
                            <option value=r.as_str() selected=rationale.get_untracked() == *r>{move || t().choices.rationale(*r)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || t().department}<input id="set-department" bind:value=department/></label>
                <fieldset class="axes">
                    <legend>{move || t().axes}</legend>
                    {axes.into_iter().map(|(axis, on, required)| view! {
                        <span class="axis-setting" data-axis=axis.as_str()>
                            <label><input type="checkbox" bind:checked=on/>{move || i18n.t().axis(axis)}</label>
                            <label class="muted"><input type="checkbox" bind:checked=required/>{move || t().required}</label>
                        </span>
                    }).collect_view()}
                </fieldset>
                <label class="wide">{move || t().guidelines}<textarea id="set-guidelines" rows="5" bind:value=guidelines></textarea></label>
                <label class="wide">{move || t().prompt_template}<textarea id="set-template" rows="2" bind:value=template placeholder="[human]:{question}\n[bot]:"></textarea></label>
                <label>{move || i18n.t().generate.model}<input id="set-model" list="model-names" bind:value=model/></label>
                <label>{move || i18n.t().generate.reward_model}<input id="set-reward-model" list="model-names" bind:value=reward_model/></label>
                <fieldset class="regeneration wide">
                    <legend>{move || i18n.t().generate.regeneration}</legend>
                    <label>{move || i18n.t().generate.temperature}<input id="set-temperature" type="number" min="0" max="5" step="0.05" bind:value=temperature/></label>
                    <label>{move || i18n.t().generate.top_p}<input id="set-top-p" type="number" min="0.01" max="1" step="0.01" bind:value=top_p/></label>
                    <label>{move || i18n.t().generate.top_k}<input id="set-top-k" type="number" min="0" step="1" bind:value=top_k/></label>
                    <label>{move || i18n.t().generate.max_new_tokens}<input id="set-max-new-tokens" type="number" min="1" max="4096" bind:value=max_new_tokens/></label>
                </fieldset>
                <datalist id="model-names">
                    <Transition>
                        {move || choices.get().and_then(Result::ok).map(|c| {
                            c.local.into_iter().chain(c.endpoints.into_iter().map(|e| e.name))
                                .map(|name| view! { <option value=name.clone()></option> }).collect_view()
                        })}
                    </Transition>
                </datalist>
                <button type="submit" class="primary" id="save-settings">{move || t().save}</button>
            </form>
            {move || match status.get() {
                Some(Ok(())) => view! { <p class="ok" id="settings-saved">{t().saved}</p> }.into_any(),
                Some(Err(e)) => view! { <p class="error">{e}</p> }.into_any(),
                None => ().into_any(),
            }}
        </section>
    }
}
