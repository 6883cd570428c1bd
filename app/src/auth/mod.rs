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
            use crate::auth::throttle::Refused;
            let state = crate::state::app_state()?;
            let refused = |r: Refused| match r {
                Refused::Wait(_) => AppError::TooManyAttempts,
                Refused::Busy => AppError::Busy,
            };
            let client = client_address();
            // A name or password no account can have is refused before it is kept or hashed
            // (five 16 MB names once held 276 MB in the throttle); the client still counts.
            let possible =
                crate::domain::Username::parse(username.clone()).is_ok() && password.len() <= MAX_PASSWORD_BYTES;
            state.throttle.begin(possible.then_some(username.as_str()), client).map_err(refused)?;
            if !possible {
                return Err(AppError::InvalidCredentials);
            }
            let user = crate::store::users::by_username(&state.pool, &username).await?;
            let (phc, usable) = match &user {
                Some(u) => (u.password_hash.clone(), !u.disabled),
                None => (password::DUMMY_HASH.clone(), false),
            };
            // argon2 takes tens of milliseconds of CPU and 19 MiB: a few at a time, off the
            // async workers.
            let slot = match state.throttle.check_slot().await {
                Ok(slot) => slot,
                Err(r) => {
                    state.throttle.withdraw(Some(username.as_str()), client);
                    return Err(refused(r));
                }
            };
            let ok = tokio::task::spawn_blocking(move || password::verify(&password, &phc))
                .await
                .map_err(|e| crate::error::internal("verify task", e))?;
            drop(slot);
            match user {
                Some(u) if ok && usable => {
                    state.throttle.succeeded(&username, client);
                    session::sign_in(&session::session().await?, &u).await
                }
                _ => Err(AppError::InvalidCredentials),
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

/// Longer than any password an account can have (`NewPassword`: 256 characters).
#[cfg(feature = "ssr")]
const MAX_PASSWORD_BYTES: usize = 1024;

/// The address the request came from (the TCP peer; behind a reverse proxy, the proxy).
#[cfg(feature = "ssr")]
fn client_address() -> Option<std::net::IpAddr> {
    let parts = use_context::<http::request::Parts>()?;
    parts.extensions.get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip())
}
