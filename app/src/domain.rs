//! Typed domain values shared by the server and the browser.
//!
//! Constructors validate, so a value of these types is always acceptable to the store.
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What an account may do. Stored as its lowercase name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Annotator,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Annotator, Role::Auditor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Annotator => "annotator",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role `{s}` (expected admin, annotator or auditor)"))
    }
}

/// A pairwise vote as the reviewer saw it: `A` is the answer shown on the left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    A,
    B,
    Tie,
    BothBad,
}

impl Vote {
    pub const ALL: [Vote; 4] = [Vote::A, Vote::B, Vote::Tie, Vote::BothBad];

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
        Vote::ALL.into_iter().find(|v| v.keys().contains(&key.as_str()))
    }
}

/// The outcome of a judgment, in terms of candidates rather than screen sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Decisive,
    Tie,
    BothBad,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Decisive => "decisive",
            Outcome::Tie => "tie",
            Outcome::BothBad => "both_bad",
        }
    }

    pub fn parse(s: &str) -> Option<Outcome> {
        [Outcome::Decisive, Outcome::Tie, Outcome::BothBad].into_iter().find(|o| o.as_str() == s)
    }
}

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { self.0.fmt(f) }
        }
    )*};
}
id_type!(UserId, DatasetId, ItemId, CandidateId, AssignmentId);

/// Validates a name made of letters, digits (any script) and `-_.`.
fn check_name(kind: &str, s: &str, max: usize) -> Result<(), String> {
    let n = s.chars().count();
    if n == 0 || n > max {
        return Err(format!("{kind} must be 1 to {max} characters"));
    }
    if let Some(c) = s.chars().find(|c| !(c.is_alphanumeric() || "-_.".contains(*c))) {
        return Err(format!("{kind} may contain letters, digits, `-`, `_` and `.`, not `{c}`"));
    }
    if s.starts_with('.') {
        return Err(format!("{kind} must not start with `.`"));
    }
    Ok(())
}

macro_rules! name_type {
    ($name:ident, $kind:literal, $max:literal) => {
        #[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);
        impl $name {
            pub fn parse(s: impl Into<String>) -> Result<Self, String> {
                let s = s.into();
                check_name($kind, &s, $max)?;
                Ok(Self(s))
            }
            pub fn as_str(&self) -> &str { &self.0 }
        }
        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(s: String) -> Result<Self, String> { Self::parse(s) }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String { v.0 }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
        impl FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> { Self::parse(s) }
        }
    };
}
name_type!(Username, "a username", 64);
name_type!(DatasetName, "a dataset name", 100);

/// A new password; only its length is policy (NIST 800-63B: length over composition).
#[derive(Clone)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 256;

    pub fn parse(s: impl Into<String>) -> Result<Self, String> {
        let s = s.into();
        let n = s.chars().count();
        if n < Self::MIN_CHARS || n > Self::MAX_CHARS {
            return Err(format!(
                "a password must be {} to {} characters",
                Self::MIN_CHARS,
                Self::MAX_CHARS
            ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_and_reject_unknown() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        assert!("root".parse::<Role>().is_err());
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
        for v in Vote::ALL {
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
