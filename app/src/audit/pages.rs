//! The audit pages: `/audit` (samples, and links to every dataset's agreement page),
//! `/audit/:id/label` (blind re-labelling with the review screens), `/audit/:id` (results),
//! `/audit/datasets/:dataset` (agreement, bias, reward model versus clinicians).
use super::report::{AgreementReport, Share};
use super::sample::Design;
use super::{AuditDecision, TaskItem, agreement, audit_decide, audit_list, audit_next, create_audit, get_audit_report};
use crate::correct::CorrectionForm;
use crate::domain::AuditId;
use crate::flag::FlagTarget;
use crate::i18n::use_i18n;
use crate::review::compare::JudgmentForm;
use crate::ui::load_failed;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// `0.83 [0.71, 0.91]`.
fn share(s: &Share) -> String {
    if s.n == 0 {
        return "—".into();
    }
    format!("{:.2} [{:.2}, {:.2}] ({}/{})", s.value, s.low, s.high, s.k, s.n)
}

fn number(x: Option<f64>, undefined: &'static str) -> String {
    x.map_or_else(|| undefined.to_string(), |x| format!("{x:.3}"))
}

/// Shares with their intervals as an SVG dot-and-whisker chart on a 0–1 axis.
#[component]
fn IntervalChart(
    #[prop(into)] title: String,
    rows: Vec<(String, Share)>,
    #[prop(optional)] id: &'static str,
) -> impl IntoView {
    const ROW: f64 = 22.0;
    const LABEL: f64 = 150.0;
    const AXIS: f64 = 320.0;
    let height = ROW * rows.len().max(1) as f64 + 20.0;
    let width = LABEL + AXIS + 20.0;
    let x = move |v: f64| LABEL + v * AXIS;
    view! {
        <figure class="chart interval" id=id>
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {width} {height}") width=width height=height role="img" aria-label=title>
                <line class="half" x1=x(0.5) x2=x(0.5) y1=0 y2=height - 16.0></line>
                <text x=x(0.0) y=height - 2.0 text-anchor="middle">"0"</text>
                <text x=x(0.5) y=height - 2.0 text-anchor="middle">"0.5"</text>
                <text x=x(1.0) y=height - 2.0 text-anchor="middle">"1"</text>
                {rows.into_iter().enumerate().map(|(i, (label, s))| {
                    let y = i as f64 * ROW + 11.0;
                    let key = label.clone();
                    view! {
                        <g class="interval-row" data-label=key data-value=format!("{:.4}", s.value)>
                            <text x=LABEL - 6.0 y=y + 4.0 text-anchor="end">{label}</text>
                            {(s.n > 0).then(|| view! {
                                <line x1=x(s.low) x2=x(s.high) y1=y y2=y></line>
                                <circle cx=x(s.value) cy=y r=4></circle>
                            })}
                        </g>
                    }
                }).collect_view()}
            </svg>
        </figure>
    }
}

/// Each reviewer as a point: median seconds per item (x) against agreement with the majority (y).
#[component]
fn SpeedChart(#[prop(into)] title: String, points: Vec<(String, f64, f64)>) -> impl IntoView {
    const W: f64 = 420.0;
    const H: f64 = 200.0;
    const PAD: f64 = 30.0;
    let max_secs = points.iter().map(|p| p.1).fold(1.0, f64::max);
    let x = move |secs: f64| PAD + secs / max_secs * (W - 2.0 * PAD);
    let y = move |share: f64| H - PAD - share * (H - 2.0 * PAD);
    view! {
        <figure class="chart interval" id="chart-speed">
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {W} {H}") width=W height=H role="img" aria-label=title>
                <line class="half" x1=PAD x2=W - PAD y1=y(0.5) y2=y(0.5)></line>
                <text x=PAD - 4.0 y=y(1.0) + 4.0 text-anchor="end">"1"</text>
                <text x=PAD - 4.0 y=y(0.0) + 4.0 text-anchor="end">"0"</text>
                <text x=W - PAD y=H - 8.0 text-anchor="end">{format!("{max_secs:.0} s")}</text>
                {points.into_iter().map(|(name, secs, share)| {
                    let key = name.clone();
                    view! {
                    <g class="point" data-label=key>
                        <circle cx=x(secs) cy=y(share) r=4></circle>
                        <text x=x(secs) + 6.0 y=y(share) - 6.0>{name}</text>
                    </g>
                }}).collect_view()}
            </svg>
        </figure>
    }
}

#[component]
pub fn AuditsPage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().audit;
    let audits = Resource::new(|| (), |_| audit_list());
    let datasets = Resource::new(|| (), |_| crate::datasets::my_datasets());
    let dataset = RwSignal::new(String::new());
    let design = RwSignal::new(Design::Random);
    let n = RwSignal::new("20".to_string());
    let seed = RwSignal::new("1".to_string());
    let create = Action::new(move |_: &()| {
        let (d, g) = (dataset.get_untracked(), design.get_untracked());
        let n = n.get_untracked().trim().parse().unwrap_or(0);
        let seed = seed.get_untracked().trim().parse().unwrap_or(0);
        async move {
            let result = create_audit(d, g, n, seed).await.map_err(|e| i18n.t().error(&e));
            audits.refetch();
            result.map(|a| a.id)
        }
    });
    view! {
        <h1>{move || t().title}</h1>
        <section class="card" id="audit-datasets">
            <h2>{move || t().agreement_title}</h2>
            <Transition fallback=|| ()>
                {move || datasets.get().and_then(Result::ok).map(|list| view! {
                    <p>{list.into_iter().map(|d| {
                        let href = format!("/audit/datasets/{}", d.name);
                        view! { <A href=href>{d.name.clone()}</A> " " }
                    }).collect_view()}</p>
                })}
            </Transition>
        </section>
        <section class="card" id="new-audit">
            <h2>{move || t().new_audit}</h2>
            <form class="grid-form" on:submit=move |ev| { ev.prevent_default(); create.dispatch(()); }>
                <label>{move || t().dataset}
                    <select id="audit-dataset" required on:change=move |e| dataset.set(event_target_value(&e))>
                        <option value="">"—"</option>
                        <Transition fallback=|| ()>
                            {move || datasets.get().and_then(Result::ok).map(|list| list.into_iter().map(|d| {
                                view! { <option value=d.name.clone()>{d.name.clone()}</option> }
                            }).collect_view())}
                        </Transition>
                    </select>
                </label>
                <label>{move || t().design}
                    <select id="audit-design" on:change=move |e| {
                        let v = event_target_value(&e);
                        if let Ok(d) = v.parse() { design.set(d) }
                    }>
                        {Design::ALL.iter().copied().map(|d| view! { <option value=d.as_str()>{move || t().design(d.as_str())}</option> }).collect_view()}
                    </select>
                </label>
                <label>{move || t().n}<input id="audit-n" type="number" min="1" max=super::MAX_SAMPLE bind:value=n/></label>
                <label>{move || t().seed}<input id="audit-seed" type="number" min="0" bind:value=seed/></label>
                <button type="submit" class="primary" id="audit-draw" disabled=move || create.pending().get()>{move || t().draw}</button>
            </form>
            {move || create.value().get().map(|r| match r {
                Ok(id) => view! { <p class="ok" id="audit-created" data-audit=id.0>
                    <A href=format!("/audit/{id}/label")>{t().label} " #" {id.0}</A></p> }.into_any(),
                Err(e) => view! { <p class="error" role="alert" id="audit-error">{e}</p> }.into_any(),
            })}
        </section>
        <section class="card" id="audits">
            <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
                {move || Suspend::new(async move {
                    match audits.await {
                        Err(e) => load_failed(e),
                        Ok(list) if list.is_empty() => view! { <p class="muted">{t().none}</p> }.into_any(),
                        Ok(list) => view! {
                            <table>
                                <tbody>
                                    {list.into_iter().map(|a| view! {
                                        <tr class="audit" data-audit=a.id.0 data-items=a.items data-decided=a.decided>
                                            <td>"#" {a.id.0}</td>
                                            <td>{a.dataset.clone()}</td>
                                            <td>{t().design(a.design.as_str())} " · n = " {a.n} " · " {t().seed} " " {a.seed}</td>
                                            <td>{a.decided} " / " {a.items} " " {t().decided}</td>
                                            <td class="muted">{a.created_by.clone().unwrap_or_default()} " " {a.created_at.clone()}</td>
                                            <td>
                                                <A href=format!("/audit/{}/label", a.id)>{t().label}</A> " · "
                                                <A href=format!("/audit/{}", a.id)>{t().results}</A>
                                            </td>
                                        </tr>
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

#[component]
pub fn AuditLabelPage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().audit;
    let params = use_params_map();
    let audit = move || AuditId(params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0)));
    let refresh = RwSignal::new(0u32);
    let task = Resource::new(move || (audit(), refresh.get()), |(a, _)| audit_next(a));
    let error = RwSignal::new(None::<String>);
    let decide = Action::new(move |(position, decision): &(i64, AuditDecision)| {
        let (position, decision) = (*position, decision.clone());
        async move {
            match audit_decide(audit(), position, decision).await {
                Ok(()) => {
                    error.set(None);
                    refresh.update(|r| *r += 1);
                }
                Err(e) => error.set(Some(i18n.t().error(&e))),
            }
        }
    });
    let pending = Signal::derive(move || decide.pending().get());
    view! {
        <p><A href="/audit">{move || t().title}</A> " · " <A href=move || format!("/audit/{}", audit())>{move || t().results}</A></p>
        <p class="muted">{move || t().blind_note}</p>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match task.await {
                    Err(e) => load_failed(e),
                    Ok(None) => view! { <p class="card done" id="audit-all-decided">{t().all_decided}</p> }.into_any(),
                    Ok(Some(task)) => {
                        let position = task.position;
                        let target = FlagTarget::Audit { audit: task.audit, position };
                        let progress = view! {
                            <p id="audit-progress" data-decided=task.decided data-items=task.items>
                                {task.decided} " / " {task.items} " " {t().decided}
                            </p>
                        };
                        let form = match task.item {
                            TaskItem::Compare(item, settings) => view! {
                                <JudgmentForm item=item settings=settings
                                    on_submit=Callback::new(move |j| { decide.dispatch((position, AuditDecision::Judgment(j))); })
                                    pending=pending server_error=error flag_target=target/>
                            }.into_any(),
                            TaskItem::Correct(item) => view! {
                                <CorrectionForm item=item
                                    on_submit=Callback::new(move |c| { decide.dispatch((position, AuditDecision::Correction(c))); })
                                    pending=pending server_error=error flag_target=target/>
                            }.into_any(),
                        };
                        view! { {progress} <div class="review audit-item" data-position=position>{form}</div> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
pub fn AuditResultsPage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().audit;
    let params = use_params_map();
    let audit = move || AuditId(params.with(|p| p.get("id").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0)));
    let report = Resource::new(audit, get_audit_report);
    let only_disagreements = RwSignal::new(false);
    view! {
        <p><A href="/audit">{move || t().title}</A></p>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Err(e) => load_failed(e),
                    Ok(r) => {
                        let id = r.audit.id;
                        let rows: Vec<(String, Share)> = r.reviewers.clone();
                        let items = r.items.clone();
                        view! {
                            <section class="card" id="audit-report" data-errors=r.errors.k data-decisions=r.errors.n>
                                <h1>"#" {id.0} " · " {r.audit.dataset.clone()} " · " {t().design(r.audit.design.as_str())}</h1>
                                <p>{t().errors} ": " <b id="audit-error-rate">{share(&r.errors)}</b></p>
                                <p class="muted">{t().interval_note}</p>
                                <IntervalChart title=t().per_reviewer rows=rows id="audit-reviewers"/>
                                <p>{t().flags_missed} ": " <b id="audit-flags-missed" data-k=r.flags_missed.k data-n=r.flags_missed.n>{share(&r.flags_missed)}</b></p>
                                <p>{t().flags_unconfirmed} ": " <b id="audit-flags-unconfirmed" data-k=r.flags_unconfirmed.k data-n=r.flags_unconfirmed.n>{share(&r.flags_unconfirmed)}</b></p>
                                <p class="muted">{t().flags_note}</p>
                                <p>
                                    <a href=format!("{}?audit={id}&format=json", super::REPORT_PATH) id="audit-json" download>{t().download_json}</a> " · "
                                    <a href=format!("{}?audit={id}&format=csv", super::REPORT_PATH) id="audit-csv" download>{t().download_csv}</a>
                                </p>
                            </section>
                            <section class="card">
                                <h2>{t().side_by_side}</h2>
                                <label><input type="checkbox" id="only-disagreements" bind:checked=only_disagreements/> {t().only_disagreements}</label>
                                <table class="audited">
                                    <thead><tr><th>"#"</th><th>{t().stratum}</th><th></th><th>{t().auditor}</th><th>{t().reviewers}</th><th>{t().flags}</th></tr></thead>
                                    <tbody>
                                        {items.into_iter().map(|i| {
                                            let disagree = i.disagree;
                                            // Compared once the auditor has decided, as the report's shares are.
                                            let (missed, unconfirmed) = match i.auditor {
                                                Some(_) => (i.flags_missed(), i.flags_unconfirmed()),
                                                None => (vec![], vec![]),
                                            };
                                            let flags_differ = !missed.is_empty() || !unconfirmed.is_empty();
                                            let flag_t = i18n.t().flag;
                                            let names = move |ks: &[crate::flag::FlagKind]| ks.iter().map(|k| flag_t.kind(*k)).collect::<Vec<_>>().join("、");
                                            view! {
                                                <tr class="audited-item" class:disagree=disagree class:flags-differ=flags_differ data-item=i.item.0
                                                    data-disagree=disagree.to_string() data-flags-differ=flags_differ.to_string()
                                                    style:display=move || if only_disagreements.get() && !disagree && !flags_differ { "none" } else { "" }>
                                                    <td><A href=format!("/admin/items/{}", i.item)>{i.position}</A></td>
                                                    <td>{i.stratum.clone()}</td>
                                                    <td>{i.question.clone()}</td>
                                                    <td class="auditor-verdict"><b>{i.auditor.map(|v| v.to_string()).unwrap_or_else(|| "—".into())}</b></td>
                                                    <td>{i.reviewers.iter().map(|(r, v)| format!("{r}: {v}")).collect::<Vec<_>>().join(" · ")}</td>
                                                    <td class="item-flags">
                                                        {(!i.auditor_flags.is_empty()).then(|| view! { <span class="auditor-flags">{t().auditor} ": " {names(&i.auditor_flags)}</span> })}
                                                        {(!i.team_flags.is_empty()).then(|| view! { " " <span class="team-flags">{t().reviewers} ": " {names(&i.team_flags)}</span> })}
                                                        {(!missed.is_empty()).then(|| view! { " " <span class="badge flags-missed">{t().flags_missed_short} ": " {names(&missed)}</span> })}
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </section>
                        }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
pub fn AgreementPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let dataset = move || params.with(|p| p.get("dataset").unwrap_or_default());
    let report = Resource::new(dataset, agreement);
    view! {
        <p><A href="/audit">{move || i18n.t().audit.title}</A></p>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match report.await {
                    Err(e) => load_failed(e),
                    Ok(r) => view! { <AgreementView r=r/> <RawJudgmentsForm dataset=dataset()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AgreementView(r: AgreementReport) -> impl IntoView {
    let i18n = use_i18n();
    let catalog = i18n.t();
    let t = catalog.audit;
    let u = t.undefined;
    let majority_rows: Vec<(String, Share)> =
        r.reviewers.iter().map(|s| (s.reviewer.clone(), s.with_majority)).collect();
    let left_rows: Vec<(String, Share)> =
        r.reviewers.iter().filter_map(|s| Some((s.reviewer.clone(), s.left?))).collect();
    let longer_rows: Vec<(String, Share)> =
        r.reviewers.iter().filter_map(|s| Some((s.reviewer.clone(), s.longer?))).collect();
    let week_rows = r.weeks.clone();
    let speed_points: Vec<(String, f64, f64)> = r
        .reviewers
        .iter()
        .filter(|s| s.with_majority.n > 0)
        .filter_map(|s| Some((s.reviewer.clone(), s.median_seconds?, s.with_majority.value)))
        .collect();
    view! {
        <section class="card" id="reliability" data-fleiss=number(r.fleiss_kappa, u) data-alpha=number(r.alpha_nominal, u)>
            <h1>{t.agreement_title} " · " {r.dataset.clone()}</h1>
            <p class="figures">
                <span>{t.decisions} " " <b>{r.decisions}</b></span>
                <span>{t.items_multi} " " <b>{r.items_multi}</b> " / " {r.items}</span>
            </p>
            <table class="stats">
                <tbody>
                    <tr><th>{t.fleiss}</th><td id="fleiss">{number(r.fleiss_kappa, u)}</td></tr>
                    <tr><th>{t.alpha_nominal}</th><td id="alpha-nominal">{number(r.alpha_nominal, u)}</td></tr>
                    <tr><th>{t.alpha_strength}</th><td id="alpha-strength">{number(r.alpha_strength, u)}</td></tr>
                    {r.alpha_ratings.clone().into_iter().map(|(axis, a)| view! {
                        <tr><th>{t.alpha_rating} " · " {axis}</th><td>{number(a, u)}</td></tr>
                    }).collect_view()}
                    <tr><th>{t.with_majority}</th><td id="with-majority">{share(&r.with_majority)}</td></tr>
                </tbody>
            </table>
            <p class="muted">{t.interval_note}</p>
            <IntervalChart title=t.weeks rows=week_rows id="chart-weeks"/>
        </section>
        <section class="card" id="bias">
            <h2>{t.bias}</h2>
            <table class="stats">
                <thead><tr>
                    <th>{t.reviewer}</th><th>{t.decisions}</th><th>{t.with_majority}</th><th>{t.gold}</th>
                    <th>{t.left}</th><th>{t.longer}</th><th>{t.median_time}</th><th>{t.weeks}</th>
                </tr></thead>
                <tbody>
                    {r.reviewers.clone().into_iter().map(|s| {
                        let (name, href) = (s.reviewer.clone(), format!("/admin/people/{}", s.reviewer));
                        view! {
                        <tr class="reviewer-bias" data-reviewer=name
                            data-left=s.left.map(|l| format!("{:.4}", l.value)).unwrap_or_default()
                            data-left-p=s.left_p.map(|p| format!("{p:.6}")).unwrap_or_default()>
                            <td><A href=href>{s.reviewer}</A></td>
                            <td>{s.decisions}</td>
                            <td>{share(&s.with_majority)}</td>
                            <td>{s.gold.as_ref().map(share).unwrap_or_else(|| "—".into())}</td>
                            <td>{s.left.as_ref().map(share).unwrap_or_else(|| "—".into())} {s.left_p.map(|p| format!(" p = {p:.3}"))}</td>
                            <td>{s.longer.as_ref().map(share).unwrap_or_else(|| "—".into())} {s.longer_p.map(|p| format!(" p = {p:.3}"))}</td>
                            <td>{s.median_seconds.map(|m| format!("{m:.1}")).unwrap_or_else(|| "—".into())}</td>
                            <td class="muted">{s.weeks.iter().map(|(w, share)| {
                                format!("{}: {:.2} ({})", w.get(5..).unwrap_or(w), share.value, share.n)
                            }).collect::<Vec<_>>().join(" · ")}</td>
                        </tr>
                    }}).collect_view()}
                </tbody>
            </table>
            <div class="charts">
                <SpeedChart title=format!("{} × {}", t.median_time, t.with_majority) points=speed_points/>
                <IntervalChart title=t.with_majority rows=majority_rows id="chart-majority"/>
                <IntervalChart title=t.left rows=left_rows id="chart-left"/>
                <IntervalChart title=t.longer rows=longer_rows id="chart-longer"/>
            </div>
        </section>
        <section class="card" id="pairs">
            <h2>{t.pairs}</h2>
            <table class="stats">
                <thead><tr><th>{t.reviewer}</th><th>{t.reviewer}</th><th>{t.shared}</th><th>{t.agreement}</th><th>"κ"</th></tr></thead>
                <tbody>
                    {r.pairs.clone().into_iter().map(|p| view! {
                        <tr><td>{p.a.clone()}</td><td>{p.b.clone()}</td><td>{p.shared}</td>
                            <td>{format!("{:.2}", p.agreement)}</td><td>{number(p.kappa, u)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        </section>
        <section class="card" id="model-vs-clinicians">
            <h2>{t.model_title}</h2>
            {match r.model.clone() {
                None => view! { <p class="muted">{t.no_scores}</p> }.into_any(),
                Some(m) => view! {
                    <p>{t.model_agree} " (" {m.score_kinds.join(", ")} "): "
                        <b id="model-agreement" data-k=m.agree.k data-n=m.agree.n>{share(&m.agree)}</b></p>
                    <table class="stats">
                        <thead><tr><th>"#"</th><th></th><th>{t.model_pick}</th><th>{t.majority}</th><th>{t.scores}</th></tr></thead>
                        <tbody>
                            {m.disagreements.into_iter().map(|d| view! {
                                <tr class="model-disagreement" data-item=d.item>
                                    <td><A href=format!("/admin/items/{}", d.item)>{d.item}</A></td>
                                    <td>{d.question}</td>
                                    <td>{format!("{} {}", catalog.compare_answer, d.model_pick)}</td>
                                    <td>{catalog.audit_verdict(&d.majority_pick)} " ("
                                        {d.votes.iter().map(|(v, n)| format!("{} ×{n}", catalog.audit_verdict(v))).collect::<Vec<_>>().join(", ")} ")"</td>
                                    <td>{d.scores.iter().map(|(p, s)| format!("{p}: {s:.3}")).collect::<Vec<_>>().join(" · ")}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                }.into_any(),
            }}
        </section>
    }
}

/// Downloads every judgment of the dataset as raw data (see `audit::judgments`).
#[component]
fn RawJudgmentsForm(dataset: String) -> impl IntoView {
    use super::judgments::{JudgmentsFormat, PATH, ReviewerNames};
    let i18n = use_i18n();
    let t = move || i18n.t().audit;
    view! {
        <section class="card" id="raw-judgments">
            <h2>{move || t().raw_title}</h2>
            <p class="muted">{move || t().raw_help}</p>
            <form class="grid-form" method="post" action=PATH id="raw-judgments-form">
                <input type="hidden" name="dataset" value=dataset/>
                <label>{move || t().raw_format}
                    <select name="format">
                        {JudgmentsFormat::ALL.iter().map(|f| view! { <option value=f.as_str()>{f.as_str().to_uppercase()}</option> }).collect_view()}
                    </select>
                </label>
                <label>{move || t().raw_names}
                    <select name="names">
                        <option value=ReviewerNames::Pseudonymous.as_str()>{move || t().raw_pseudonymous}</option>
                        <option value=ReviewerNames::Usernames.as_str()>{move || t().raw_usernames}</option>
                    </select>
                </label>
                <button type="submit" class="primary" id="raw-judgments-button">{move || t().raw_download}</button>
            </form>
        </section>
    }
}
