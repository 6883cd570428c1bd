//! Reviewing items: pairwise votes and rankings with ratings, the queue that serves them,
//! and each reviewer's history of judgments.
pub mod compare;
pub mod history;

use crate::domain::Role;

/// Roles that review items. Auditors re-label through the audit capability instead.
pub const REVIEWER_ROLES: [Role; 2] = [Role::Annotator, Role::Admin];
