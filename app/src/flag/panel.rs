//! The flag panel under an item on the review screens: the item's flags with confirm and
//! dismiss, and a form to flag a selected span (`F`), a whole text or the whole item.
use super::{
    Category, Concern, Field, FlagKind, FlagState, FlagStatus, FlagTarget, FlagView, Harm, NewFlagInput, Verdict,
};
use super::{add_flag, review_flag};
use crate::audit::flags::{audit_flag, audit_review_flag};
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::ui::keys;
use leptos::html::Select;
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    Span,
    Text,
    Item,
}

/// `question` or `answer-{i}`: the `data-field` of a rendered text.
pub fn field_attr(field: Field) -> String {
    match field {
        Field::Question => "question".into(),
        Field::Answer(i) => format!("answer-{i}"),
    }
}

fn parse_field(s: &str) -> Option<Field> {
    match s {
        "question" => Some(Field::Question),
        _ => s.strip_prefix("answer-")?.parse().ok().map(Field::Answer),
    }
}

/// The browser's text selection inside a rendered text: which text, the selected
/// characters, and how many times they occur before the selection in that text.
#[cfg(feature = "hydrate")]
fn selection() -> Option<(Field, String, usize)> {
    use leptos::wasm_bindgen::JsCast;
    let sel = window().get_selection().ok()??;
    let text = String::from(sel.to_string()).trim().to_string();
    if text.is_empty() || sel.range_count() == 0 {
        return None;
    }
    let range = sel.get_range_at(0).ok()?;
    let node = range.start_container().ok()?;
    let element = match node.clone().dyn_into::<web_sys::Element>() {
        Ok(e) => e,
        Err(n) => n.parent_element()?,
    };
    let host = element.closest("[data-field]").ok()??;
    let field = parse_field(&host.get_attribute("data-field")?)?;
    let before = document().create_range().ok()?;
    before.select_node_contents(&host).ok()?;
    before.set_end(&node, range.start_offset().ok()?).ok()?;
    let occurrence = String::from(before.to_string()).matches(text.as_str()).count();
    Some((field, text, occurrence))
}

#[cfg(not(feature = "hydrate"))]
fn selection() -> Option<(Field, String, usize)> {
    None
}

fn field_label(field: Option<Field>, answers: usize) -> String {
    let t = use_i18n().t().flag;
    match field {
        None => t.whole_item.into(),
        Some(Field::Question) => t.question.into(),
        Some(Field::Answer(i)) if answers > 1 => {
            format!("{} {}", t.answer, crate::review::compare::answer_label(answers, i as usize))
        }
        Some(Field::Answer(_)) => t.answer.into(),
    }
}

async fn save_flag(target: FlagTarget, input: NewFlagInput) -> Result<FlagState, AppError> {
    match target {
        FlagTarget::Assignment(assignment) => add_flag(assignment, input).await,
        FlagTarget::Audit { audit, position } => audit_flag(audit, position, input).await,
    }
}

async fn judge_flag(target: FlagTarget, flag: i64, verdict: Verdict) -> Result<FlagState, AppError> {
    match target {
        FlagTarget::Assignment(assignment) => review_flag(assignment, flag, verdict).await,
        FlagTarget::Audit { audit, position } => audit_review_flag(audit, position, flag, verdict).await,
    }
}

#[component]
pub fn FlagPanel(target: FlagTarget, state: RwSignal<FlagState>, answers: usize) -> impl IntoView {
    let i18n = use_i18n();
    let error = RwSignal::new(None::<String>);
    let open = RwSignal::new(false);
    let scope = RwSignal::new(Scope::Span);
    let field = RwSignal::new(Field::Answer(0));
    let text = RwSignal::new(String::new());
    let occurrence = RwSignal::new(0usize);
    let category = RwSignal::new(Category::Name);
    let concern = RwSignal::new(Concern::Unsafe);
    let severity = RwSignal::new(None::<Harm>);
    let note = RwSignal::new(String::new());
    let first = NodeRef::<Select>::new();

    let apply = move |result: Result<FlagState, AppError>| match result {
        Ok(s) => {
            state.set(s);
            error.set(None);
            true
        }
        Err(e) => {
            error.set(Some(i18n.t().error(&e)));
            false
        }
    };
    let save = Action::new(move |input: &NewFlagInput| {
        let input = input.clone();
        async move {
            if apply(save_flag(target, input).await) {
                open.set(false);
            }
        }
    });
    let review = Action::new(move |(flag, verdict): &(i64, Verdict)| {
        let (flag, verdict) = (*flag, *verdict);
        async move {
            apply(judge_flag(target, flag, verdict).await);
        }
    });
    let start = move || {
        match selection() {
            Some((f, t, n)) => {
                scope.set(Scope::Span);
                field.set(f);
                text.set(t);
                occurrence.set(n);
            }
            None => {
                if scope.get_untracked() == Scope::Span {
                    text.set(String::new());
                    occurrence.set(0);
                }
            }
        }
        open.set(true);
        request_animation_frame(move || {
            if let Some(el) = first.get_untracked() {
                let _ = el.focus();
            }
        });
    };
    let keydown = window_event_listener(leptos::ev::keydown, move |e| {
        if keys::typing(&e) || !keys::plain(&e) {
            if open.get_untracked() && e.key() == "Escape" {
                open.set(false);
            }
            return;
        }
        if matches!(e.key().as_str(), "f" | "F") {
            e.prevent_default();
            start();
        }
    });
    on_cleanup(move || keydown.remove());
    let submit = move || {
        let input = match scope.get_untracked() {
            Scope::Span => NewFlagInput::Span {
                field: field.get_untracked(),
                text: text.get_untracked(),
                occurrence: occurrence.get_untracked(),
                category: category.get_untracked(),
            },
            s => NewFlagInput::Concern {
                field: (s == Scope::Text).then(|| field.get_untracked()),
                concern: concern.get_untracked(),
                severity: severity.get_untracked(),
                note: note.get_untracked(),
            },
        };
        save.dispatch(input);
    };
    let fields: Vec<Field> = std::iter::once(Field::Question).chain((0..answers as u8).map(Field::Answer)).collect();
    let fields = StoredValue::new(fields);
    let t = move || i18n.t().flag;

    view! {
        <section class="card flags" id="flags">
            <header>
                <h3>{move || t().title}</h3>
                <span class="muted">{move || t().hint}</span>
                <button type="button" id="flag-add" on:mousedown=|e| e.prevent_default() on:click=move |_| start()>
                    <kbd>"F"</kbd> " " {move || t().add}
                </button>
            </header>
            <ol class="flag-list">
                {move || {
                    let flags = state.get().flags;
                    if flags.is_empty() {
                        return view! { <li class="muted">{t().none}</li> }.into_any();
                    }
                    flags.into_iter().enumerate().map(|(n, f): (usize, FlagView<Field>)| {
                        let id = f.id;
                        let reviewable = f.status != FlagStatus::Resolved && f.kind != FlagKind::Span(Category::RedactionMarker);
                        view! {
                            <li data-flag=id data-status=f.status.as_str() data-kind=f.kind.as_str()>
                                <span class="n">{n + 1}</span>
                                <b>{t().kind(f.kind)}</b>
                                {f.severity.map(|h| view! { <span class="badge">{t().harm(h)}</span> })}
                                " · " {field_label(f.field, answers)}
                                {(!f.text.is_empty()).then(|| view! { " · " <q>{f.text.clone()}</q> })}
                                {f.note.clone().map(|n| view! { " · " <i>{n}</i> })}
                                <span class="muted">
                                    " · " {t().status(f.status)} " · "
                                    {if f.by_detector { t().detector } else { t().reviewer }}
                                </span>
                                {reviewable.then(|| view! {
                                    <button type="button" class="small confirm" disabled=f.status == FlagStatus::Confirmed
                                        on:click=move |_| { review.dispatch((id, Verdict::Confirm)); }>{t().confirm}</button>
                                    <button type="button" class="small dismiss" disabled=f.status == FlagStatus::Dismissed
                                        on:click=move |_| { review.dispatch((id, Verdict::Dismiss)); }>{t().dismiss}</button>
                                })}
                            </li>
                        }
                    }).collect_view().into_any()
                }}
            </ol>
            <Show when=move || open.get()>
                <form class="flag-form" on:submit=move |e| { e.prevent_default(); submit(); }>
                    <label>{move || t().scope}
                        <select node_ref=first id="flag-scope" on:change=move |e| scope.set(match event_target_value(&e).as_str() {
                            "text" => Scope::Text, "item" => Scope::Item, _ => Scope::Span })>
                            <option value="span" selected=move || scope.get() == Scope::Span>{move || t().scope_span}</option>
                            <option value="text" selected=move || scope.get() == Scope::Text>{move || t().scope_text}</option>
                            <option value="item" selected=move || scope.get() == Scope::Item>{move || t().scope_item}</option>
                        </select>
                    </label>
                    <Show when=move || scope.get() != Scope::Item>
                        <label>{move || t().scope_text}
                            <select id="flag-field" on:change=move |e| if let Some(f) = parse_field(&event_target_value(&e)) { field.set(f) }>
                                {fields.get_value().into_iter().map(|f| view! {
                                    <option value=field_attr(f) selected=move || field.get() == f>{field_label(Some(f), answers)}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    </Show>
                    <Show when=move || scope.get() == Scope::Span>
                        <label>{move || t().text}
                            <input id="flag-text" prop:value=move || text.get() on:input=move |e| { text.set(event_target_value(&e)); occurrence.set(0); }/>
                        </label>
                        <label>{move || t().category}
                            <select id="flag-category" on:change=move |e| if let Ok(c) = event_target_value(&e).parse() { category.set(c) }>
                                {Category::ALL.iter().copied().filter(|c| *c != Category::RedactionMarker).map(|c| view! {
                                    <option value=c.as_str() selected=move || category.get() == c>{move || t().category(c)}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    </Show>
                    <Show when=move || scope.get() != Scope::Span>
                        <label>{move || t().concern}
                            <select id="flag-concern" on:change=move |e| if let Ok(c) = event_target_value(&e).parse() { concern.set(c) }>
                                {Concern::ALL.iter().copied().map(|c| view! {
                                    <option value=c.as_str() selected=move || concern.get() == c>{move || t().concern(c)}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <Show when=move || concern.get() == Concern::Unsafe>
                            <label>{move || t().severity}
                                <select id="flag-severity" on:change=move |e| severity.set(event_target_value(&e).parse().ok())>
                                    <option value="" selected=move || severity.get().is_none()>"—"</option>
                                    {Harm::ALL.iter().copied().map(|h| view! {
                                        <option value=h.as_str() selected=move || severity.get() == Some(h)>{move || t().harm(h)}</option>
                                    }).collect_view()}
                                </select>
                            </label>
                        </Show>
                        <label>{move || t().note}
                            <input id="flag-note" prop:value=move || note.get() on:input=move |e| note.set(event_target_value(&e))/>
                        </label>
                    </Show>
                    <button type="submit" class="primary" id="flag-save">{move || t().save}</button>
                    <button type="button" on:click=move |_| open.set(false)>{move || t().cancel}</button>
                </form>
            </Show>
            // Not role="alert": the judgment form's own alert stays the page's one.
            <p class="error" id="flag-error" aria-live="polite">{move || error.get()}</p>
        </section>
    }
}
