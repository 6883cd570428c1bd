//! `/admin/people`: accounts, with create / role / specialties / disable / reset password;
//! `/admin/people/:name`: one reviewer's work.
use super::{Person, PersonChanges, create_person, get_reviewer_report, people, reset_password, update_person};
use crate::domain::Role;
use crate::i18n::use_i18n;
use crate::ui::charts::BarChart;
use crate::ui::load_failed;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

fn split(list: &str) -> Vec<String> {
    list.split([',', '，', '、']).map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

#[component]
pub fn PeoplePage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().admin;
    let list = Resource::new(|| (), |_| people());
    let error = RwSignal::new(None::<String>);
    // A new or reset password, shown once: (username, password).
    let secret = RwSignal::new(None::<(String, String)>);
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Annotator);
    let specialties = RwSignal::new(String::new());
    let create = Action::new(move |_: &()| {
        let (n, r, s) = (name.get_untracked(), role.get_untracked(), split(&specialties.get_untracked()));
        async move {
            match create_person(n.clone(), r, s).await {
                Ok(password) => {
                    secret.set(Some((n, password)));
                    error.set(None);
                    name.set(String::new());
                    specialties.set(String::new());
                    list.refetch();
                }
                Err(e) => error.set(Some(i18n.t().error(&e))),
            }
        }
    });
    let change = Action::new(move |(user, changes): &(String, PersonChanges)| {
        let (user, changes) = (user.clone(), changes.clone());
        async move {
            match update_person(user, changes).await {
                Ok(()) => error.set(None),
                Err(e) => error.set(Some(i18n.t().error(&e))),
            }
            list.refetch();
        }
    });
    let reset = Action::new(move |user: &String| {
        let user = user.clone();
        async move {
            match reset_password(user.clone()).await {
                Ok(password) => secret.set(Some((user, password))),
                Err(e) => error.set(Some(i18n.t().error(&e))),
            }
        }
    });
    let row = move |p: Person| {
        let user = p.username.clone();
        let (key, href) = (user.clone(), format!("/admin/people/{user}"));
        let specialties = RwSignal::new(p.specialties.join("，"));
        let (u1, u2, u3, u4) = (user.clone(), user.clone(), user.clone(), user.clone());
        view! {
            <tr data-user=key data-disabled=p.disabled.to_string()>
                <td><A href=href>{user}</A></td>
                <td>
                    <select class="role" aria-label=move || t().role on:change=move |e| {
                        if let Ok(r) = event_target_value(&e).parse::<Role>() {
                            change.dispatch((u1.clone(), PersonChanges { role: Some(r), ..Default::default() }));
                        }
                    }>
                        {Role::ALL.iter().map(|r| view! {
                            <option value=r.as_str() selected=*r == p.role>{move || i18n.t().role(*r)}</option>
                        }).collect_view()}
                    </select>
                </td>
                <td>
                    <input class="specialties" bind:value=specialties aria-label=move || t().specialties/>
                    <button type="button" class="save-specialties" on:click=move |_| {
                        let list = split(&specialties.get_untracked());
                        change.dispatch((u2.clone(), PersonChanges { specialties: Some(list), ..Default::default() }));
                    }>{move || t().save}</button>
                </td>
                <td>{p.decisions}</td>
                <td class="muted">{p.last_active.clone()}</td>
                <td>
                    {if p.disabled {
                        view! { <button type="button" class="enable" on:click=move |_| {
                            change.dispatch((u3.clone(), PersonChanges { disabled: Some(false), ..Default::default() }));
                        }>{move || t().enable}</button> }.into_any()
                    } else {
                        view! { <button type="button" class="disable" on:click=move |_| {
                            change.dispatch((u3.clone(), PersonChanges { disabled: Some(true), ..Default::default() }));
                        }>{move || t().disable}</button> }.into_any()
                    }}
                    <button type="button" class="reset-password" on:click=move |_| { reset.dispatch(u4.clone()); }>
                        {move || t().reset_password}
                    </button>
                </td>
            </tr>
        }
    };
    view! {
        <p><A href="/admin">{move || t().back}</A></p>
        <section class="card">
            <h1>{move || t().people}</h1>
            <p class="error" role="alert">{move || error.get()}</p>
            {move || secret.get().map(|(user, password)| {
                let key = user.clone();
                view! {
                <div class="result ok secret" id="new-password" data-user=key>
                    {t().password_once} " " <b>{user}</b> ": " <code>{password}</code>
                    <button type="button" on:click=move |_| secret.set(None)>{t().hide}</button>
                </div>
            }})}
            <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Err(e) => load_failed(e),
                        Ok(list) => view! {
                            <table class="people">
                                <thead><tr>
                                    <th>{t().username}</th><th>{t().role}</th><th>{t().specialties}</th>
                                    <th>{t().decisions}</th><th>{t().last_active}</th><th></th>
                                </tr></thead>
                                <tbody>{list.into_iter().map(row).collect_view()}</tbody>
                            </table>
                        }.into_any(),
                    }
                })}
            </Transition>
        </section>
        <section class="card">
            <h2>{move || t().new_person}</h2>
            <form class="grid-form" id="new-person" on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch(());
            }>
                <label>{move || t().username}<input id="new-person-name" required bind:value=name/></label>
                <label>{move || t().role}
                    <select id="new-person-role" on:change=move |e| {
                        if let Ok(r) = event_target_value(&e).parse() { role.set(r) }
                    }>
                        {Role::ALL.iter().map(|r| view! {
                            <option value=r.as_str() selected=*r == Role::Annotator>{move || i18n.t().role(*r)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>{move || t().specialties}<input id="new-person-specialties" bind:value=specialties placeholder="心内科，儿科"/></label>
                <button type="submit" class="primary" id="create-person">{move || t().create}</button>
            </form>
        </section>
    }
}

/// The last 30 days with decisions.
fn last_days(days: &[(String, i64)]) -> Vec<(String, i64)> {
    days[days.len().saturating_sub(30)..].to_vec()
}

#[component]
pub fn ReviewerPage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().admin;
    let params = use_params_map();
    let report = Resource::new(move || params.with(|p| p.get("name").unwrap_or_default()), get_reviewer_report);
    view! {
        <p><A href="/admin/people">{move || t().people}</A></p>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Err(e) => load_failed(e),
                    Ok(r) => view! {
                        <section class="card" id="reviewer" data-user=r.person.username.clone()>
                            <h1>{r.person.username.clone()} " " <span class="muted">{i18n.t().role(r.person.role)}</span></h1>
                            <p class="figures">
                                <span>{t().decisions} " " <b>{r.person.decisions}</b></span>
                                <span id="median-time">{t().median_time} " "
                                    <b>{r.median_seconds.map(|s| format!("{s} s")).unwrap_or_else(|| "—".into())}</b></span>
                                <span>{t().specialties} " " {r.person.specialties.join("，")}</span>
                            </p>
                            <BarChart title=t().chart_days bars=last_days(&r.per_day) id="chart-reviewer-days"/>
                            <table class="reviewer-datasets">
                                <thead><tr>
                                    <th>{t().dataset}</th><th>{t().decisions}</th><th>{t().skips}</th><th>{t().gold_accuracy}</th>
                                </tr></thead>
                                <tbody>
                                    {r.datasets.into_iter().map(|d| {
                                        let (key, href) = (d.dataset.clone(), format!("/admin/datasets/{}", d.dataset));
                                        view! {
                                        <tr data-dataset=key>
                                            <td><A href=href>{d.dataset.clone()}</A></td>
                                            <td>{d.decisions}</td>
                                            <td>{d.skips}</td>
                                            <td>{if d.gold_judged == 0 { "—".to_string() } else {
                                                format!("{}/{} ({:.0}%)", d.gold_correct, d.gold_judged, 100.0 * d.gold_correct as f64 / d.gold_judged as f64)
                                            }}</td>
                                        </tr>
                                    }}).collect_view()}
                                </tbody>
                            </table>
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}
