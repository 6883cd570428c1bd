//! Typed domain values shared by the server and the browser.
//!
//! Constructors validate, so a value of these types is always acceptable to the store.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

pub mod audit;
pub mod correction;
pub mod decoding;
pub mod endpoint;
pub mod flag;
pub mod import;
pub mod item;
pub mod job;
pub mod judgment;
pub mod problem;
pub mod prompt;
pub use problem::{NameKind, Problem};

/// Identifies an item by its content, so the same item imported twice is stored once.
#[cfg(feature = "ssr")]
pub fn hash_content(system: &Option<String>, history: &[(String, String)], question: &str, answers: &[&str]) -> String {
    let canonical = serde_json::json!([system, history, question, answers]);
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
}

/// A calendar day as medpref writes it everywhere: `YYYY-MM-DD`.
pub const DAY: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// Defines an enum whose variants have fixed wire names: the same string in JSON, SQL, the
/// CLI and the API. `ALL`, `as_str`, `Display`, `FromStr` (with a helpful error) and
/// `TryFrom<String>` come with it.
#[macro_export]
macro_rules! named_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident ($what:literal) {
        $($(#[$vmeta:meta])* $variant:ident = $s:literal),+ $(,)?
    }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        $vis enum $name { $($(#[$vmeta])* #[serde(rename = $s)] $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
        /// For reading a column straight into the enum (`#[sqlx(try_from = "String")]`).
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> { s.parse() }
        }
        /// Stored as its wire name, on any engine that stores text.
        #[cfg(feature = "ssr")]
        impl<DB: sqlx::Database> sqlx::Type<DB> for $name where String: sqlx::Type<DB> {
            fn type_info() -> DB::TypeInfo { <String as sqlx::Type<DB>>::type_info() }
            fn compatible(ty: &DB::TypeInfo) -> bool { <String as sqlx::Type<DB>>::compatible(ty) }
        }
        #[cfg(feature = "ssr")]
        impl<'r, DB: sqlx::Database> sqlx::Decode<'r, DB> for $name where String: sqlx::Decode<'r, DB> {
            fn decode(value: <DB as sqlx::Database>::ValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                Ok(<String as sqlx::Decode<'r, DB>>::decode(value)?.parse::<$name>()?)
            }
        }
        #[cfg(feature = "ssr")]
        impl<'q, DB: sqlx::Database> sqlx::Encode<'q, DB> for $name where &'static str: sqlx::Encode<'q, DB> {
            fn encode_by_ref(
                &self,
                buf: &mut <DB as sqlx::Database>::ArgumentBuffer<'q>,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&'static str as sqlx::Encode<'q, DB>>::encode_by_ref(&self.as_str(), buf)
            }
        }
        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    format!("unknown {} `{s}` (known: {})", $what, known.join(", "))
                })
            }
        }
    };
}

named_enum! {
    /// What an account may do.
    pub enum Role("role") { Admin = "admin", Annotator = "annotator", Auditor = "auditor" }
}

named_enum! {
    /// A pairwise vote as the reviewer saw it: `A` is the answer shown on the left.
    pub enum Vote("vote") { A = "a", B = "b", Tie = "tie", BothBad = "both_bad" }
}

impl Vote {
    /// The keys that cast this vote on the compare screen (first one is shown).
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            Vote::A => &["1", "a"],
            Vote::B => &["2", "b"],
            Vote::Tie => &["3", "t"],
            Vote::BothBad => &["4", "x"],
        }
    }

    pub fn from_key(key: &str) -> Option<Vote> {
        let key = key.to_ascii_lowercase();
        Vote::ALL.iter().copied().find(|v| v.keys().contains(&key.as_str()))
    }
}

named_enum! {
    /// The outcome of a judgment, in terms of candidates rather than screen sides.
    pub enum Outcome("outcome") { Decisive = "decisive", Tie = "tie", BothBad = "both_bad" }
}

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[cfg_attr(feature = "ssr", derive(sqlx::Type))]
        #[cfg_attr(feature = "ssr", sqlx(transparent))]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }
    )*};
}
// One per table a caller names rows of; the store binds and reads them as they are.
id_type!(UserId, DatasetId, ItemId, CandidateId, AssignmentId, AuditId, JobId, FlagId, ExportId, ImportId);

/// Validates a name made of letters, digits (any script) and `-_.`.
fn check_name(kind: NameKind, s: &str, max: u32) -> Result<(), Problem> {
    let n = s.chars().count();
    if n == 0 || n > max as usize {
        return Err(Problem::NameLength { kind, max });
    }
    if let Some(c) = s.chars().find(|c| !(c.is_alphanumeric() || "-_.".contains(*c))) {
        return Err(Problem::NameCharacter { kind, found: c.to_string() });
    }
    if s.starts_with('.') {
        return Err(Problem::NameLeadingDot { kind });
    }
    Ok(())
}

macro_rules! name_type {
    ($name:ident, $kind:expr, $max:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);
        impl $name {
            pub fn parse(s: impl Into<String>) -> Result<Self, Problem> {
                let s = s.into();
                check_name($kind, &s, $max)?;
                Ok(Self(s))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl TryFrom<String> for $name {
            type Error = Problem;
            fn try_from(s: String) -> Result<Self, Problem> {
                Self::parse(s)
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $name {
            type Err = Problem;
            fn from_str(s: &str) -> Result<Self, Problem> {
                Self::parse(s)
            }
        }
    };
}
name_type!(Username, NameKind::Username, 64);
name_type!(DatasetName, NameKind::DatasetName, 100);

/// A new password; only its length is policy (NIST 800-63B: length over composition).
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(s: impl Into<String>) -> Result<Self, Problem> {
        let s = s.into();
        let n = s.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&n) {
            return Err(Problem::PasswordLength { min: Self::MIN_CHARS as u32, max: Self::MAX_CHARS as u32 });
        }
        Ok(Self(s))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

/// The signed-in user as the UI sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub username: String,
    pub role: Role,
}

crate::named_enum! {
    /// What a dataset's items are reviewed for.
    pub enum DatasetKind("dataset kind") {
        /// Two or more answers, compared or ranked.
        Compare = "compare",
        /// One answer, accepted, corrected or rejected.
        Correct = "correct",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_reject_unknown() {
        for &r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
            assert_eq!(serde_json::to_string(&r).unwrap(), format!("\"{r}\""));
        }
        assert_eq!("root".parse::<Role>().unwrap_err(), "unknown role `root` (known: admin, annotator, auditor)");
    }

    #[test]
    fn names_accept_chinese_and_reject_paths() {
        assert!(DatasetName::parse("心内科-2026.v1").is_ok());
        assert!(DatasetName::parse("../etc").is_err());
        assert!(DatasetName::parse("a/b").is_err());
        assert!(DatasetName::parse("").is_err());
        assert!(Username::parse("li wei").is_err());
        assert!(Username::parse("x".repeat(65)).is_err());
    }

    #[test]
    fn vote_keys_map_both_ways() {
        for &v in Vote::ALL {
            for k in v.keys() {
                assert_eq!(Vote::from_key(k), Some(v));
                assert_eq!(Vote::from_key(&k.to_uppercase()), Some(v));
            }
        }
        assert_eq!(Vote::from_key("q"), None);
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(NewPassword::parse("short").is_err());
        assert!(NewPassword::parse("long enough pass").is_ok());
    }
}

named_enum! {
    /// What a stored score of an answer means (`candidates.score_kind`): a reward model's
    /// score, or the generator's mean token log-probability when there is no reward model.
    pub enum ScoreKind("score kind") { RewardModel = "reward_model", MeanLogprob = "mean_logprob" }
}
