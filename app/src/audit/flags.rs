//! Flagging during a spot-audit: the review screens' flag panel, working on the audit's own
//! copy of a sampled item's flags (`store::audit_flags`) so the reviewers' flags stay unseen
//! and unchanged. The results compare what the auditor flagged with what the team flagged.
use crate::domain::AuditId;
use crate::error::AppError;
use crate::flag::{FlagState, NewFlagInput, Verdict};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// The audit's flags on a sampled item, its texts highlighted. Admins and auditors.
#[server(prefix = "/api", endpoint = "audit_flags")]
pub async fn audit_flags(audit: AuditId, position: i64) -> Result<FlagState, AppError> {
    crate::error::with_status(ssr::state(audit, position).await)
}

/// Flags a span, a text or the whole sampled item in the audit. Admins and auditors.
#[server(prefix = "/api", endpoint = "audit_flag", input = Json)]
pub async fn audit_flag(audit: AuditId, position: i64, flag: NewFlagInput) -> Result<FlagState, AppError> {
    crate::error::with_status(ssr::add(audit, position, flag).await)
}

/// Confirms or dismisses one of the audit's flags on a sampled item. Admins and auditors.
#[server(prefix = "/api", endpoint = "audit_review_flag")]
pub async fn audit_review_flag(
    audit: AuditId,
    position: i64,
    flag: i64,
    verdict: Verdict,
) -> Result<FlagState, AppError> {
    crate::error::with_status(ssr::review(audit, position, flag, verdict).await)
}

#[cfg(feature = "ssr")]
mod ssr {
    use super::*;
    use crate::audit::ssr::{AUDIT_ROLES, presentation_of};
    use crate::auth::session::require;
    use crate::domain::{CandidateId, ItemId, UserId};
    use crate::flag::FlagTarget;
    use crate::flag::ssr as flags;
    use crate::state::app_state;
    use crate::store::Db;
    use crate::store::{audit_flags, audits};

    /// The sampled item at `position` (after the role check): the caller, the item and the
    /// answers in the audit's order.
    async fn sampled(pool: &Db, audit: AuditId, position: i64) -> Result<(UserId, ItemId, Vec<CandidateId>), AppError> {
        let user = require(&AUDIT_ROLES).await?;
        let row = audits::item(pool, audit, position).await?.ok_or(AppError::NotFound)?;
        Ok((user.id, row.item_id, presentation_of(&row)))
    }

    pub async fn state(audit: AuditId, position: i64) -> Result<FlagState, AppError> {
        let pool = app_state()?.pool;
        let (_, item, shown) = sampled(&pool, audit, position).await?;
        flags::state(&pool, FlagTarget::Audit { audit, position }, item, &shown).await
    }

    pub async fn add(audit: AuditId, position: i64, input: NewFlagInput) -> Result<FlagState, AppError> {
        let pool = app_state()?.pool;
        let (user, item, shown) = sampled(&pool, audit, position).await?;
        let flag = flags::new_flag(&pool, item, &shown, input, user).await?;
        audit_flags::add(&pool, audit, position, &flag, user).await?;
        flags::state(&pool, FlagTarget::Audit { audit, position }, item, &shown).await
    }

    pub async fn review(audit: AuditId, position: i64, flag: i64, verdict: Verdict) -> Result<FlagState, AppError> {
        let pool = app_state()?.pool;
        let (user, item, shown) = sampled(&pool, audit, position).await?;
        if !audit_flags::review(&pool, audit, position, flag, flags::status_of(verdict), user).await? {
            return Err(AppError::NotFound);
        }
        flags::state(&pool, FlagTarget::Audit { audit, position }, item, &shown).await
    }
}
