//! Reviewing items: pairwise comparison now; ranking, correction and flagging build on it.
pub mod compare;

use crate::domain::Role;

/// Roles that review items. Auditors re-label through the audit capability instead.
pub const REVIEWER_ROLES: [Role; 2] = [Role::Annotator, Role::Admin];
