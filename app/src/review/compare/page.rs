use super::{AnswerView, NextUp, PairView, SubmitVote, next_pair};
use crate::domain::{AssignmentId, Vote};
use crate::error::AppError;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_params_map;

/// The compare screen: question on top, two answers side by side, four votes by mouse or key.
#[component]
pub fn ComparePage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let dataset = move || params.read().get("dataset").unwrap_or_default();
    let vote = ServerAction::<SubmitVote>::new();
    // Each completed vote bumps the action's version, which loads the next pair in place.
    let next = Resource::new(move || (dataset(), vote.version().get()), |(d, _)| next_pair(d));

    // The pair the keys act on; cleared on a vote so a held or repeated key cannot vote twice.
    let current = RwSignal::new(None::<AssignmentId>);
    Effect::new(move |_| {
        if let Some(Ok(n)) = next.get() {
            current.set(n.pair.map(|p| p.assignment));
        }
    });
    let cast = move |v: Vote| {
        if let Some(assignment) = current.get_untracked() {
            current.set(None);
            vote.dispatch(SubmitVote { assignment, vote: v });
        }
    };
    let keys = window_event_listener(leptos::ev::keydown, move |e| {
        if e.repeat() || e.ctrl_key() || e.alt_key() || e.meta_key() {
            return;
        }
        if let Some(v) = Vote::from_key(&e.key()) {
            e.prevent_default();
            cast(v);
        }
    });
    on_cleanup(move || keys.remove());

    let vote_error = move || match vote.value().get() {
        Some(Err(e)) => Some(i18n.t().error(&e)),
        _ => None,
    };

    view! {
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match next.await {
                    Ok(n) => view! { <Pair next=n cast=cast/> }.into_any(),
                    Err(AppError::Unauthenticated) => view! { <Redirect path="/login"/> }.into_any(),
                    Err(e) => view! { <p class="error card">{i18n.t().error(&e)}</p> }.into_any(),
                }
            })}
        </Transition>
        <p class="error" role="alert">{vote_error}</p>
        <p class="muted saving">{move || vote.pending().get().then(|| i18n.t().saving)}</p>
    }
}

#[component]
fn Pair(next: NextUp, cast: impl Fn(Vote) + Copy + Send + Sync + 'static) -> impl IntoView {
    let i18n = use_i18n();
    let NextUp { pair, done, open } = next;
    let progress = view! {
        <div class="progress" id="progress">
            {move || i18n.t().compare_progress} " "
            <b>{done}</b> " / " <b>{done + open}</b>
            <meter min="0" max=(done + open).max(1) value=done></meter>
        </div>
    };
    let Some(PairView { assignment, system_html, history, question_html, answers }) = pair else {
        return view! { {progress} <p class="card done" id="all-done">{move || i18n.t().compare_all_done}</p> }
            .into_any();
    };
    let context = (system_html.is_some() || !history.is_empty()).then(|| {
        view! {
            <details class="context">
                <summary>{move || i18n.t().compare_system} " / " {move || i18n.t().compare_history}</summary>
                {system_html.map(|h| view! { <div class="md system" inner_html=h></div> })}
                {history.into_iter().map(|(q, a)| view! {
                    <div class="turn"><div class="md q" inner_html=q></div><div class="md a" inner_html=a></div></div>
                }).collect_view()}
            </details>
        }
    });
    let sides = ["A", "B"];
    view! {
        {progress}
        <section class="card question" data-assignment=assignment.0>
            <h2>{move || i18n.t().compare_question}</h2>
            {context}
            <div class="md" inner_html=question_html></div>
        </section>
        <div class="answers">
            {answers.into_iter().zip(sides).map(|(AnswerView { html, chars }, side)| view! {
                <article class="card answer" data-side=side>
                    <header>
                        <h3>{move || i18n.t().compare_answer} " " {side}</h3>
                        <span class="len">{chars} " " {move || i18n.t().compare_chars}</span>
                    </header>
                    <div class="md" inner_html=html></div>
                </article>
            }).collect_view()}
        </div>
        <div class="votes">
            {Vote::ALL.iter().copied().map(|v| view! {
                <button type="button" class="vote" data-vote=format!("{v:?}") on:click=move |_| cast(v)>
                    <kbd>{v.keys()[0]}</kbd> " " {move || i18n.t().vote(v)}
                </button>
            }).collect_view()}
        </div>
        <p class="muted hint">{move || i18n.t().compare_keys_hint}</p>
    }
    .into_any()
}
