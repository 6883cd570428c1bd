use super::{EditJudgment, judgment, my_judgments};
use crate::domain::judgment::{Decision, JudgmentInput};
use crate::i18n::{Catalog, use_i18n};
use crate::review::compare::JudgmentForm;
use crate::ui::load_failed;
use crate::ui::queue::{HistoryRow, HistoryTable, after_save};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// "A 更好（明显更好）" or "排序 2, 1, 3": what the reviewer decided, as they saw it.
fn summary(t: &Catalog, j: &JudgmentInput) -> String {
    match &j.decision {
        Decision::Pairwise { vote, strength } => match strength {
            Some(s) => format!("{} ({})", t.vote(*vote), t.strength(*s)),
            None => t.vote(*vote).to_string(),
        },
        Decision::Ranking { ranks } => {
            let ranks: Vec<String> = ranks.iter().map(u8::to_string).collect();
            format!("{} {}", t.ranking_summary, ranks.join(", "))
        }
    }
}

#[component]
pub fn HistoryPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let dataset = move || params.read().get("dataset").unwrap_or_default();
    let lines = Resource::new(dataset, my_judgments);
    view! {
        <section class="card history">
            <h1>{move || i18n.t().history_title}</h1>
            <p><A href=move || format!("/review/{}", dataset())>{move || i18n.t().back_to_review}</A></p>
            <Suspense fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
                {move || Suspend::new(async move {
                    match lines.await {
                        Err(e) => load_failed(e),
                        Ok(lines) => {
                            let rows = lines
                                .into_iter()
                                .map(|l| {
                                    let judgment = l.judgment;
                                    HistoryRow {
                                        id: l.id,
                                        updated_at: l.updated_at,
                                        question: l.question,
                                        summary: Signal::derive(move || summary(i18n.t(), &judgment)),
                                        href: format!("/review/{}/judgment/{}", dataset(), l.id),
                                    }
                                })
                                .collect();
                            view! { <HistoryTable rows=rows/> }.into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
pub fn EditJudgmentPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let dataset = move || params.read().get("dataset").unwrap_or_default();
    let id = move || params.read().get("id").and_then(|s| s.parse::<i64>().ok()).unwrap_or_default();
    let view_data = Resource::new(id, judgment);
    let save = ServerAction::<EditJudgment>::new();
    let server_error = after_save(save, move || format!("/review/{}/history", dataset()));
    view! {
        <h1>{move || i18n.t().edit_title}</h1>
        <p><A href=move || format!("/review/{}/history", dataset())>{move || i18n.t().history_title}</A></p>
        <Suspense fallback=move || view! { <p>{move || i18n.t().loading}</p> }>
            {move || Suspend::new(async move {
                match view_data.await {
                    Err(e) => load_failed(e),
                    Ok(v) => {
                        let judgment_id = id();
                        view! {
                            <div class="review editing">
                                <JudgmentForm
                                    item=v.item
                                    settings=v.settings
                                    initial=v.judgment
                                    on_submit=Callback::new(move |judgment| {
                                        save.dispatch(EditJudgment { id: judgment_id, judgment });
                                    })
                                    pending=save.pending()
                                    server_error=server_error
                                />
                            </div>
                        }.into_any()
                    }
                }
            })}
        </Suspense>
    }
}
