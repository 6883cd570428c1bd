//! Sign-in, sign-out and the current user.
mod page;
pub use page::LoginPage;

#[cfg(feature = "ssr")]
pub mod accounts;
#[cfg(feature = "ssr")]
pub mod password;
#[cfg(feature = "ssr")]
pub mod session;
#[cfg(feature = "ssr")]
pub mod throttle;

use crate::domain::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

/// Signs in. The session id is replaced, so an id planted before sign-in is worthless.
#[server(prefix = "/api", endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    crate::error::with_status(
        async {
            let state = crate::state::app_state()?;
            if !state.throttle.allowed(&username) {
                return Err(AppError::TooManyAttempts);
            }
            let user = crate::store::users::by_username(&state.pool, &username).await?;
            let (phc, usable) = match &user {
                Some(u) => (u.password_hash.clone(), !u.disabled),
                None => (password::DUMMY_HASH.clone(), false),
            };
            // argon2 takes tens of milliseconds of CPU: keep it off the async workers.
            let ok = tokio::task::spawn_blocking(move || password::verify(&password, &phc))
                .await
                .map_err(|e| crate::error::internal("verify task", e))?;
            match user {
                Some(u) if ok && usable => {
                    state.throttle.succeeded(&username);
                    session::sign_in(&session::session().await?, &u).await
                }
                _ => {
                    state.throttle.failed(&username);
                    Err(AppError::InvalidCredentials)
                }
            }
        }
        .await,
    )
}

/// Signs out: the session is deleted from the store, not merely emptied.
#[server(prefix = "/api", endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    session::session().await?.flush().await?;
    Ok(())
}

/// The signed-in user, if any (public: the answer for a stranger is `None`).
#[server(prefix = "/api", endpoint = "me")]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    session::current_user().await
}

/// The app-wide view of who is signed in.
pub type UserResource = Resource<Result<Option<CurrentUser>, AppError>>;

pub fn use_user() -> UserResource {
    expect_context::<UserResource>()
}
