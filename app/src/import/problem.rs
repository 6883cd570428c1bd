//! What is wrong with a record or a file, as a typed value: the server's English text
//! (`Display`, for the command line, logs and reject files) and each language's own sentence
//! (`i18n::import`) come from the same value, so the Chinese UI never shows English.
use super::{DatasetKind, ImportFormat, MAX_ANSWERS, MAX_FIELD_BYTES, MIN_ANSWERS};
use serde::{Deserialize, Serialize};

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
