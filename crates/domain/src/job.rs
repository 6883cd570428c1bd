//! Generation jobs' vocabulary: which items a job covers, what its best answer is paired
//! with, and where it is.
use serde::{Deserialize, Serialize};

crate::named_enum! {
    /// Which items a job covers: items at least one reviewer voted "both bad", items with an
    /// open or confirmed unsafe-advice flag, items with fewer than `k` answers, or all.
    pub enum Selection("selection") { BothBad = "both_bad", Unsafe = "unsafe", FewerThan = "fewer_than", All = "all" }
}

crate::named_enum! {
    /// What the best generated answer is paired with: each original answer (one new item per
    /// original), or the worst of the N (one new item; with N = 1, as best vs original).
    pub enum Pairing("pairing") { BestVsOriginal = "best_vs_original", BestVsWorst = "best_vs_worst" }
}

crate::named_enum! {
    /// Where a job is: waiting for the runner, being run, held by an admin, or ended.
    pub enum JobState("job state") {
        Queued = "queued",
        Running = "running",
        Paused = "paused",
        Cancelled = "cancelled",
        Done = "done",
        Failed = "failed",
    }
}

/// A job's state and progress, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct JobStatus {
    pub id: i64,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "String"))]
    pub state: JobState,
    pub error: Option<String>,
    /// `None`: started from the command line.
    pub created_by: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    pub items: i64,
    pub done: i64,
    pub failed: i64,
    /// New review items made so far.
    pub created: i64,
}
