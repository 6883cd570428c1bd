//! Flags by the thousand (admins, `/flags?dataset=…`): confirm or dismiss every open span of
//! one category in a dataset after a preview of how many, and turn a category off for
//! gating in one dataset (a general-domain dataset's URLs, say). Both are audit-logged; the
//! export manifest lists the categories off.
use super::{Category, Verdict};
use crate::error::AppError;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One span category of a dataset: open spans, and whether they keep texts out of exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryState {
    pub category: Category,
    pub open: i64,
    pub gates: bool,
}

/// Every span category of a dataset with its open spans and gating (admins).
#[server(prefix = "/api", endpoint = "flag_categories")]
pub async fn flag_categories(dataset: String) -> Result<Vec<CategoryState>, AppError> {
    crate::error::with_status(ssr::categories(dataset).await)
}

/// Confirms or dismisses every open span of `category` in `dataset` (admins). `expected` is
/// the count the admin was shown; if it changed since, nothing changes. Returns how many.
#[server(prefix = "/api", endpoint = "flag_bulk")]
pub async fn flag_bulk(dataset: String, category: Category, verdict: Verdict, expected: i64) -> Result<u64, AppError> {
    crate::error::with_status(ssr::bulk(dataset, category, verdict, expected).await)
}

/// Turns gating by one category on or off for a dataset (admins).
#[server(prefix = "/api", endpoint = "flag_gating")]
pub async fn flag_gating(dataset: String, category: Category, gates: bool) -> Result<Vec<CategoryState>, AppError> {
    crate::error::with_status(ssr::gating(dataset, category, gates).await)
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::auth::session::require;
    use crate::domain::Role;
    use crate::flag::{FlagProblem, FlagStatus};
    use crate::state::app_state;
    use crate::store::flags;

    /// The span categories an admin acts on: every one but the source's redaction markers.
    fn span_categories() -> impl Iterator<Item = Category> {
        Category::ALL.iter().copied().filter(|c| *c != Category::RedactionMarker)
    }

    pub async fn state(
        pool: &crate::store::Db,
        dataset: crate::domain::DatasetId,
    ) -> Result<Vec<CategoryState>, AppError> {
        let open = flags::open_by_category(pool, dataset).await?;
        let ungated = flags::ungated(&mut pool.acquire().await?, dataset).await?;
        Ok(span_categories()
            .map(|category| CategoryState {
                category,
                open: open.iter().find(|(c, _)| *c == category).map_or(0, |(_, n)| *n),
                gates: category.gates_export() && !ungated.contains(&category),
            })
            .collect())
    }

    pub async fn categories(dataset: String) -> Result<Vec<CategoryState>, AppError> {
        require(&[Role::Admin]).await?;
        let pool = app_state()?.pool;
        let dataset = crate::datasets::named(&pool, dataset).await?;
        state(&pool, dataset.id).await
    }

    pub async fn bulk(dataset: String, category: Category, verdict: Verdict, expected: i64) -> Result<u64, AppError> {
        let user = require(&[Role::Admin]).await?;
        let pool = app_state()?.pool;
        let dataset = crate::datasets::named(&pool, dataset).await?;
        if expected <= 0 {
            return Err(AppError::Flag(FlagProblem::NothingChosen));
        }
        let status = match verdict {
            Verdict::Confirm => FlagStatus::Confirmed,
            Verdict::Dismiss => FlagStatus::Dismissed,
        };
        flags::review_category(&pool, dataset.id, category, status, expected, Some(user.id))
            .await?
            .ok_or(AppError::Flag(FlagProblem::CountChanged))
    }

    pub async fn gating(dataset: String, category: Category, gates: bool) -> Result<Vec<CategoryState>, AppError> {
        let user = require(&[Role::Admin]).await?;
        let pool = app_state()?.pool;
        let dataset = crate::datasets::named(&pool, dataset).await?;
        if !category.gates_export() {
            return Err(AppError::Flag(FlagProblem::NeverGates));
        }
        flags::set_gating(&pool, dataset.id, category, gates, Some(user.id)).await?;
        state(&pool, dataset.id).await
    }
}

/// The bulk actions and gating switches of one dataset, shown on the flag queue page.
#[component]
pub fn BulkPanel(dataset: String, #[prop(into)] changed: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().flag;
    let name = StoredValue::new(dataset);
    let version = RwSignal::new(0u32);
    let states = Resource::new(move || version.get(), move |_| flag_categories(name.get_value()));
    // The action waiting for the admin's second click: (category, verdict, count).
    let pending = RwSignal::new(None::<(Category, Verdict, i64)>);
    let message = RwSignal::new(None::<String>);
    let bulk = Action::new(move |&(category, verdict, expected): &(Category, Verdict, i64)| async move {
        flag_bulk(name.get_value(), category, verdict, expected).await
    });
    let gating = Action::new(move |&(category, gates): &(Category, bool)| async move {
        flag_gating(name.get_value(), category, gates).await
    });
    Effect::new(move |_| {
        if let Some(result) = bulk.value().get() {
            pending.set(None);
            message.set(Some(match result {
                Ok(n) => format!("{} {n}", t().bulk_done),
                Err(e) => i18n.t().error(&e),
            }));
            version.update(|v| *v += 1);
            changed.run(());
        }
    });
    Effect::new(move |_| {
        if let Some(result) = gating.value().get() {
            if let Err(e) = result {
                message.set(Some(i18n.t().error(&e)));
            }
            version.update(|v| *v += 1);
        }
    });
    view! {
        <section class="card bulk-flags" id="bulk-flags">
            <h2>{move || t().bulk_title} " · " {name.get_value()}</h2>
            <p class="muted">{move || t().bulk_hint}</p>
            {move || message.get().map(|m| view! { <p class="notice" role="status" id="bulk-message">{m}</p> })}
            <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
                {move || Suspend::new(async move {
                    match states.await {
                        Err(e) => view! { <p class="error" role="alert">{i18n.t().error(&e)}</p> }.into_any(),
                        Ok(list) => view! {
                            <table class="bulk">
                                <thead><tr>
                                    <th>{t().category}</th><th>{t().bulk_open}</th><th>{t().bulk_actions}</th><th>{t().bulk_gating}</th>
                                </tr></thead>
                                <tbody>
                                    {list.into_iter().map(|s| {
                                        let c = s.category;
                                        let ask = move |verdict| pending.set(Some((c, verdict, s.open)));
                                        view! {
                                            <tr data-category=c.as_str()>
                                                <td>{t().category(c)}</td>
                                                <td class="count">{s.open}</td>
                                                <td>
                                                    {move || match pending.get() {
                                                        Some((pc, verdict, n)) if pc == c => view! {
                                                            <span class="confirm-bulk">
                                                                {format!("{} {n} · {}？", t().bulk_will(verdict), t().category(c))}
                                                                <button class="danger" data-do="yes" on:click=move |_| { bulk.dispatch((c, verdict, n)); }>{t().bulk_yes}</button>
                                                                <button data-do="no" on:click=move |_| pending.set(None)>{t().cancel}</button>
                                                            </span>
                                                        }.into_any(),
                                                        _ => view! {
                                                            <button data-bulk="confirm" disabled=s.open == 0 on:click=move |_| ask(Verdict::Confirm)>{t().bulk_confirm_all}</button>
                                                            <button data-bulk="dismiss" disabled=s.open == 0 on:click=move |_| ask(Verdict::Dismiss)>{t().bulk_dismiss_all}</button>
                                                        }.into_any(),
                                                    }}
                                                </td>
                                                <td>
                                                    {c.gates_export().then(|| view! {
                                                        <label>
                                                            <input type="checkbox" data-gates=c.as_str() checked=s.gates
                                                                on:change=move |e| { gating.dispatch((c, event_target_checked(&e))); } />
                                                            {if s.gates { t().gates_on } else { t().gates_off }}
                                                        </label>
                                                    })}
                                                </td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
