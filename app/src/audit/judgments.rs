//! Every judgment of a dataset as raw data for researchers (`POST /api/judgments_export`,
//! `medpref judgments`): one record per judgment, answers by their position in the imported
//! file, the vote or ranking, strength, per-axis ratings, rationale, time on task, created
//! and last edited. Reviewers are pseudonymised by default (`R1`, `R2`, … numbered by account
//! age among the dataset's reviewers: stable from one export to the next, not reversible
//! without the database); `names=usernames` writes the accounts' names instead.
use serde::{Deserialize, Serialize};

pub const PATH: &str = "/api/judgments_export";

crate::named_enum! {
    /// The file written.
    pub enum JudgmentsFormat("judgments format") { Jsonl = "jsonl", Csv = "csv" }
}

crate::named_enum! {
    /// How reviewers are named in the file.
    pub enum ReviewerNames("reviewer names") { Pseudonymous = "pseudonymous", Usernames = "usernames" }
}

/// A rating of one answer on one axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AxisRating {
    pub answer: i64,
    pub axis: String,
    pub value: i64,
}

/// One judgment, in source terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RawJudgment {
    pub item: i64,
    /// The item's line in its import file.
    pub source_line: Option<i64>,
    pub reviewer: String,
    /// Answer positions (1-based, as in the file) in the order shown.
    pub shown: Vec<i64>,
    /// `decisive`, `tie` or `both_bad`.
    pub outcome: String,
    /// The better answer of a decisive pairwise vote.
    pub better: Option<i64>,
    /// A ranking: (answer, rank), 1 = best.
    pub ranks: Vec<(i64, i64)>,
    pub strength: Option<String>,
    pub ratings: Vec<AxisRating>,
    pub rationale: String,
    pub time_on_task_ms: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::audit::download::field;
    use crate::error::AppError;
    use crate::store::agreement::{RawJudgmentRow, raw_judgments};
    use std::collections::BTreeMap;

    fn decode<T: serde::de::DeserializeOwned>(json: &str) -> Result<T, AppError> {
        serde_json::from_str(json).map_err(|e| crate::error::internal("stored judgment lists", e))
    }

    /// The dataset's judgments, reviewers named as asked.
    pub async fn collect(
        pool: &crate::store::Db,
        dataset: crate::domain::DatasetId,
        names: ReviewerNames,
    ) -> Result<Vec<RawJudgment>, AppError> {
        let rows = raw_judgments(pool, dataset).await?;
        // Pseudonyms by account age: the same reviewer keeps the same one across exports.
        let mut ids: Vec<i64> = rows.iter().map(|r| r.user_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let pseudonym: BTreeMap<i64, String> =
            ids.iter().enumerate().map(|(n, id)| (*id, format!("R{}", n + 1))).collect();
        rows.into_iter()
            .map(|r: RawJudgmentRow| {
                let ratings: Vec<(i64, String, i64)> = decode(&r.ratings)?;
                Ok(RawJudgment {
                    item: r.item_id,
                    source_line: r.source_line,
                    reviewer: match names {
                        ReviewerNames::Usernames => r.reviewer,
                        ReviewerNames::Pseudonymous => pseudonym[&r.user_id].clone(),
                    },
                    shown: decode(&r.shown)?,
                    outcome: r.outcome,
                    better: r.better,
                    ranks: decode(&r.ranks)?,
                    strength: r.strength,
                    ratings: ratings
                        .into_iter()
                        .map(|(answer, axis, value)| AxisRating { answer, axis, value })
                        .collect(),
                    rationale: r.rationale.unwrap_or_default(),
                    time_on_task_ms: r.time_ms,
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                })
            })
            .collect()
    }

    /// The file's text.
    pub fn write(judgments: &[RawJudgment], format: JudgmentsFormat) -> String {
        match format {
            JudgmentsFormat::Jsonl => {
                judgments.iter().map(|j| serde_json::to_string(j).expect("judgments serialise") + "\n").collect()
            }
            JudgmentsFormat::Csv => csv(judgments),
        }
    }

    const CSV_HEADER: &str = "item,source_line,reviewer,shown,outcome,better,ranks,strength,ratings,rationale,\
                              time_on_task_ms,created_at,updated_at\n";

    /// One row per judgment; lists joined with spaces (`shown`: `2 1`; `ranks`: `1:2 2:1`,
    /// answer:rank; `ratings`: `1:correctness=4 2:safety=5`, answer:axis=value).
    fn csv(judgments: &[RawJudgment]) -> String {
        let mut out = String::from(CSV_HEADER);
        let join = |parts: Vec<String>| parts.join(" ");
        for j in judgments {
            let cells = [
                j.item.to_string(),
                j.source_line.map(|l| l.to_string()).unwrap_or_default(),
                field(&j.reviewer),
                join(j.shown.iter().map(i64::to_string).collect()),
                field(&j.outcome),
                j.better.map(|b| b.to_string()).unwrap_or_default(),
                join(j.ranks.iter().map(|(a, r)| format!("{a}:{r}")).collect()),
                j.strength.clone().unwrap_or_default(),
                field(&join(j.ratings.iter().map(|r| format!("{}:{}={}", r.answer, r.axis, r.value)).collect())),
                field(&j.rationale),
                j.time_on_task_ms.map(|t| t.to_string()).unwrap_or_default(),
                j.created_at.clone(),
                j.updated_at.clone(),
            ];
            out.push_str(&cells.join(","));
            out.push('\n');
        }
        out
    }
}

/// The HTTP side: `POST /api/judgments_export` with `dataset`, `format` and `names`, admins and
/// auditors; each download is recorded in the audit log.
#[cfg(feature = "ssr")]
pub mod download {
    use super::*;
    use crate::auth::session::require_in;
    use crate::domain::Role;
    use crate::error::AppError;
    use crate::state::AppState;
    use crate::ui::attachment;
    use axum::body::Body;
    use axum::extract::rejection::FormRejection;
    use axum::extract::{Form, State};
    use axum::response::Response;
    use http::{HeaderValue, header};
    use tower_sessions::Session;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Params {
        pub dataset: String,
        #[serde(default = "jsonl")]
        pub format: JudgmentsFormat,
        #[serde(default = "pseudonymous")]
        pub names: ReviewerNames,
    }

    fn jsonl() -> JudgmentsFormat {
        JudgmentsFormat::Jsonl
    }
    fn pseudonymous() -> ReviewerNames {
        ReviewerNames::Pseudonymous
    }

    pub async fn handler(
        State(state): State<AppState>,
        session: Session,
        params: Result<Form<Params>, FormRejection>,
    ) -> Result<Response, AppError> {
        let user = require_in(&session, &state.pool, &[Role::Admin, Role::Auditor]).await?;
        let Form(params) = params?;
        let (name, body) = {
            let dataset = crate::datasets::named(&state.pool, params.dataset).await?;
            let judgments = ssr::collect(&state.pool, dataset.id, params.names).await?;
            let detail = serde_json::json!({
                "dataset": dataset.name, "format": params.format, "names": params.names, "judgments": judgments.len(),
            });
            crate::store::audit::append(
                &state.pool,
                Some(user.id),
                "judgments.export",
                "dataset",
                Some(dataset.id.0),
                detail,
            )
            .await?;
            (dataset.name, ssr::write(&judgments, params.format))
        };
        let (kind, ext) = match params.format {
            JudgmentsFormat::Jsonl => ("application/x-ndjson; charset=utf-8", "jsonl"),
            JudgmentsFormat::Csv => ("text/csv; charset=utf-8", "csv"),
        };
        let mut response = Response::new(Body::from(body));
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
        response.headers_mut().insert(header::CONTENT_DISPOSITION, attachment(&format!("{name}.judgments.{ext}")));
        Ok(response)
    }
}
