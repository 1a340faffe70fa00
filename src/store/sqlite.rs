//! The SQLite backend: the embedded default. WAL is set once when the file is opened,
//! foreign keys are on, writers wait on `busy_timeout` rather than failing, and every
//! write transaction begins IMMEDIATE so two writers never deadlock on an upgrade.
//! One bot instance per SQLite file (the outbox and scheduler claims assume it).

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Transaction};

use super::ContinuationStore;
use super::DisputeStore;
use super::{
    AuditStore, Backend, OutboxStore, PeopleStore, ReportingStore, RestrictionStore, RoleStore,
    ScheduleStore, Store, StoreError, StoreResult,
};

type Db = sqlx::Sqlite;

/// SQLite has no row locks; the IMMEDIATE transaction already serialises claimers.
const SKIP_LOCKED: &str = "";
/// Row lock that keeps a row from changing until this transaction ends.
const SHARE_LOCK: &str = "";

#[derive(Debug, Clone)]
pub struct SqliteStore {
    pool: Pool<Db>,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        if let Some(dir) = super::url::sqlite_parent_dir(url) {
            std::fs::create_dir_all(&dir).map_err(|e| {
                StoreError::Database(sqlx::Error::Configuration(
                    format!("cannot create directory {}: {e}", dir.display()).into(),
                ))
            })?;
        }
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    /// Begins a write; inside `store::once` the submission's key is written first.
    async fn begin_tx(&self) -> StoreResult<Transaction<'static, Db>> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        common::carry_submission_key(&mut tx).await?;
        Ok(tx)
    }

    async fn migrate_pool(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/sqlite")
            .run(&self.pool)
            .await?;
        Ok(())
    }

    /// The newest migration this binary carries.
    fn latest_migration() -> i64 {
        sqlx::migrate!("./migrations/sqlite")
            .iter()
            .map(|m| m.version)
            .max()
            .unwrap_or(0)
    }
}

const BACKEND: Backend = Backend::Sqlite;
type ThisStore = SqliteStore;

shared_sql!();
