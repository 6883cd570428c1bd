//! Why a request was refused, as a typed value: the server decides *what* is wrong, each
//! language's catalog says it (`i18n::problem`), so the Chinese UI never shows an English
//! sentence built on the server. `Display` is the English wording, for the CLI, the logs and
//! the `message` beside the code in API answers.
use serde::{Deserialize, Serialize};

/// Which kind of name broke the naming rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NameKind {
    Username,
    DatasetName,
}

impl NameKind {
    fn english(self) -> &'static str {
        match self {
            NameKind::Username => "a username",
            NameKind::DatasetName => "a dataset name",
        }
    }
}

impl std::fmt::Display for NameKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.english())
    }
}

/// A refused request's reason. Values quoted back (names, addresses) are the caller's own input.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    // Names and passwords.
    #[error("{kind} must be 1 to {max} characters")]
    NameLength { kind: NameKind, max: u32 },
    #[error("{kind} may contain letters, digits, `-`, `_` and `.`, not `{found}`")]
    NameCharacter { kind: NameKind, found: String },
    #[error("{kind} must not start with `.`")]
    NameLeadingDot { kind: NameKind },
    #[error("a password must be {min} to {max} characters")]
    PasswordLength { min: u32, max: u32 },
    #[error("the username `{name}` is taken")]
    UsernameTaken { name: String },
    #[error("the specialty `{specialty}` is longer than {max} characters")]
    SpecialtyTooLong { specialty: String, max: u32 },
    #[error("the last enabled admin cannot be disabled or given another role")]
    LastAdmin,

    // A dataset's set-up.
    #[error("a dataset named `{name}` exists already")]
    DatasetExists { name: String },
    #[error("the overlap target must be 1 to {max}, not {found}")]
    OverlapTarget { max: i64, found: i64 },
    #[error("the lease must be 1 minute to 24 hours, not {seconds} seconds")]
    LeaseLength { seconds: i64 },
    #[error("the department name is longer than {max} characters")]
    DepartmentTooLong { max: u32 },
    #[error("a prompt template must be `chatml`, `chimed`, or a text containing {{question}}")]
    PromptTemplate,
    #[error("the gold rate must be between 0 and 0.5")]
    GoldRate,
    #[error("the axis `{axis}` is listed twice")]
    AxisTwice { axis: String },
    #[error("`{name}` is not a model name (one directory or endpoint name, no path)")]
    NotAModelName { name: String },
    #[error("temperature must be between 0 and 5")]
    Temperature,
    #[error("top_p must be above 0 and at most 1")]
    TopP,
    #[error("max_new_tokens must be between 1 and 4096")]
    MaxNewTokens,
    /// A dataset's regeneration defaults break a rule.
    #[error("regeneration: {problem}")]
    Regeneration { problem: Box<Problem> },

    // Models, endpoints, generation.
    #[error("an endpoint name is 1 to 64 letters, digits, `.`, `_` or `-`")]
    EndpointName,
    #[error("name the model the endpoint serves (1 to 200 characters)")]
    EndpointModel,
    #[error("the timeout must be 1 to 3600 seconds")]
    EndpointTimeout,
    #[error("retries must be 0 to 10")]
    EndpointRetries,
    #[error("`{name}` is the name of a local model")]
    LocalModelName { name: String },
    #[error("the address changed from `{old}`: enter the key again for the new address")]
    KeyForNewAddress { old: String },
    #[error("`{url}` is not an address")]
    NotAnAddress { url: String },
    #[error("the address must start with http:// or https:// and name a host")]
    AddressScheme,
    #[error("put the key in the key field, not in the address")]
    AddressCredentials,
    #[error("the address may not have a `#` part")]
    AddressFragment,
    #[error("`{host}` is a link-local or metadata address, never a model server")]
    AddressNeverAllowed { host: String },
    #[error("`{host}` is not among the hosts this server allows for endpoints (MEDPREF_ENDPOINT_HOSTS)")]
    AddressNotAllowed { host: String },
    #[error("this dataset has no model to regenerate answers with")]
    NoModel,
    #[error("this dataset's model `{name}` is not installed on the server")]
    ModelNotInstalled { name: String },
    #[error("a score-only job needs the dataset's reward model")]
    NoRewardModel,
    #[error("N must be 1 to {max}")]
    JobN { max: u32 },
    #[error("k must be 1 to {max}")]
    JobK { max: u32 },
    #[error("no item of this dataset matches the selection")]
    SelectionEmpty,
    #[error("the job is {state}")]
    JobState { state: crate::job::JobState },
    #[error("this answer was added already")]
    AnswerExists,

    // Exports.
    #[error("min_agreement must be between 0 and 1, not {found}")]
    MinAgreement { found: String },
    #[error("min_judgments must be 1 to 50, not {found}")]
    MinJudgments { found: i64 },
    #[error("{field} must be a number from 0 to 100, not {found}")]
    Margin { field: String, found: String },
    #[error("{field} must be a day as YYYY-MM-DD, not `{found}`")]
    Day { field: String, found: String },
    #[error("from ({from}) is after to ({to})")]
    DaysReversed { from: String, to: String },
    #[error("unknown export option `{option}`")]
    UnknownExportOption { option: String },

    // Audits, browsing, flags.
    #[error("a sample holds 1 to {max} items")]
    SampleSize { max: u32 },
    #[error("no item of this dataset has been decided yet")]
    NothingDecided,
    #[error("this decision does not fit the dataset's kind")]
    DecisionKind,
    #[error("the search text is limited to {max} characters")]
    QueryTooLong { max: u32 },
    #[error("unknown item state `{value}`")]
    UnknownItemState { value: String },
    #[error("unknown flag filter `{value}`")]
    UnknownFlagFilter { value: String },
    #[error("unknown flag kind `{kind}`")]
    UnknownFlagKind { kind: String },

    // Texts, files and requests.
    #[error("the text is limited to {max_mb} MB")]
    TextTooLong { max_mb: u32 },
    #[error("the file is {mb} MB, larger than the upload limit of {limit_mb} MB")]
    FileTooLarge { mb: u64, limit_mb: u64 },
    #[error("the file is larger than the upload limit of {limit_mb} MB")]
    UploadTooLarge { limit_mb: u64 },
    #[error("the upload broke off")]
    UploadBrokeOff,
    #[error("the request body is larger than {limit_mib} MiB")]
    BodyTooLarge { limit_mib: u64 },
    #[error("`{part}` is not `part=field`")]
    MappingPart { part: String },
    #[error("unknown part `{part}` (known: question, answer, system, department)")]
    MappingUnknownPart { part: String },
    /// `question` or `answer`: the two parts a mapping cannot do without.
    #[error("the mapping needs `{part}=FIELD`")]
    MappingNeeds { part: String },
    /// The query string or form did not decode (a hand-made API call; the browser never sends one).
    #[error("{detail}")]
    BadRequest { detail: String },
}
