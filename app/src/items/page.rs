//! `/admin/datasets/:dataset/items`: search and filters in the address (a GET form, so a
//! search can be bookmarked and shared), results a page at a time; `/admin/items/:item`:
//! one item's record.
use super::{
    DepartmentFilter, FlagFilter, ItemAction, ItemCorrection, ItemDossier, ItemHit, ItemHits, ItemJudgment, ItemState,
    Snippet, act_on_items, get_item_dossier, search_items,
};
use crate::domain::judgment::Decision;
use crate::domain::judgment::GoldVote;
use crate::flag::{FlagKind, TextRef, text_label};
use crate::i18n::use_i18n;
use crate::import::DatasetKind;
use crate::ui::load_failed;
use leptos::prelude::*;
use leptos_router::components::{A, Form};
use leptos_router::hooks::{use_params_map, use_query_map};
use std::ops::Not;

/// The search's fields, in the order of the address.
const FIELDS: [&str; 5] = ["q", "state", "flag", "department", "reviewer"];

#[component]
pub fn ItemsPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let query = use_query_map();
    let dataset = move || params.with(|p| p.get("dataset").unwrap_or_default());
    let field = move |name: &str| query.with(|q| q.get(name).unwrap_or_default());
    // Bumped after an action on items, so the page shows them as they are now; the action's
    // outcome lives here, above the results that the reload rebuilds.
    let version = RwSignal::new(0u32);
    let message = RwSignal::new(None::<String>);
    let hits = Resource::new(
        move || {
            let after = query.with(|q| q.get("after").and_then(|a| a.parse::<i64>().ok()));
            (dataset(), FIELDS.map(field), after, version.get())
        },
        |(d, [q, state, flag, department, reviewer], after, _)| {
            search_items(d, q, state, flag, department, reviewer, after)
        },
    );
    view! {
        <p><A href=move || format!("/admin/datasets/{}", dataset())>{move || i18n.t().admin.back}</A></p>
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match hits.await {
                    Err(e) => load_failed(e),
                    Ok(h) => {
                        let paged = field("after").is_empty().not();
                        let reload = Callback::new(move |_| version.update(|v| *v += 1));
                        view! { <Results hits=h current=FIELDS.map(field) paged=paged reload=reload message=message/> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

/// The search form and one page of results. `current` holds the address's fields; `paged`:
/// this is not the first page.
#[component]
fn Results(
    hits: ItemHits,
    current: [String; 5],
    paged: bool,
    reload: Callback<()>,
    message: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = i18n.t().browse;
    let [q, state, flag, department, reviewer] = current.clone();
    let kinds = FlagKind::findings();
    let base = format!("/admin/datasets/{}/items", hits.dataset);
    // The same search from its start, or after an item id.
    let href = |after: Option<i64>| {
        let mut pairs: Vec<(&str, String)> =
            FIELDS.iter().copied().zip(current.iter().cloned()).filter(|(_, v)| !v.is_empty()).collect();
        pairs.extend(after.map(|a| ("after", a.to_string())));
        format!("{base}?{}", serde_urlencoded::to_string(&pairs).unwrap_or_default())
    };
    let next_href = hits.next.map(|after| href(Some(after)));
    let first_href = href(None);
    let selected = RwSignal::new(std::collections::BTreeSet::<i64>::new());
    let page_ids: Vec<i64> = hits.items.iter().map(|h| h.id).collect();
    let manage = hits.can_manage;
    let option = move |value: String, label: String, chosen: &str| {
        let selected = value == chosen;
        view! { <option value=value selected=selected>{label}</option> }
    };
    view! {
        <section class="card">
            <h1>{hits.dataset.clone()} " · " {t.title}</h1>
            <Form method="GET" action=base.clone() attr:id="item-search" attr:class="filters">
                <input type="search" name="q" id="search-text" value=q placeholder=t.search_placeholder
                    maxlength=super::MAX_QUERY_CHARS.to_string()/>
                <label>{t.state} " "
                    <select name="state" id="filter-state">
                        {option(String::new(), t.all.into(), &state)}
                        {ItemState::ALL.iter().map(|s| option(s.as_str().into(), t.state_name(*s).into(), &state)).collect_view()}
                    </select>
                </label>
                <label>{t.flag} " "
                    <select name="flag" id="filter-flag">
                        {option(String::new(), t.all.into(), &flag)}
                        {option(FlagFilter::Any.as_str().into(), t.flag_any.into(), &flag)}
                        {option(FlagFilter::None.as_str().into(), t.flag_none.into(), &flag)}
                        {kinds.into_iter().map(|k| option(k.as_str().into(), i18n.t().flag.kind(k).into(), &flag)).collect_view()}
                    </select>
                </label>
                <label>{t.department} " "
                    <select name="department" id="filter-department">
                        {option(String::new(), t.all.into(), &department)}
                        {option(DepartmentFilter::UNSET.into(), t.no_department.into(), &department)}
                        {hits.departments.iter().map(|d| option(d.clone(), d.clone(), &department)).collect_view()}
                    </select>
                </label>
                <label>{t.reviewer} " "
                    <select name="reviewer" id="filter-reviewer">
                        {option(String::new(), t.all.into(), &reviewer)}
                        {hits.reviewers.iter().map(|r| option(r.clone(), r.clone(), &reviewer)).collect_view()}
                    </select>
                </label>
                <button type="submit" class="primary" id="search">{t.search}</button>
            </Form>
            <p id="item-total" data-total=hits.total><b>{hits.total}</b> " " {t.matches}</p>
            {manage.then(|| view! {
                <SelectionBar dataset=hits.dataset.clone() kind=hits.kind selected=selected page=page_ids.clone() reload=reload message=message/>
            })}
        </section>
        {if hits.items.is_empty() {
            view! { <p class="card" id="no-items">{t.none_match}</p> }.into_any()
        } else {
            view! {
                <table class="card items-table">
                    <thead><tr>
                        {manage.then(|| view! { <th></th> })}
                        <th>"#"</th><th></th><th>{t.department}</th><th>{t.decisions}</th><th>{t.flags}</th>
                    </tr></thead>
                    <tbody>{hits.items.into_iter().map(|h| hit_row(h, manage.then_some(selected))).collect_view()}</tbody>
                </table>
            }.into_any()
        }}
        <p class="pager">
            {paged.then(|| view! { <a href=first_href id="first-page">{t.first}</a> })}
            " "
            {next_href.map(|href| view! { <a href=href id="next-page">{t.next}</a> })}
        </p>
    }
}

fn hit_row(h: ItemHit, selected: Option<RwSignal<std::collections::BTreeSet<i64>>>) -> impl IntoView {
    let t = use_i18n().t().browse;
    let id = h.id;
    view! {
        <tr data-item=h.id>
            {selected.map(|sel| view! {
                <td><input type="checkbox" class="pick" aria-label=format!("#{id}")
                    prop:checked=move || sel.with(|s| s.contains(&id))
                    on:change=move |e| {
                        let on = event_target_checked(&e);
                        sel.update(|s| { if on { s.insert(id); } else { s.remove(&id); } });
                    }/></td>
            })}
            <td><A href=format!("/admin/items/{}", h.id)>"#" {h.id}</A></td>
            <td>
                {snippet(h.question)}
                {h.answer.map(|a| view! { <br/><span class="muted">{t.in_answer}</span> {snippet(a)} })}
                {h.gold.then(|| view! { " " <span class="badge">{t.gold}</span> })}
                {h.excluded.then(|| view! { " " <span class="badge">{t.excluded}</span> })}
            </td>
            <td class="muted">{h.department}</td>
            <td class="num">{h.decisions.map_or_else(|| "—".to_string(), |d| d.to_string())}</td>
            <td class="num">{(h.active_flags > 0).then_some(h.active_flags)}</td>
        </tr>
    }
}

/// An action on the chosen items, sent for all of them at once.
type ItemsAction = Action<ItemAction, Result<usize, crate::error::AppError>>;

fn items_action(dataset: String, selected: RwSignal<std::collections::BTreeSet<i64>>) -> ItemsAction {
    let dataset = StoredValue::new(dataset);
    Action::new(move |&action: &ItemAction| {
        let items: Vec<i64> = selected.get_untracked().into_iter().collect();
        async move { act_on_items(dataset.get_value(), items, action).await }
    })
}

/// The gold answer, mark and unmark (compare datasets only), and exclude (after a confirm).
#[component]
fn ActionButtons(kind: DatasetKind, act: ItemsAction, disabled: Signal<bool>, ungold: bool) -> impl IntoView {
    let t = use_i18n().t().browse;
    let answer = RwSignal::new(GoldVote::First);
    view! {
        {(kind == DatasetKind::Compare).then(|| view! {
            <label>{t.gold_answer} " "
                <select id="gold-answer" on:change=move |e| if let Ok(v) = event_target_value(&e).parse() { answer.set(v) }>
                    {GoldVote::ALL.iter().map(|v| view! { <option value=v.as_str()>{t.gold_vote(*v)}</option> }).collect_view()}
                </select>
            </label>
            <button id="mark-gold" disabled=disabled on:click=move |_| { act.dispatch(ItemAction::Gold { answer: answer.get_untracked() }); }>{t.mark_gold}</button>
            {ungold.then(|| view! {
                <button id="unmark-gold" disabled=disabled on:click=move |_| { act.dispatch(ItemAction::Ungold); }>{t.unmark_gold}</button>
            })}
        })}
        <button id="exclude-items" class="danger" disabled=disabled on:click=move |_| {
            if window().confirm_with_message(t.exclude_confirm).unwrap_or(false) { act.dispatch(ItemAction::Exclude); }
        }>{t.exclude}</button>
    }
}

/// One item's gold and exclude controls on its record (admins).
#[component]
fn ItemControls(
    dataset: String,
    kind: DatasetKind,
    gold: bool,
    selected: RwSignal<std::collections::BTreeSet<i64>>,
    reload: Callback<()>,
) -> impl IntoView {
    let i18n = use_i18n();
    let message = RwSignal::new(None::<String>);
    let act = items_action(dataset, selected);
    Effect::new(move |_| match act.value().get() {
        Some(Ok(_)) => reload.run(()),
        Some(Err(e)) => message.set(Some(i18n.t().error(&e))),
        None => {}
    });
    let busy = Signal::derive(move || act.pending().get());
    view! {
        <div class="item-controls" id="item-controls">
            <ActionButtons kind=kind act=act disabled=busy ungold=gold/>
            {move || message.get().map(|m| view! { <span class="error" role="alert">{m}</span> })}
        </div>
    }
}

/// The admin's actions on the chosen items: gold with a known answer (compare datasets),
/// unmark, exclude. All or none; the page reloads after.
#[component]
fn SelectionBar(
    dataset: String,
    kind: DatasetKind,
    selected: RwSignal<std::collections::BTreeSet<i64>>,
    page: Vec<i64>,
    reload: Callback<()>,
    message: RwSignal<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let t = i18n.t().browse;
    let act = items_action(dataset, selected);
    Effect::new(move |_| {
        if let Some(result) = act.value().get() {
            message.set(Some(match result {
                Ok(n) => {
                    selected.set(Default::default());
                    reload.run(());
                    format!("{} {n}", t.done_items)
                }
                Err(e) => i18n.t().error(&e),
            }));
        }
    });
    let none = Signal::derive(move || selected.with(|s| s.is_empty()) || act.pending().get());
    view! {
        <div class="selection-bar" id="selection-bar">
            <label><input type="checkbox" id="select-page"
                prop:checked={let page = page.clone(); move || !page.is_empty() && selected.with(|s| page.iter().all(|i| s.contains(i)))}
                on:change=move |e| {
                    let on = event_target_checked(&e);
                    selected.update(|s| for i in &page { if on { s.insert(*i); } else { s.remove(i); } });
                }/> {t.select_page}</label>
            <span id="selected-count">{t.selected} " " {move || selected.with(|s| s.len())}</span>
            <ActionButtons kind=kind act=act disabled=none ungold=true/>
            {move || message.get().map(|m| view! { <span class="notice" role="status" id="items-message">{m}</span> })}
        </div>
    }
}

fn snippet(s: Snippet) -> impl IntoView {
    view! { <span class="snippet">{s.before}{(!s.hit.is_empty()).then(|| view! { <mark>{s.hit}</mark> })}{s.after}</span> }
}

#[component]
pub fn ItemPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let item = move || params.with(|p| p.get("item").and_then(|i| i.parse::<i64>().ok()).unwrap_or(0));
    let version = RwSignal::new(0u32);
    let dossier = Resource::new(move || (item(), version.get()), |(item, _)| get_item_dossier(item));
    view! {
        <Transition fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match dossier.await {
                    Err(e) => load_failed(e),
                    Ok(d) => {
                        let reload = Callback::new(move |_| version.update(|v| *v += 1));
                        view! { <Dossier id=item() d=d reload=reload/> }.into_any()
                    }
                }
            })}
        </Transition>
    }
}

#[component]
fn Dossier(id: i64, d: ItemDossier, reload: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let t = i18n.t().browse;
    let flag_text = i18n.t().flag;
    let facts = d.candidates.clone();
    let has_flags = !d.texts.flags.is_empty();
    let facts_line = [
        d.department.clone(),
        d.task.clone().map(|task| format!("{} {task}", t.task)),
        d.source
            .clone()
            .map(|(file, line)| format!("{} {file} {}", t.imported_from, t.line.replace("{}", &line.to_string()))),
        Some(format!("{} {}", t.created, d.created_at)),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ");
    let flags = d.texts.flags.clone();
    view! {
        <p><A href=format!("/admin/datasets/{}/items", d.dataset)>{t.back}</A></p>
        <section class="card" id="item-record" data-item=id>
            <h1>"#" {id} " · " {d.dataset.clone()}
                {d.gold.is_some().then(|| view! { " " <span class="badge" id="item-gold">{t.gold}</span> })}
                {d.texts.excluded.then(|| view! { " " <span class="badge" id="item-excluded">{t.excluded}</span> })}
            </h1>
            <p class="muted" id="item-facts">{facts_line}</p>
            {d.derived_from.map(|p| view! {
                <p id="derived-from">{t.derived_from} " " <A href=format!("/admin/items/{p}")>"#" {p}</A></p>
            })}
            {has_flags.then(|| view! { <p><A href=format!("/flags/{id}") attr:id="resolve-link">{t.resolve_flags}</A></p> })}
            {(d.can_manage && !d.texts.excluded).then(|| {
                let selected = RwSignal::new(std::collections::BTreeSet::from([id]));
                view! { <ItemControls dataset=d.dataset.clone() kind=d.kind gold=d.gold.is_some() selected=selected reload=reload/> }
            })}
        </section>
        {d.system.clone().map(|s| view! { <section class="card"><h3>{t.system}</h3><p class="pre">{s}</p></section> })}
        {(!d.history.is_empty()).then(|| view! {
            <section class="card">
                <h3>{t.earlier_turns}</h3>
                {d.history.iter().map(|(q, a)| view! { <p class="pre"><b>"Q "</b>{q.clone()}</p><p class="pre"><b>"A "</b>{a.clone()}</p> }).collect_view()}
            </section>
        })}
        {(!d.extra.is_empty()).then(|| view! {
            <section class="card" id="item-extra">
                <h3>{t.extra_fields}</h3>
                <dl>
                    {d.extra.iter().map(|(k, v)| view! { <dt>{k.clone()}</dt><dd><pre class="pre">{v.clone()}</pre></dd> }).collect_view()}
                </dl>
            </section>
        })}
        {d.texts.texts.into_iter().map(|(r, _, html)| {
            let fact = match r {
                TextRef::Answer(c) => facts.iter().find(|f| f.id == c.0).cloned(),
                _ => None,
            };
            let label = match &fact {
                Some(f) => format!("{} {}", t.answer, f.position),
                None => text_label(r),
            };
            let on_text: Vec<_> = flags.iter().filter(|f| f.field == Some(r)).cloned().collect();
            view! {
                <section class="card item-text" data-text=serde_json::to_string(&r).unwrap_or_default()>
                    <h3>{label}
                        {fact.map(|f| view! {
                            <span class="muted">
                                {f.model.map(|m| format!(" · {} {m}", t.model))}
                                {f.prior_label.map(|l| format!(" · {} {l}", t.source_label))}
                                {f.score.map(|s| format!(" · {} {s:.3}", t.score))}
                                {f.score_kind.map(|k| format!(" ({})", t.score_kind(k)))}
                                {f.job.map(|j| format!(" · {} #{j}", t.job))}
                                {f.generation.as_deref().map(|g| view! { <br/><code class="provenance">{generation_summary(g)}</code> })}
                            </span>
                        })}
                    </h3>
                    <div class="md" inner_html=html></div>
                    <ul class="flag-list">
                        {on_text.into_iter().map(|f| view! {
                            <li data-flag=f.id data-status=f.status.as_str() data-kind=f.kind.as_str()>
                                <b>{flag_text.kind(f.kind)}</b>
                                {(!f.text.is_empty()).then(|| view! { " · " <q>{f.text.clone()}</q> })}
                                <span class="muted">" · " {flag_text.status(f.status)} " · "
                                    {if f.by_detector { flag_text.detector } else { flag_text.reviewer }}</span>
                            </li>
                        }).collect_view()}
                    </ul>
                </section>
            }
        }).collect_view()}
        <section class="card" id="item-judgments">
            <h3>{t.judgments} " (" {d.judgments.len()} ")"</h3>
            {if d.judgments.is_empty() { view! { <p class="muted">{t.nothing}</p> }.into_any() } else {
                view! { <table><tbody>{d.judgments.into_iter().map(judgment_row).collect_view()}</tbody></table> }.into_any()
            }}
        </section>
        <section class="card" id="item-corrections">
            <h3>{t.corrections} " (" {d.corrections.len()} ")"</h3>
            {if d.corrections.is_empty() { view! { <p class="muted">{t.nothing}</p> }.into_any() } else {
                view! { <table><tbody>{d.corrections.into_iter().map(correction_row).collect_view()}</tbody></table> }.into_any()
            }}
        </section>
        <section class="card" id="item-history">
            <h3>{t.history}</h3>
            <table><tbody>
                {d.log.into_iter().map(|e| {
                    let action = e.action.clone();
                    view! {
                    <tr data-action=action>
                        <td class="muted">{e.at}</td>
                        <td>{e.actor.unwrap_or_else(|| t.command_line.into())}</td>
                        <td><code>{e.action}</code></td>
                        <td><code class="detail">{e.detail}</code></td>
                    </tr>
                }}).collect_view()}
            </tbody></table>
        </section>
    }
}

/// A judgment in source terms: "answer 2 better · clear", a tie, or a ranking.
fn judgment_row(j: ItemJudgment) -> impl IntoView {
    let catalog = use_i18n().t();
    let t = catalog.browse;
    let answer = |shown_index: usize| format!("{} {}", t.answer, j.shown.get(shown_index).copied().unwrap_or(0));
    let decision = match &j.judgment.decision {
        Decision::Pairwise { vote, strength } => match vote {
            crate::domain::Vote::A | crate::domain::Vote::B => {
                let winner = answer(if *vote == crate::domain::Vote::A { 0 } else { 1 });
                let strength = strength.map(|s| format!(" · {}", catalog.strength(s))).unwrap_or_default();
                format!("{winner} {}{strength}", t.better)
            }
            other => catalog.vote(*other).to_string(),
        },
        Decision::Ranking { ranks } => {
            let mut order: Vec<(u8, usize)> = ranks.iter().enumerate().map(|(i, r)| (*r, i)).collect();
            order.sort();
            let mut out = format!("{}: ", t.ranking);
            for (n, (rank, i)) in order.iter().enumerate() {
                if n > 0 {
                    out.push_str(if order[n - 1].0 == *rank { " = " } else { " > " });
                }
                out.push_str(&answer(*i));
            }
            out
        }
    };
    let ratings: Vec<String> = j
        .judgment
        .ratings
        .iter()
        .map(|r| format!("{} · {} {}", answer(r.answer), catalog.axis(r.axis), r.value))
        .collect();
    let time =
        j.judgment.time_on_task_ms.map(|ms| format!("{} {:.0}{}", t.time_on_task, ms as f64 / 1000.0, t.seconds));
    let edited = (j.updated_at != j.created_at).then(|| format!(" · {} {}", t.edited, j.updated_at));
    view! {
        <tr data-judgment=j.id>
            <td>{j.reviewer}</td>
            <td class="decision">{decision}</td>
            <td>{(!ratings.is_empty()).then(|| view! { <span class="muted">{t.ratings} ": "</span> {ratings.join("；")} })}
                {(!j.judgment.rationale.is_empty()).then(|| view! { <br/><span class="muted">{t.rationale} ": "</span> {j.judgment.rationale.clone()} })}
            </td>
            <td class="muted">{j.created_at} {edited} <br/> {time}</td>
        </tr>
    }
}

fn correction_row(c: ItemCorrection) -> impl IntoView {
    let catalog = use_i18n().t();
    let t = catalog.browse;
    let reasons: Vec<&str> = c.correction.reasons.iter().map(|r| catalog.reason(*r)).collect();
    let edited = (c.updated_at != c.created_at).then(|| format!(" · {} {}", t.edited, c.updated_at));
    view! {
        <tr data-correction=c.id>
            <td>{c.reviewer}</td>
            <td class="decision">{catalog.verdict(c.correction.correction.verdict())}
                {c.is_final.then(|| view! { " " <span class="badge">{t.final_version}</span> })}</td>
            <td>{reasons.join("、")}
                {(!c.correction.note.is_empty()).then(|| view! { <br/><i>{c.correction.note.clone()}</i> })}</td>
            <td class="muted">{c.created_at} {edited}</td>
        </tr>
    }
}

/// A generated answer's provenance in one line: backend, template, sampling, seed, tokens.
fn generation_summary(json: &str) -> String {
    let Ok(g) = serde_json::from_str::<serde_json::Value>(json) else { return json.to_string() };
    let s = &g["sampling"];
    format!(
        "{} · {} · T={} top-p={} top-k={} · seed {} · {} tokens{}",
        g["backend"].as_str().unwrap_or("?"),
        g["template"].as_str().unwrap_or("?").chars().take(40).collect::<String>(),
        s["temperature"],
        s["top_p"],
        s["top_k"],
        s["seed"],
        g["tokens"],
        if g["finished"].as_bool() == Some(false) { " (cut at the limit)" } else { "" },
    )
}
