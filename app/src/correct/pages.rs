//! The correction screens: the queue, the reviewer's history and edits, and adjudication.
use super::form::CorrectionForm;
use super::{Adjudicate, EditCorrection, correct_queue, disputes, get_correction, my_corrections, submit_correction};
use crate::domain::correction::{Correction, CorrectionInput};
use crate::domain::judgment::SkipReason;
use crate::generate::panel::RegeneratePanel;
use crate::i18n::{Catalog, use_i18n};
use crate::review::compare::help::KeysHelp;
use crate::review::compare::skip_item;
use crate::ui::load_failed;
use crate::ui::queue::{HistoryRow, HistoryTable, ProgressBar, QueueData, QueueSession, after_save};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

fn dataset_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.read().get("dataset").unwrap_or_default())
}

/// "修改（剂量或单位，不完整）": a decision in a few words.
fn summary(t: &Catalog, c: &CorrectionInput) -> String {
    let reasons: Vec<&str> = c.reasons.iter().map(|r| t.reason(*r)).collect();
    if reasons.is_empty() {
        t.verdict(c.correction.verdict()).to_string()
    } else {
        format!("{} ({})", t.verdict(c.correction.verdict()), reasons.join(", "))
    }
}

#[component]
pub fn CorrectPage() -> impl IntoView {
    let i18n = use_i18n();
    let dataset = dataset_param();
    let session = QueueSession::new();
    let queue = QueueData::new(session, dataset, correct_queue);
    let submit = session.action(|a, input: CorrectionInput| async move { submit_correction(a, input).await.map(Some) });
    let skip = session.action(|a, reason: SkipReason| async move { skip_item(a, reason).await.map(|_| None) });
    let pending = Signal::derive(move || submit.pending().get() || skip.pending().get());
    let help_open = RwSignal::new(false);
    session.page_keys(move || format!("/correct/{}", dataset.get_untracked()), "correction", help_open, |_| false);

    let current = move || {
        let q = queue.latest()?.ok()?;
        let f = session.finished.get();
        q.items.into_iter().find(|i| !f.contains(&i.assignment))
    };
    let can_regenerate = move || queue.latest().and_then(Result::ok).is_some_and(|q| q.can_regenerate);
    view! {
        <KeysHelp open=help_open keys=|t| t.correct_keys/>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                if let Err(e) = queue.first.await {
                    return load_failed(e);
                }
                let progress = move || queue.latest().and_then(Result::ok).map(|q| (q.done, q.done + q.open)).unwrap_or_default();
                let all_done = move || queue.latest().and_then(Result::ok).is_some_and(|q| q.items.is_empty());
                let history = format!("/correct/{}/history", dataset.get_untracked());
                view! {
                    <ProgressBar progress=Signal::derive(progress) history=history history_label=i18n.t().correct_history_title help=help_open/>
                    <Show when=all_done>
                        <p class="card done" id="all-done">{move || i18n.t().correct_all_done}</p>
                    </Show>
                    <For each=move || current().into_iter() key=|item| item.assignment let:item>
                        {
                            let a = item.assignment;
                            view! {
                                <div class="review correcting" data-assignment=a.0>
                                    <CorrectionForm
                                        item=item
                                        on_submit=Callback::new(move |input| { submit.dispatch((a, input)); })
                                        on_skip=Callback::new(move |reason| { skip.dispatch((a, reason)); })
                                        pending=pending
                                        server_error=session.error
                                    />
                                    {can_regenerate().then(|| view! { <RegeneratePanel assignment=a/> })}
                                </div>
                            }
                        }
                    </For>
                    <p class="muted hint">{move || i18n.t().correct_keys_hint}</p>
                }
                .into_any()
            })}
        </Transition>
    }
}

#[component]
pub fn CorrectionHistoryPage() -> impl IntoView {
    let i18n = use_i18n();
    let dataset = dataset_param();
    let lines = Resource::new(move || dataset.get(), my_corrections);
    view! {
        <section class="card history">
            <h1>{move || i18n.t().correct_history_title}</h1>
            <p><A href=move || format!("/correct/{}", dataset.get())>{move || i18n.t().back_to_review}</A></p>
            <Suspense fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
                {move || Suspend::new(async move {
                    match lines.await {
                        Err(e) => load_failed(e),
                        Ok(lines) => {
                            let rows = lines
                                .into_iter()
                                .map(|l| {
                                    let c = l.correction;
                                    HistoryRow {
                                        id: l.id,
                                        updated_at: l.updated_at,
                                        question: l.question,
                                        summary: Signal::derive(move || summary(i18n.t(), &c)),
                                        href: format!("/correct/{}/correction/{}", dataset.get_untracked(), l.id),
                                    }
                                })
                                .collect();
                            view! { <HistoryTable rows=rows/> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn EditCorrectionPage() -> impl IntoView {
    let i18n = use_i18n();
    let dataset = dataset_param();
    let params = use_params_map();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or_default();
    let data = Resource::new(id, get_correction);
    let save = ServerAction::<EditCorrection>::new();
    let server_error = after_save(save, move || format!("/correct/{}/history", dataset.get_untracked()));
    view! {
        <h1>{move || i18n.t().edit_title}</h1>
        <Suspense fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(e) => load_failed(e),
                    Ok(v) => {
                        let correction_id = id();
                        view! {
                            <div class="review editing">
                                <CorrectionForm
                                    item=v.item
                                    initial=v.correction
                                    on_submit=Callback::new(move |correction| {
                                        save.dispatch(EditCorrection { id: correction_id, correction });
                                    })
                                    pending=save.pending()
                                    server_error=server_error
                                />
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}

/// Admins and auditors settle items whose reviewers disagree.
#[component]
pub fn AdjudicatePage() -> impl IntoView {
    let i18n = use_i18n();
    let dataset = dataset_param();
    let settle = ServerAction::<Adjudicate>::new();
    let cases = Resource::new(move || (dataset.get(), settle.version().get()), |(d, _)| disputes(d));
    view! {
        <section class="card">
            <h1>{move || i18n.t().adjudicate_title} " · " {move || dataset.get()}</h1>
            <p class="error" role="alert">{move || match settle.value().get() {
                Some(Err(e)) => Some(i18n.t().error(&e)),
                _ => None,
            }}</p>
        </section>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match cases.await {
                    Err(e) => load_failed(e),
                    Ok(list) if list.is_empty() => view! { <p class="card" id="no-disputes">{move || i18n.t().adjudicate_none}</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|case| {
                        let item = case.item;
                        let own = RwSignal::new(case.answer.clone());
                        let decide = move |decision: Correction| {
                            settle.dispatch(Adjudicate { dataset: dataset.get_untracked(), item, decision });
                        };
                        view! {
                            <section class="card dispute" data-item=item>
                                <h2>{case.question.clone()}</h2>
                                <p class="muted">{move || i18n.t().correct_original} ": " {case.answer.clone()}</p>
                                <ul class="decisions">
                                    {case.decisions.into_iter().map(|(reviewer, d)| {
                                        let label = d.clone();
                                        let text = match &d.correction {
                                            Correction::Edit { answer, .. } => answer.clone(),
                                            _ => String::new(),
                                        };
                                        view! {
                                            <li>
                                                <b>{reviewer}</b> " · " {move || summary(i18n.t(), &label)}
                                                <p>{text}</p>
                                                <button type="button" on:click=move |_| decide(d.correction.clone())>
                                                    {move || i18n.t().adjudicate_use}
                                                </button>
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                                <label>
                                    <span>{move || i18n.t().adjudicate_own}</span>
                                    <textarea rows="3" prop:value=move || own.get() on:input=move |ev| own.set(event_target_value(&ev))></textarea>
                                </label>
                                <button type="button" class="primary" on:click=move |_| {
                                    decide(Correction::Edit { question: None, answer: own.get_untracked() })
                                }>{move || i18n.t().adjudicate_save}</button>
                            </section>
                        }
                    }).collect_view().into_any(),
                }
            })}
        </Transition>
    }
}
