//! From decisions to output records: every text passes the item's flags first (see
//! `gate`), then takes the format's shape (see `formats`).
use super::formats::{Line, Prompt, render, tools_column};
use super::gate::{Gate, final_refs};
use super::{ExportFormat, LeftOut, Shape};
use crate::domain::correction::{Correction, yields_preference_pair};
use crate::flag::TextRef;
use crate::store::corrections::CorrectedItem;

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

/// How records are written: the format, whether the export holds context columns, and
/// whether answers carry their per-axis ratings.
#[derive(Debug, Clone, Copy)]
pub struct Writer {
    pub format: ExportFormat,
    pub context: bool,
    pub ratings: bool,
    /// Some item in the export carries tool definitions: formats with a tools column write it.
    pub tools: bool,
}

/// A stored text: where it lives (its flags point there), what it says, and (answers of
/// compare items) its mean rating per axis.
#[derive(Debug, Clone, Copy)]
pub struct Text<'a> {
    pub refs: &'a [TextRef],
    pub text: &'a str,
    pub ratings: Option<&'a serde_json::Value>,
}

impl<'a> Text<'a> {
    pub fn new(refs: &'a [TextRef], text: &'a str) -> Self {
        Text { refs, text, ratings: None }
    }
}

/// The prompt of an item; only the question is checked against flags (system texts and
/// earlier turns are not scanned, see the README).
#[derive(Debug, Clone, Copy)]
pub struct Ask<'a> {
    pub system: Option<&'a str>,
    pub history: &'a [(String, String)],
    pub question: Text<'a>,
    /// Tool definitions (JSON text) the imported record carried.
    pub tools: Option<&'a str>,
}

impl Writer {
    /// The line in the format's shape, with the answers' ratings as extra columns when asked.
    fn line(&self, line: &Line, tools: Option<&str>, ratings: &[(&str, Option<&serde_json::Value>)]) -> String {
        let mut value = render(self.format, line, self.context);
        if let Some(column) = tools_column(self.format).filter(|_| self.tools) {
            value[column] = serde_json::Value::String(tools.unwrap_or_default().to_string());
        }
        if self.ratings {
            for (column, r) in ratings {
                value[*column] = r.cloned().unwrap_or(serde_json::Value::Null);
            }
        }
        value.to_string()
    }

    /// A preference: one pairwise record, or for KTO a desirable and an undesirable one.
    pub fn pair(&self, gate: &Gate, ask: Ask, chosen: Text, rejected: Text, margin: f64) -> Vec<Record> {
        if self.format.shape() == Shape::Unpaired {
            return vec![self.unpaired(gate, ask, chosen, true), self.unpaired(gate, ask, rejected, false)];
        }
        if let Some(reason) = gate.whole_item() {
            return vec![Record::Skip(reason)];
        }
        if !gate.may_be_chosen(chosen.refs) {
            return vec![Record::Skip(LeftOut::Unsafe)];
        }
        let passed = (|| {
            Ok::<_, LeftOut>((
                gate.pass(ask.question.refs, ask.question.text)?,
                gate.pass(chosen.refs, chosen.text)?,
                gate.pass(rejected.refs, rejected.text)?,
            ))
        })();
        vec![match passed {
            Ok((q, c, r)) => {
                let prompt = Prompt { system: ask.system, history: ask.history, question: &q.text };
                let line = self.line(
                    &Line::Pair { prompt, chosen: &c.text, rejected: &r.text, margin },
                    ask.tools,
                    &[("chosen_ratings", chosen.ratings), ("rejected_ratings", rejected.ratings)],
                );
                Record::Write(Written {
                    line,
                    redacted: q.redacted || c.redacted || r.redacted,
                    quasi: q.quasi || c.quasi || r.quasi,
                })
            }
            Err(reason) => Record::Skip(reason),
        }]
    }

    /// An answer labelled desirable or not (KTO). A desirable answer is "chosen".
    pub fn unpaired(&self, gate: &Gate, ask: Ask, answer: Text, label: bool) -> Record {
        if let Some(reason) = gate.whole_item() {
            return Record::Skip(reason);
        }
        if label && !gate.may_be_chosen(answer.refs) {
            return Record::Skip(LeftOut::Unsafe);
        }
        match (gate.pass(ask.question.refs, ask.question.text), gate.pass(answer.refs, answer.text)) {
            (Ok(q), Ok(a)) => {
                let prompt = Prompt { system: ask.system, history: ask.history, question: &q.text };
                let line = self.line(
                    &Line::Unpaired { prompt, completion: &a.text, label },
                    ask.tools,
                    &[("ratings", answer.ratings)],
                );
                Record::Write(Written { line, redacted: q.redacted || a.redacted, quasi: q.quasi || a.quasi })
            }
            (Err(reason), _) | (_, Err(reason)) => Record::Skip(reason),
        }
    }

    /// The SFT record for a QA item's final version.
    pub fn sft(&self, item: &CorrectedItem, gate: &Gate) -> Record {
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
        match (gate.pass(&question_refs, &question), gate.pass(&answer_refs, &answer)) {
            (Ok(q), Ok(a)) => {
                let prompt = Prompt { system: item.system.as_deref(), history: &item.history, question: &q.text };
                let line = self.line(&Line::Sft { prompt, answer: &a.text }, item.tools.as_deref(), &[]);
                Record::Write(Written { line, redacted: q.redacted || a.redacted, quasi: q.quasi || a.quasi })
            }
            (Err(reason), _) | (_, Err(reason)) => Record::Skip(reason),
        }
    }

    /// The preference a QA item's final version gives: corrected ≻ original, when the agreed
    /// version (the adjudication, or the decision every reviewer made alike — the rule the SFT
    /// export follows) is an edit that fixed more than wording. One pair per item, however many
    /// reviewers made that edit; nothing while reviewers disagree.
    pub fn corrections(&self, item: &CorrectedItem, gate: &Gate, margin: f64) -> Vec<Record> {
        let (question, answer) = match item.final_version() {
            None if item.decisions.is_empty() => return vec![Record::Skip(LeftOut::Unjudged)],
            None => return vec![Record::Skip(LeftOut::Disputed)],
            Some(Correction::Edit { question, answer }) => (question, answer),
            Some(Correction::Accept | Correction::Reject) => return vec![Record::Skip(LeftOut::NotCorrected)],
        };
        if !substantive(item) {
            return vec![Record::Skip(LeftOut::StyleOnly)];
        }
        let (question_refs, answer_refs) = final_refs(item);
        let asked = Text::new(&question_refs, question.as_deref().unwrap_or(&item.question));
        let ask = Ask {
            system: item.system.as_deref(),
            history: &item.history,
            question: asked,
            tools: item.tools.as_deref(),
        };
        let original_refs = [TextRef::Answer(item.original_id)];
        let original = Text::new(&original_refs, &item.original);
        self.pair(gate, ask, Text::new(&answer_refs, &answer), original, margin)
    }
}

/// Whether an item's agreed edit fixed more than wording: some reviewer who edited gave a
/// reason beyond language and style (an adjudicator's own edit, with no reviewer's edit to
/// go by, counts as substantive).
fn substantive(item: &CorrectedItem) -> bool {
    let mut edits = item.decisions.iter().filter(|d| matches!(d.correction, Correction::Edit { .. })).peekable();
    edits.peek().is_none() || edits.any(yields_preference_pair)
}
