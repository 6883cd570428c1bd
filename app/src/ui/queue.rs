//! What every review-queue page shares: hiding a finished item at once while the queue
//! reloads behind it, the page keys (`?` help, `H` history, `U` change the last decision),
//! the progress bar, and the history table.
use crate::domain::AssignmentId;
use crate::error::AppError;
use crate::i18n::use_i18n;
use crate::ui::keys;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use std::collections::HashSet;
use std::future::Future;

#[derive(Clone, Copy)]
pub struct QueueSession {
    /// Bumped to reload the queue.
    pub refresh: RwSignal<u32>,
    /// Assignments judged or skipped on this page.
    pub finished: RwSignal<HashSet<AssignmentId>>,
    /// The id of the last decision made here, for `U`.
    pub last: RwSignal<Option<i64>>,
    pub error: RwSignal<Option<String>>,
}

impl Default for QueueSession {
    fn default() -> Self {
        Self::new()
    }
}

impl QueueSession {
    pub fn new() -> Self {
        QueueSession {
            refresh: RwSignal::new(0),
            finished: RwSignal::new(HashSet::new()),
            last: RwSignal::new(None),
            error: RwSignal::new(None),
        }
    }

    /// An action for a server call about one assignment: on success the assignment is
    /// hidden and the queue reloads; a returned id becomes the last decision.
    pub fn action<I, F, Fut>(self, call: F) -> Action<(AssignmentId, I), ()>
    where
        I: Clone + Send + Sync + 'static,
        F: Fn(AssignmentId, I) -> Fut + Copy + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<i64>, AppError>> + Send + 'static,
    {
        let i18n = use_i18n();
        Action::new(move |(a, input): &(AssignmentId, I)| {
            let (a, input) = (*a, input.clone());
            async move {
                match call(a, input).await {
                    Ok(id) => {
                        self.error.set(None);
                        if id.is_some() {
                            self.last.set(id);
                        }
                        self.finished.update(|f| {
                            f.insert(a);
                        });
                        self.refresh.update(|r| *r += 1);
                    }
                    Err(e) => self.error.set(Some(i18n.t().error(&e))),
                }
            }
        })
    }

    /// `?` toggles help, `Esc` closes overlays, `H` opens the history at `{base}/history`,
    /// `U` the last decision at `{base}/{item}/{id}`; `extra` gets any other plain key.
    pub fn page_keys(
        self,
        base: impl Fn() -> String + Send + Sync + 'static,
        item: &'static str,
        help: RwSignal<bool>,
        extra: impl Fn(&str) -> bool + Send + Sync + 'static,
    ) {
        let navigate = use_navigate();
        let handle = window_event_listener(leptos::ev::keydown, move |e| {
            if keys::typing(&e) || !keys::plain(&e) {
                return;
            }
            let base = base();
            match e.key().as_str() {
                "?" => help.update(|o| *o = !*o),
                "Escape" => {
                    help.set(false);
                    extra("Escape");
                }
                "h" | "H" => navigate(&format!("{base}/history"), Default::default()),
                "u" | "U" => match self.last.get_untracked() {
                    Some(id) => navigate(&format!("{base}/{item}/{id}"), Default::default()),
                    None => navigate(&format!("{base}/history"), Default::default()),
                },
                key => {
                    if !extra(key) {
                        return;
                    }
                }
            }
            e.prevent_default();
        });
        on_cleanup(move || handle.remove());
    }
}

/// A queue page's data: the first load, which the page's `Suspend` waits for, and the
/// reloads after each decision, which it does not. Were the reloads awaited there, each one
/// would rebuild the page and the form the reviewer is already typing into (the next item
/// is shown from the prefetch before the reload lands): keys typed in between were lost.
pub struct QueueData<T: Send + Sync + 'static> {
    pub first: Resource<Result<T, AppError>>,
    reload: Resource<Option<Result<T, AppError>>>,
}

impl<T: Send + Sync + 'static> Clone for QueueData<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Send + Sync + 'static> Copy for QueueData<T> {}

impl<T> QueueData<T>
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
{
    pub fn new<Fut>(session: QueueSession, dataset: Memo<String>, fetch: fn(String) -> Fut) -> Self
    where
        Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    {
        let first = Resource::new(move || dataset.get(), fetch);
        let reload = Resource::new(
            move || {
                let round = session.refresh.get();
                (round > 0).then(|| (dataset.get(), round))
            },
            move |key| async move {
                match key {
                    Some((d, _)) => Some(fetch(d).await),
                    None => None,
                }
            },
        );
        QueueData { first, reload }
    }

    /// The newest answer: the last reload's, else the first load's (also while a reload
    /// is under way, which hides finished items through `QueueSession::finished`).
    pub fn latest(&self) -> Option<Result<T, AppError>> {
        self.reload.get().flatten().or_else(|| self.first.get())
    }
}

/// The progress line of a queue page, with its links.
#[component]
pub fn ProgressBar(
    #[prop(into)] progress: Signal<(i64, i64)>,
    history: String,
    history_label: &'static str,
    help: RwSignal<bool>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="progress" id="progress">
            {move || i18n.t().compare_progress} " "
            <b>{move || progress.get().0}</b> " / " <b>{move || progress.get().1}</b>
            <meter min="0" max=move || progress.get().1.max(1) value=move || progress.get().0></meter>
            <span class="spacer"></span>
            <A href=history>{history_label} " (H)"</A>
            {children.map(|c| c())}
            <button type="button" class="link" on:click=move |_| help.update(|o| *o = !*o)>
                {move || i18n.t().keys_title} " (?)"
            </button>
        </nav>
    }
}

/// One line of a reviewer's history.
pub struct HistoryRow {
    pub id: i64,
    pub updated_at: String,
    pub question: String,
    pub summary: Signal<String>,
    pub href: String,
}

#[component]
pub fn HistoryTable(rows: Vec<HistoryRow>) -> impl IntoView {
    let i18n = use_i18n();
    if rows.is_empty() {
        return view! { <p>{move || i18n.t().history_empty}</p> }.into_any();
    }
    view! {
        <table class="history-table">
            <tbody>
                {rows.into_iter().map(|r| view! {
                    <tr data-id=r.id>
                        <td class="muted">{r.updated_at.replace('T', " ").chars().take(16).collect::<String>()}</td>
                        <td>{r.question}</td>
                        <td class="decision">{move || r.summary.get()}</td>
                        <td><A href=r.href>{move || i18n.t().edit}</A></td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The system prompt and earlier turns of an item, folded away until asked for.
#[component]
pub fn ItemContext(system_html: Option<String>, history: Vec<(String, String)>) -> impl IntoView {
    let i18n = use_i18n();
    (system_html.is_some() || !history.is_empty()).then(|| {
        view! {
            <details class="context">
                <summary>{move || i18n.t().compare_system} " / " {move || i18n.t().compare_history}</summary>
                {system_html.map(|h| view! { <div class="md system" inner_html=h></div> })}
                {history.into_iter().map(|(q, a)| view! {
                    <div class="turn"><div class="md q" inner_html=q></div><div class="md a" inner_html=a></div></div>
                }).collect_view()}
            </details>
        }
    })
}

/// For an edit page: once the save succeeds go back to `back()`; a failure becomes text to show.
pub fn after_save<I>(save: ServerAction<I>, back: impl Fn() -> String + Send + Sync + 'static) -> Signal<Option<String>>
where
    I: leptos::server_fn::ServerFn<Output = (), Error = AppError> + Clone + Send + Sync + 'static,
{
    let i18n = use_i18n();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            navigate(&back(), Default::default());
        }
    });
    Signal::derive(move || match save.value().get() {
        Some(Err(e)) => Some(i18n.t().error(&e)),
        _ => None,
    })
}

/// The skip button and its reason menu (`S`, then `1`–`3`); `open` is shared with the
/// form's key handler.
#[component]
pub fn SkipControl(
    open: Signal<bool>,
    set_open: Callback<bool>,
    on_skip: Callback<crate::domain::judgment::SkipReason>,
) -> impl IntoView {
    use crate::domain::judgment::SkipReason;
    let i18n = use_i18n();
    view! {
        <button type="button" id="skip" on:click=move |_| set_open.run(true)>
            <kbd>"S"</kbd> " " {move || i18n.t().skip}
        </button>
        <Show when=move || open.get()>
            <div class="skip-menu" role="menu">
                <span>{move || i18n.t().skip_title}</span>
                {SkipReason::ALL.iter().enumerate().map(|(i, &r)| view! {
                    <button type="button" data-reason=r.as_str() on:click=move |_| {
                        set_open.run(false);
                        on_skip.run(r);
                    }>
                        <kbd>{i + 1}</kbd> " " {move || i18n.t().skip_reason(r)}
                    </button>
                }).collect_view()}
            </div>
        </Show>
    }
}
