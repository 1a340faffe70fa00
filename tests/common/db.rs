//! Fresh databases for tests: a SQLite file in a temporary directory, or a new
//! PostgreSQL database created on the server named by `TEST_DATABASE_URL` (for example
//! `postgres://postgres@127.0.0.1:5432/test`). Without that variable the PostgreSQL half
//! of a test is skipped, and says so.

#![allow(dead_code)]

use sqlx::{Connection, Executor, PgConnection};

pub const PG_ENV: &str = "TEST_DATABASE_URL";

pub enum TestDb {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        url: String,
    },
}

impl TestDb {
    pub fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("bot.db").display());
        TestDb::Sqlite { _dir: dir, url }
    }

    /// A brand-new, empty PostgreSQL database, or `None` (with a note on stderr) when
    /// no server is configured.
    pub async fn postgres(test: &str) -> Option<Self> {
        let Ok(admin_url) = std::env::var(PG_ENV) else {
            eprintln!("SKIPPED (PostgreSQL half of {test}): set {PG_ENV} to run it; .ci/run does");
            return None;
        };
        let name = format!("cpb_test_{}", random_suffix());
        let mut conn = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("{PG_ENV} is set but PostgreSQL is unreachable: {e}"));
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        let mut url = url::Url::parse(&admin_url).expect("TEST_DATABASE_URL is a URL");
        url.set_path(&name);
        Some(TestDb::Postgres {
            url: url.to_string(),
        })
    }

    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url } => url,
        }
    }
}

fn random_suffix() -> String {
    use std::time::{SystemTime, UNIX_EPOCH};
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{}_{:x}_{:08x}",
        std::process::id(),
        nanos,
        rand::random::<u32>()
    )
}
