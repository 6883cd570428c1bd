//! The correction form: accept, edit (with live preview and a diff against the original)
//! or reject, with reason codes; all by keyboard.
use super::QaItem;
use super::diff::{Segment, change_count, diff};
use super::preview;
use crate::domain::correction::{Correction, CorrectionInput, CorrectionProblem, ItemFacts, Reason, Verdict, validate};
use crate::domain::judgment::SkipReason;
use crate::flag::{FlagPanel, FlagTarget};
use crate::i18n::use_i18n;
use crate::ui::keys;
use crate::ui::queue::{ItemContext, SkipControl};
use leptos::html::Textarea;
use leptos::prelude::*;
use std::collections::BTreeSet;

#[component]
pub fn CorrectionForm(
    item: QaItem,
    #[prop(optional)] initial: Option<CorrectionInput>,
    on_submit: Callback<CorrectionInput>,
    #[prop(optional)] on_skip: Option<Callback<SkipReason>>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(into)] server_error: Signal<Option<String>>,
    /// Where flags go: the item's assignment unless given (audits flag on their own copy).
    #[prop(optional)]
    flag_target: Option<FlagTarget>,
) -> impl IntoView {
    let i18n = use_i18n();
    let facts = StoredValue::new(ItemFacts {
        question: item.question.clone(),
        answer: item.answer.clone(),
        choices: item.choices.clone(),
        no_match: item.no_match.clone(),
    });
    let (verdict, draft, question) = match initial.as_ref().map(|i| &i.correction) {
        Some(Correction::Edit { question, answer }) => (Some(Verdict::Edit), answer.clone(), question.clone()),
        Some(other) => (Some(other.verdict()), item.answer.clone(), None),
        None => (None, item.answer.clone(), None),
    };
    let verdict = RwSignal::new(verdict);
    let draft = RwSignal::new(draft);
    let question_draft = RwSignal::new(question.unwrap_or_else(|| item.question.clone()));
    let reasons =
        RwSignal::new(initial.as_ref().map(|i| i.reasons.iter().copied().collect::<BTreeSet<_>>()).unwrap_or_default());
    let note = RwSignal::new(initial.as_ref().map(|i| i.note.clone()).unwrap_or_default());
    let skipping = RwSignal::new(false);
    let problem = RwSignal::new(None::<CorrectionProblem>);
    let editor = NodeRef::<Textarea>::new();
    let note_ref = NodeRef::<Textarea>::new();
    let timer = keys::TaskTimer::start();
    // Effects run in the browser only (never while rendering on the server).
    Effect::new(move |_| keys::new_item_in_view());
    Effect::new(move |_| {
        if skipping.get() {
            keys::reveal(".review .skip-menu");
        }
    });

    // The preview follows the draft 300 ms after typing stops, rendered by the server's sanitiser.
    let preview_src = RwSignal::new(draft.get_untracked());
    let preview_html =
        Resource::new(move || preview_src.get(), |md| async move { preview(md).await.unwrap_or_default() });
    let on_draft = move |value: String| {
        draft.set(value.clone());
        set_timeout(
            move || {
                if draft.get_untracked() == value {
                    preview_src.set(value);
                }
            },
            std::time::Duration::from_millis(300),
        );
    };
    let original = item.answer.clone();
    let changes = Memo::new(move |_| diff(&original, &draft.get()));

    let choose = move |v: Verdict| {
        verdict.set(Some(v));
        problem.set(None);
        if v == Verdict::Edit {
            // The editor is shown by this very change: focus it at once, so the keys typed next
            // go into it (not to the page's shortcuts), with the caret after the answer; if it
            // cannot take focus yet, on the next frame.
            let focus = move || {
                let Some(t) = editor.get_untracked() else { return false };
                // Show it now rather than when the class binding next runs: a hidden field
                // cannot take focus, and the keys typed meanwhile would be lost.
                if let Ok(Some(box_)) = t.closest(".editor") {
                    let _ = box_.class_list().remove_1("hidden");
                }
                let _ = t.focus();
                let end = t.value().encode_utf16().count() as u32;
                let _ = t.set_selection_range(end, end);
                document().active_element().is_some_and(|a| {
                    let el: &leptos::web_sys::Element = &t;
                    a == *el
                })
            };
            if !focus() {
                request_animation_frame(move || {
                    focus();
                });
            }
        }
    };
    let submit = move || {
        if pending.get_untracked() {
            return;
        }
        let correction = match verdict.get_untracked() {
            None => {
                problem.set(Some(CorrectionProblem::NoDecision));
                return;
            }
            Some(Verdict::Accept) => Correction::Accept,
            Some(Verdict::Reject) => Correction::Reject,
            Some(Verdict::Edit) => {
                let q = question_draft.get_untracked();
                let question = facts.with_value(|f| q.trim() != f.question.trim()).then_some(q);
                Correction::Edit { question, answer: draft.get_untracked() }
            }
        };
        let input = CorrectionInput {
            correction,
            reasons: reasons.get_untracked().into_iter().collect(),
            note: note.get_untracked(),
            time_on_task_ms: timer.elapsed_ms(),
        };
        match facts.with_value(|f| validate(f, &input)) {
            Ok(()) => {
                problem.set(None);
                on_submit.run(input);
            }
            Err(p) => problem.set(Some(p)),
        }
    };

    let keydown = window_event_listener(leptos::ev::keydown, move |e| {
        if keys::in_field(&e, submit) || !keys::plain(&e) {
            return;
        }
        let key = e.key().to_lowercase();
        if skipping.get_untracked() {
            if let (Some(d), Some(cb)) = (keys::digit(&key), on_skip) {
                if let Some(&r) = SkipReason::ALL.get((d as usize).wrapping_sub(1)) {
                    skipping.set(false);
                    cb.run(r);
                }
            } else if key == "escape" {
                skipping.set(false);
            }
            e.prevent_default();
            return;
        }
        match key.as_str() {
            "a" => choose(Verdict::Accept),
            "e" => choose(Verdict::Edit),
            "x" => choose(Verdict::Reject),
            "n" => {
                if let Some(t) = note_ref.get() {
                    let _ = t.focus();
                }
            }
            "enter" => submit(),
            "s" if on_skip.is_some() => skipping.set(true),
            _ => match keys::digit(&key).and_then(|d| Reason::ALL.get((d as usize).wrapping_sub(1))) {
                Some(&r) => reasons.update(|set| {
                    if !set.remove(&r) {
                        set.insert(r);
                    }
                }),
                None => return,
            },
        }
        e.prevent_default();
    });
    on_cleanup(move || keydown.remove());

    let error =
        move || problem.get().map(|p| i18n.t().correction_problem(&p).to_string()).or_else(|| server_error.get());
    let editing = move || verdict.get() == Some(Verdict::Edit);
    let QaItem { assignment, system_html, history, department, task, task_type, choices, no_match, flags, .. } = item;
    let flags = RwSignal::new(flags);
    let flag_html = move |i: usize| flags.with(|f| f.html.get(i).cloned().unwrap_or_default());
    let choice_list = choices.map(|list| {
        let all: Vec<String> = list.into_iter().chain(no_match).collect();
        view! {
            <div class="choices">
                <span>{move || i18n.t().correct_choices} ":"</span>
                {all.into_iter().map(|c| {
                    let value = c.clone();
                    view! {
                        <button type="button" class:selected=move || draft.get().trim() == value.trim() on:click={
                            let c = c.clone();
                            move |_| {
                                verdict.set(Some(Verdict::Edit));
                                on_draft(c.clone());
                            }
                        }>{c.clone()}</button>
                    }
                }).collect_view()}
            </div>
        }
    });

    view! {
        <section class="card question">
            <h2>
                {move || i18n.t().compare_question}
                {department.map(|d| view! { <span class="badge">{move || i18n.t().department} ": " {d.clone()}</span> })}
                {task.map(|t| view! {
                    <span class="badge">{move || i18n.t().correct_task} ": " {t.clone()} {task_type.clone().map(|tt| format!(" ({tt})"))}</span>
                })}
            </h2>
            <ItemContext system_html=system_html history=history/>
            <div class="md" data-field="question" inner_html=move || flag_html(0)></div>
        </section>
        <section class="card answer original">
            <h3>{move || i18n.t().correct_original}</h3>
            <div class="md" data-field="answer-0" inner_html=move || flag_html(1)></div>
        </section>
        <FlagPanel target=flag_target.unwrap_or(FlagTarget::Assignment(assignment)) state=flags answers=1/>
        <div class="votes verdicts">
            {Verdict::ALL.iter().copied().zip(["A", "E", "X"]).map(|(v, k)| view! {
                <button type="button" class="vote" class:selected=move || verdict.get() == Some(v) data-verdict=v.as_str()
                    on:click=move |_| choose(v)>
                    <kbd>{k}</kbd> " " {move || i18n.t().verdict(v)}
                </button>
            }).collect_view()}
        </div>
        <div class="editor" class:hidden=move || !editing()>
            {choice_list}
            <label class="card">
                <span>{move || i18n.t().correct_question_edit}</span>
                <textarea rows="2" prop:value=move || question_draft.get()
                    on:input=move |ev| question_draft.set(event_target_value(&ev))></textarea>
            </label>
            <div class="edit-columns">
                <label class="card">
                    <span>{move || i18n.t().correct_corrected}</span>
                    <textarea id="corrected" node_ref=editor rows="10" prop:value=move || draft.get()
                        on:input=move |ev| on_draft(event_target_value(&ev))></textarea>
                </label>
                <div class="card preview">
                    <h3>{move || i18n.t().correct_preview}</h3>
                    <Transition>
                        {move || Suspend::new(async move { view! { <div class="md" inner_html=preview_html.await></div> } })}
                    </Transition>
                </div>
            </div>
            <div class="card diff" id="diff">
                <h3>
                    {move || i18n.t().correct_diff} " · "
                    {move || i18n.t().correct_changes.replace("{n}", &change_count(&changes.get()).to_string())}
                </h3>
                <p class="diff-text">
                    {move || changes.get().into_iter().map(|s| match s {
                        Segment::Same(t) => view! { <span>{t}</span> }.into_any(),
                        Segment::Removed(t) => view! { <del>{t}</del> }.into_any(),
                        Segment::Added(t) => view! { <ins>{t}</ins> }.into_any(),
                    }).collect_view()}
                </p>
            </div>
        </div>
        <div class="card reasons" class:hidden=move || verdict.get().is_none_or(|v| v == Verdict::Accept)>
            <h3>{move || i18n.t().correct_reasons}</h3>
            {Reason::ALL.iter().copied().enumerate().map(|(i, r)| view! {
                <button type="button" class:selected=move || reasons.get().contains(&r) data-reason=r.as_str()
                    on:click=move |_| reasons.update(|set| { if !set.remove(&r) { set.insert(r); } })>
                    <kbd>{i + 1}</kbd> " " {move || i18n.t().reason(r)}
                </button>
            }).collect_view()}
            <label class="note">
                <span>{move || i18n.t().correct_note}</span>
                <textarea node_ref=note_ref rows="2" prop:value=move || note.get()
                    on:input=move |ev| note.set(event_target_value(&ev))></textarea>
            </label>
        </div>
        <div class="actions">
            <button type="button" class="primary" id="submit" disabled=move || pending.get() on:click=move |_| submit()>
                <kbd>"Enter"</kbd> " " {move || i18n.t().submit}
            </button>
            {on_skip.map(|cb| view! {
                <SkipControl open=skipping.into() set_open=Callback::new(move |o| skipping.set(o)) on_skip=cb/>
            })}
            <span class="error" role="alert">{error}</span>
        </div>
    }
}
