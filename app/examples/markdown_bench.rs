//! Rendering time of pathological markdown (`scripts/bench.sh markdown`): each case through
//! the same `render` that imports, corrections and the preview use, next to the parser alone
//! on the same text (the floor). Goal (issue 17): each under 50 ms in a release build.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
use std::time::{Duration, Instant};

fn corpus() -> Vec<(&'static str, String)> {
    let row = |cell: &str| format!("|{}\n", format!("{cell}|").repeat(100));
    vec![
        ("deep list `- ` × 8000", "- ".repeat(8000) + "x"),
        ("deep quoted list `> - ` × 8000", "> - ".repeat(8000) + "x"),
        ("deep quote `> ` × 20000", "> ".repeat(20000) + "x"),
        ("deep ordered list `1. ` × 8000", "1. ".repeat(8000) + "x"),
        ("indented lists 700 levels", (0..700).map(|i| format!("{}- 第{i}层\n", "  ".repeat(i))).collect()),
        ("emphasis runs `*a **b ` × 20000", "*a **b ".repeat(20000)),
        ("unclosed brackets × 100000", "[".repeat(100_000)),
        ("backtick runs `` `a `` × 100000", "`a".repeat(100_000)),
        ("nested links `[[[…]]]` 20000", "[".repeat(20000) + "x" + &"](u)".repeat(20000)),
        (
            "link-reference flood 20000 defs + uses",
            (0..20000).map(|i| format!("[r{i}]: http://x.example/{i}\n")).collect::<String>() + &"[r1] ".repeat(20000),
        ),
        ("1 MB table", row("-").replace('-', "a") + &row("-") + &row("药物 200mg").repeat(1_000_000 / 1200)),
        ("1 MB plain answer", "头痛伴发热时应注意休息，补充水分，必要时就医。\n\n".repeat(1_000_000 / 75)),
    ]
}

fn best_of(runs: usize, f: impl Fn()) -> Duration {
    (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn main() {
    let goal = Duration::from_millis(50);
    println!(
        "== pathological markdown (best of 3; build: {})",
        if cfg!(debug_assertions) { "debug" } else { "release" }
    );
    let mut worst = Duration::ZERO;
    for (name, text) in corpus() {
        let render = best_of(3, || {
            std::hint::black_box(app::markdown::render(&text));
        });
        let parse = best_of(3, || {
            std::hint::black_box(pulldown_cmark::Parser::new(&text).count());
        });
        worst = worst.max(render);
        let kb = text.len() as f64 / 1024.0;
        println!("{name:<42} {kb:>7.0} KB  render {:>8.1} ms  (parser alone {:>6.1} ms)", ms(render), ms(parse));
    }
    let verdict = if worst < goal { "met" } else { "NOT met" };
    println!("worst {:.1} ms; goal < {} ms per text: {verdict}", ms(worst), goal.as_millis());
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
