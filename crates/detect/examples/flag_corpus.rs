//! Precision and recall of the sensitive-content detectors on the labelled corpus in
//! `fixtures/` (`scripts/bench.sh` runs this). `--dump` lists every detection instead.
#![allow(clippy::unwrap_used)] // a test or bench: a failed step panics with its reason
use medpref_detect::corpus;
use std::time::Instant;

fn main() {
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures");
    let (texts, labels) = corpus::load(&fixtures).unwrap_or_else(|e| panic!("corpus: {e}"));
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().is_some_and(|a| a == "--dump") {
        // `--dump [name=file.jsonl …]`: every detection in the corpus, or in the files named.
        let texts = if args.len() > 1 {
            args[1..]
                .iter()
                .flat_map(|a| {
                    let (name, path) = a.split_once('=').unwrap_or_else(|| panic!("{a}: expected name=file"));
                    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
                    corpus::sample_texts(name, &text)
                })
                .collect()
        } else {
            texts
        };
        for t in &texts {
            for s in medpref_detect::detect(&t.text) {
                println!("{}\t{}\t{}", t.source, s.category.as_str(), s.text);
            }
        }
        return;
    }
    let heldout = corpus::heldout(&fixtures).unwrap_or_else(|e| panic!("held-out sample: {e}"));
    let parts = [
        ("tuning corpus: real samples (reward + sft)", corpus::part(&texts, &labels, false)),
        ("tuning corpus: synthetic", corpus::part(&texts, &labels, true)),
        ("held-out sample, not used for tuning (rag Q&A + fever textbook + glaive tool dialogues)", heldout),
    ];
    for (title, (t, l)) in parts {
        let started = Instant::now();
        let report = corpus::evaluate(&t, &l);
        let elapsed = started.elapsed();
        println!("## {title}: {} texts, {} characters", report.texts, report.chars);
        println!("{:<18} {:>4} {:>4} {:>4} {:>9} {:>7}", "category", "tp", "fp", "fn", "precision", "recall");
        for (c, n) in &report.by_category {
            println!(
                "{:<18} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
                c.as_str(),
                n.true_positives,
                n.false_positives,
                n.false_negatives,
                n.precision(),
                n.recall()
            );
        }
        let total = report.total();
        println!(
            "{:<18} {:>4} {:>4} {:>4} {:>9.3} {:>7.3}",
            "all",
            total.true_positives,
            total.false_positives,
            total.false_negatives,
            total.precision(),
            total.recall()
        );
        println!(
            "texts with a false positive: {} of {} ({:.2}%)",
            report.texts_with_false_positives(),
            report.texts,
            100.0 * report.texts_with_false_positives() as f64 / report.texts.max(1) as f64
        );
        for (source, c, text) in &report.false_positives {
            println!("  false positive  {source}  {}  {text}", c.as_str());
        }
        for l in &report.false_negatives {
            let why = l.missed.as_deref().unwrap_or("NOT DOCUMENTED");
            println!("  missed          {}  {}  {}  ({why})", l.source, l.category.as_str(), l.text);
        }
        let secs = elapsed.as_secs_f64();
        println!(
            "throughput: {:.1} MB/s ({} chars in {:.1} ms)\n",
            report.chars as f64 * 3.0 / 1e6 / secs,
            report.chars,
            secs * 1e3
        );
    }
}
