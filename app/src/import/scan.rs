//! What every new item gets before it is stored, whether imported or generated: the
//! sensitive-content detectors run over its texts, and its texts are rendered to HTML once.
use crate::flag::detect::detect;
use crate::markdown::render;
use crate::store::items::{NewItem, Rendered, ScannedItem};

/// Runs the detectors on the item's texts and renders them.
pub fn scan(item: NewItem) -> ScannedItem {
    let question = detect(&item.question);
    let answers = item.candidates.iter().map(|c| detect(&c.body)).collect();
    let history: Vec<(String, String)> = item.history.iter().map(|(q, a)| (render(q), render(a))).collect();
    let html = Rendered {
        system: item.system.as_deref().map(render),
        history: serde_json::to_string(&history).unwrap_or_else(|_| "[]".into()),
        question: render(&item.question),
        answers: item.candidates.iter().map(|c| render(&c.body)).collect(),
    };
    ScannedItem { item, question, answers, html }
}
