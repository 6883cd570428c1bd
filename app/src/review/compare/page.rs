//! The compare screen: the reviewer's current item, judged by keyboard or mouse; the next
//! item is already leased and loaded, so it appears as soon as the judgment is stored.
use super::help::{GuidelinesPanel, KeysHelp};
use super::{JudgmentForm, guidelines, judge, review_queue, skip_item};
use crate::domain::AssignmentId;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::review::judgment::{JudgmentInput, SkipReason};
use crate::review::keys;
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use leptos_router::hooks::{use_navigate, use_params_map};
use std::collections::HashSet;

#[component]
pub fn ComparePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let dataset = Memo::new(move |_| params.read().get("dataset").unwrap_or_default());
    let refresh = RwSignal::new(0u32);
    let queue = Resource::new(move || (dataset.get(), refresh.get()), |(d, _)| review_queue(d));
    // Items judged or skipped here, hidden at once while the queue reloads behind them.
    let finished = RwSignal::new(HashSet::<AssignmentId>::new());
    let last_judgment = RwSignal::new(None::<i64>);
    let error = RwSignal::new(None::<String>);

    let finish = move |assignment: AssignmentId, result: Result<Option<i64>, AppError>| match result {
        Ok(judgment) => {
            error.set(None);
            if judgment.is_some() {
                last_judgment.set(judgment);
            }
            finished.update(|f| {
                f.insert(assignment);
            });
            refresh.update(|r| *r += 1);
        }
        Err(e) => error.set(Some(i18n.t().error(&e))),
    };
    let judge_action = Action::new(move |(a, input): &(AssignmentId, JudgmentInput)| {
        let (a, input) = (*a, input.clone());
        async move { (a, judge(a, input).await.map(Some)) }
    });
    let skip_action = Action::new(move |(a, reason): &(AssignmentId, SkipReason)| {
        let (a, reason) = (*a, *reason);
        async move { (a, skip_item(a, reason).await.map(|_| None)) }
    });
    Effect::new(move |_| {
        if let Some((a, r)) = judge_action.value().get() {
            finish(a, r);
        }
    });
    Effect::new(move |_| {
        if let Some((a, r)) = skip_action.value().get() {
            finish(a, r);
        }
    });
    let pending = Signal::derive(move || judge_action.pending().get() || skip_action.pending().get());

    // Overlays and page keys: G guidelines, ? help, H history, U change the last judgment.
    let help_open = RwSignal::new(false);
    let guide_open = RwSignal::new(false);
    let guide = Resource::new(
        move || guide_open.get().then(|| dataset.get()),
        |d| async move {
            match d {
                Some(d) => guidelines(d).await.ok(),
                None => None,
            }
        },
    );
    let navigate = use_navigate();
    let keydown = window_event_listener(leptos::ev::keydown, move |e| {
        if keys::typing(&e) || e.ctrl_key() || e.alt_key() || e.meta_key() {
            return;
        }
        let base = format!("/review/{}", dataset.get_untracked());
        match e.key().as_str() {
            "?" => help_open.update(|o| *o = !*o),
            "Escape" => {
                help_open.set(false);
                guide_open.set(false);
            }
            "g" | "G" => guide_open.update(|o| *o = !*o),
            "h" | "H" => navigate(&format!("{base}/history"), Default::default()),
            "u" | "U" => match last_judgment.get_untracked() {
                Some(id) => navigate(&format!("{base}/judgment/{id}"), Default::default()),
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
        let item = q.items.into_iter().find(|i| !f.contains(&i.assignment))?;
        Some((item, q.settings))
    };

    view! {
        <KeysHelp open=help_open keys=|t| t.keys/>
        <GuidelinesPanel open=guide_open html=Signal::derive(move || guide.get().flatten())/>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Err(AppError::Unauthenticated) => return view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => return view! { <p class="error card">{i18n.t().error(&e)}</p> }.into_any(),
                    Ok(_) => {}
                }
                let progress = move || queue.get().and_then(Result::ok).map(|q| (q.done, q.done + q.open)).unwrap_or_default();
                let all_done = move || queue.get().and_then(Result::ok).is_some_and(|q| q.items.is_empty());
                let base = format!("/review/{}", dataset.get_untracked());
                view! {
                    <nav class="progress" id="progress">
                        {move || i18n.t().compare_progress} " "
                        <b>{move || progress().0}</b> " / " <b>{move || progress().1}</b>
                        <meter min="0" max=move || progress().1.max(1) value=move || progress().0></meter>
                        <span class="spacer"></span>
                        <A href=format!("{base}/history")>{move || i18n.t().history_link} " (H)"</A>
                        <button type="button" class="link" on:click=move |_| guide_open.update(|o| *o = !*o)>
                            {move || i18n.t().guidelines} " (G)"
                        </button>
                        <button type="button" class="link" on:click=move |_| help_open.update(|o| *o = !*o)>
                            {move || i18n.t().keys_title} " (?)"
                        </button>
                    </nav>
                    <Show when=all_done>
                        <p class="card done" id="all-done">{move || i18n.t().compare_all_done}</p>
                    </Show>
                    // Keyed by assignment: a reload that keeps the same item keeps the form as typed.
                    <For each=move || current().into_iter() key=|(item, _)| item.assignment let:pair>
                        {
                            let (item, settings) = pair;
                            let assignment = item.assignment;
                            view! {
                                <div class="review" data-assignment=assignment.0>
                                    <JudgmentForm
                                        item=item
                                        settings=settings
                                        on_submit=Callback::new(move |input| { judge_action.dispatch((assignment, input)); })
                                        on_skip=Callback::new(move |reason| { skip_action.dispatch((assignment, reason)); })
                                        pending=pending
                                        server_error=error
                                    />
                                </div>
                            }
                        }
                    </For>
                    <p class="muted hint">{move || i18n.t().compare_keys_hint}</p>
                }
                .into_any()
            })}
        </Transition>
    }
}
