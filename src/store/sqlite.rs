//! The SQLite backend: the embedded default. WAL is set once when the file is opened,
//! foreign keys are on, writers wait on `busy_timeout` rather than failing, and every
//! write transaction begins IMMEDIATE so two writers never deadlock on an upgrade.
//! One bot instance per SQLite file (the outbox and scheduler claims assume it): `serve`
//! holds [`InstanceLock`] for as long as it runs. The file is created readable and writable
//! by its owner only (it holds special-category personal data); SQLite gives its `-wal` and
//! `-shm` files the same mode.

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
    /// What the name search asks the trigram index (`store::name_index`).
    names: std::sync::Arc<super::name_index::TrigramCounts>,
}

fn configuration(message: String) -> StoreError {
    StoreError::Database(sqlx::Error::Configuration(message.into()))
}

impl SqliteStore {
    /// Opens the database, creating its directory and file (mode 0600) when missing.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        if let Some(dir) = super::url::sqlite_parent_dir(url) {
            std::fs::create_dir_all(&dir).map_err(|e| {
                configuration(format!("cannot create directory {}: {e}", dir.display()))
            })?;
        }
        if let Some(file) = super::url::sqlite_file(url) {
            create_owner_only(&file)?;
        }
        Self::open(url).await
    }

    /// Opens a database that must already exist: admin commands never create an empty one
    /// (in the current directory, say, because DATABASE_URL was not set).
    pub async fn connect_existing(url: &str) -> StoreResult<Self> {
        if let Some(file) = super::url::sqlite_file(url) {
            if !file.is_file() {
                return Err(StoreError::NoDatabase { file });
            }
        }
        Self::open(url).await
    }

    async fn open(url: &str) -> StoreResult<Self> {
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
        Ok(Self {
            pool,
            names: std::sync::Arc::default(),
        })
    }

    /// The FTS5 query a name search for `text` (lower-cased) asks the trigram index, or
    /// None for a text too short to hold a trigram. Reads the counts of names per
    /// trigram in the background when they are missing or stale; the search never waits.
    fn trigram_query(&self, text: &str) -> Option<String> {
        if text.chars().count() < 3 {
            return None;
        }
        if self.names.claim_refresh() {
            let (pool, names) = (self.pool.clone(), self.names.clone());
            tokio::spawn(async move {
                match read_trigram_counts(&pool).await {
                    Ok(counts) => names.store(counts),
                    Err(error) => {
                        tracing::warn!(%error, "could not count the name index's trigrams; searching by whole phrase");
                        names.failed();
                    }
                }
            });
        }
        Some(self.names.query_for(text))
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

/// How many names hold each trigram, read from the index (fts5vocab, on a temporary
/// table of the connection, so the schema holds nothing more).
async fn read_trigram_counts(
    pool: &Pool<Db>,
) -> StoreResult<std::collections::HashMap<String, i64>> {
    let mut conn = pool.acquire().await?;
    sqlx::query(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.service_user_name_trigrams \
         USING fts5vocab(main, service_user_names, 'row')",
    )
    .execute(&mut *conn)
    .await?;
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT term, doc FROM temp.service_user_name_trigrams")
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows.into_iter().collect())
}

/// Creates `file` readable and writable by its owner only, unless it exists already.
fn create_owner_only(file: &std::path::Path) -> StoreResult<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(file) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(configuration(format!(
            "cannot create the database file {}: {e}",
            file.display()
        ))),
    }
}

/// The one `serve` per SQLite file: an exclusive lock on `<file>.lock`, held until the
/// process ends (the operating system releases it even after a crash).
#[derive(Debug)]
pub struct InstanceLock {
    _file: std::fs::File,
}

impl InstanceLock {
    /// Takes the lock for the database `url` names; `Ok(None)` for PostgreSQL, where many
    /// instances share one database.
    pub fn acquire(url: &str) -> StoreResult<Option<Self>> {
        let Some(db_file) = super::url::sqlite_file(url) else {
            return Ok(None);
        };
        let mut path = db_file.clone().into_os_string();
        path.push(".lock");
        let path = std::path::PathBuf::from(path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                configuration(format!("cannot create directory {}: {e}", dir.display()))
            })?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|e| {
            configuration(format!("cannot open the lock file {}: {e}", path.display()))
        })?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Self { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Err(StoreError::InUse { file: db_file }),
            Err(std::fs::TryLockError::Error(e)) => Err(configuration(format!(
                "cannot lock {}: {e}",
                path.display()
            ))),
        }
    }
}

const BACKEND: Backend = Backend::Sqlite;
type ThisStore = SqliteStore;

shared_sql!();
