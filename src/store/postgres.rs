//! The PostgreSQL backend, for production and for running several bot instances against
//! one database: claims use `FOR UPDATE SKIP LOCKED`, so two instances never take the
//! same outbox row or reminder.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Pool, Transaction};

use super::ContinuationStore;
use super::DisputeStore;
use super::{
    AuditStore, Backend, OutboxStore, PeopleStore, ReportingStore, RestrictionStore, RoleStore,
    ScheduleStore, Store, StoreError, StoreResult,
};

type Db = sqlx::Postgres;

const SKIP_LOCKED: &str = "FOR UPDATE SKIP LOCKED";
/// Row lock that keeps a row from changing until this transaction ends.
const SHARE_LOCK: &str = "FOR SHARE";

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: Pool<Db>,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("contact-policy-bot");
        let (host, port) = (options.get_host().to_owned(), options.get_port());
        let unreachable = |source: sqlx::Error| StoreError::Unreachable {
            host: format!("{host}:{port}"),
            reason: unreachable_reason(&source),
        };
        // One connection first: a pool that cannot connect says only that it timed out,
        // while the operator needs the reason (refused, unknown host, bad password).
        match tokio::time::timeout(
            Duration::from_secs(5),
            <sqlx::PgConnection as sqlx::Connection>::connect_with(&options),
        )
        .await
        {
            Ok(Ok(conn)) => sqlx::Connection::close(conn).await.map_err(unreachable)?,
            Ok(Err(source)) => return Err(unreachable(source)),
            Err(_) => return Err(unreachable(sqlx::Error::PoolTimedOut)),
        }
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await
            .map_err(unreachable)?;
        Ok(Self { pool })
    }

    /// PostgreSQL's name search is a LIKE (served by pg_trgm's index where installed): no
    /// query of a trigram index of our own.
    fn trigram_query(&self, _text: &str) -> Option<String> {
        None
    }

    /// Begins a write; inside `store::once` the submission's key is written first.
    async fn begin_tx(&self) -> StoreResult<Transaction<'static, Db>> {
        let mut tx = self.pool.begin().await?;
        common::carry_submission_key(&mut tx).await?;
        Ok(tx)
    }

    async fn migrate_pool(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// The newest migration this binary carries.
    fn latest_migration() -> i64 {
        sqlx::migrate!("./migrations/postgres")
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0)
    }
}

/// Why PostgreSQL could not be reached, in the operator's words (never the URL: it may hold
/// a password).
fn unreachable_reason(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Io(e) => e.to_string(),
        sqlx::Error::Database(e) => e.message().to_owned(),
        sqlx::Error::PoolTimedOut => "no connection within 5 s".to_owned(),
        sqlx::Error::Tls(e) => format!("TLS: {e}"),
        other => other.to_string(),
    }
}

const BACKEND: Backend = Backend::Postgres;
type ThisStore = PostgresStore;

shared_sql!();
