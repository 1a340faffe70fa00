//! `DATABASE_URL`: which of the two shipped backends it names, and where a SQLite file
//! lives, decided once from the URL's scheme.

use std::path::PathBuf;

/// The backends this bot ships with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgresql",
        }
    }
}

/// A URL that is neither `sqlite:` nor `postgres://`/`postgresql://`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected sqlite://… or postgres://…")]
pub struct UnknownScheme;

/// A database URL whose scheme names a backend we ship.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    /// Only the two backends we ship are accepted; anything else is a clear start-up error.
    pub fn parse(url: &str) -> Result<Self, UnknownScheme> {
        let backend = if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(UnknownScheme);
        };
        Ok(Self {
            url: url.to_owned(),
            backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn as_str(&self) -> &str {
        &self.url
    }

    /// The directory a SQLite URL's file lives in, so it can be created before connecting.
    pub fn sqlite_parent_dir(&self) -> Option<PathBuf> {
        sqlite_parent_dir(&self.url)
    }
}

/// The backend a URL names, for logs: anything not PostgreSQL is SQLite, as `connect`
/// decides.
pub fn backend_of(url: &str) -> Backend {
    if url.starts_with("postgres") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// The directory a SQLite URL's file lives in, so it can be created before connecting.
pub fn sqlite_parent_dir(url: &str) -> Option<PathBuf> {
    sqlite_file(url)?
        .parent()
        .map(PathBuf::from)
        .filter(|p| !p.as_os_str().is_empty())
}

/// The file a SQLite URL names (`None` for PostgreSQL and in-memory databases).
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_database_scheme_is_refused() {
        assert_eq!(DatabaseUrl::parse("mysql://x"), Err(UnknownScheme));
        let pg = DatabaseUrl::parse("postgresql://u@h/db").expect("postgres");
        assert_eq!(pg.backend(), Backend::Postgres);
    }

    #[test]
    fn sqlite_file_is_found() {
        assert_eq!(
            sqlite_file("sqlite://data/x.db?mode=rwc"),
            Some(PathBuf::from("data/x.db"))
        );
        assert_eq!(
            sqlite_file("sqlite:/var/lib/x.db"),
            Some(PathBuf::from("/var/lib/x.db"))
        );
        assert_eq!(sqlite_file("postgres://u@h/db"), None);
        assert_eq!(sqlite_file("sqlite::memory:"), None);
    }

    #[test]
    fn sqlite_parent_dir_is_found() {
        assert_eq!(
            sqlite_parent_dir("sqlite://data/x.db"),
            Some(PathBuf::from("data"))
        );
        assert_eq!(sqlite_parent_dir("sqlite::memory:"), None);
    }
}
