//! Bar charts drawn as SVG on the server (and identically when hydrated): no script, no
//! library, readable without colour. Each bar carries its number.
use leptos::prelude::*;

const ROW: i64 = 22;
const LABEL: i64 = 150;
const BAR: i64 = 320;

/// Horizontal bars, one per (label, value), with an accessible name.
#[component]
pub fn BarChart(
    #[prop(into)] title: String,
    bars: Vec<(String, i64)>,
    #[prop(optional)] id: &'static str,
) -> impl IntoView {
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1);
    let height = ROW * bars.len().max(1) as i64 + 4;
    let width = LABEL + BAR + 70;
    view! {
        <figure class="chart" id=id>
            <figcaption>{title.clone()}</figcaption>
            <svg viewBox=format!("0 0 {width} {height}") width=width height=height role="img" aria-label=title>
                {bars.into_iter().enumerate().map(|(i, (label, value))| {
                    let y = i as i64 * ROW + 2;
                    let w = (value * BAR / max).max(if value > 0 { 2 } else { 0 });
                    let key = label.clone();
                    view! {
                        <g class="bar" data-label=key data-value=value>
                            <text x=LABEL - 6 y=y + 15 text-anchor="end">{label}</text>
                            <rect x=LABEL y=y + 3 width=w height=ROW - 6 rx=2></rect>
                            <text x=LABEL + w + 6 y=y + 15>{value}</text>
                        </g>
                    }
                }).collect_view()}
            </svg>
        </figure>
    }
}
