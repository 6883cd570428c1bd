//! Who is calling: the session's user, re-read from the store on every call so that a
//! disabled account or a changed role takes effect at once.
use crate::domain::{CurrentUser, Role, UserId};
use crate::error::AppError;
use crate::state::app_state;
use tower_sessions::Session;

pub const USER_KEY: &str = "user_id";

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| crate::error::internal("session layer", e))
}

/// The signed-in user, or `None`.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    let session = session().await?;
    let Some(id) = session.get::<i64>(USER_KEY).await? else {
        return Ok(None);
    };
    let state = app_state()?;
    match crate::store::users::by_id(&state.pool, UserId(id)).await? {
        Some(u) if !u.disabled => Ok(Some(CurrentUser { id: u.id, username: u.username, role: u.role })),
        _ => Ok(None),
    }
}

/// The signed-in user if their role is one of `roles`; every server function starts here.
pub async fn require(roles: &[Role]) -> Result<CurrentUser, AppError> {
    let user = current_user().await?.ok_or(AppError::Unauthenticated)?;
    if roles.contains(&user.role) { Ok(user) } else { Err(AppError::Forbidden) }
}
