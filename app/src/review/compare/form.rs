//! The judgment form shared by the compare screen and the edit page: the item, the vote or
//! ranking, strength, ratings, rationale; all of it reachable by keyboard.
use super::ReviewItem;
use super::ranking::{AnswerCards, OrderList};
use super::ratings::RatingGrid;
use crate::domain::Vote;
use crate::domain::judgment::{
    Axis, Decision, JudgmentInput, Problem, Rating, ReviewSettings, SkipReason, Strength, validate,
};
use crate::flag::{FlagPanel, FlagTarget};
use crate::i18n::use_i18n;
use crate::ui::keys;
use crate::ui::queue::{ItemContext, SkipControl};
use leptos::html::Textarea;
use leptos::prelude::*;
use std::collections::BTreeMap;

/// Where key presses go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Main,
    /// Rating cell `k`: axis `k / answers`, answer `k % answers`.
    Rate(usize),
    /// Choosing a skip reason.
    Skip,
}

/// The form's state, one signal per part; `Copy`, so every handler can hold it.
#[derive(Clone, Copy)]
pub struct FormState {
    pub answers: usize,
    pub vote: RwSignal<Option<Vote>>,
    pub strength: RwSignal<Option<Strength>>,
    /// Rank per answer in shown order (ranked items).
    pub ranks: RwSignal<Vec<Option<u8>>>,
    /// The answer digit keys rank (ranked items).
    pub focus: RwSignal<usize>,
    pub ratings: RwSignal<BTreeMap<(usize, Axis), u8>>,
    pub rationale: RwSignal<String>,
    pub mode: RwSignal<Mode>,
}

impl FormState {
    pub fn new(answers: usize, initial: Option<&JudgmentInput>) -> Self {
        let (mut vote, mut strength, mut ranks) = (None, None, vec![None; answers]);
        match initial.map(|i| &i.decision) {
            Some(Decision::Pairwise { vote: v, strength: s }) => (vote, strength) = (Some(*v), *s),
            Some(Decision::Ranking { ranks: r }) => ranks = r.iter().map(|&x| Some(x)).collect(),
            None => {}
        }
        let ratings =
            initial.map(|i| i.ratings.iter().map(|r| ((r.answer, r.axis), r.value)).collect()).unwrap_or_default();
        Self {
            answers,
            vote: RwSignal::new(vote),
            strength: RwSignal::new(strength),
            ranks: RwSignal::new(ranks),
            focus: RwSignal::new(0),
            ratings: RwSignal::new(ratings),
            rationale: RwSignal::new(initial.map(|i| i.rationale.clone()).unwrap_or_default()),
            mode: RwSignal::new(Mode::Main),
        }
    }

    pub fn ranked(&self) -> bool {
        self.answers > 2
    }

    /// Chooses a vote; a decisive vote starts at "clearly better", a tie has no strength.
    pub fn set_vote(&self, v: Vote) {
        self.vote.set(Some(v));
        match v {
            Vote::A | Vote::B => {
                if self.strength.get_untracked().is_none() {
                    self.strength.set(Some(Strength::Clear));
                }
            }
            Vote::Tie | Vote::BothBad => self.strength.set(None),
        }
    }

    pub fn set_rank(&self, answer: usize, rank: u8) {
        self.ranks.update(|r| r[answer] = Some(rank));
    }

    pub fn rate(&self, answer: usize, axis: Axis, value: u8) {
        self.ratings.update(|m| {
            m.insert((answer, axis), value);
        });
    }

    /// The decision as far as it goes (for the rationale rule), or `None` while undecided.
    pub fn decision(&self) -> Option<Decision> {
        if self.ranked() {
            let ranks: Option<Vec<u8>> = self.ranks.get().into_iter().collect();
            ranks.map(|ranks| Decision::Ranking { ranks })
        } else {
            self.vote.get().map(|vote| Decision::Pairwise { vote, strength: self.strength.get() })
        }
    }

    pub fn input(&self, time_on_task_ms: Option<u64>) -> Result<JudgmentInput, Problem> {
        let decision =
            self.decision().ok_or(if self.ranked() { Problem::RankAll(self.answers) } else { Problem::NoVote })?;
        let ratings =
            self.ratings.get().into_iter().map(|((answer, axis), value)| Rating { answer, axis, value }).collect();
        Ok(JudgmentInput { decision, ratings, rationale: self.rationale.get(), time_on_task_ms })
    }
}

/// Display labels of answers in shown order: A/B for pairs, 1…n for ranked items.
pub fn answer_label(answers: usize, i: usize) -> String {
    if answers == 2 { ["A", "B"][i].to_string() } else { (i + 1).to_string() }
}

#[component]
pub fn JudgmentForm(
    item: ReviewItem,
    settings: ReviewSettings,
    #[prop(optional)] initial: Option<JudgmentInput>,
    on_submit: Callback<JudgmentInput>,
    #[prop(optional)] on_skip: Option<Callback<SkipReason>>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] server_error: Signal<Option<String>>,
    /// Where flags go: the item's assignment unless given (audits flag on their own copy).
    #[prop(optional)]
    flag_target: Option<FlagTarget>,
) -> impl IntoView {
    let i18n = use_i18n();
    let n = item.answers.len();
    let state = FormState::new(n, initial.as_ref());
    let problem = RwSignal::new(None::<Problem>);
    let rationale_ref = NodeRef::<Textarea>::new();
    let settings = StoredValue::new(settings);
    let axes: Vec<Axis> = settings.with_value(|s| s.axes.iter().map(|a| a.axis).collect());
    let cells = axes.len() * n;

    let timer = keys::TaskTimer::start();
    // Effects run in the browser only (never while rendering on the server).
    Effect::new(move |_| keys::new_item_in_view());
    // A key that opens the rating grid or the skip menu shows it, however long the answers.
    Effect::new(move |_| match state.mode.get() {
        Mode::Rate(_) => keys::reveal(".review .ratings"),
        Mode::Skip => keys::reveal(".review .skip-menu"),
        Mode::Main => {}
    });

    let submit = move || {
        if pending.get_untracked() {
            return;
        }
        let checked = state.input(timer.elapsed_ms()).and_then(|input| {
            settings.with_value(|s| validate(s, n, &input))?;
            Ok(input)
        });
        match checked {
            Ok(input) => {
                problem.set(None);
                on_submit.run(input);
            }
            Err(p) => problem.set(Some(p)),
        }
    };

    let keydown = window_event_listener(leptos::ev::keydown, move |e| {
        if keys::in_field(&e, submit) {
            return;
        }
        let key = e.key();
        if !keys::plain(&e) {
            return;
        }
        let lower = key.to_lowercase();
        let handled = match state.mode.get_untracked() {
            Mode::Skip => {
                let reason = keys::digit(&key).and_then(|d| SkipReason::ALL.get((d as usize).wrapping_sub(1)));
                match (reason, on_skip) {
                    (Some(&r), Some(cb)) => {
                        state.mode.set(Mode::Main);
                        cb.run(r);
                    }
                    _ if key == "Escape" => state.mode.set(Mode::Main),
                    _ => {}
                }
                true
            }
            Mode::Rate(k) => {
                match key.as_str() {
                    "Escape" => state.mode.set(Mode::Main),
                    "ArrowRight" | "ArrowDown" | "Tab" => state.mode.set(Mode::Rate((k + 1) % cells)),
                    "ArrowLeft" | "ArrowUp" => state.mode.set(Mode::Rate((k + cells - 1) % cells)),
                    "Enter" => {
                        state.mode.set(Mode::Main);
                        submit();
                    }
                    _ => {
                        if let Some(v) = keys::digit(&key).filter(|v| (1..=5).contains(v)) {
                            state.rate(k % n, axes[k / n], v);
                            state.mode.set(if k + 1 < cells { Mode::Rate(k + 1) } else { Mode::Main });
                        }
                    }
                }
                true
            }
            Mode::Main => match lower.as_str() {
                "enter" => {
                    submit();
                    true
                }
                "q" | "w" | "e" if !state.ranked() => {
                    if matches!(state.vote.get_untracked(), Some(Vote::A | Vote::B)) {
                        let s = match lower.as_str() {
                            "q" => Strength::Slight,
                            "w" => Strength::Clear,
                            _ => Strength::Strong,
                        };
                        state.strength.set(Some(s));
                    }
                    true
                }
                "r" if cells > 0 => {
                    state.mode.set(Mode::Rate(0));
                    true
                }
                "n" => {
                    if let Some(t) = rationale_ref.get() {
                        let _ = t.focus();
                    }
                    true
                }
                "s" if on_skip.is_some() => {
                    state.mode.set(Mode::Skip);
                    true
                }
                "arrowleft" if state.ranked() => {
                    state.focus.update(|f| *f = (*f + n - 1) % n);
                    true
                }
                "arrowright" if state.ranked() => {
                    state.focus.update(|f| *f = (*f + 1) % n);
                    true
                }
                _ if state.ranked() => match keys::digit(&key).filter(|d| (1..=n as u8).contains(d)) {
                    Some(d) => {
                        let f = state.focus.get_untracked();
                        state.set_rank(f, d);
                        state.focus.set((f + 1) % n);
                        true
                    }
                    None => false,
                },
                _ => match Vote::from_key(&key) {
                    Some(v) => {
                        state.set_vote(v);
                        true
                    }
                    None => false,
                },
            },
        };
        if handled {
            e.prevent_default();
        }
    });
    on_cleanup(move || keydown.remove());

    let rationale_needed = move || {
        state.decision().map(|d| settings.with_value(|s| s.rationale_required(&d))).unwrap_or(false)
            || settings.with_value(|s| s.rationale == crate::domain::judgment::RationaleRule::Always)
    };
    let error = move || problem.get().map(|p| i18n.t().problem(&p)).or_else(|| server_error.get());
    let ReviewItem { assignment, system_html, history, department, answers, flags, .. } = item;
    let n_answers = answers.len();
    let flags = RwSignal::new(flags);

    view! {
        <section class="card question">
            <h2>
                {move || i18n.t().compare_question}
                {department.map(|d| view! { <span class="badge">{move || i18n.t().department} ": " {d.clone()}</span> })}
            </h2>
            <ItemContext system_html=system_html history=history/>
            <div class="md" data-field="question" inner_html=move || flags.with(|f| f.html.first().cloned().unwrap_or_default())></div>
        </section>
        <AnswerCards answers=answers state=state flags=flags/>
        <FlagPanel target=flag_target.unwrap_or(FlagTarget::Assignment(assignment)) state=flags answers=n_answers/>
        {(!state.ranked()).then(|| view! { <VotePanel state=state/> })}
        {state.ranked().then(|| view! { <OrderList state=state/> })}
        {(cells > 0).then(|| view! { <RatingGrid axes=settings.with_value(|s| s.axes.clone()) state=state/> })}
        <label class="card rationale">
            <span>
                {move || i18n.t().rationale_label}
                {move || rationale_needed().then(|| i18n.t().rationale_required)}
            </span>
            <textarea
                node_ref=rationale_ref
                rows="2"
                maxlength="5000"
                placeholder=move || i18n.t().rationale_placeholder
                prop:value=move || state.rationale.get()
                on:input=move |ev| state.rationale.set(event_target_value(&ev))
            ></textarea>
        </label>
        <div class="actions">
            <button type="button" class="primary" id="submit" disabled=move || pending.get() on:click=move |_| submit()>
                <kbd>"Enter"</kbd> " " {move || i18n.t().submit}
            </button>
            {on_skip.map(|cb| view! {
                <SkipControl
                    open=Signal::derive(move || state.mode.get() == Mode::Skip)
                    set_open=Callback::new(move |o| state.mode.set(if o { Mode::Skip } else { Mode::Main }))
                    on_skip=cb
                />
            })}
            <span class="error" role="alert">{error}</span>
        </div>
    }
}

/// A / B / tie / both-bad, and for a decisive vote how much better.
#[component]
fn VotePanel(state: FormState) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="votes">
            {Vote::ALL.iter().copied().map(|v| view! {
                <button
                    type="button"
                    class="vote"
                    class:selected=move || state.vote.get() == Some(v)
                    data-vote=v.as_str()
                    on:click=move |_| state.set_vote(v)
                >
                    <kbd>{v.keys()[0]}</kbd> " " {move || i18n.t().vote(v)}
                </button>
            }).collect_view()}
        </div>
        <Show when=move || matches!(state.vote.get(), Some(Vote::A | Vote::B))>
            <div class="strength" role="radiogroup">
                <span>{move || i18n.t().strength_label}</span>
                {Strength::ALL.iter().copied().zip(["Q", "W", "E"]).map(|(s, key)| view! {
                    <button
                        type="button"
                        role="radio"
                        class:selected=move || state.strength.get() == Some(s)
                        aria-checked=move || (state.strength.get() == Some(s)).to_string()
                        data-strength=s.as_str()
                        on:click=move |_| state.strength.set(Some(s))
                    >
                        <kbd>{key}</kbd> " " {move || i18n.t().strength(s)}
                    </button>
                }).collect_view()}
            </div>
        </Show>
    }
}
