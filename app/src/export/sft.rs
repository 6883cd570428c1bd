//! Exports of correct datasets: the final version of each QA pair as SFT data, and each
//! substantive correction as a preference pair (corrected ≻ original). Every text passes
//! the item's flags first (see `gate`).
use super::gate::{Gate, Passed, final_refs};
use super::trl::{DpoStandard, SftAlpaca, SftShareGpt, Turn};
use super::{ExportFormat, LeftOut};
use crate::correct::rules::{Correction, yields_preference_pair};
use crate::flag::TextRef;
use crate::store::corrections::{CorrectedItem, style_only};

/// A line to write, and what the flags did to it.
pub struct Written {
    pub line: String,
    pub redacted: bool,
    pub quasi: bool,
}

/// One output record, or why there is none.
pub enum Record {
    Write(Written),
    Skip(LeftOut),
}

fn written(line: String, parts: &[&Passed]) -> Record {
    Record::Write(Written { line, redacted: parts.iter().any(|p| p.redacted), quasi: parts.iter().any(|p| p.quasi) })
}

/// The SFT line for an item's final version.
pub fn sft_line(item: &CorrectedItem, gate: &Gate, format: ExportFormat) -> Record {
    let (question, answer) = match item.final_version() {
        None if item.decisions.is_empty() => return Record::Skip(LeftOut::Unjudged),
        None => return Record::Skip(LeftOut::Disputed),
        Some(Correction::Reject) => return Record::Skip(LeftOut::Rejected),
        Some(Correction::Accept) => (item.question.clone(), item.original.clone()),
        Some(Correction::Edit { question, answer }) => (question.unwrap_or_else(|| item.question.clone()), answer),
    };
    if let Some(reason) = gate.whole_item() {
        return Record::Skip(reason);
    }
    let (question_refs, answer_refs) = final_refs(item);
    // The answer of an SFT record is what the model learns to say: it is "chosen".
    if !gate.may_be_chosen(&answer_refs) {
        return Record::Skip(LeftOut::Unsafe);
    }
    let (q, a) = match (gate.pass(&question_refs, &question), gate.pass(&answer_refs, &answer)) {
        (Ok(q), Ok(a)) => (q, a),
        (Err(reason), _) | (_, Err(reason)) => return Record::Skip(reason),
    };
    let system = item.system.as_deref();
    let line = match format {
        ExportFormat::SftAlpaca => serde_json::to_string(&SftAlpaca {
            instruction: &q.text,
            input: "",
            output: &a.text,
            system,
            history: &item.history,
        }),
        _ => {
            let mut conversations: Vec<Turn> = item
                .history
                .iter()
                .flat_map(|(q, a)| [Turn { from: "human", value: q }, Turn { from: "gpt", value: a }])
                .collect();
            conversations.push(Turn { from: "human", value: &q.text });
            conversations.push(Turn { from: "gpt", value: &a.text });
            serde_json::to_string(&SftShareGpt { conversations, system })
        }
    };
    written(line.expect("strings serialise"), &[&q, &a])
}

/// A preference pair per correction that fixed more than wording.
pub fn correction_pairs(item: &CorrectedItem, gate: &Gate) -> Vec<Record> {
    item.decisions
        .iter()
        .zip(&item.correction_ids)
        .map(|(d, &id)| match &d.correction {
            Correction::Edit { question, answer } if yields_preference_pair(d) => {
                if let Some(reason) = gate.whole_item() {
                    return Record::Skip(reason);
                }
                if !gate.may_be_chosen(&[TextRef::CorrectedAnswer(id)]) {
                    return Record::Skip(LeftOut::Unsafe);
                }
                let prompt = match question {
                    Some(q) => gate.pass(&[TextRef::CorrectedQuestion(id)], q),
                    None => gate.pass(&[TextRef::Question], &item.question),
                };
                let chosen = gate.pass(&[TextRef::CorrectedAnswer(id)], answer);
                let rejected = gate.pass(&[TextRef::Answer(item.original_id)], &item.original);
                match (prompt, chosen, rejected) {
                    (Ok(p), Ok(c), Ok(r)) => {
                        let line = DpoStandard { prompt: &p.text, chosen: &c.text, rejected: &r.text };
                        written(serde_json::to_string(&line).expect("strings serialise"), &[&p, &c, &r])
                    }
                    (Err(reason), _, _) | (_, Err(reason), _) | (_, _, Err(reason)) => Record::Skip(reason),
                }
            }
            Correction::Edit { .. } if style_only(&d.reasons) => Record::Skip(LeftOut::StyleOnly),
            _ => Record::Skip(LeftOut::NotCorrected),
        })
        .collect()
}
