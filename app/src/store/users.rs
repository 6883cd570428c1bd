//! Accounts.
use crate::domain::{Role, UserId, Username};
use sqlx::SqlitePool;

#[derive(Debug, Clone)]
pub struct UserRecord {
    pub id: UserId,
    pub username: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    /// Sessions from an earlier epoch have ended (see `auth::session`).
    pub session_epoch: i64,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    username: String,
    password_hash: String,
    role: String,
    disabled: bool,
    session_epoch: i64,
}

impl Row {
    fn into_record(self) -> Result<UserRecord, sqlx::Error> {
        let role = self.role.parse::<Role>().map_err(|e| sqlx::Error::Decode(e.into()))?;
        Ok(UserRecord {
            id: UserId(self.id),
            username: self.username,
            password_hash: self.password_hash,
            role,
            disabled: self.disabled,
            session_epoch: self.session_epoch,
        })
    }
}

const SELECT: &str =
    "SELECT id, username, password_hash, role, disabled_at IS NOT NULL AS disabled, session_epoch FROM users";

/// Creates an account; `Ok(None)` when the username is taken.
pub async fn create(
    pool: &SqlitePool,
    username: &Username,
    password_hash: &str,
    role: Role,
) -> Result<Option<UserId>, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO users (username, password_hash, role) VALUES (?, ?, ?)
         ON CONFLICT (username) DO NOTHING RETURNING id",
    )
    .bind(username.as_str())
    .bind(password_hash)
    .bind(role.as_str())
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = id {
        let detail = serde_json::json!({ "username": username.as_str(), "role": role.as_str() });
        super::audit::record(&mut tx, None, "user.create", "user", Some(id), detail).await?;
    }
    tx.commit().await?;
    Ok(id.map(UserId))
}

pub async fn by_username(pool: &SqlitePool, username: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as::<_, Row>(&format!("{SELECT} WHERE username = ?"))
        .bind(username)
        .fetch_optional(pool)
        .await?
        .map(Row::into_record)
        .transpose()
}

pub async fn by_id(pool: &SqlitePool, id: UserId) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as::<_, Row>(&format!("{SELECT} WHERE id = ?"))
        .bind(id.0)
        .fetch_optional(pool)
        .await?
        .map(Row::into_record)
        .transpose()
}

/// The departments (科室) a reviewer prefers; the queue serves matching items first.
pub async fn specialties(pool: &SqlitePool, id: UserId) -> Result<Vec<String>, sqlx::Error> {
    let json: String =
        sqlx::query_scalar("SELECT specialties FROM users WHERE id = ?").bind(id.0).fetch_one(pool).await?;
    serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(e.into()))
}

/// Replaces a reviewer's specialties; `false` if there is no such user.
pub async fn set_specialties(
    pool: &SqlitePool,
    username: &Username,
    specialties: &[String],
    actor: Option<UserId>,
) -> Result<bool, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let json = serde_json::to_string(specialties).expect("strings serialise");
    let id: Option<i64> = sqlx::query_scalar("UPDATE users SET specialties = ? WHERE username = ? RETURNING id")
        .bind(&json)
        .bind(username.as_str())
        .fetch_optional(&mut *tx)
        .await?;
    if let Some(id) = id {
        let detail = serde_json::json!({ "specialties": specialties });
        super::audit::record(&mut tx, actor, "user.specialties", "user", Some(id), detail).await?;
    }
    tx.commit().await?;
    Ok(id.is_some())
}
