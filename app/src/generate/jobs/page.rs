//! `/admin/datasets/NAME/generate`: start a batch job and watch its progress (refreshed every
//! two seconds), pause, resume or cancel it.
use super::{JobAction, JobSpec, JobState, JobView, Pairing, Selection, control_job, generation_jobs, start_job};
use crate::i18n::use_i18n;
use crate::ui::load_failed;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

#[component]
pub fn GeneratePage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().generate;
    let params = use_params_map();
    let dataset = move || params.with(|p| p.get("dataset").unwrap_or_default());
    let jobs = Resource::new(dataset, generation_jobs);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || jobs.refetch(), std::time::Duration::from_secs(2)) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <p><A href=move || format!("/admin/datasets/{}", dataset())>{move || i18n.t().admin.back}</A></p>
        <h1>{move || t().title} " · " {dataset}</h1>
        <JobForm dataset=Signal::derive(dataset) on_started=Callback::new(move |_| jobs.refetch())/>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match jobs.await {
                    Err(e) => load_failed(e),
                    Ok(v) => view! {
                        <section class="card" id="generate-models">
                            <p>{t().model} ": " <b id="job-model">{v.model.clone().unwrap_or_else(|| t().none.into())}</b></p>
                            <p>{t().reward_model} ": "
                                {match v.reward_model.clone() {
                                    Some(r) => view! { <b>{r}</b> }.into_any(),
                                    None => view! { <span class="muted">{t().by_logprob}</span> }.into_any(),
                                }}
                            </p>
                            {v.model.is_none().then(|| view! { <p class="error">{t().no_model}</p> })}
                        </section>
                        <section class="card" id="jobs">
                            <h2>{t().jobs}</h2>
                            {v.jobs.is_empty().then(|| view! { <p class="muted">{t().no_jobs}</p> })}
                            <table class="jobs">
                                <tbody>
                                    {v.jobs.into_iter().map(|j| view! { <JobRow job=j on_change=Callback::new(move |_| jobs.refetch())/> }).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn JobRow(job: JobView, on_change: Callback<()>) -> impl IntoView {
    let JobView { spec, status: job, failures } = job;
    let i18n = use_i18n();
    let t = move || i18n.t().generate;
    let id = job.id;
    let control = Action::new(move |action: &JobAction| {
        let action = *action;
        async move {
            let result = control_job(id, action).await;
            on_change.run(());
            result.err().map(|e| i18n.t().error(&e))
        }
    });
    let finished = job.done + job.failed;
    let can_pause = matches!(job.state, JobState::Queued | JobState::Running);
    let can_resume = job.state == JobState::Paused;
    let can_cancel = can_pause || can_resume;
    let selection = selection_name(spec.selection, i18n);
    let pairing = pairing_name(spec.pairing, i18n);
    view! {
        <tr class="job" data-job=id data-state=job.state.as_str() data-done=job.done data-items=job.items data-created=job.created>
            <td>"#" {id}</td>
            <td>
                {selection} {(spec.selection == Selection::FewerThan).then(|| format!(" (k = {})", spec.k))}
                " · N = " {spec.n} " · " {pairing}
                <br/><span class="muted">{job.created_by.unwrap_or_else(|| "CLI".into())} " " {job.created_at}</span>
            </td>
            <td class="job-state"><b>{t().state(job.state)}</b>
                {job.error.map(|e| view! { <br/><span class="error">{e}</span> })}
            </td>
            <td>
                <progress max=job.items value=finished></progress>
                " " {finished} " / " {job.items}
            </td>
            <td>{t().created} " " <b class="job-created">{job.created}</b>
                {(job.failed > 0).then(|| view! { " · " {t().failed_items} " " {job.failed} })}
                {(!failures.is_empty()).then(|| view! {
                    <ul class="job-failures">
                        {failures.into_iter().map(|f| {
                            let (kind, details) = f.parts();
                            let details = details.to_string();
                            view! {
                                <li>
                                    {move || kind.map(|k| t().failure(k))} {(!details.is_empty()).then(|| format!("（{details}）"))}
                                    " × " {f.items}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                })}
            </td>
            <td class="actions">
                {can_pause.then(|| view! { <button type="button" class="job-pause" on:click=move |_| { control.dispatch(JobAction::Pause); }>{t().pause}</button> })}
                {can_resume.then(|| view! { <button type="button" class="job-resume" on:click=move |_| { control.dispatch(JobAction::Resume); }>{t().resume}</button> })}
                {can_cancel.then(|| view! { <button type="button" class="job-cancel" on:click=move |_| { control.dispatch(JobAction::Cancel); }>{t().cancel}</button> })}
                {move || control.value().get().flatten().map(|e| view! { <span class="error">{e}</span> })}
            </td>
        </tr>
    }
}

fn selection_name(s: Selection, i18n: crate::i18n::I18n) -> &'static str {
    let t = i18n.t().generate;
    match s {
        Selection::BothBad => t.sel_both_bad,
        Selection::Unsafe => t.sel_unsafe,
        Selection::FewerThan => t.sel_fewer,
        Selection::All => t.sel_all,
    }
}

fn pairing_name(p: Pairing, i18n: crate::i18n::I18n) -> &'static str {
    let t = i18n.t().generate;
    match p {
        Pairing::BestVsOriginal => t.pair_original,
        Pairing::BestVsWorst => t.pair_worst,
    }
}

#[component]
fn JobForm(dataset: Signal<String>, on_started: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().generate;
    let selection = RwSignal::new(Selection::BothBad);
    let pairing = RwSignal::new(Pairing::BestVsOriginal);
    let k = RwSignal::new("3".to_string());
    let n = RwSignal::new("4".to_string());
    let max_new_tokens = RwSignal::new("256".to_string());
    let temperature = RwSignal::new("0.7".to_string());
    let top_p = RwSignal::new("0.9".to_string());
    let seed = RwSignal::new("1".to_string());
    let score_only = RwSignal::new(false);
    let start = Action::new(move |_: &()| {
        let number = |s: RwSignal<String>| s.get_untracked().trim().parse::<f64>().unwrap_or(-1.0);
        let spec = JobSpec {
            selection: selection.get_untracked(),
            k: number(k) as u32,
            n: number(n) as u32,
            pairing: pairing.get_untracked(),
            decoding: crate::domain::decoding::Decoding {
                temperature: number(temperature) as f32,
                top_k: 0,
                top_p: number(top_p) as f32,
                max_new_tokens: number(max_new_tokens) as usize,
            },
            seed: seed.get_untracked().trim().parse().unwrap_or(0),
            score_only: score_only.get_untracked(),
        };
        let dataset = dataset.get_untracked();
        async move {
            let result = start_job(dataset, spec).await;
            on_started.run(());
            result.map(|j| j.status.id).map_err(|e| i18n.t().error(&e))
        }
    });
    view! {
        <section class="card" id="job-form">
            <form class="grid-form" on:submit=move |ev| { ev.prevent_default(); start.dispatch(()); }>
                <label>{move || t().selection}
                    <select id="job-selection" on:change=move |e| {
                        let v = event_target_value(&e);
                        if let Ok(s) = v.parse() { selection.set(s) }
                    }>
                        {Selection::ALL.iter().copied().map(|s| view! {
                            <option value=s.as_str() selected=move || selection.get() == s>{move || selection_name(s, i18n)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || selection.get() == Selection::FewerThan>
                    <label>{move || t().k}<input id="job-k" type="number" min="1" max="20" bind:value=k/></label>
                </Show>
                <label>{move || t().n}<input id="job-n" type="number" min="1" max=super::MAX_N bind:value=n/></label>
                <label>{move || t().pairing}
                    <select id="job-pairing" on:change=move |e| {
                        pairing.set(if event_target_value(&e) == "worst" { Pairing::BestVsWorst } else { Pairing::BestVsOriginal })
                    }>
                        <option value="original">{move || t().pair_original}</option>
                        <option value="worst">{move || t().pair_worst}</option>
                    </select>
                </label>
                <label>{move || t().max_new_tokens}<input id="job-max-tokens" type="number" min="1" max="4096" bind:value=max_new_tokens/></label>
                <label>{move || t().temperature}<input id="job-temperature" type="number" min="0" max="5" step="0.05" bind:value=temperature/></label>
                <label>{move || t().top_p}<input id="job-top-p" type="number" min="0.01" max="1" step="0.01" bind:value=top_p/></label>
                <label>{move || t().seed}<input id="job-seed" type="number" min="0" bind:value=seed/></label>
                <label class="check"><input id="job-score-only" type="checkbox" bind:checked=score_only/>{move || t().score_only}</label>
                <button type="submit" class="primary" id="job-start" disabled=move || start.pending().get()>{move || t().start}</button>
            </form>
            {move || start.value().get().map(|r| match r {
                Ok(id) => view! { <p class="result ok" id="job-started" data-job=id>"#" {id}</p> }.into_any(),
                Err(e) => view! { <p class="error" id="job-error" role="alert">{e}</p> }.into_any(),
            })}
        </section>
    }
}
