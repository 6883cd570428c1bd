//! Who is calling: the session's user, re-read from the store on every call so that a
//! disabled account or a changed role takes effect at once. A session also remembers the
//! account's session epoch at sign-in; disabling the account or resetting its password
//! moves the epoch on, which ends every earlier session for good.
use crate::domain::{CurrentUser, Role, UserId};
use crate::error::AppError;
use crate::state::app_state;
use crate::store::Db;
use tower_sessions::Session;

pub const USER_KEY: &str = "user_id";
pub const EPOCH_KEY: &str = "session_epoch";

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| crate::error::internal("session layer", e))
}

/// Binds the session to the account (after sign-in).
pub async fn sign_in(session: &Session, user: &crate::store::users::UserRecord) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.insert(USER_KEY, user.id.0).await?;
    session.insert(EPOCH_KEY, user.session_epoch).await?;
    // Stored now rather than by the session layer after the answer, so that a store that
    // cannot write (a full disk) refuses the sign-in with its reason instead of a bare 500.
    session.save().await?;
    Ok(())
}

/// The session's user, if the session is still valid for the account.
pub async fn user_of(session: &Session, pool: &Db) -> Result<Option<CurrentUser>, AppError> {
    let Some(id) = session.get::<i64>(USER_KEY).await? else {
        return Ok(None);
    };
    let epoch = session.get::<i64>(EPOCH_KEY).await?.unwrap_or(0);
    match crate::store::users::by_id(pool, UserId(id)).await? {
        Some(u) if !u.disabled && u.session_epoch == epoch => {
            Ok(Some(CurrentUser { id: u.id, username: u.username, role: u.role }))
        }
        _ => {
            // Ended: forget it, so that a later re-enable does not revive it. Its data is cleared
            // and its record deleted, but its id is kept for the rest of the request: a page
            // streams while the session layer stores the session, and a `flush` (which drops the
            // id) racing that store made the layer answer 500 "missing session id".
            session.clear().await;
            session.delete().await?;
            Ok(None)
        }
    }
}

/// The signed-in user, or `None`.
pub async fn current_user() -> Result<Option<CurrentUser>, AppError> {
    user_of(&session().await?, &app_state()?.pool).await
}

/// Checks the user against the roles allowed.
pub fn allowed(user: Option<CurrentUser>, roles: &[Role]) -> Result<CurrentUser, AppError> {
    let user = user.ok_or(AppError::Unauthenticated)?;
    if roles.contains(&user.role) { Ok(user) } else { Err(AppError::Forbidden) }
}

/// For plain axum handlers: the session's user if their role is one of `roles`.
pub async fn require_in(session: &Session, pool: &Db, roles: &[Role]) -> Result<CurrentUser, AppError> {
    allowed(user_of(session, pool).await?, roles)
}

/// The signed-in user if their role is one of `roles`; every server function starts here.
pub async fn require(roles: &[Role]) -> Result<CurrentUser, AppError> {
    allowed(current_user().await?, roles)
}
