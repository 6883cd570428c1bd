//! The export panel of a dataset's admin page: a plain form whose submit downloads the file
//! (the browser streams it to disk as the server writes it), and the recent exports with
//! their manifests and LLaMA-Factory entries.
use super::policy::{BothBadRule, ExportPolicy, MajorityRule, TieRule};
use super::{ExportFormat, FlagPolicy, PairSource, list_exports};
use crate::i18n::use_i18n;
use crate::import::DatasetKind;
use leptos::prelude::*;

/// Formats that make sense for a dataset of this kind (corrections give pairs too).
fn formats_for(kind: DatasetKind) -> Vec<ExportFormat> {
    let sft = [ExportFormat::SftSharegpt, ExportFormat::SftAlpaca];
    match kind {
        DatasetKind::Compare => ExportFormat::ALL.iter().copied().filter(|f| !sft.contains(f)).collect(),
        DatasetKind::Correct => {
            sft.into_iter().chain(ExportFormat::ALL.iter().copied().filter(|f| !sft.contains(f))).collect()
        }
    }
}

/// A select's options: the code as the value, the reader's words as the text.
fn options<T: Copy + PartialEq + Send + Sync + 'static>(
    all: &[T],
    selected: T,
    code: impl Fn(T) -> &'static str,
    label: impl Fn(&crate::i18n::admin::Choices, T) -> &'static str + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let i18n = use_i18n();
    all.iter()
        .map(|&v| view! { <option value=code(v) selected=v == selected>{move || label(i18n.t().admin.choices, v)}</option> })
        .collect_view()
}

#[component]
pub fn ExportPanel(dataset: String, kind: DatasetKind) -> impl IntoView {
    let i18n = use_i18n();
    let t = move || i18n.t().admin;
    let defaults = ExportPolicy::default();
    let source = if kind == DatasetKind::Correct { PairSource::Corrections } else { PairSource::Votes };
    let name = dataset.clone();
    let exports = Resource::new(move || name.clone(), list_exports);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(move || exports.refetch(), std::time::Duration::from_secs(3)) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <section class="card" id="exports">
            <h2>{move || t().export}</h2>
            <form class="grid-form" method="post" action=super::DATA_PATH id="export-form">
                <input type="hidden" name="dataset" value=dataset.clone()/>
                <label>{move || t().format}
                    <select name="format" id="export-format">
                        {formats_for(kind).into_iter().map(|f| view! { <option value=f.as_str()>{f.as_str()}</option> }).collect_view()}
                    </select>
                </label>
                <label>{move || t().pair_source}
                    <select name="source">{options(PairSource::ALL, source, PairSource::as_str, |c, v| c.source(v))}</select>
                </label>
                <label>{move || t().flagged}
                    <select name="flagged">{options(FlagPolicy::ALL, defaults.flagged, FlagPolicy::as_str, |c, v| c.flagged(v))}</select>
                </label>
                <label>{move || t().min_judgments}
                    <input name="min_judgments" type="number" min="1" max="50" value=defaults.min_judgments/>
                </label>
                <label>{move || t().rule}
                    <select name="rule">{options(MajorityRule::ALL, defaults.rule, MajorityRule::as_str, |c, v| c.rule(v))}</select>
                </label>
                <label>{move || t().min_agreement}
                    <input name="min_agreement" type="number" min="0" max="1" step="0.05" value=defaults.min_agreement/>
                </label>
                <label>{move || t().ties}
                    <select name="ties">{options(TieRule::ALL, defaults.ties, TieRule::as_str, |c, v| c.ties(v))}</select>
                </label>
                <label>{move || t().both_bad}
                    <select name="both_bad">{options(BothBadRule::ALL, defaults.both_bad, BothBadRule::as_str, |c, v| c.both_bad(v))}</select>
                </label>
                <label>{move || t().margins}
                    <span class="inline-inputs">
                        <input name="margin_slight" type="number" step="0.05" min="0" value=defaults.margin_slight aria-label="slight"/>
                        <input name="margin_clear" type="number" step="0.05" min="0" value=defaults.margin_clear aria-label="clear"/>
                        <input name="margin_strong" type="number" step="0.05" min="0" value=defaults.margin_strong aria-label="strong"/>
                    </span>
                </label>
                <label>{move || t().department}<input name="department"/></label>
                <label>{move || t().from}<input name="from" type="date"/></label>
                <label>{move || t().to}<input name="to" type="date"/></label>
                <label>{move || t().reviewers}<input name="reviewers" placeholder="doctor1,doctor2"/></label>
                <label class="check"><input name="exclude_gold" type="checkbox"/>{move || t().exclude_gold}</label>
                <label class="check"><input name="ratings" type="checkbox" id="export-ratings"/>{move || t().export_ratings}</label>
                <button type="submit" class="primary" id="export-button">{move || t().download}</button>
            </form>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let list = exports.await.unwrap_or_default();
                    view! {
                        <table class="export-list">
                            <tbody>
                                {list.into_iter().map(|e| {
                                    let manifest: Option<super::Manifest> = e.manifest.as_deref().and_then(|m| serde_json::from_str(m).ok());
                                    let finished = manifest.is_some();
                                    let part = |p: &str| format!("{}?id={}&part={p}", super::PART_PATH, e.id);
                                    view! {
                                        <tr data-export=e.id data-format=e.format.clone() data-finished=finished.to_string()>
                                            <td>{e.format.clone()}</td>
                                            <td class="muted">{e.created_at.clone()} " " {e.created_by.clone()}</td>
                                            {match manifest {
                                                Some(m) => view! {
                                                    <td>{t().written} " " {m.counts.written} " · " {t().left_out} " " {m.counts.left_out.values().sum::<usize>()}</td>
                                                    <td class="mono" title=m.sha256.clone()>{m.sha256[..12].to_string()}</td>
                                                    <td>
                                                        <a href=part("manifest") class="manifest-link">{t().manifest}</a>
                                                        {m.dataset_info.is_some().then(|| view! {
                                                            " · " <a href=part("dataset_info") class="dataset-info-link">"dataset_info.json"</a>
                                                        })}
                                                    </td>
                                                }.into_any(),
                                                None => view! { <td colspan="3" class="muted">{t().unfinished}</td> }.into_any(),
                                            }}
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    }
                })}
            </Transition>
        </section>
    }
}
