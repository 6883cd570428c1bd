//! The correction screens: the queue, the reviewer's history and edits, and adjudication.
use super::form::CorrectionForm;
use super::rules::{Correction, CorrectionInput};
use super::{Adjudicate, EditCorrection, correct_queue, disputes, get_correction, my_corrections, submit_correction};
use crate::domain::AssignmentId;
use crate::error::AppError;
use crate::i18n::{Catalog, use_i18n};
use crate::review::compare::help::KeysHelp;
use crate::review::compare::skip_item;
use crate::review::judgment::SkipReason;
use crate::review::keys;
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::{use_navigate, use_params_map};
use std::collections::HashSet;

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
    let refresh = RwSignal::new(0u32);
    let queue = Resource::new(move || (dataset.get(), refresh.get()), |(d, _)| correct_queue(d));
    let finished = RwSignal::new(HashSet::<AssignmentId>::new());
    let last = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<String>);
    let finish = move |a: AssignmentId, result: Result<Option<i64>, AppError>| match result {
        Ok(id) => {
            error.set(None);
            if id.is_some() {
                last.set(id);
            }
            finished.update(|f| {
                f.insert(a);
            });
            refresh.update(|r| *r += 1);
        }
        Err(e) => error.set(Some(i18n.t().error(&e))),
    };
    let submit = Action::new(move |(a, input): &(AssignmentId, CorrectionInput)| {
        let (a, input) = (*a, input.clone());
        async move { (a, submit_correction(a, input).await.map(Some)) }
    });
    let skip = Action::new(move |(a, reason): &(AssignmentId, SkipReason)| {
        let (a, reason) = (*a, *reason);
        async move { (a, skip_item(a, reason).await.map(|_| None)) }
    });
    Effect::new(move |_| {
        if let Some((a, r)) = submit.value().get() {
            finish(a, r);
        }
    });
    Effect::new(move |_| {
        if let Some((a, r)) = skip.value().get() {
            finish(a, r);
        }
    });
    let pending = Signal::derive(move || submit.pending().get() || skip.pending().get());

    let help_open = RwSignal::new(false);
    let navigate = use_navigate();
    let keydown = window_event_listener(leptos::ev::keydown, move |e| {
        if keys::typing(&e) || !keys::plain(&e) {
            return;
        }
        let base = format!("/correct/{}", dataset.get_untracked());
        match e.key().as_str() {
            "?" => help_open.update(|o| *o = !*o),
            "Escape" => help_open.set(false),
            "h" | "H" => navigate(&format!("{base}/history"), Default::default()),
            "u" | "U" => match last.get_untracked() {
                Some(id) => navigate(&format!("{base}/correction/{id}"), Default::default()),
                None => navigate(&format!("{base}/history"), Default::default()),
            },
            _ => return,
        }
        e.prevent_default();
    });
    on_cleanup(move || keydown.remove());

    let current = move || {
        let q = queue.get()?.ok()?;
        let f = finished.get();
        q.items.into_iter().find(|i| !f.contains(&i.assignment))
    };
    view! {
        <KeysHelp open=help_open keys=|t| t.correct_keys/>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Err(AppError::Unauthenticated) => return view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => return view! { <p class="error card">{i18n.t().error(&e)}</p> }.into_any(),
                    Ok(_) => {}
                }
                let progress = move || queue.get().and_then(Result::ok).map(|q| (q.done, q.done + q.open)).unwrap_or_default();
                let all_done = move || queue.get().and_then(Result::ok).is_some_and(|q| q.items.is_empty());
                view! {
                    <nav class="progress" id="progress">
                        {move || i18n.t().compare_progress} " "
                        <b>{move || progress().0}</b> " / " <b>{move || progress().1}</b>
                        <meter min="0" max=move || progress().1.max(1) value=move || progress().0></meter>
                        <span class="spacer"></span>
                        <A href=move || format!("/correct/{}/history", dataset.get())>{move || i18n.t().correct_history_title} " (H)"</A>
                        <button type="button" class="link" on:click=move |_| help_open.update(|o| *o = !*o)>
                            {move || i18n.t().keys_title} " (?)"
                        </button>
                    </nav>
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
                                        server_error=error
                                    />
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
                        Err(AppError::Unauthenticated) => view! { <Redirect path="/login"/> }.into_any(),
                        Err(e) => view! { <p class="error">{i18n.t().error(&e)}</p> }.into_any(),
                        Ok(lines) if lines.is_empty() => view! { <p>{move || i18n.t().history_empty}</p> }.into_any(),
                        Ok(lines) => view! {
                            <table class="history-table">
                                <tbody>
                                    {lines.into_iter().map(|l| {
                                        let href = format!("/correct/{}/correction/{}", dataset.get_untracked(), l.id);
                                        let c = l.correction.clone();
                                        view! {
                                            <tr data-correction=l.id>
                                                <td class="muted">{l.updated_at.replace('T', " ").chars().take(16).collect::<String>()}</td>
                                                <td>{l.question.clone()}</td>
                                                <td class="decision">{move || summary(i18n.t(), &c)}</td>
                                                <td><A href=href>{move || i18n.t().edit}</A></td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
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
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            navigate(&format!("/correct/{}/history", dataset.get_untracked()), Default::default());
        }
    });
    let server_error = Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(i18n.t().error(&e)),
        _ => None,
    });
    view! {
        <h1>{move || i18n.t().edit_title}</h1>
        <Suspense fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <p class="error card">{i18n.t().error(&e)}</p> }.into_any(),
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
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <p class="error card">{i18n.t().error(&e)}</p> }.into_any(),
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
