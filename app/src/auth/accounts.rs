//! Creating accounts: the one path for the CLI and (later) the admin console.
use crate::domain::{NewPassword, Role, UserId, Username};
use crate::store::Db;

#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("the username `{0}` is taken")]
    Taken(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
}

/// Creates an account; `actor` is the admin who did it (`None`: the command line), as the
/// audit log records it.
pub async fn create(
    pool: &Db,
    actor: Option<UserId>,
    username: &Username,
    password: &NewPassword,
    role: Role,
) -> Result<UserId, CreateAccountError> {
    let secret = password.expose().to_string();
    let phc =
        tokio::task::spawn_blocking(move || super::password::hash(&secret)).await.expect("hashing task does not panic");
    crate::store::users::create(pool, actor, username, &phc, role)
        .await?
        .ok_or_else(|| CreateAccountError::Taken(username.to_string()))
}
