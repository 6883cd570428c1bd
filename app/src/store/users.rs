//! Accounts.
use super::Db;
use crate::domain::{Role, UserId, Username};

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
    db: &Db,
    actor: Option<UserId>,
    username: &Username,
    password_hash: &str,
    role: Role,
) -> Result<Option<UserId>, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO users (username, password_hash, role) VALUES ($1, $2, $3)
             ON CONFLICT (username) DO NOTHING RETURNING id",
        )
        .bind(username.as_str())
        .bind(password_hash)
        .bind(role.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            let detail = serde_json::json!({ "username": username.as_str(), "role": role.as_str() });
            super::audit::record(&mut tx, actor, "user.create", "user", Some(id), detail).await?;
        }
        tx.commit().await?;
        Ok(id.map(UserId))
    })
}

pub async fn by_username(db: &Db, username: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as::<_, Row>(&format!("{SELECT} WHERE username = $1"))
            .bind(username)
            .fetch_optional(pool)
            .await?
            .map(Row::into_record)
            .transpose()
    })
}

pub async fn by_id(db: &Db, id: UserId) -> Result<Option<UserRecord>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as::<_, Row>(&format!("{SELECT} WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(pool)
            .await?
            .map(Row::into_record)
            .transpose()
    })
}

/// The departments (科室) a reviewer prefers; the queue serves matching items first.
pub async fn specialties(db: &Db, id: UserId) -> Result<Vec<String>, sqlx::Error> {
    on!(db, pool => {
        let json: String =
            sqlx::query_scalar("SELECT specialties FROM users WHERE id = $1").bind(id.0).fetch_one(pool).await?;
        serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(e.into()))
    })
}

/// Replaces a reviewer's specialties; `false` if there is no such user.
pub async fn set_specialties(
    db: &Db,
    username: &Username,
    specialties: &[String],
    actor: Option<UserId>,
) -> Result<bool, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let json = serde_json::to_string(specialties).expect("strings serialise");
        let id: Option<i64> = sqlx::query_scalar("UPDATE users SET specialties = $1 WHERE username = $2 RETURNING id")
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
    })
}

/// An account as the people page lists it, with its activity.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UserRow {
    pub username: String,
    pub role: String,
    /// JSON array.
    pub specialties: String,
    pub disabled: bool,
    pub created_at: String,
    pub decisions: i64,
    pub last_active: Option<String>,
}

/// Every account (`None`), or the one named.
pub async fn list(db: &Db, only: Option<&str>) -> Result<Vec<UserRow>, sqlx::Error> {
    on!(db, pool => {
        sqlx::query_as(
            "SELECT u.username, u.role, u.specialties, u.disabled_at IS NOT NULL AS disabled, u.created_at,
                (SELECT COUNT(*) FROM judgments j WHERE j.user_id = u.id)
              + (SELECT COUNT(*) FROM corrections c WHERE c.user_id = u.id) AS decisions,
                MAX((SELECT MAX(created_at) FROM judgments j WHERE j.user_id = u.id),
                    IFNULL((SELECT MAX(created_at) FROM corrections c WHERE c.user_id = u.id), '')) AS last_active
           FROM users u WHERE $1 IS NULL OR u.username = $1 ORDER BY u.username",
        )
        .bind(only)
        .fetch_all(pool)
        .await
    })
}

/// Changes to an account; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct AccountChanges {
    pub role: Option<Role>,
    pub specialties: Option<Vec<String>>,
    /// Disabling ends every session of the account at once (its session epoch moves on).
    pub disabled: Option<bool>,
    /// A new argon2 PHC string; also ends every session.
    pub password_hash: Option<String>,
}

/// What [`update`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Updated {
    Done,
    NoSuchAccount,
    /// Refused: no enabled admin would be left. Checked inside the write transaction, so two
    /// admins demoting each other at once cannot both pass.
    LastAdmin,
}

/// Applies the changes in one transaction and logs them (never the password).
pub async fn update(
    db: &Db,
    username: &Username,
    changes: &AccountChanges,
    actor: Option<UserId>,
) -> Result<Updated, sqlx::Error> {
    on!(db, pool => {
        let mut tx = begin_write(pool).await?;
        let specialties = changes.specialties.as_ref().map(|s| serde_json::to_string(s).expect("strings serialise"));
        let ends_sessions = changes.disabled == Some(true) || changes.password_hash.is_some();
        let id: Option<i64> = sqlx::query_scalar(&format!(
            "UPDATE users SET role = COALESCE($1, role), specialties = COALESCE($2, specialties),
                disabled_at = CASE WHEN $3 IS NULL THEN disabled_at WHEN $3 THEN IFNULL(disabled_at, {now}) ELSE NULL END,
                password_hash = COALESCE($4, password_hash),
                session_epoch = session_epoch + $5
          WHERE username = $6 RETURNING id",
            now = NOW
        ))
        .bind(changes.role.map(Role::as_str))
        .bind(&specialties)
        .bind(changes.disabled)
        .bind(&changes.password_hash)
        .bind(i64::from(ends_sessions))
        .bind(username.as_str())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(id) = id else { return Ok(Updated::NoSuchAccount) };
        let admins: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL")
            .fetch_one(&mut *tx)
            .await?;
        if admins == 0 {
            drop(tx); // rolls back
            return Ok(Updated::LastAdmin);
        }
        let detail = serde_json::json!({
            "role": changes.role, "specialties": changes.specialties, "disabled": changes.disabled,
            "password_reset": changes.password_hash.is_some(),
        });
        super::audit::record(&mut tx, actor, "user.update", "user", Some(id), detail).await?;
        tx.commit().await?;
        Ok(Updated::Done)
    })
}
