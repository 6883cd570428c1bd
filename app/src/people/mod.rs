//! People: admins create accounts, set roles and specialties, disable and re-enable them,
//! and reset passwords (the new password is shown once); each reviewer has a page of their
//! work. A disabled account's sessions end at once.
mod page;
pub use page::{PeoplePage, ReviewerPage};

use crate::domain::Role;
use crate::error::AppError;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub username: String,
    pub role: Role,
    pub specialties: Vec<String>,
    pub disabled: bool,
    pub created_at: String,
    /// Votes and corrections, all datasets.
    pub decisions: i64,
    pub last_active: Option<String>,
}

/// Changes to an account; fields left out keep their value.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonChanges {
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub specialties: Option<Vec<String>>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

/// One reviewer's work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewerReport {
    pub person: Person,
    /// Decisions per UTC day.
    pub per_day: Vec<(String, i64)>,
    /// Median time on task per vote, in seconds (votes that recorded it).
    pub median_seconds: Option<f64>,
    pub datasets: Vec<ReviewerDatasetRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewerDatasetRow {
    pub dataset: String,
    pub decisions: i64,
    pub skips: i64,
    pub gold_judged: i64,
    pub gold_correct: i64,
}

#[cfg(feature = "ssr")]
impl From<crate::store::stats::ReviewerDatasetRow> for ReviewerDatasetRow {
    fn from(r: crate::store::stats::ReviewerDatasetRow) -> Self {
        let crate::store::stats::ReviewerDatasetRow { dataset, decisions, skips, gold_judged, gold_correct } = r;
        ReviewerDatasetRow { dataset, decisions, skips, gold_judged, gold_correct }
    }
}

/// Every account with its activity. Admins only.
#[server(prefix = "/api", endpoint = "people")]
pub async fn people() -> Result<Vec<Person>, AppError> {
    crate::error::with_status(
        async {
            crate::auth::session::require(&[Role::Admin]).await?;
            ssr::list(&crate::state::app_state()?.pool).await
        }
        .await,
    )
}

/// Creates an account and returns its first password (shown once). Admins only.
#[server(prefix = "/api", endpoint = "create_person", input = Json)]
pub async fn create_person(username: String, role: Role, specialties: Vec<String>) -> Result<String, AppError> {
    crate::error::with_status(
        async {
            let admin = crate::auth::session::require(&[Role::Admin]).await?;
            let pool = crate::state::app_state()?.pool;
            let name = crate::domain::Username::parse(username)?;
            let password = ssr::new_password();
            let secret = crate::domain::NewPassword::parse(password.clone())?;
            crate::auth::accounts::create(&pool, Some(admin.id), &name, &secret, role).await.map_err(|e| match e {
                crate::auth::accounts::CreateAccountError::Taken(n) => {
                    AppError::from(crate::domain::Problem::UsernameTaken { name: n.to_string() })
                }
                crate::auth::accounts::CreateAccountError::Db(e) => e.into(),
            })?;
            let specialties = ssr::clean(specialties)?;
            crate::store::users::set_specialties(&pool, &name, &specialties, Some(admin.id)).await?;
            Ok(password)
        }
        .await,
    )
}

/// Changes role, specialties or disabled state. Admins only; nobody can disable or demote
/// the last enabled admin.
#[server(prefix = "/api", endpoint = "update_person", input = Json)]
pub async fn update_person(username: String, changes: PersonChanges) -> Result<(), AppError> {
    crate::error::with_status(
        async {
            let admin = crate::auth::session::require(&[Role::Admin]).await?;
            let pool = crate::state::app_state()?.pool;
            ssr::update(&pool, &admin, username, changes, None).await
        }
        .await,
    )
}

/// Sets a new random password, ends the account's sessions, and returns the password
/// (shown once). Admins only.
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(username: String) -> Result<String, AppError> {
    crate::error::with_status(
        async {
            let admin = crate::auth::session::require(&[Role::Admin]).await?;
            let pool = crate::state::app_state()?.pool;
            let password = ssr::new_password();
            let phc = {
                let p = password.clone();
                tokio::task::spawn_blocking(move || crate::auth::password::hash(&p))
                    .await
                    .map_err(|e| crate::error::internal("hash task", e))?
            };
            ssr::update(&pool, &admin, username, PersonChanges::default(), Some(phc)).await?;
            Ok(password)
        }
        .await,
    )
}

/// One reviewer's work: per day, median time, gold accuracy and skips per dataset.
/// Admins and auditors.
#[server(prefix = "/api", endpoint = "reviewer")]
pub async fn get_reviewer_report(username: String) -> Result<ReviewerReport, AppError> {
    crate::error::with_status(
        async {
            crate::auth::session::require(&[Role::Admin, Role::Auditor]).await?;
            ssr::report(&crate::state::app_state()?.pool, &username).await
        }
        .await,
    )
}

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::*;
    use crate::domain::{CurrentUser, Username};
    use crate::store::Db;
    use crate::store::{stats, users};

    /// 16 characters from an alphabet without look-alikes (no 0/O, 1/l/I): about 92 bits.
    pub fn new_password() -> String {
        use rand::Rng;
        const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
        let mut rng = rand::rngs::OsRng;
        (0..16).map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char).collect()
    }

    /// Specialties as given, trimmed, without empties or repeats.
    pub fn clean(specialties: Vec<String>) -> Result<Vec<String>, AppError> {
        let mut out: Vec<String> = Vec::new();
        for s in specialties.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()) {
            if s.chars().count() > 50 {
                return Err(crate::domain::Problem::SpecialtyTooLong { specialty: s, max: 50 }.into());
            }
            if !out.contains(&s) {
                out.push(s);
            }
        }
        Ok(out)
    }

    fn person(row: users::UserRow) -> Result<Person, AppError> {
        Ok(Person {
            role: row.role.parse().map_err(|e: String| crate::error::internal("role", e))?,
            specialties: serde_json::from_str(&row.specialties)
                .map_err(|e| crate::error::internal("specialties", e))?,
            username: row.username,
            disabled: row.disabled,
            created_at: row.created_at,
            decisions: row.decisions,
            last_active: row.last_active.filter(|s| !s.is_empty()),
        })
    }

    pub async fn list(pool: &Db) -> Result<Vec<Person>, AppError> {
        users::list(pool, None).await?.into_iter().map(person).collect()
    }

    pub async fn update(
        pool: &Db,
        admin: &CurrentUser,
        username: String,
        changes: PersonChanges,
        password_hash: Option<String>,
    ) -> Result<(), AppError> {
        let name = Username::parse(username).map_err(|_| AppError::NotFound)?;
        let account = users::AccountChanges {
            role: changes.role,
            specialties: changes.specialties.map(clean).transpose()?,
            disabled: changes.disabled,
            password_hash,
        };
        match users::update(pool, &name, &account, Some(admin.id)).await? {
            users::Updated::Done => Ok(()),
            users::Updated::NoSuchAccount => Err(AppError::NotFound),
            users::Updated::LastAdmin => Err(crate::domain::Problem::LastAdmin.into()),
        }
    }

    pub async fn report(pool: &Db, username: &str) -> Result<ReviewerReport, AppError> {
        let user = users::by_username(pool, username).await?.ok_or(AppError::NotFound)?;
        let row = users::list(pool, Some(&user.username)).await?.pop().ok_or(AppError::NotFound)?;
        let mut times: Vec<f64> = stats::reviewer_times(pool, user.id).await?.into_iter().map(|ms| ms as f64).collect();
        let median_seconds = crate::audit::stats::median(&mut times).map(|ms| (ms / 100.0).round() / 10.0);
        Ok(ReviewerReport {
            person: person(row)?,
            per_day: stats::reviewer_days(pool, user.id).await?,
            median_seconds,
            datasets: stats::reviewer_datasets(pool, user.id)
                .await?
                .into_iter()
                .map(ReviewerDatasetRow::from)
                .collect(),
        })
    }
}
