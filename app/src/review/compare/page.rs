//! The compare screen: the reviewer's current item, judged by keyboard or mouse; the next
//! item is already leased and loaded, so it appears as soon as the judgment is stored.
use super::help::{GuidelinesPanel, KeysHelp};
use super::{JudgmentForm, guidelines, judge, review_queue, skip_item};
use crate::domain::judgment::{JudgmentInput, SkipReason};
use crate::generate::panel::RegeneratePanel;
use crate::i18n::use_i18n;
use crate::ui::load_failed;
use crate::ui::queue::{ProgressBar, QueueData, QueueSession};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[component]
pub fn ComparePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let dataset = Memo::new(move |_| params.read().get("dataset").unwrap_or_default());
    let session = QueueSession::new();
    let queue = QueueData::new(session, dataset, review_queue);
    let judge_action = session.action(|a, input: JudgmentInput| async move { judge(a, input).await.map(Some) });
    let skip_action = session.action(|a, reason: SkipReason| async move { skip_item(a, reason).await.map(|_| None) });
    let pending = Signal::derive(move || judge_action.pending().get() || skip_action.pending().get());

    // Overlays and page keys; G opens the guidelines.
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
    session.page_keys(
        move || format!("/review/{}", dataset.get_untracked()),
        "judgment",
        help_open,
        move |key| match key {
            "g" | "G" => {
                guide_open.update(|o| *o = !*o);
                true
            }
            "Escape" => {
                guide_open.set(false);
                true
            }
            _ => false,
        },
    );

    let current = move || {
        let q = queue.latest()?.ok()?;
        let f = session.finished.get();
        let item = q.items.into_iter().find(|i| !f.contains(&i.assignment))?;
        Some((item, q.settings))
    };

    view! {
        <KeysHelp open=help_open keys=|t| t.keys/>
        <GuidelinesPanel open=guide_open html=Signal::derive(move || guide.get().flatten())/>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                if let Err(e) = queue.first.await {
                    return load_failed(e);
                }
                let progress = move || queue.latest().and_then(Result::ok).map(|q| (q.done, q.done + q.open)).unwrap_or_default();
                let all_done = move || queue.latest().and_then(Result::ok).is_some_and(|q| q.items.is_empty());
                let history = format!("/review/{}/history", dataset.get_untracked());
                view! {
                    <ProgressBar progress=Signal::derive(progress) history=history history_label=i18n.t().history_link help=help_open>
                        <button type="button" class="link" on:click=move |_| guide_open.update(|o| *o = !*o)>
                            {move || i18n.t().guidelines} " (G)"
                        </button>
                    </ProgressBar>
                    <Show when=all_done>
                        <p class="card done" id="all-done">{move || i18n.t().compare_all_done}</p>
                    </Show>
                    // Keyed by assignment: a reload that keeps the same item keeps the form as typed.
                    <For each=move || current().into_iter() key=|(item, _)| item.assignment let:pair>
                        {
                            let (item, settings) = pair;
                            let assignment = item.assignment;
                            let can_regenerate = settings.model.is_some();
                            view! {
                                <div class="review" data-assignment=assignment.0>
                                    <JudgmentForm
                                        item=item
                                        settings=settings
                                        on_submit=Callback::new(move |input| { judge_action.dispatch((assignment, input)); })
                                        on_skip=Callback::new(move |reason| { skip_action.dispatch((assignment, reason)); })
                                        pending=pending
                                        server_error=session.error
                                    />
                                    {can_regenerate.then(|| view! { <RegeneratePanel assignment=assignment/> })}
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
