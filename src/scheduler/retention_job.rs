//! The retention review on its schedule (R-DP-2, `RETENTION_SCHEDULE`, default 06:00 on
//! the first of the month in `TIMEZONE`). Each occurrence is claimed in `schedule_runs`,
//! as the reminder job's are, so two instances never both run it and a missed one is
//! caught up once at start. An occurrence is a dry run: it records the run and who is due
//! (`retention_runs`, `retention_candidates`) and DMs each admin the list (references and
//! reasons only) with a button to confirm. Nothing is erased until an admin confirms
//! (`slack::retention::confirm`).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::{watch, Notify};

use crate::clock::Clock;
use crate::config::RetentionConfig;
use crate::domain::{Actor, UserId};
use crate::store::retention::NewRetentionRun;
use crate::store::{Store, StoreResult};

pub const RETENTION_JOB: &str = "retention";
/// How long a claimed run may take before another instance may take it over.
const CLAIM_FOR: chrono::Duration = chrono::Duration::minutes(10);
/// How far back catch-up looks for a missed occurrence (a monthly job).
const CATCH_UP_WINDOW: chrono::Duration = chrono::Duration::days(32);

#[derive(Clone)]
pub struct RetentionScheduler {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    timezone: Tz,
    schedule: cron::Schedule,
    config: RetentionConfig,
    outbox_wake: Arc<Notify>,
    worker_id: String,
}

impl std::fmt::Debug for RetentionScheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RetentionScheduler")
            .field("schedule", &self.config.schedule)
            .field("worker", &self.worker_id)
            .finish()
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
        let schedule = cron::Schedule::from_str(&config.schedule)?;
        Ok(Self {
            store,
            clock,
            timezone,
            schedule,
            config,
            outbox_wake,
            worker_id,
        })
    }

    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule
            .after(&after.with_timezone(&self.timezone))
            .next()
            .map(|t| t.with_timezone(&Utc))
    }

    pub fn latest_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = (now - CATCH_UP_WINDOW).with_timezone(&self.timezone);
        self.schedule
            .after(&start)
            .map(|t| t.with_timezone(&Utc))
            .take_while(|t| *t <= now)
            .last()
    }

    /// Runs occurrence `at` unless another instance has it or it already ran.
    pub async fn run_occurrence(&self, at: DateTime<Utc>) -> StoreResult<Option<DryRunReport>> {
        let now = self.clock.now();
        if !self
            .store
            .claim_run(RETENTION_JOB, at, &self.worker_id, now, now + CLAIM_FOR)
            .await?
        {
            tracing::info!(scheduled_for = %at, "retention run already claimed or done elsewhere");
            return Ok(None);
        }
        let report = self.dry_run_now().await?;
        self.store
            .finish_run(RETENTION_JOB, at, &self.worker_id, self.clock.now())
            .await?;
        Ok(Some(report))
    }

    /// The dry run itself: records who is due and DMs every admin the list.
    pub async fn dry_run_now(&self) -> StoreResult<DryRunReport> {
        let store = self.store.as_ref();
        let now = self.clock.now();
        let today = now.with_timezone(&self.timezone).date_naive();
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

    pub async fn catch_up(&self) -> StoreResult<Option<DryRunReport>> {
        let now = self.clock.now();
        match self.latest_due(now) {
            Some(at) if !self.store.run_finished(RETENTION_JOB, at).await? => {
                tracing::info!(scheduled_for = %at, "catching up a missed retention review");
                self.run_occurrence(at).await
            }
            _ => Ok(None),
        }
    }

    /// Catches up, then sleeps until each next occurrence and runs it, until shutdown.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        if let Err(err) = self.catch_up().await {
            tracing::error!(error = %err, "retention catch-up failed");
        }
        loop {
            let now = self.clock.now();
            let Some(next) = self.next_after(now) else {
                tracing::warn!("retention schedule has no next occurrence; stopped");
                return;
            };
            let wait = (next - now).to_std().unwrap_or(Duration::ZERO);
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = shutdown.changed() => return,
            }
            if *shutdown.borrow() {
                return;
            }
            if let Err(err) = self.run_occurrence(next).await {
                tracing::error!(error = %err, scheduled_for = %next, "retention review failed; it is caught up at the next start");
            }
        }
    }
}
