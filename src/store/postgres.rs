//! The PostgreSQL backend, for production and for running several bot instances against
//! one database: claims use `FOR UPDATE SKIP LOCKED`, so two instances never take the
//! same outbox row or reminder.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Pool, Transaction};

use super::DisputeStore;
use super::{
    AuditStore, Backend, OutboxStore, PeopleStore, ReportingStore, RestrictionStore, RoleStore,
    ScheduleStore, Store, StoreError, StoreResult,
};

type Db = sqlx::Postgres;

const SKIP_LOCKED: &str = "FOR UPDATE SKIP LOCKED";

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: Pool<Db>,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let options = PgConnectOptions::from_str(url)?.application_name("contact-policy-bot");
        let pool = PgPoolOptions::new()
            .max_connections(10)
            .acquire_timeout(Duration::from_secs(5))
            .connect_with(options)
            .await?;
        Ok(Self { pool })
    }

    async fn begin_write(&self) -> StoreResult<Transaction<'static, Db>> {
        Ok(self.pool.begin().await?)
    }

    async fn migrate_pool(&self) -> StoreResult<()> {
        sqlx::migrate!("./migrations/postgres")
            .run(&self.pool)
            .await?;
        Ok(())
    }
}

const BACKEND: Backend = Backend::Postgres;
type ThisStore = PostgresStore;

#[async_trait]
impl Store for ThisStore {
    fn backend(&self) -> Backend {
        BACKEND
    }

    async fn migrate(&self) -> StoreResult<()> {
        self.migrate_pool().await
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }
}

// The SQL both backends share, compiled here for this one (see `sql/common.rs`).
mod common {
    use super::*;
    include!("sql/common.rs");
}
mod roles {
    use super::common::*;
    use super::*;
    include!("sql/roles.rs");
}
mod audit {
    use super::common::*;
    use super::*;
    include!("sql/audit.rs");
}
mod outbox {
    use super::common::*;
    use super::*;
    include!("sql/outbox.rs");
}
mod people {
    use super::common::*;
    use super::*;
    include!("sql/people.rs");
}
mod reporting {
    use super::common::*;
    use super::*;
    include!("sql/reporting.rs");
}
mod restrictions {
    use super::common::*;
    use super::*;
    include!("sql/restrictions.rs");
}
mod schedule {
    use super::common::*;
    use super::*;
    include!("sql/schedule.rs");
}
mod disputes {
    use super::common::*;
    use super::*;
    include!("sql/disputes.rs");
}
