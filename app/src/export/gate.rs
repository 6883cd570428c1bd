//! What flags do to an export. Unresolved spans that gate (personal information and
//! advertising) keep their text out, or, if the admin chose so, go out redacted; concerns
//! without a span cannot be redacted and keep their text out; an answer flagged unsafe or
//! hallucinated is never "chosen". Age and sex are counted, not gated.
use super::{FlagPolicy, LeftOut};
use crate::domain::correction::Correction;
use crate::flag::redact::redact;
use crate::flag::{Category, FlagKind, FlagView, TextRef};
use crate::store::corrections::CorrectedItem;
use std::borrow::Cow;

/// The active flags of one item, the admin's policy, and the categories the dataset's admin
/// turned off for gating.
pub struct Gate<'a> {
    flags: &'a [FlagView<TextRef>],
    policy: FlagPolicy,
    ungated: &'a [Category],
}

/// A text that may go out: as stored or redacted, and whether it still holds age and sex.
pub struct Passed<'t> {
    pub text: Cow<'t, str>,
    pub redacted: bool,
    pub quasi: bool,
}

impl<'a> Gate<'a> {
    pub fn new(flags: Option<&'a Vec<FlagView<TextRef>>>, policy: FlagPolicy, ungated: &'a [Category]) -> Self {
        Gate { flags: flags.map(Vec::as_slice).unwrap_or(&[]), policy, ungated }
    }

    fn on<'f>(&'f self, refs: &'f [TextRef]) -> impl Iterator<Item = &'f FlagView<TextRef>> + 'f {
        self.flags.iter().filter(move |f| f.field.is_some_and(|r| refs.contains(&r)))
    }

    /// A concern about the whole item keeps all of it out.
    pub fn whole_item(&self) -> Option<LeftOut> {
        self.flags.iter().filter(|f| f.field.is_none()).find_map(|f| match f.kind {
            FlagKind::Concern(c) if c.bars_chosen() => Some(LeftOut::Unsafe),
            FlagKind::Concern(_) => Some(LeftOut::Flagged),
            FlagKind::Span(_) => None,
        })
    }

    /// Whether a text may be the chosen answer.
    pub fn may_be_chosen(&self, refs: &[TextRef]) -> bool {
        !self.on(refs).any(|f| matches!(f.kind, FlagKind::Concern(c) if c.bars_chosen()))
    }

    /// The text as it may go out. `refs` are the stored texts it is (texts that agree
    /// share offsets, so their spans apply alike).
    pub fn pass<'t>(&self, refs: &[TextRef], text: &'t str) -> Result<Passed<'t>, LeftOut> {
        let mut spans: Vec<(usize, usize, Category)> = Vec::new();
        let mut quasi = false;
        for f in self.on(refs) {
            match (f.kind, f.span) {
                (FlagKind::Concern(c), _) if !c.bars_chosen() => return Err(LeftOut::Flagged),
                (FlagKind::Span(Category::AgeSex), Some(_)) => quasi = true,
                (FlagKind::Span(c), Some((s, e))) if c.gates_export() && !self.ungated.contains(&c) => {
                    spans.push((s, e, c))
                }
                _ => {}
            }
        }
        if spans.is_empty() {
            return Ok(Passed { text: Cow::Borrowed(text), redacted: false, quasi });
        }
        match self.policy {
            FlagPolicy::LeaveOut => Err(LeftOut::Flagged),
            FlagPolicy::Redact => Ok(Passed { text: Cow::Owned(redact(text, &spans).0), redacted: true, quasi }),
        }
    }
}

/// The stored texts an item's final version comes from: (question refs, answer refs).
pub fn final_refs(item: &CorrectedItem) -> (Vec<TextRef>, Vec<TextRef>) {
    let original = (vec![TextRef::Question], vec![TextRef::Answer(item.original_id)]);
    match (&item.adjudicated, item.final_version()) {
        (Some(Correction::Edit { question, .. }), _) => {
            let q = if question.is_some() { TextRef::FinalQuestion } else { TextRef::Question };
            (vec![q], vec![TextRef::FinalAnswer])
        }
        (None, Some(Correction::Edit { question, .. })) => {
            let ids = &item.correction_ids;
            let q = match question {
                Some(_) => ids.iter().map(|&c| TextRef::CorrectedQuestion(c)).collect(),
                None => vec![TextRef::Question],
            };
            (q, ids.iter().map(|&c| TextRef::CorrectedAnswer(c)).collect())
        }
        _ => original,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CandidateId;
    use crate::flag::{Concern, FlagStatus};

    fn flag(field: Option<TextRef>, span: Option<(usize, usize)>, kind: FlagKind) -> FlagView<TextRef> {
        FlagView {
            id: 1,
            field,
            span,
            text: String::new(),
            kind,
            severity: None,
            status: FlagStatus::Open,
            by_detector: true,
            note: None,
        }
    }
    const A: TextRef = TextRef::Answer(CandidateId(7));

    #[test]
    fn spans_leave_out_or_redact_as_chosen() {
        let flags = vec![flag(Some(A), Some((2, 13)), FlagKind::Span(Category::Phone))];
        let text = "电话13812345678";
        assert_eq!(Gate::new(Some(&flags), FlagPolicy::LeaveOut, &[]).pass(&[A], text).err(), Some(LeftOut::Flagged));
        let passed = Gate::new(Some(&flags), FlagPolicy::Redact, &[]).pass(&[A], text).ok().unwrap();
        assert_eq!((passed.text.as_ref(), passed.redacted), ("电话〔电话〕", true));
        // Other texts of the item are not affected.
        assert!(Gate::new(Some(&flags), FlagPolicy::LeaveOut, &[]).pass(&[TextRef::Question], text).is_ok());
    }

    #[test]
    fn unsafe_answers_are_never_chosen_and_age_sex_is_counted() {
        let flags = vec![
            flag(Some(A), None, FlagKind::Concern(Concern::Unsafe)),
            flag(Some(A), Some((0, 5)), FlagKind::Span(Category::AgeSex)),
        ];
        let gate = Gate::new(Some(&flags), FlagPolicy::LeaveOut, &[]);
        assert!(!gate.may_be_chosen(&[A]));
        assert!(gate.may_be_chosen(&[TextRef::Question]));
        let passed = gate.pass(&[A], "女，42岁，头痛").ok().unwrap();
        assert!(passed.quasi && !passed.redacted, "age+sex goes out, counted");
        let whole = vec![flag(None, None, FlagKind::Concern(Concern::Political))];
        assert_eq!(Gate::new(Some(&whole), FlagPolicy::Redact, &[]).whole_item(), Some(LeftOut::Flagged));
    }
}
