//! The "regenerate" panel of the compare and correct screens: asks the dataset's model for a
//! new answer (`POST /api/regenerate`), shows it as it streams in, and lets the reviewer add
//! it as a candidate (`add_generated`). The stream is read with XMLHttpRequest, whose progress
//! events hand over the response text as it arrives.
use super::add::add_generated;
use crate::domain::AssignmentId;
use crate::i18n::use_i18n;
use leptos::prelude::*;
#[cfg(feature = "hydrate")]
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))] // the server renders `Idle` only
enum Stage {
    Idle,
    Writing(String),
    /// The whole answer, kept on the server under `draft`.
    Ready {
        draft: i64,
        text: String,
        model: String,
    },
    Added(usize),
    Failed(String),
}

/// The last line of the stream, as far as the page needs it.
#[cfg(feature = "hydrate")]
#[derive(Deserialize)]
struct Done {
    draft: i64,
    text: String,
    model: String,
}

#[component]
pub fn RegeneratePanel(assignment: AssignmentId) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().generate;
    let stage = RwSignal::new(Stage::Idle);
    let request = StoredValue::new_local(None::<Request>);
    let start = move |_| {
        #[cfg(feature = "hydrate")]
        {
            stage.set(Stage::Writing(String::new()));
            request.set_value(Request::send(assignment, stage, i18n));
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (assignment, request);
    };
    let stop = move |_| {
        request.update_value(|r| {
            if let Some(r) = r.take() {
                r.abort();
            }
        });
        stage.set(Stage::Idle);
    };
    let add = Action::new(move |draft: &i64| {
        let draft = *draft;
        async move {
            match add_generated(draft).await {
                Ok(n) => stage.set(Stage::Added(n)),
                Err(e) => stage.set(Stage::Failed(i18n.t().error(&e))),
            }
        }
    });
    let writing = move || matches!(stage.get(), Stage::Writing(_));
    view! {
        <section class="regenerate" id="regenerate">
            <button type="button" id="regenerate-button" on:click=start disabled=writing>
                {move || t().regenerate}
            </button>
            {move || match stage.get() {
                Stage::Idle => ().into_any(),
                Stage::Writing(text) => view! {
                    <div class="generated writing" id="generated-answer" aria-live="polite" aria-busy="true">{text}</div>
                    <p class="muted">{t().writing} " "
                        <button type="button" class="link" id="regenerate-stop" on:click=stop>{t().stop}</button>
                    </p>
                }.into_any(),
                Stage::Ready { draft, text, model } => view! {
                    <div class="generated" id="generated-answer" data-draft=draft aria-live="polite">{text}</div>
                    <p class="muted">{t().generated_by} " " {model}</p>
                    <p class="actions">
                        <button type="button" class="primary" id="add-generated"
                            disabled=move || add.pending().get()
                            on:click=move |_| { add.dispatch(draft); }>{t().add}</button>
                        <button type="button" id="regenerate-again" on:click=start>{t().again}</button>
                        <button type="button" class="link" on:click=move |_| stage.set(Stage::Idle)>{t().discard}</button>
                    </p>
                }.into_any(),
                Stage::Added(n) => view! {
                    <p class="result ok" id="generated-added" role="status" data-items=n>
                        {t().added} " " {n} <br/> <span class="muted">{t().added_note}</span>
                    </p>
                }.into_any(),
                Stage::Failed(message) => view! {
                    <p class="error" id="regenerate-error" role="alert">{t().failed} {message}</p>
                }.into_any(),
            }}
        </section>
    }
}

/// A regeneration request under way.
#[cfg(feature = "hydrate")]
struct Request(web_sys::XmlHttpRequest);

#[cfg(not(feature = "hydrate"))]
struct Request;

#[cfg(not(feature = "hydrate"))]
impl Request {
    fn abort(self) {}
}

#[cfg(feature = "hydrate")]
impl Request {
    fn abort(self) {
        let _ = self.0.abort();
    }

    fn send(assignment: AssignmentId, stage: RwSignal<Stage>, i18n: crate::i18n::I18n) -> Option<Self> {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let xhr = web_sys::XmlHttpRequest::new().ok()?;
        let url = format!("/api/regenerate?assignment={}", assignment.0);
        xhr.open_with_async("POST", &url, true).ok()?;
        // Bytes of the response already read: only whole lines are taken.
        let read = std::rc::Rc::new(std::cell::Cell::new(0usize));
        let take_lines = {
            let (xhr, read) = (xhr.clone(), read.clone());
            move || {
                if xhr.status().unwrap_or(0) != 200 {
                    return;
                }
                let body = xhr.response_text().ok().flatten().unwrap_or_default();
                let Some(end) = body.rfind('\n').map(|i| i + 1).filter(|end| *end > read.get()) else { return };
                for line in body[read.get()..end].lines().filter(|l| !l.trim().is_empty()) {
                    apply(line, stage);
                }
                read.set(end);
            }
        };
        let progress = Closure::<dyn FnMut()>::new(take_lines.clone());
        xhr.set_onprogress(Some(progress.as_ref().unchecked_ref()));
        progress.forget();
        let request = xhr.clone();
        let finished = Closure::<dyn FnMut()>::new(move || {
            take_lines();
            let status = request.status().unwrap_or(0);
            if status != 200 {
                let body = request.response_text().ok().flatten().unwrap_or_default();
                let error = serde_json::from_str(&body).unwrap_or(crate::error::AppError::Internal);
                let message = i18n.t().error(&error);
                stage.set(Stage::Failed(message));
            } else if matches!(stage.get_untracked(), Stage::Writing(_)) {
                stage.set(Stage::Failed(String::new()));
            }
        });
        xhr.set_onloadend(Some(finished.as_ref().unchecked_ref()));
        finished.forget();
        xhr.send().ok()?;
        Some(Request(xhr))
    }
}

/// One line of the stream: a piece, the end, or an error.
#[cfg(feature = "hydrate")]
fn apply(line: &str, stage: RwSignal<Stage>) {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else { return };
    if let Some(piece) = value["piece"].as_str() {
        stage.update(|s| {
            if let Stage::Writing(text) = s {
                text.push_str(piece);
            }
        });
    } else if let Ok(done) = serde_json::from_value::<Done>(value["done"].clone()) {
        stage.set(Stage::Ready { draft: done.draft, text: done.text, model: done.model });
    } else if let Some(error) = value["error"].as_str() {
        stage.set(Stage::Failed(error.to_string()));
    }
}
