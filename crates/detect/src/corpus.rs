//! The labelled corpus the detectors are measured on: every line of the two real samples
//! with hand-checked spans (`fixtures/flags/labels.tsv`), plus synthetic texts
//! (`fixtures/flags/synthetic.tsv`). A detection counts as correct when a label of the same
//! category and text exists on the same line; labels marked `missed` document what the
//! detectors knowingly do not find.
use crate::detect::{Category, detect};
use std::collections::BTreeMap;

/// One hand-checked span: where (`reward:88`, `sft:595`, `syn:3`), what, and whether the
/// detectors are known to miss it (with the reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub source: String,
    pub category: Category,
    pub text: String,
    pub missed: Option<String>,
}

/// A text to run the detectors on, with where it comes from.
#[derive(Debug, Clone)]
pub struct Text {
    pub source: String,
    pub text: String,
}

/// Every string in a JSONL sample, one `Text` per string value, sourced as `{name}:{line}`.
pub fn sample_texts(name: &str, jsonl: &str) -> Vec<Text> {
    fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for (i, line) in jsonl.lines().enumerate() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else { continue };
        let mut found = Vec::new();
        strings(&value, &mut found);
        out.extend(found.into_iter().map(|text| Text { source: format!("{name}:{}", i + 1), text }));
    }
    out
}

/// Synthetic texts: `text<TAB>category=span|category=span…` (no second column: nothing to find).
/// Lines starting with `#` are comments. Returns the texts and their labels.
pub fn synthetic(tsv: &str) -> Result<(Vec<Text>, Vec<Label>), String> {
    let (mut texts, mut labels) = (Vec::new(), Vec::new());
    for (i, line) in tsv.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let source = format!("syn:{}", i + 1);
        let mut cols = line.split('\t');
        let text = cols.next().unwrap_or_default().to_string();
        for pair in cols.next().unwrap_or_default().split('|').filter(|p| !p.is_empty()) {
            let (category, span) = pair.split_once('=').ok_or(format!("line {}: expected category=span", i + 1))?;
            let category = category.parse().map_err(|e| format!("line {}: {e}", i + 1))?;
            labels.push(Label { source: source.clone(), category, text: span.to_string(), missed: None });
        }
        texts.push(Text { source, text });
    }
    Ok((texts, labels))
}

/// Hand labels: `source<TAB>category<TAB>text[<TAB>missed: reason]`; `#` starts a comment.
pub fn labels(tsv: &str) -> Result<Vec<Label>, String> {
    let mut out = Vec::new();
    for (i, line) in tsv.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [source, category, text, rest @ ..] = cols.as_slice() else {
            return Err(format!("labels line {}: expected source, category and text", i + 1));
        };
        let missed = match rest {
            [] => None,
            [m] => Some(m.strip_prefix("missed:").ok_or(format!("labels line {}: 4th column is `missed: …`", i + 1))?),
            _ => return Err(format!("labels line {}: too many columns", i + 1)),
        };
        out.push(Label {
            source: source.to_string(),
            category: category.parse().map_err(|e| format!("labels line {}: {e}", i + 1))?,
            text: text.to_string(),
            missed: missed.map(|m| m.trim().to_string()),
        });
    }
    Ok(out)
}

/// Counts per category.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub true_positives: usize,
    pub false_positives: usize,
    pub false_negatives: usize,
}

impl Counts {
    pub fn precision(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_positives)
    }
    pub fn recall(&self) -> f64 {
        ratio(self.true_positives, self.true_positives + self.false_negatives)
    }
    fn add(&mut self, o: Counts) {
        self.true_positives += o.true_positives;
        self.false_positives += o.false_positives;
        self.false_negatives += o.false_negatives;
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

/// What the detectors got right and wrong on a set of texts.
#[derive(Debug, Default)]
pub struct Report {
    pub by_category: BTreeMap<Category, Counts>,
    /// Detections with no label: `(source, category, text)`.
    pub false_positives: Vec<(String, Category, String)>,
    /// Labels the detectors did not find, with the `missed` note if the miss is documented.
    pub false_negatives: Vec<Label>,
    pub texts: usize,
    pub chars: usize,
}

impl Report {
    pub fn total(&self) -> Counts {
        let mut t = Counts::default();
        self.by_category.values().for_each(|c| t.add(*c));
        t
    }

    /// Texts with at least one false positive, per text examined.
    pub fn texts_with_false_positives(&self) -> usize {
        let mut sources: Vec<&str> = self.false_positives.iter().map(|(s, _, _)| s.as_str()).collect();
        sources.dedup();
        sources.len()
    }
}

/// Runs the detectors over `texts` and compares with `labels` (a multiset per source).
pub fn evaluate(texts: &[Text], labels: &[Label]) -> Report {
    let mut expected: BTreeMap<(String, Category, String), Vec<&Label>> = BTreeMap::new();
    for l in labels {
        expected.entry((l.source.clone(), l.category, l.text.clone())).or_default().push(l);
    }
    let mut report = Report::default();
    for t in texts {
        report.texts += 1;
        report.chars += t.text.chars().count();
        for span in detect(&t.text) {
            let counts = report.by_category.entry(span.category).or_default();
            match expected.get_mut(&(t.source.clone(), span.category, span.text.clone())) {
                Some(left) if !left.is_empty() => {
                    left.pop();
                    counts.true_positives += 1;
                }
                _ => {
                    counts.false_positives += 1;
                    report.false_positives.push((t.source.clone(), span.category, span.text));
                }
            }
        }
    }
    for ((_, category, _), left) in expected {
        for l in left {
            report.by_category.entry(category).or_default().false_negatives += 1;
            report.false_negatives.push(l.clone());
        }
    }
    report
}

/// The real-sample part of the corpus (`synthetic == false`) or the synthetic part.
pub fn part(texts: &[Text], labels: &[Label], synthetic: bool) -> (Vec<Text>, Vec<Label>) {
    let keep = |source: &str| source.starts_with("syn:") == synthetic;
    (
        texts.iter().filter(|t| keep(&t.source)).cloned().collect(),
        labels.iter().filter(|l| keep(&l.source)).cloned().collect(),
    )
}

/// The whole corpus as shipped in `fixtures/`: the two samples and the synthetic texts.
pub fn load(fixtures: &std::path::Path) -> Result<(Vec<Text>, Vec<Label>), String> {
    let read = |name: &str| std::fs::read_to_string(fixtures.join(name)).map_err(|e| format!("{name}: {e}"));
    let mut texts = sample_texts("reward", &read("medicalgpt-reward-test-100.jsonl")?);
    texts.extend(sample_texts("sft", &read("medicalgpt-medical-sft-1k-sharegpt.jsonl")?));
    let mut labels = labels(&read("flags/labels.tsv")?)?;
    let (syn_texts, syn_labels) = synthetic(&read("flags/synthetic.tsv")?)?;
    texts.extend(syn_texts);
    labels.extend(syn_labels);
    Ok((texts, labels))
}

/// Every non-empty line of a plain-text file, sourced as `{name}:{line}`.
pub fn text_lines(name: &str, text: &str) -> Vec<Text> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| Text { source: format!("{name}:{}", i + 1), text: l.to_string() })
        .collect()
}

/// The held-out sample (`fixtures/heldout/`, labels in `flags/heldout.tsv`): never used to
/// tune the detectors, so its figures say how they do on text they have not seen.
pub fn heldout(fixtures: &std::path::Path) -> Result<(Vec<Text>, Vec<Label>), String> {
    let read = |name: &str| std::fs::read_to_string(fixtures.join(name)).map_err(|e| format!("{name}: {e}"));
    let mut texts = sample_texts("rag", &read("heldout/medicalgpt-rag-medical-corpus.jsonl")?);
    texts.extend(sample_texts("glaive", &read("heldout/medicalgpt-glaive-toolcall-zh-demo.jsonl")?));
    texts.extend(text_lines("fever", &read("heldout/medicalgpt-pretrain-fever.txt")?));
    Ok((texts, labels(&read("flags/heldout.tsv")?)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus() -> (Vec<Text>, Vec<Label>) {
        load(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")).expect("corpus loads")
    }

    #[test]
    fn every_miss_on_the_corpus_is_documented() {
        let (texts, labels) = corpus();
        let report = evaluate(&texts, &labels);
        let undocumented: Vec<_> = report.false_negatives.iter().filter(|l| l.missed.is_none()).collect();
        assert!(undocumented.is_empty(), "missed and not documented: {undocumented:?}");
        // A label documented as missed that is now found is stale: move it to the found ones.
        let documented = labels.iter().filter(|l| l.missed.is_some()).count();
        assert_eq!(report.false_negatives.len(), documented, "a documented miss is found now: update labels.tsv");
    }

    #[test]
    fn precision_on_the_real_samples_stays_high() {
        let (texts, labels) = corpus();
        let (real, labels) = part(&texts, &labels, false);
        let report = evaluate(&real, &labels);
        assert!(report.texts > 4000, "both samples are read: {}", report.texts);
        assert!(report.total().precision() >= 0.95, "false positives: {:?}", report.false_positives);
        assert!(report.total().recall() >= 0.95, "missed: {:?}", report.false_negatives);
    }

    /// The held-out sample: every miss is documented and nothing unlabelled is reported, so
    /// a change that adds a false positive on text it was not tuned on fails here.
    #[test]
    fn the_held_out_sample_has_no_false_positives_and_only_documented_misses() {
        let (texts, labels) =
            heldout(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")).expect("sample loads");
        let report = evaluate(&texts, &labels);
        assert!(report.texts > 1300, "all three files are read: {}", report.texts);
        assert!(report.false_positives.is_empty(), "false positives: {:?}", report.false_positives);
        let undocumented: Vec<_> = report.false_negatives.iter().filter(|l| l.missed.is_none()).collect();
        assert!(undocumented.is_empty(), "missed and not documented: {undocumented:?}");
    }

    #[test]
    fn labels_files_reject_malformed_lines() {
        assert!(labels("reward:1\tphone").unwrap_err().contains("line 1"));
        assert!(labels("reward:1\tnonsense\tx").unwrap_err().contains("line 1"));
        assert!(synthetic("text\tphone").unwrap_err().contains("category=span"));
    }
}
