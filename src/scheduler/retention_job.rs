//! The retention review on its schedule (R-DP-2, `RETENTION_SCHEDULE`, default 06:00 on
//! the first of the month in `TIMEZONE`). Each occurrence is claimed in `schedule_runs`,
//! as the reminder job's are, so two instances never both run it and a missed one is
//! caught up once at start. An occurrence is a dry run: it records the run and who is due
//! (`retention_runs`, `retention_candidates`) and DMs each admin the list (references and
//! reasons only) with a button to confirm. Nothing is erased until an admin confirms
//! (`slack::retention::confirm`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::{watch, Notify};

use super::cron_job::{CronJob, JobHost};
use crate::clock::Clock;
use crate::config::RetentionConfig;
use crate::domain::{Actor, UserId};
use crate::store::retention::NewRetentionRun;
use crate::store::{Store, StoreResult};

pub const RETENTION_JOB: &str = "retention";
/// How far back catch-up looks for a missed occurrence (a monthly job).
const CATCH_UP_WINDOW: chrono::Duration = chrono::Duration::days(32);

#[derive(Clone)]
pub struct RetentionScheduler {
    job: CronJob,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    timezone: Tz,
    config: RetentionConfig,
    outbox_wake: Arc<Notify>,
}

impl std::fmt::Debug for RetentionScheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.job.fmt(f)
    }
}

/// What one scheduled dry run did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DryRunReport {
    /// The run recorded, when anyone was due.
    pub run_id: Option<i64>,
    pub due: usize,
    pub admins_told: usize,
}

impl RetentionScheduler {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        timezone: Tz,
        outbox_wake: Arc<Notify>,
        config: RetentionConfig,
        worker_id: String,
    ) -> Result<Self, cron::error::Error> {
        let host = JobHost {
            store: store.clone(),
            clock: clock.clone(),
            timezone,
            worker_id,
        };
        let job = CronJob::new(RETENTION_JOB, &config.schedule, CATCH_UP_WINDOW, host)?;
        Ok(Self {
            job,
            store,
            clock,
            timezone,
            config,
            outbox_wake,
        })
    }

    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.job.next_after(after)
    }

    pub fn latest_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.job.latest_due(now)
    }

    /// Runs occurrence `at` unless another instance has it or it already ran.
    pub async fn run_occurrence(&self, at: DateTime<Utc>) -> StoreResult<Option<DryRunReport>> {
        self.job.run_occurrence(at, || self.dry_run_now()).await
    }

    /// The dry run itself: records who is due and DMs every admin the list.
    pub async fn dry_run_now(&self) -> StoreResult<DryRunReport> {
        let store = self.store.as_ref();
        let now = self.clock.now();
        let today = now.with_timezone(&self.timezone).date_naive();
        // Notes of calls from callers never identified name nobody an admin could confirm:
        // they are cleared by age alone, at every review (R-DP-2).
        let mut tx = store.begin_write().await?;
        let cleared = tx
            .erase_unlinked_calls(self.config.period.cutoff(now), &Actor::system(), now)
            .await?;
        tx.commit().await?;
        if cleared > 0 {
            tracing::info!(
                cleared,
                "retention review: unlinked ended call notes cleared"
            );
        }
        let review = crate::retention::review(store, self.config.period, now, today).await?;
        if review.due.is_empty() {
            tracing::info!(kept = review.kept.len(), "retention review: nobody due");
            return Ok(DryRunReport {
                run_id: None,
                due: 0,
                admins_told: 0,
            });
        }
        let admins: Vec<UserId> = store.list_admins().await?;
        let run = NewRetentionRun {
            dry_run: true,
            inactive_days: self.config.period.days_at(now),
            reason: None,
            candidates: review
                .due
                .iter()
                .map(|f| (f.person_id, f.last_activity_at))
                .collect(),
        };
        let mut tx = store.begin_write().await?;
        let run_id = tx.record_retention_run(&run, &Actor::system(), now).await?;
        for admin in &admins {
            let message = crate::slack::retention::dry_run_dm(run_id, &review, admin);
            tx.enqueue_retention_copy(run_id, admin, &message, now)
                .await?;
        }
        tx.finish_retention_run(run_id, 0, now).await?;
        tx.commit().await?;
        self.outbox_wake.notify_one();
        if admins.is_empty() {
            tracing::warn!(
                run_id,
                "retention review: people are due but there is no admin to confirm"
            );
        }
        tracing::info!(
            run_id,
            due = review.due.len(),
            admins = admins.len(),
            "retention review sent to the admins"
        );
        Ok(DryRunReport {
            run_id: Some(run_id),
            due: review.due.len(),
            admins_told: admins.len(),
        })
    }

    /// On start: the latest occurrence that should have run, if it did not.
    pub async fn catch_up(&self) -> StoreResult<Option<DryRunReport>> {
        self.job.catch_up(|| self.dry_run_now()).await
    }

    /// Catches up, then runs each next occurrence, until shutdown.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        self.job.run(shutdown, || self.dry_run_now()).await
    }
}
