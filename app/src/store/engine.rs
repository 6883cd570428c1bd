//! Which database a medpref process uses: the embedded SQLite file (the default) or a
//! PostgreSQL server shared by several processes. Named by URL, as `--database` takes it.
use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// `sqlite://FILE` (or `sqlite:FILE`) or `postgres://…` / `postgresql://…`.
#[derive(Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    Sqlite(PathBuf),
    /// The URL as given, passed to the driver (it may carry a password: see `Display`).
    Postgres(String),
}

impl FromStr for DatabaseUrl {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        if let Some(path) = s.strip_prefix("sqlite://").or_else(|| s.strip_prefix("sqlite:")) {
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() {
                return Err(format!("`{s}` names no file: write sqlite://path/to/medpref.db"));
            }
            return Ok(DatabaseUrl::Sqlite(PathBuf::from(path)));
        }
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            return Ok(DatabaseUrl::Postgres(s.to_string()));
        }
        Err(format!("`{}` is not a database URL: write sqlite://FILE or postgres://USER@HOST/DATABASE", Redacted(s)))
    }
}

/// The URL without its password, for logs and messages.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DatabaseUrl::Sqlite(path) => write!(f, "sqlite://{}", path.display()),
            DatabaseUrl::Postgres(url) => write!(f, "{}", Redacted(url)),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A URL with the password of its `user:password@` part replaced by `***`.
struct Redacted<'a>(&'a str);

impl fmt::Display for Redacted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = self.0;
        let Some(scheme_end) = url.find("://").map(|i| i + 3) else { return f.write_str(url) };
        let authority_end = url[scheme_end..].find(['/', '?']).map_or(url.len(), |i| scheme_end + i);
        match url[scheme_end..authority_end].rfind('@') {
            Some(at) => {
                let userinfo = &url[scheme_end..scheme_end + at];
                let user = userinfo.split(':').next().unwrap_or_default();
                let hidden = if userinfo.contains(':') { ":***" } else { "" };
                write!(f, "{}{user}{hidden}{}", &url[..scheme_end], &url[scheme_end + at..])
            }
            None => f.write_str(url),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_an_engine_and_never_show_a_password() {
        assert_eq!("sqlite://data/medpref.db".parse(), Ok(DatabaseUrl::Sqlite("data/medpref.db".into())));
        assert_eq!("sqlite:/abs/m.db?mode=rwc".parse(), Ok(DatabaseUrl::Sqlite("/abs/m.db".into())));
        let pg: DatabaseUrl = "postgres://medpref:s3cret@db.example/medpref".parse().unwrap();
        assert_eq!(pg.to_string(), "postgres://medpref:***@db.example/medpref");
        assert!(!format!("{pg:?}").contains("s3cret"));
        let socket: DatabaseUrl = "postgresql://medpref@/medpref?host=/run/pg".parse().unwrap();
        assert_eq!(socket.to_string(), "postgresql://medpref@/medpref?host=/run/pg");
        let refused = "mysql://root:pw@h/db".parse::<DatabaseUrl>().unwrap_err();
        assert!(refused.contains("mysql://root:***@h/db") && !refused.contains("pw@"), "{refused}");
        assert!("sqlite://".parse::<DatabaseUrl>().is_err());
    }
}
