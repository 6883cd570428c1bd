//! What a reviewer decides about a QA pair, and the rules it must meet. Shared by the
//! browser (to guide) and the server (to enforce).
use serde::{Deserialize, Serialize};

crate::named_enum! {
    /// Why an answer was changed or rejected.
    pub enum Reason("correction reason") {
        FactualError = "factual_error",
        DosageOrUnit = "dosage_or_unit",
        UnsafeAdvice = "unsafe_advice",
        OutdatedGuidance = "outdated_guidance",
        Incomplete = "incomplete",
        HallucinatedReference = "hallucinated_reference",
        LanguageStyle = "language_style",
    }
}

crate::named_enum! {
    pub enum Verdict("decision") { Accept = "accept", Edit = "edit", Reject = "reject" }
}

/// The decision on one QA pair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Correction {
    /// The answer is right as it is.
    Accept,
    /// The corrected answer, and the corrected question when that changed too.
    Edit { question: Option<String>, answer: String },
    /// Not worth keeping.
    Reject,
}

impl Correction {
    /// The corrected question and answer as stored: trimmed, `None` where nothing changed.
    pub fn stored_texts(&self) -> (Option<&str>, Option<&str>) {
        match self {
            Correction::Edit { question, answer } => (question.as_deref().map(str::trim), Some(answer.trim())),
            _ => (None, None),
        }
    }

    pub fn verdict(&self) -> Verdict {
        match self {
            Correction::Accept => Verdict::Accept,
            Correction::Edit { .. } => Verdict::Edit,
            Correction::Reject => Verdict::Reject,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CorrectionInput {
    pub correction: Correction,
    #[serde(default)]
    pub reasons: Vec<Reason>,
    /// Free text; for a rejection it may stand in for a reason code.
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub time_on_task_ms: Option<u64>,
}

/// What the rules need to know about the item being corrected.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemFacts {
    pub question: String,
    pub answer: String,
    /// PromptCBLUE `answer_choices`: the corrected answer must be one of them.
    pub choices: Option<Vec<String>>,
    /// The dataset's answer for "none of the choices fits".
    pub no_match: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum CorrectionProblem {
    #[error("choose accept, edit or reject")]
    NoDecision,
    #[error("an accepted answer takes no reason codes")]
    AcceptWithReasons,
    #[error("give at least one reason")]
    NeedReason,
    #[error("the corrected answer is empty")]
    EmptyAnswer,
    #[error("nothing was changed: accept the answer instead")]
    Unchanged,
    #[error("the answer must be one of the listed choices")]
    NotAChoice,
    #[error("the text is limited to 1 MB")]
    TooLong,
}

pub const MAX_TEXT_BYTES: usize = 1 << 20;

pub fn validate(facts: &ItemFacts, input: &CorrectionInput) -> Result<(), CorrectionProblem> {
    match &input.correction {
        Correction::Accept => {
            if !input.reasons.is_empty() {
                return Err(CorrectionProblem::AcceptWithReasons);
            }
        }
        Correction::Reject => {
            if input.reasons.is_empty() && input.note.trim().is_empty() {
                return Err(CorrectionProblem::NeedReason);
            }
        }
        Correction::Edit { question, answer } => {
            if input.reasons.is_empty() {
                return Err(CorrectionProblem::NeedReason);
            }
            if answer.trim().is_empty() {
                return Err(CorrectionProblem::EmptyAnswer);
            }
            if answer.len() > MAX_TEXT_BYTES || question.as_ref().is_some_and(|q| q.len() > MAX_TEXT_BYTES) {
                return Err(CorrectionProblem::TooLong);
            }
            let question_changed = question.as_ref().is_some_and(|q| q.trim() != facts.question.trim());
            if answer.trim() == facts.answer.trim() && !question_changed {
                return Err(CorrectionProblem::Unchanged);
            }
            if let Some(choices) = &facts.choices {
                let a = answer.trim();
                if !choices.iter().any(|c| c == a) && facts.no_match.as_deref() != Some(a) {
                    return Err(CorrectionProblem::NotAChoice);
                }
            }
        }
    }
    if input.note.len() > MAX_TEXT_BYTES {
        return Err(CorrectionProblem::TooLong);
    }
    Ok(())
}

/// A correction yields a preference pair (corrected ≻ original) unless it only fixed wording.
pub fn yields_preference_pair(input: &CorrectionInput) -> bool {
    matches!(input.correction, Correction::Edit { .. }) && input.reasons.iter().any(|r| *r != Reason::LanguageStyle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ItemFacts {
        ItemFacts {
            question: "头痛怎么办？".into(), answer: "吃阿司匹林".into(), choices: None, no_match: None
        }
    }

    fn input(correction: Correction, reasons: Vec<Reason>) -> CorrectionInput {
        CorrectionInput { correction, reasons, note: String::new(), time_on_task_ms: None }
    }

    fn edit(answer: &str) -> Correction {
        Correction::Edit { question: None, answer: answer.into() }
    }

    #[test]
    fn accept_edit_reject_rules() {
        assert!(validate(&facts(), &input(Correction::Accept, vec![])).is_ok());
        assert_eq!(
            validate(&facts(), &input(Correction::Accept, vec![Reason::Incomplete])),
            Err(CorrectionProblem::AcceptWithReasons)
        );
        assert_eq!(validate(&facts(), &input(edit("多休息"), vec![])), Err(CorrectionProblem::NeedReason));
        assert_eq!(
            validate(&facts(), &input(edit("  "), vec![Reason::Incomplete])),
            Err(CorrectionProblem::EmptyAnswer)
        );
        assert_eq!(
            validate(&facts(), &input(edit("吃阿司匹林 "), vec![Reason::Incomplete])),
            Err(CorrectionProblem::Unchanged)
        );
        assert!(validate(&facts(), &input(edit("先查明原因"), vec![Reason::UnsafeAdvice])).is_ok());
        assert_eq!(validate(&facts(), &input(Correction::Reject, vec![])), Err(CorrectionProblem::NeedReason));
        let mut noted = input(Correction::Reject, vec![]);
        noted.note = "与问题无关".into();
        assert!(validate(&facts(), &noted).is_ok());
    }

    #[test]
    fn a_changed_question_alone_is_a_change() {
        let c = Correction::Edit { question: Some("偏头痛怎么办？".into()), answer: "吃阿司匹林".into() };
        assert!(validate(&facts(), &input(c, vec![Reason::Incomplete])).is_ok());
    }

    #[test]
    fn promptcblue_answers_must_be_a_choice_or_no_match() {
        let f = ItemFacts {
            question: "匹配程度？".into(),
            answer: "部分匹配".into(),
            choices: Some(vec!["完全不匹配".into(), "部分匹配".into(), "完全匹配".into()]),
            no_match: Some("无法判断".into()),
        };
        assert!(validate(&f, &input(edit("完全匹配"), vec![Reason::FactualError])).is_ok());
        assert!(validate(&f, &input(edit("无法判断"), vec![Reason::FactualError])).is_ok());
        assert_eq!(
            validate(&f, &input(edit("差不多"), vec![Reason::FactualError])),
            Err(CorrectionProblem::NotAChoice)
        );
    }

    #[test]
    fn only_substantive_edits_yield_preference_pairs() {
        assert!(yields_preference_pair(&input(edit("x"), vec![Reason::DosageOrUnit, Reason::LanguageStyle])));
        assert!(!yields_preference_pair(&input(edit("x"), vec![Reason::LanguageStyle])));
        assert!(!yields_preference_pair(&input(Correction::Reject, vec![Reason::UnsafeAdvice])));
    }
}
