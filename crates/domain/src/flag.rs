//! The vocabulary of sensitive content: what a span or an item-level flag is, its state and
//! how it was resolved, and which text of an item it sits in.
use crate::{AssignmentId, AuditId, CandidateId};
use serde::{Deserialize, Serialize};

crate::named_enum! {
    /// What a span is: found by a detector or marked by a reviewer.
    pub enum Category("flag category") {
        IdNumber = "id_number",
        Phone = "phone",
        Email = "email",
        Url = "url",
        Handle = "handle",
        Hospital = "hospital",
        DoctorName = "doctor_name",
        /// A patient's or relative's name (marked by reviewers; no detector).
        Name = "name",
        Address = "address",
        RecordNumber = "record_number",
        BankCard = "bank_card",
        AgeSex = "age_sex",
        Advertising = "advertising",
        /// An upstream redaction such as "图片因隐私问题无法显示": shown as a marker, not PII.
        RedactionMarker = "redaction_marker",
    }
}

impl Category {
    /// Personal information (identifiers and quasi-identifiers).
    pub fn is_pii(self) -> bool {
        !matches!(self, Category::Advertising | Category::RedactionMarker)
    }

    /// Whether an unresolved span keeps its text out of exports (or redacted). Age and sex
    /// together are a weak quasi-identifier that medical answers need: counted, not gated.
    pub fn gates_export(self) -> bool {
        !matches!(self, Category::RedactionMarker | Category::AgeSex)
    }

    /// What a redacted span becomes. The set is documented in the README.
    pub fn placeholder(self) -> &'static str {
        match self {
            Category::IdNumber => "〔身份证号〕",
            Category::Phone => "〔电话〕",
            Category::Email => "〔邮箱〕",
            Category::Url => "〔网址〕",
            Category::Handle => "〔用户名〕",
            Category::Hospital => "〔医院〕",
            Category::DoctorName | Category::Name => "〔姓名〕",
            Category::Address => "〔地址〕",
            Category::RecordNumber => "〔病案号〕",
            Category::BankCard => "〔银行卡号〕",
            Category::AgeSex => "〔年龄性别〕",
            Category::Advertising => "〔广告〕",
            Category::RedactionMarker => "〔已隐去〕",
        }
    }
}

crate::named_enum! {
    /// A flag on a whole answer or item rather than a span.
    pub enum Concern("flag concern") {
        Pii = "pii",
        /// Unsafe medical advice; carries a harm severity.
        Unsafe = "unsafe",
        Referral = "referral",
        Political = "political",
        /// Hallucination or a fabricated source.
        Hallucination = "hallucination",
        /// Anything else; carries a note.
        Other = "other",
    }
}

impl Concern {
    /// An answer with this concern may never be "chosen" in any export.
    pub fn bars_chosen(self) -> bool {
        matches!(self, Concern::Unsafe | Concern::Hallucination)
    }
}

crate::named_enum! {
    /// How much harm following unsafe advice could do.
    pub enum Harm("harm severity") {
        None = "none",
        Minor = "minor",
        Moderate = "moderate",
        Severe = "severe",
        LifeThreatening = "life_threatening",
    }
}

crate::named_enum! {
    pub enum FlagStatus("flag status") {
        Open = "open",
        Confirmed = "confirmed",
        Dismissed = "dismissed",
        Resolved = "resolved",
    }
}

impl FlagStatus {
    /// Still needs an admin: open or confirmed.
    pub fn is_active(self) -> bool {
        matches!(self, FlagStatus::Open | FlagStatus::Confirmed)
    }
}

crate::named_enum! {
    pub enum Resolution("resolution") { Redacted = "redacted", Edited = "edited", Excluded = "excluded" }
}

crate::named_enum! {
    /// A reviewer's verdict on a flag.
    pub enum Verdict("flag verdict") { Confirm = "confirm", Dismiss = "dismiss" }
}

/// What a flag is about: a span of some category, or a concern about a whole text or item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagKind {
    Span(Category),
    Concern(Concern),
}

impl FlagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::Span(c) => c.as_str(),
            FlagKind::Concern(c) => c.as_str(),
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        s.parse().map(FlagKind::Span).or_else(|_| s.parse().map(FlagKind::Concern)).ok()
    }

    /// The kinds an admin filters by: every span category but the source's own redaction
    /// markers (which are not findings), then every concern.
    pub fn findings() -> Vec<FlagKind> {
        Category::ALL
            .iter()
            .filter(|c| **c != Category::RedactionMarker)
            .map(|c| FlagKind::Span(*c))
            .chain(Concern::ALL.iter().map(|c| FlagKind::Concern(*c)))
            .collect()
    }
}

/// Whose flags a review screen shows and changes: a reviewer's assignment works on the
/// item's flags; an audit's sampled item on the audit's own copy (see `store::audit_flags`),
/// so blind re-labelling neither shows nor changes the reviewers' flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum FlagTarget {
    Assignment(AssignmentId),
    Audit { audit: AuditId, position: i64 },
}

impl FlagTarget {
    /// The key a review screen's item carries: the assignment, or for an audit the sampled
    /// item's position (the screens never submit it as an assignment there).
    pub fn key(self) -> AssignmentId {
        match self {
            FlagTarget::Assignment(a) => a,
            FlagTarget::Audit { position, .. } => AssignmentId(position),
        }
    }
}

/// A text of an item as reviewers see it: the question or the answer shown at `index`
/// (left to right). Reviewers never learn candidate ids, which could reveal source order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Question,
    Answer(u8),
}

/// A stored text of an item: what admins resolve flags on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextRef {
    Question,
    Answer(CandidateId),
    /// A reviewer's corrected question or answer (by correction id).
    CorrectedQuestion(i64),
    CorrectedAnswer(i64),
    /// The adjudicated final question or answer.
    FinalQuestion,
    FinalAnswer,
}

/// One flag as shown, its text named as `F` (a `Field` for reviewers, a `TextRef` for admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlagView<F> {
    pub id: i64,
    /// `None`: the flag is on the whole item.
    pub field: Option<F>,
    /// Character offsets of the span, end exclusive.
    pub span: Option<(usize, usize)>,
    /// The flagged text (for spans; empty once redacted).
    pub text: String,
    pub kind: FlagKind,
    pub severity: Option<Harm>,
    pub status: FlagStatus,
    pub by_detector: bool,
    pub note: Option<String>,
}

impl<F> FlagView<F> {
    /// The same flag with its text named another way.
    pub fn with_field<G>(self, field: Option<G>) -> FlagView<G> {
        FlagView {
            id: self.id,
            field,
            span: self.span,
            text: self.text,
            kind: self.kind,
            severity: self.severity,
            status: self.status,
            by_detector: self.by_detector,
            note: self.note,
        }
    }
}

/// What a detector found: a span of a text in a category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Character offsets, end exclusive.
    pub start: usize,
    pub end: usize,
    pub category: Category,
    pub text: String,
}

/// Why a flag request was refused; nothing changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum FlagProblem {
    #[error("the selected text is not in the original (select within one paragraph)")]
    SpanNotFound,
    #[error("select or type the text to flag")]
    EmptySpan,
    #[error("a span is flagged with a span category, a whole text with a concern")]
    WrongKind,
    #[error("unsafe advice needs a harm severity")]
    NeedSeverity,
    #[error("\"other\" needs a note")]
    NeedNote,
    #[error("only open or confirmed spans can be redacted")]
    NotRedactable,
    #[error("choose at least one flag")]
    NothingChosen,
    #[error("the text is limited to 1 MB")]
    TooLong,
    #[error("the count changed since the preview")]
    CountChanged,
    #[error("this category never gates exports")]
    NeverGates,
    #[error("the text changed meanwhile: look at it again")]
    TextChanged,
}
