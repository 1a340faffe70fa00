//! The reminder job on its cron schedule (R-REM-1, R-REM-3). Occurrences are computed in
//! the configured time zone, so "weekdays 09:00 Europe/London" stays 09:00 across daylight
//! saving changes. Each occurrence is claimed in the database before it runs, so two
//! instances never both run it, a crashed run is taken over once its claim lapses, and a
//! bot that was down at 09:00 catches up once when it starts (the latest missed
//! occurrence only, not one run per missed day).

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::reminders::{sweep, SweepDeps, SweepReport};
use crate::config::ReminderConfig;
use crate::metrics::Metrics;
use crate::store::StoreResult;

pub const REMINDER_JOB: &str = "reminders";
/// How long a claimed run may take before another instance may take it over.
const CLAIM_FOR: chrono::Duration = chrono::Duration::minutes(10);
/// How far back catch-up looks for a missed occurrence.
const CATCH_UP_WINDOW: chrono::Duration = chrono::Duration::days(8);

#[derive(Clone)]
pub struct ReminderScheduler {
    state: SweepDeps,
    schedule: cron::Schedule,
    config: ReminderConfig,
    worker_id: String,
    metrics: Option<Arc<Metrics>>,
}

impl std::fmt::Debug for ReminderScheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReminderScheduler")
            .field("schedule", &self.config.schedule)
            .field("worker", &self.worker_id)
            .finish()
    }
}

impl ReminderScheduler {
    pub fn new(
        state: SweepDeps,
        config: ReminderConfig,
        worker_id: String,
    ) -> Result<Self, cron::error::Error> {
        let schedule = cron::Schedule::from_str(&config.schedule)?;
        Ok(Self {
            state,
            schedule,
            config,
            worker_id,
            metrics: None,
        })
    }

    /// Records each sweep's duration in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// One sweep, timed for the `reminder_sweep_duration_seconds` histogram.
    async fn timed_sweep(&self, now: DateTime<Utc>) -> StoreResult<SweepReport> {
        let started = std::time::Instant::now();
        let report = sweep(&self.state, &self.config, now).await;
        if let Some(metrics) = &self.metrics {
            metrics.sweep_took(started.elapsed().as_secs_f64());
        }
        report
    }

    /// The first occurrence strictly after `after`, as UTC.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&self.state.timezone);
        self.schedule
            .after(&local)
            .next()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The latest occurrence at or before `now` within the catch-up window.
    pub fn latest_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = (now - CATCH_UP_WINDOW).with_timezone(&self.state.timezone);
        self.schedule
            .after(&start)
            .map(|t| t.with_timezone(&Utc))
            .take_while(|t| *t <= now)
            .last()
    }

    /// Runs occurrence `at` unless another instance has it or it already ran.
    pub async fn run_occurrence(&self, at: DateTime<Utc>) -> StoreResult<Option<SweepReport>> {
        let store = self.state.store.as_ref();
        let now = self.state.clock.now();
        if !store
            .claim_run(REMINDER_JOB, at, &self.worker_id, now, now + CLAIM_FOR)
            .await?
        {
            tracing::info!(scheduled_for = %at, "reminder run already claimed or done elsewhere");
            return Ok(None);
        }
        let report = self.timed_sweep(now).await?;
        store
            .finish_run(REMINDER_JOB, at, &self.worker_id, self.state.clock.now())
            .await?;
        Ok(Some(report))
    }

    /// Sweeps now without claiming a run: what a takeover of a crashed run does. Safe to
    /// repeat, since every reminder is keyed.
    pub async fn sweep_now(&self) -> StoreResult<SweepReport> {
        self.timed_sweep(self.state.clock.now()).await
    }

    /// On start: the latest occurrence that should have run, if it did not.
    pub async fn catch_up(&self) -> StoreResult<Option<SweepReport>> {
        let now = self.state.clock.now();
        match self.latest_due(now) {
            Some(at) if !self.state.store.run_finished(REMINDER_JOB, at).await? => {
                tracing::info!(scheduled_for = %at, "catching up a missed reminder run");
                self.run_occurrence(at).await
            }
            _ => Ok(None),
        }
    }

    /// Catches up, then sleeps until each next occurrence and runs it, until shutdown.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        if let Err(err) = self.catch_up().await {
            tracing::error!(error = %err, "reminder catch-up failed");
        }
        loop {
            let now = self.state.clock.now();
            let Some(next) = self.next_after(now) else {
                tracing::warn!("reminder schedule has no next occurrence; scheduler stopped");
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
                tracing::error!(error = %err, scheduled_for = %next, "reminder run failed; it will be retried at the next start or occurrence");
            }
        }
    }
}
