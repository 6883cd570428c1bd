//! Exports of correct datasets: the final version of each QA pair as SFT data, and each
//! substantive correction as a preference pair (corrected ≻ original).
use super::trl::{DpoStandard, SftAlpaca, SftShareGpt, Turn};
use super::{ExportFormat, LeftOut};
use crate::correct::rules::{Correction, yields_preference_pair};
use crate::store::corrections::{CorrectedItem, style_only};

/// One output record, or why there is none.
pub enum Record<T> {
    Write(T),
    Skip(LeftOut),
}

/// The SFT line for an item's final version.
pub fn sft_line(item: &CorrectedItem, format: ExportFormat) -> Record<String> {
    let (question, answer) = match item.final_version() {
        None if item.decisions.is_empty() => return Record::Skip(LeftOut::Unjudged),
        None => return Record::Skip(LeftOut::Disputed),
        Some(Correction::Reject) => return Record::Skip(LeftOut::Rejected),
        Some(Correction::Accept) => (item.question.clone(), item.original.clone()),
        Some(Correction::Edit { question, answer }) => (question.unwrap_or_else(|| item.question.clone()), answer),
    };
    let system = item.system.as_deref();
    let line = match format {
        ExportFormat::SftAlpaca => serde_json::to_string(&SftAlpaca {
            instruction: &question,
            input: "",
            output: &answer,
            system,
            history: &item.history,
        }),
        _ => {
            let mut conversations: Vec<Turn> = item
                .history
                .iter()
                .flat_map(|(q, a)| [Turn { from: "human", value: q }, Turn { from: "gpt", value: a }])
                .collect();
            conversations.push(Turn { from: "human", value: &question });
            conversations.push(Turn { from: "gpt", value: &answer });
            serde_json::to_string(&SftShareGpt { conversations, system })
        }
    };
    Record::Write(line.expect("strings serialise"))
}

/// A preference pair per correction that fixed more than wording.
pub fn correction_pairs(item: &CorrectedItem) -> Vec<Record<String>> {
    item.decisions
        .iter()
        .map(|d| match &d.correction {
            Correction::Edit { question, answer } if yields_preference_pair(d) => {
                let prompt = question.as_deref().unwrap_or(&item.question);
                let line = DpoStandard { prompt, chosen: answer, rejected: &item.original };
                Record::Write(serde_json::to_string(&line).expect("strings serialise"))
            }
            Correction::Edit { .. } if style_only(&d.reasons) => Record::Skip(LeftOut::StyleOnly),
            _ => Record::Skip(LeftOut::NotCorrected),
        })
        .collect()
}
