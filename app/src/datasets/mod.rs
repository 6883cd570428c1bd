//! Datasets: the home page listing them, and the admin controls over their review.
pub mod admin;
mod console;
pub mod overview;
mod upload;
pub use console::{AdminPage, DatasetPage};

use crate::auth::use_user;
use crate::error::AppError;
use crate::i18n::use_i18n;
use leptos::prelude::*;
use leptos_router::components::{A, Redirect};
use serde::{Deserialize, Serialize};

/// The dataset a request names, or 404: a name that could not be one answers as an unknown one.
#[cfg(feature = "ssr")]
pub async fn named(pool: &crate::store::Db, name: String) -> Result<crate::store::datasets::DatasetRecord, AppError> {
    let name = crate::domain::DatasetName::parse(name).map_err(|_| AppError::NotFound)?;
    crate::store::datasets::by_name(pool, &name).await?.ok_or(AppError::NotFound)
}

/// A dataset as the home page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatasetSummary {
    pub name: String,
    pub kind: crate::domain::DatasetKind,
    pub items: i64,
    pub my_done: i64,
}

#[cfg(feature = "ssr")]
impl From<crate::store::datasets::SummaryRow> for DatasetSummary {
    fn from(r: crate::store::datasets::SummaryRow) -> Self {
        let crate::store::datasets::SummaryRow { name, kind, items, my_done } = r;
        DatasetSummary { name, kind, items, my_done }
    }
}

#[server(prefix = "/api", endpoint = "datasets")]
pub async fn my_datasets() -> Result<Vec<DatasetSummary>, AppError> {
    crate::error::with_status(
        async {
            let user = crate::auth::session::require(crate::domain::Role::ALL).await?;
            let state = crate::state::app_state()?;
            Ok(crate::store::datasets::summaries_for(&state.pool, user.id)
                .await?
                .into_iter()
                .map(DatasetSummary::from)
                .collect())
        }
        .await,
    )
}

#[component]
pub fn HomePage() -> impl IntoView {
    let i18n = use_i18n();
    let user = use_user();
    let datasets = Resource::new(|| (), |_| my_datasets());

    view! {
        <Suspense fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                let adjudicator = match user.await {
                    Ok(Some(u)) => crate::correct::ADJUDICATOR_ROLES.contains(&u.role),
                    _ => return view! { <Redirect path="/login"/> }.into_any(),
                };
                let list = match datasets.await {
                    Ok(list) => list,
                    Err(e) => return view! { <p class="error">{i18n.t().error(&e)}</p> }.into_any(),
                };
                view! {
                    <section class="card">
                        <h1>{move || i18n.t().home_title}</h1>
                        {if list.is_empty() {
                            view! { <p>{move || i18n.t().home_no_datasets}</p> }.into_any()
                        } else {
                            view! {
                                <ul class="datasets">
                                    {list.into_iter().map(|d| {
                                        let correct = d.kind == crate::domain::DatasetKind::Correct;
                                        let href = format!("/{}/{}", if correct { "correct" } else { "review" }, d.name);
                                        let start = move || {
                                            let t = i18n.t();
                                            if correct { t.home_start_correcting } else { t.home_start_review }
                                        };
                                        view! {
                                            <li>
                                                <b>{d.name.clone()}</b>
                                                <span class="muted">
                                                    {d.items} " " {move || i18n.t().home_items} " · "
                                                    {move || i18n.t().home_my_judgments} " " {d.my_done}
                                                </span>
                                                <A href=href attr:class="button primary">{start}</A>
                                                {(adjudicator && correct).then(|| view! {
                                                    <A href=format!("/adjudicate/{}", d.name) attr:class="button">
                                                        {move || i18n.t().adjudicate_link}
                                                    </A>
                                                })}
                                            </li>
                                        }
                                    }).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    </section>
                }.into_any()
            })}
        </Suspense>
    }
}
