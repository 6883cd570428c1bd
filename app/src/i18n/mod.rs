//! UI strings: one [`Catalog`] per language, checked by the compiler.
//!
//! Every string the UI shows comes from here. Adding a field to `Catalog` makes each
//! language's catalog fail to compile until it is translated.
use crate::error::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

pub mod admin;
mod audit;
mod browse;
mod en;
mod flag;
mod generate;
pub mod import;
pub mod problem;
mod zh_cn;
pub use admin::AdminText;
pub use audit::AuditText;
pub use browse::BrowseText;
pub use flag::FlagText;
pub use generate::GenerateText;

/// The cookie that remembers a browser's language choice.
pub const LANG_COOKIE: &str = "medpref_lang";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Lang {
    /// Simplified Chinese, the default: medpref's reviewers are Chinese clinicians.
    #[default]
    ZhCn,
    En,
}

impl Lang {
    pub fn tag(self) -> &'static str {
        match self {
            Lang::ZhCn => "zh-CN",
            Lang::En => "en",
        }
    }

    pub fn from_tag(tag: &str) -> Option<Lang> {
        match tag {
            "zh-CN" => Some(Lang::ZhCn),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn catalog(self) -> &'static Catalog {
        match self {
            Lang::ZhCn => &zh_cn::CATALOG,
            Lang::En => &en::CATALOG,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::ZhCn => Lang::En,
            Lang::En => Lang::ZhCn,
        }
    }

    /// Reads the language from a `Cookie` request header value.
    pub fn from_cookie_header(header: &str) -> Lang {
        header
            .split(';')
            .filter_map(|kv| kv.trim().split_once('='))
            .find(|(k, _)| *k == LANG_COOKIE)
            .and_then(|(_, v)| Lang::from_tag(v))
            .unwrap_or_default()
    }
}

/// Every UI string, one field each.
// Serialised only by the tests, to check every string.
#[cfg_attr(test, derive(serde::Serialize))]
pub struct Catalog {
    pub app_title: &'static str,
    pub tagline: &'static str,
    pub switch_language: &'static str,
    pub nav_home: &'static str,
    pub sign_out: &'static str,
    pub signed_in_as: &'static str,
    pub role_admin: &'static str,
    pub role_annotator: &'static str,
    pub role_auditor: &'static str,

    pub login_title: &'static str,
    pub login_username: &'static str,
    pub login_password: &'static str,
    pub login_submit: &'static str,

    pub home_title: &'static str,
    pub home_no_datasets: &'static str,
    pub home_start_review: &'static str,
    pub home_start_correcting: &'static str,
    /// A vote with a better answer (the outcomes chart).
    pub outcome_decisive: &'static str,
    pub home_items: &'static str,
    pub home_my_judgments: &'static str,

    pub compare_question: &'static str,
    pub compare_system: &'static str,
    pub compare_history: &'static str,
    pub compare_answer: &'static str,
    pub compare_chars: &'static str,
    pub vote_a: &'static str,
    pub vote_b: &'static str,
    pub vote_tie: &'static str,
    pub vote_both_bad: &'static str,
    pub compare_keys_hint: &'static str,
    pub compare_all_done: &'static str,
    pub compare_progress: &'static str,
    pub loading: &'static str,
    pub saving: &'static str,

    pub err_unauthenticated: &'static str,
    pub err_forbidden: &'static str,
    pub err_invalid_credentials: &'static str,
    pub err_too_many_attempts: &'static str,
    pub err_busy: &'static str,
    pub err_disk_full: &'static str,
    pub err_not_found: &'static str,
    pub err_invalid: &'static str,
    pub err_import: &'static str,
    pub err_audit_blind: &'static str,
    /// "line" / "行", before a line number.
    pub line_word: &'static str,
    pub err_already_submitted: &'static str,
    pub err_lease_lost: &'static str,
    pub err_internal: &'static str,
    pub err_request: &'static str,
    pub err_judgment: &'static str,

    pub strength_label: &'static str,
    pub strength_slight: &'static str,
    pub strength_clear: &'static str,
    pub strength_strong: &'static str,
    pub axis_correctness: &'static str,
    pub axis_safety: &'static str,
    pub axis_completeness: &'static str,
    pub axis_empathy: &'static str,
    pub axis_caution: &'static str,
    pub axis_fluency: &'static str,
    pub ratings_title: &'static str,
    pub rationale_label: &'static str,
    pub rationale_required: &'static str,
    pub rationale_placeholder: &'static str,
    pub submit: &'static str,
    pub skip: &'static str,
    pub skip_title: &'static str,
    pub skip_not_my_specialty: &'static str,
    pub skip_cant_judge: &'static str,
    pub skip_broken_item: &'static str,
    pub rank_title: &'static str,
    pub rank_of: &'static str,
    pub rank_order: &'static str,
    pub guidelines: &'static str,
    pub no_guidelines: &'static str,
    pub keys_title: &'static str,
    pub history_title: &'static str,
    pub history_empty: &'static str,
    pub history_link: &'static str,
    pub edit: &'static str,
    pub edit_title: &'static str,
    pub saved: &'static str,
    pub back_to_review: &'static str,
    pub department: &'static str,
    pub ranking_summary: &'static str,
    pub close: &'static str,
    pub problem_no_vote: &'static str,
    pub problem_rank_instead: &'static str,
    pub problem_vote_instead: &'static str,
    pub problem_need_strength: &'static str,
    pub problem_no_strength_for_tie: &'static str,
    pub problem_rank_all: &'static str,
    pub problem_rank_out_of_range: &'static str,
    pub problem_no_such_answer: &'static str,
    pub problem_axis_not_used: &'static str,
    pub problem_rating_out_of_range: &'static str,
    pub problem_rated_twice: &'static str,
    pub problem_rating_missing: &'static str,
    pub problem_need_rationale: &'static str,
    pub problem_rationale_too_long: &'static str,
    /// (keys, what they do) for the help overlay.
    pub keys: &'static [(&'static str, &'static str)],
    pub correct_accept: &'static str,
    pub correct_edit: &'static str,
    pub correct_reject: &'static str,
    pub correct_original: &'static str,
    pub correct_corrected: &'static str,
    pub correct_question_edit: &'static str,
    pub correct_preview: &'static str,
    pub correct_diff: &'static str,
    pub correct_changes: &'static str,
    pub correct_reasons: &'static str,
    pub correct_note: &'static str,
    pub correct_task: &'static str,
    pub correct_choices: &'static str,
    pub correct_no_match: &'static str,
    pub correct_keys_hint: &'static str,
    pub correct_history_title: &'static str,
    pub correct_all_done: &'static str,
    pub reason_factual_error: &'static str,
    pub reason_dosage_or_unit: &'static str,
    pub reason_unsafe_advice: &'static str,
    pub reason_outdated_guidance: &'static str,
    pub reason_incomplete: &'static str,
    pub reason_hallucinated_reference: &'static str,
    pub reason_language_style: &'static str,
    pub adjudicate_title: &'static str,
    pub adjudicate_link: &'static str,
    pub adjudicate_none: &'static str,
    pub adjudicate_use: &'static str,
    pub adjudicate_own: &'static str,
    pub adjudicate_save: &'static str,
    pub problem_no_decision: &'static str,
    pub problem_accept_with_reasons: &'static str,
    pub problem_need_reason: &'static str,
    pub problem_empty_answer: &'static str,
    pub problem_unchanged: &'static str,
    pub problem_not_a_choice: &'static str,
    pub problem_too_long: &'static str,
    pub err_correction: &'static str,
    pub correct_keys: &'static [(&'static str, &'static str)],
    pub flag: &'static FlagText,
    pub admin: &'static AdminText,
    pub browse: &'static BrowseText,
    /// Says an import problem in this language.
    #[cfg_attr(test, serde(skip))] // checked by `i18n::import`'s own tests
    pub import_problem: import::SayProblem,
    /// Says why a request was refused in this language.
    #[cfg_attr(test, serde(skip))] // checked by `i18n::problem`'s own tests
    pub problem: problem::SayProblem,
    pub generate: &'static GenerateText,
    pub audit: &'static AuditText,
}

impl Catalog {
    pub fn role(&self, role: crate::domain::Role) -> &'static str {
        use crate::domain::Role::*;
        match role {
            Admin => self.role_admin,
            Annotator => self.role_annotator,
            Auditor => self.role_auditor,
        }
    }

    pub fn vote(&self, vote: crate::domain::Vote) -> &'static str {
        use crate::domain::Vote::*;
        match vote {
            A => self.vote_a,
            B => self.vote_b,
            Tie => self.vote_tie,
            BothBad => self.vote_both_bad,
        }
    }

    pub fn strength(&self, s: crate::domain::judgment::Strength) -> &'static str {
        use crate::domain::judgment::Strength::*;
        match s {
            Slight => self.strength_slight,
            Clear => self.strength_clear,
            Strong => self.strength_strong,
        }
    }

    pub fn axis(&self, a: crate::domain::judgment::Axis) -> &'static str {
        use crate::domain::judgment::Axis::*;
        match a {
            Correctness => self.axis_correctness,
            Safety => self.axis_safety,
            Completeness => self.axis_completeness,
            Empathy => self.axis_empathy,
            Caution => self.axis_caution,
            Fluency => self.axis_fluency,
        }
    }

    pub fn skip_reason(&self, r: crate::domain::judgment::SkipReason) -> &'static str {
        use crate::domain::judgment::SkipReason::*;
        match r {
            NotMySpecialty => self.skip_not_my_specialty,
            CantJudge => self.skip_cant_judge,
            BrokenItem => self.skip_broken_item,
        }
    }

    /// A judgment problem in this language.
    pub fn problem(&self, p: &crate::domain::judgment::Problem) -> String {
        use crate::domain::judgment::Problem::*;
        let fill = |template: &str, n: usize, axis: Option<crate::domain::judgment::Axis>| {
            template.replace("{n}", &n.to_string()).replace("{axis}", axis.map(|a| self.axis(a)).unwrap_or_default())
        };
        match p {
            NoVote => self.problem_no_vote.into(),
            RankInstead(n) => fill(self.problem_rank_instead, *n, None),
            VoteInstead => self.problem_vote_instead.into(),
            NeedStrength => self.problem_need_strength.into(),
            NoStrengthForTie => self.problem_no_strength_for_tie.into(),
            RankAll(n) => fill(self.problem_rank_all, *n, None),
            RankOutOfRange(r) => fill(self.problem_rank_out_of_range, *r as usize, None),
            NoSuchAnswer(n) => fill(self.problem_no_such_answer, *n, None),
            AxisNotUsed(a) => fill(self.problem_axis_not_used, 0, Some(*a)),
            RatingOutOfRange => self.problem_rating_out_of_range.into(),
            RatedTwice(n, a) => fill(self.problem_rated_twice, *n, Some(*a)),
            RatingMissing(n, a) => fill(self.problem_rating_missing, *n, Some(*a)),
            NeedRationale => self.problem_need_rationale.into(),
            RationaleTooLong => self.problem_rationale_too_long.into(),
        }
    }

    pub fn reason(&self, r: crate::domain::correction::Reason) -> &'static str {
        use crate::domain::correction::Reason::*;
        match r {
            FactualError => self.reason_factual_error,
            DosageOrUnit => self.reason_dosage_or_unit,
            UnsafeAdvice => self.reason_unsafe_advice,
            OutdatedGuidance => self.reason_outdated_guidance,
            Incomplete => self.reason_incomplete,
            HallucinatedReference => self.reason_hallucinated_reference,
            LanguageStyle => self.reason_language_style,
        }
    }

    /// A bar of the outcomes chart: a vote's outcome and strength (`decisive/clear`) or a
    /// correction's decision (`edit`), in words; an unknown code stays as it is.
    pub fn outcome_label(&self, code: &str) -> String {
        use crate::domain::Outcome;
        let (outcome, strength) = code.split_once('/').unwrap_or((code, ""));
        let name = match (outcome.parse::<Outcome>(), code.parse::<crate::domain::correction::Verdict>()) {
            (Ok(Outcome::Decisive), _) => self.outcome_decisive,
            (Ok(Outcome::Tie), _) => self.vote_tie,
            (Ok(Outcome::BothBad), _) => self.vote_both_bad,
            (Err(_), Ok(v)) => self.verdict(v),
            (Err(_), Err(_)) => return code.to_string(),
        };
        match strength.parse::<crate::domain::judgment::Strength>() {
            Ok(s) => format!("{name}（{}）", self.strength(s)),
            Err(_) => name.to_string(),
        }
    }

    /// An audit verdict (what a reviewer or the majority picked) in words.
    pub fn audit_verdict(&self, v: &crate::audit::verdict::Verdict) -> String {
        use crate::audit::verdict::Verdict::*;
        use crate::domain::correction::Verdict as Correction;
        match v {
            Better(p) => format!("{} {p}", self.compare_answer),
            Tie => self.vote_tie.into(),
            BothBad => self.vote_both_bad.into(),
            Accept => self.verdict(Correction::Accept).into(),
            Edit => self.verdict(Correction::Edit).into(),
            Reject => self.verdict(Correction::Reject).into(),
        }
    }

    pub fn verdict(&self, v: crate::domain::correction::Verdict) -> &'static str {
        use crate::domain::correction::Verdict::*;
        match v {
            Accept => self.correct_accept,
            Edit => self.correct_edit,
            Reject => self.correct_reject,
        }
    }

    pub fn correction_problem(&self, p: &crate::domain::correction::CorrectionProblem) -> &'static str {
        use crate::domain::correction::CorrectionProblem::*;
        match p {
            NoDecision => self.problem_no_decision,
            AcceptWithReasons => self.problem_accept_with_reasons,
            NeedReason => self.problem_need_reason,
            EmptyAnswer => self.problem_empty_answer,
            Unchanged => self.problem_unchanged,
            NotAChoice => self.problem_not_a_choice,
            TooLong => self.problem_too_long,
        }
    }

    /// A user-facing sentence for an error; details only where they are ours to show.
    pub fn error(&self, e: &AppError) -> String {
        match e {
            AppError::Unauthenticated => self.err_unauthenticated.into(),
            AppError::Forbidden => self.err_forbidden.into(),
            AppError::InvalidCredentials => self.err_invalid_credentials.into(),
            AppError::TooManyAttempts => self.err_too_many_attempts.into(),
            AppError::Busy => self.err_busy.into(),
            AppError::NotFound => self.err_not_found.into(),
            AppError::Invalid(refused) => format!("{}: {}", self.err_invalid, (self.problem)(&refused.0)),
            AppError::Import(ie) => {
                let at = |line: Option<usize>| line.map(|l| format!("{} {l}: ", self.line_word)).unwrap_or_default();
                let mut text = format!("{}: {}{}", self.err_import, at(ie.line), (self.import_problem)(&ie.problem));
                for (line, p) in &ie.more {
                    text.push_str(&format!("\n{}{}", at(Some(*line)), (self.import_problem)(p)));
                }
                text
            }
            AppError::AlreadySubmitted => self.err_already_submitted.into(),
            AppError::LeaseLost => self.err_lease_lost.into(),
            AppError::Judgment(p) => format!("{} {}", self.err_judgment, self.problem(p)),
            AppError::Correction(p) => format!("{} {}", self.err_correction, self.correction_problem(p)),
            AppError::Flag(p) => self.flag.problem(*p).into(),
            AppError::ItemAction(p) => self.browse.problem(*p),
            AppError::AuditBlind => self.err_audit_blind.into(),
            AppError::DiskFull => self.err_disk_full.into(),
            AppError::Internal => self.err_internal.into(),
            AppError::Request(_) => self.err_request.into(),
        }
    }
}

/// The language in force for this page, shared through context.
#[derive(Clone, Copy)]
pub struct I18n(pub RwSignal<Lang>);

impl I18n {
    pub fn lang(&self) -> Lang {
        self.0.get()
    }
    /// The catalog of the current language; reading it inside a closure makes the view reactive.
    pub fn t(&self) -> &'static Catalog {
        self.0.get().catalog()
    }
}

pub fn use_i18n() -> I18n {
    use_context::<I18n>().unwrap_or_else(|| I18n(RwSignal::new(Lang::default())))
}

/// Stores the language choice in a cookie (public: no sign-in needed to choose a language).
#[server(prefix = "/api", endpoint = "set_language")]
pub async fn set_language(lang: Lang) -> Result<(), AppError> {
    let cookie = format!("{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax", lang.tag());
    let opts = use_context::<leptos_axum::ResponseOptions>().ok_or(AppError::Internal)?;
    let value = http::HeaderValue::from_str(&cookie).map_err(|e| crate::error::internal("cookie", e))?;
    opts.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_header_picks_language_and_defaults_to_chinese() {
        assert_eq!(Lang::from_cookie_header("a=b; medpref_lang=en"), Lang::En);
        assert_eq!(Lang::from_cookie_header("medpref_lang=zh-CN"), Lang::ZhCn);
        assert_eq!(Lang::from_cookie_header("medpref_lang=fr"), Lang::ZhCn);
        assert_eq!(Lang::from_cookie_header(""), Lang::ZhCn);
    }

    #[test]
    fn catalogs_have_no_empty_strings() {
        // Catches a half-done translation that compiles but shows nothing: every string of
        // every catalog, nested ones and lists included.
        fn walk(path: &str, v: &serde_json::Value, empty: &mut Vec<String>, count: &mut usize) {
            match v {
                serde_json::Value::String(s) => {
                    *count += 1;
                    if s.trim().is_empty() {
                        empty.push(path.to_string());
                    }
                }
                serde_json::Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        walk(&format!("{path}[{i}]"), x, empty, count);
                    }
                }
                serde_json::Value::Object(o) => {
                    for (k, x) in o {
                        walk(&format!("{path}.{k}"), x, empty, count);
                    }
                }
                _ => {}
            }
        }
        for lang in [Lang::ZhCn, Lang::En] {
            let catalog = serde_json::to_value(lang.catalog()).unwrap();
            let (mut empty, mut count) = (Vec::new(), 0);
            walk("catalog", &catalog, &mut empty, &mut count);
            assert!(empty.is_empty(), "{lang:?}: empty strings at {empty:?}");
            assert!(count > 400, "{lang:?}: only {count} strings walked");
        }
    }
}
