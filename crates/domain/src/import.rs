//! The import vocabulary: the file formats medpref reads, what an import does with bad
//! lines, the limits on a record, and why a file was rejected (typed problems with their
//! place). The server's English text (`Display`, for the command line, logs and reject files)
//! and each language's own sentence (the app's `i18n::import`) come from the same value, so
//! the Chinese UI never shows English.
use crate::DatasetKind;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The largest text field accepted: far above any real answer, small enough that one
/// runaway record cannot fill the store.
pub const MAX_FIELD_BYTES: usize = 1 << 20;
/// How many answers a `candidates` item takes.
pub const MIN_ANSWERS: usize = 2;
pub const MAX_ANSWERS: usize = 8;

crate::named_enum! {
    /// The file formats medpref reads (see the README).
    pub enum ImportFormat("import format") {
        /// CMD(Reward) / MedicalGPT preference pairs, in all three of its published shapes.
        CmdReward = "cmd-reward",
        /// Items with 2 to 8 answers: `{"question", "answers": [...]}`; more than two are ranked.
        Candidates = "candidates",
        /// QA pairs to correct, ShareGPT `conversations`.
        Sharegpt = "sharegpt",
        /// QA pairs to correct, alpaca `instruction` / `input` / `output`.
        Alpaca = "alpaca",
        /// QA pairs to correct, ChatMed `query` / `response`.
        Chatmed = "chatmed",
        /// QA pairs to correct, PromptCBLUE `input` / `target` / `answer_choices`.
        Promptcblue = "promptcblue",
        /// QA pairs to correct from any JSON Lines, with a field mapping.
        Jsonl = "jsonl",
    }
}

crate::named_enum! {
    /// What an import does with bad lines.
    pub enum OnError("on-error choice") {
        /// Refuse the whole file (the default): fix the lines and import again.
        Reject = "reject",
        /// Import every valid record; keep the bad ones, with line and reason, in a reject file.
        Quarantine = "quarantine",
    }
}

#[allow(clippy::derivable_impls)] // `named_enum!` writes the enum, so `#[default]` cannot go on it
impl Default for OnError {
    fn default() -> Self {
        OnError::Reject
    }
}

impl ImportFormat {
    /// The kind of dataset this format's records belong in.
    pub fn dataset_kind(self) -> DatasetKind {
        match self {
            ImportFormat::CmdReward | ImportFormat::Candidates => DatasetKind::Compare,
            _ => DatasetKind::Correct,
        }
    }
}

/// Why a file was rejected: where, and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(into = "ImportErrorWire", from = "ImportErrorWire")]
pub struct ImportError {
    pub source: String,
    /// 1-based; `None` when the problem is the file as a whole.
    pub line: Option<usize>,
    pub problem: Problem,
    /// Further bad lines (up to [`MORE_ERRORS`]), so that one round of fixes covers them.
    pub more: Vec<(usize, Problem)>,
    /// Bad lines beyond those reported.
    pub omitted: usize,
}

/// How many bad lines beyond the first an import reports.
pub const MORE_ERRORS: usize = 19;

impl ImportError {
    /// A problem with the file as a whole.
    pub fn of_file(source: &str, problem: Problem) -> ImportError {
        ImportError { source: source.into(), line: None, problem, more: vec![], omitted: 0 }
    }
}

/// An import error as the API sends it: each problem typed (the UI says it in its language)
/// and as the server's English text (`message`, `more`), for scripts and the command line.
#[derive(Serialize, Deserialize)]
struct ImportErrorWire {
    source: String,
    line: Option<usize>,
    message: String,
    problem: Problem,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    more: Vec<(usize, String)>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    more_problems: Vec<Problem>,
    #[serde(default)]
    omitted: usize,
}

impl From<ImportError> for ImportErrorWire {
    fn from(e: ImportError) -> Self {
        ImportErrorWire {
            message: e.problem.to_string(),
            more: e.more.iter().map(|(l, p)| (*l, p.to_string())).collect(),
            more_problems: e.more.into_iter().map(|(_, p)| p).collect(),
            source: e.source,
            line: e.line,
            problem: e.problem,
            omitted: e.omitted,
        }
    }
}

impl From<ImportErrorWire> for ImportError {
    fn from(w: ImportErrorWire) -> Self {
        let more = w.more.iter().map(|(l, _)| *l).zip(w.more_problems).collect();
        ImportError { source: w.source, line: w.line, problem: w.problem, more, omitted: w.omitted }
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.source, line, self.problem)?,
            None => write!(f, "{}: {}", self.source, self.problem)?,
        }
        for (line, problem) in &self.more {
            write!(f, "\n{}:{}: {}", self.source, line, problem)?;
        }
        if self.omitted > 0 {
            write!(f, "\n{}: {} more bad lines", self.source, self.omitted)?;
        }
        Ok(())
    }
}

/// The JSON type a field had.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonKind {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

impl JsonKind {
    pub fn of(v: &serde_json::Value) -> JsonKind {
        use serde_json::Value as V;
        match v {
            V::Null => JsonKind::Null,
            V::Bool(_) => JsonKind::Boolean,
            V::Number(_) => JsonKind::Number,
            V::String(_) => JsonKind::String,
            V::Array(_) => JsonKind::Array,
            V::Object(_) => JsonKind::Object,
        }
    }
}

impl std::fmt::Display for JsonKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JsonKind::Null => "null",
            JsonKind::Boolean => "a boolean",
            JsonKind::Number => "a number",
            JsonKind::String => "a string",
            JsonKind::Array => "an array",
            JsonKind::Object => "an object",
        })
    }
}

/// Why a record (or the whole file) cannot be imported. `path` names a field as the file
/// has it: `conversations[2].from`, `answers[0].text`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case", tag = "problem")]
pub enum Problem {
    #[error("not valid UTF-8 (byte {byte})")]
    NotUtf8 { byte: usize },
    #[error("the file has no records")]
    NoRecords,
    /// `detail` is the JSON parser's own (English) text; `column` where it stopped.
    #[error("invalid JSON: {detail}")]
    InvalidJson { detail: String, column: usize },
    #[error("expected a JSON object, found {found}")]
    NotAnObject { found: JsonKind },
    #[error("missing field `{path}`")]
    MissingField { path: String },
    #[error("`{path}` is missing")]
    Missing { path: String },
    #[error("field `{path}` must be a string, found {found}")]
    NotAString { path: String, found: JsonKind },
    #[error("field `{path}` must be an array, found {found}")]
    NotAnArray { path: String, found: JsonKind },
    #[error("field `{path}` must be an array or null, found {found}")]
    NotArrayOrNull { path: String, found: JsonKind },
    #[error("`{path}` must be an object")]
    NotATurnObject { path: String },
    #[error("field `{path}` is empty")]
    EmptyField { path: String },
    #[error("field `{path}` is {:.1} MB; the limit is {} MB", *bytes as f64 / 1e6, MAX_FIELD_BYTES >> 20)]
    TooLarge { path: String, bytes: usize },
    #[error("field `history` must be an array of [question, answer] pairs")]
    HistoryNotPairs,
    #[error("`history[{index}]` must be a [question, answer] pair")]
    HistoryTurn { index: usize },
    #[error("`{path}` is a system turn; only the first turn may be one")]
    LateSystemTurn { path: String },
    #[error("`{path}` is `{speaker}`; expected `{expected}` (turns must alternate)")]
    TurnOutOfOrder { path: String, speaker: String, expected: String },
    #[error(
        "`{path}` is `{speaker}`: medpref reads system, human/user and gpt/assistant turns; tool and function-call turns are not supported yet"
    )]
    UnsupportedTurn { path: String, speaker: String },
    #[error("`system` and the conversation's system turn differ; give the system prompt once")]
    SystemTwice,
    #[error("`{field}` must end with the human turn to be answered")]
    MustEndWithQuestion { field: String },
    #[error("`{field}` must end with the answer (a `gpt` turn) after at least one question")]
    MustEndWithAnswer { field: String },
    #[error("field `{field}` holds {turns} turns; an answer is one assistant turn")]
    AnswerTurns { field: String, turns: usize },
    #[error("`{path}` is `{speaker}`; an answer is a `gpt`/`assistant` turn")]
    NotAnAnswerTurn { path: String, speaker: String },
    #[error("`answers` has {count} entries; an item takes {MIN_ANSWERS} to {MAX_ANSWERS}")]
    AnswerCount { count: usize },
    #[error("`target` is empty: a record without a model answer has nothing to correct")]
    EmptyTarget,
    #[error("the jsonl format needs a field mapping")]
    NeedsMapping,
    #[error("`{dataset}` is a {existing} dataset; {format} records need a {} dataset", format.dataset_kind())]
    WrongKind { dataset: String, existing: DatasetKind, format: ImportFormat },
    #[error("none of the file's {quarantined} records is valid; nothing to import")]
    NothingValid { quarantined: usize },
    /// The file is one JSON array (pretty-printed or not), not one record per line.
    #[error("the file is a JSON array, not JSON Lines: write one record per line (e.g. `jq -c '.[]' FILE`)")]
    JsonArray,
    /// Two answers of the record are the same text: there is nothing to compare.
    #[error("answers {first} and {second} are the same text; a comparison needs different answers")]
    SameAnswers { first: usize, second: usize },
}

impl Problem {
    pub fn invalid_json(e: &serde_json::Error) -> Problem {
        Problem::InvalidJson { detail: e.to_string(), column: e.column() }
    }
}
