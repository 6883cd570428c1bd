//! The answers as cards (side by side for a pair, a grid for ranked items), and the
//! drag-to-reorder list of a ranking.
use super::AnswerView;
use super::form::{FormState, answer_label};
use crate::i18n::use_i18n;
use leptos::prelude::*;

#[component]
pub fn AnswerCards(
    answers: Vec<AnswerView>,
    state: FormState,
    flags: RwSignal<crate::flag::FlagState>,
) -> impl IntoView {
    let i18n = use_i18n();
    let n = answers.len();
    view! {
        <div class="answers" class:ranked=state.ranked()>
            {answers.into_iter().enumerate().map(|(i, AnswerView { html, chars })| {
                // Highlighted when the flags know this answer; plain otherwise.
                let html = move || flags.with(|f| f.html.get(i + 1).cloned()).unwrap_or_else(|| html.clone());
                let label = answer_label(n, i);
                view! {
                    <article
                        class="card answer"
                        class:focused=move || state.ranked() && state.focus.get() == i
                        data-answer=label.clone()
                        on:click=move |_| state.focus.set(i)
                    >
                        <header>
                            <h3>{move || i18n.t().compare_answer} " " {label.clone()}</h3>
                            <span class="len">{chars} " " {move || i18n.t().compare_chars}</span>
                        </header>
                        {state.ranked().then(|| view! {
                            <div class="rank-buttons" role="radiogroup">
                                <span>{move || i18n.t().rank_of}</span>
                                {(1..=n as u8).map(|r| view! {
                                    <button
                                        type="button"
                                        role="radio"
                                        class:selected=move || state.ranks.get()[i] == Some(r)
                                        aria-checked=move || (state.ranks.get()[i] == Some(r)).to_string()
                                        on:click=move |ev| {
                                            ev.stop_propagation();
                                            state.set_rank(i, r);
                                        }
                                    >{r}</button>
                                }).collect_view()}
                            </div>
                        })}
                        <div class="md" data-field=crate::flag::field_attr(crate::flag::Field::Answer(i as u8)) inner_html=html></div>
                    </article>
                }
            }).collect_view()}
        </div>
    }
}

/// The answers in ranked order; dragging one to another place re-ranks them all 1…n.
#[component]
pub fn OrderList(state: FormState) -> impl IntoView {
    let i18n = use_i18n();
    let n = state.answers;
    let dragging = RwSignal::new(None::<usize>);
    // Shown order: by rank (unranked last), then by answer number.
    let order = move || {
        let ranks = state.ranks.get();
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_by_key(|&i| (ranks[i].unwrap_or(u8::MAX), i));
        idx
    };
    let drop_on = move |target: usize| {
        let Some(moved) = dragging.get_untracked() else { return };
        let mut idx = order();
        idx.retain(|&i| i != moved);
        let at = idx.iter().position(|&i| i == target).unwrap_or(idx.len());
        idx.insert(at, moved);
        state.ranks.update(|r| {
            for (pos, &answer) in idx.iter().enumerate() {
                r[answer] = Some(pos as u8 + 1);
            }
        });
        dragging.set(None);
    };
    view! {
        <div class="card order">
            <h2>{move || i18n.t().rank_title}</h2>
            <ol class="order-list">
                <For each=order key=|i| *i let:i>
                    <li
                        draggable="true"
                        data-answer=answer_label(n, i)
                        on:dragstart=move |_| dragging.set(Some(i))
                        on:dragover=move |ev| ev.prevent_default()
                        on:drop=move |ev| {
                            ev.prevent_default();
                            drop_on(i);
                        }
                    >
                        <span class="rank">{move || state.ranks.get()[i].map(|r| r.to_string()).unwrap_or_else(|| "–".into())}</span>
                        " · " {move || i18n.t().compare_answer} " " {answer_label(n, i)}
                    </li>
                </For>
            </ol>
        </div>
    }
}
