//! Scheduled jobs on their cron schedules: the reminder sweep (R-REM-1, R-REM-3) and the
//! retention review (R-DP-2) share one [`CronJob`]. Occurrences are computed in the
//! configured time zone, so "weekdays 09:00 Europe/London" stays 09:00 across daylight
//! saving changes. Each occurrence is claimed in the database before it runs, so two
//! instances never both run it, a crashed run is taken over once its claim lapses, and a
//! bot that was down at 09:00 catches up once when it starts (the latest missed
//! occurrence only, not one run per missed day).

use std::future::Future;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::watch;

use super::reminders::{sweep, SweepDeps, SweepReport};
use crate::clock::Clock;
use crate::config::ReminderConfig;
use crate::metrics::Metrics;
use crate::store::{Store, StoreResult};

pub const REMINDER_JOB: &str = "reminders";
/// How long a claimed run may take before another instance may take it over.
const CLAIM_FOR: chrono::Duration = chrono::Duration::minutes(10);
/// How far back the reminder job's catch-up looks for a missed occurrence.
const REMINDER_CATCH_UP: chrono::Duration = chrono::Duration::days(8);

/// One job's schedule and its claim on each occurrence; what the job does is passed in.
#[derive(Clone)]
pub struct CronJob {
    name: &'static str,
    expression: String,
    schedule: cron::Schedule,
    timezone: Tz,
    catch_up_window: chrono::Duration,
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    worker_id: String,
}

impl std::fmt::Debug for CronJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CronJob")
            .field("job", &self.name)
            .field("schedule", &self.expression)
            .field("worker", &self.worker_id)
            .finish()
    }
}

/// Where a job runs: its store, clock, zone and this instance's name in claims.
#[derive(Clone)]
pub struct JobHost {
    pub store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub timezone: Tz,
    pub worker_id: String,
}

impl CronJob {
    pub fn new(
        name: &'static str,
        expression: &str,
        catch_up_window: chrono::Duration,
        host: JobHost,
    ) -> Result<Self, cron::error::Error> {
        Ok(Self {
            name,
            expression: expression.to_owned(),
            schedule: cron::Schedule::from_str(expression)?,
            timezone: host.timezone,
            catch_up_window,
            store: host.store,
            clock: host.clock,
            worker_id: host.worker_id,
        })
    }

    /// The first occurrence strictly after `after`, as UTC.
    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.schedule
            .after(&after.with_timezone(&self.timezone))
            .next()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The latest occurrence at or before `now` within the catch-up window.
    pub fn latest_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start = (now - self.catch_up_window).with_timezone(&self.timezone);
        self.schedule
            .after(&start)
            .map(|t| t.with_timezone(&Utc))
            .take_while(|t| *t <= now)
            .last()
    }

    /// Runs `work` for occurrence `at` unless another instance has it or it already ran.
    pub async fn run_occurrence<R, Fut>(
        &self,
        at: DateTime<Utc>,
        work: impl FnOnce() -> Fut,
    ) -> StoreResult<Option<R>>
    where
        Fut: Future<Output = StoreResult<R>>,
    {
        let now = self.clock.now();
        if !self
            .store
            .claim_run(self.name, at, &self.worker_id, now, now + CLAIM_FOR)
            .await?
        {
            tracing::info!(job = self.name, scheduled_for = %at, "run already claimed or done elsewhere");
            return Ok(None);
        }
        let report = work().await?;
        self.store
            .finish_run(self.name, at, &self.worker_id, self.clock.now())
            .await?;
        Ok(Some(report))
    }

    /// On start: the latest occurrence that should have run, if it did not.
    pub async fn catch_up<R, Fut>(&self, work: impl FnOnce() -> Fut) -> StoreResult<Option<R>>
    where
        Fut: Future<Output = StoreResult<R>>,
    {
        match self.latest_due(self.clock.now()) {
            Some(at) if !self.store.run_finished(self.name, at).await? => {
                tracing::info!(job = self.name, scheduled_for = %at, "catching up a missed run");
                self.run_occurrence(at, work).await
            }
            _ => Ok(None),
        }
    }

    /// Catches up, then sleeps until each next occurrence and runs `work`, until shutdown.
    pub async fn run<R, Fut>(&self, mut shutdown: watch::Receiver<bool>, work: impl Fn() -> Fut)
    where
        Fut: Future<Output = StoreResult<R>>,
    {
        if let Err(err) = self.catch_up(&work).await {
            tracing::error!(job = self.name, error = %err, "catch-up failed");
        }
        loop {
            let now = self.clock.now();
            let Some(next) = self.next_after(now) else {
                tracing::warn!(
                    job = self.name,
                    "schedule has no next occurrence; job stopped"
                );
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
            if let Err(err) = self.run_occurrence(next, &work).await {
                tracing::error!(job = self.name, error = %err, scheduled_for = %next, "run failed; it is caught up at the next start or retried at the next occurrence");
            }
        }
    }
}

/// The reminder sweep on `REMINDER_SCHEDULE`.
#[derive(Clone)]
pub struct ReminderScheduler {
    job: CronJob,
    state: SweepDeps,
    config: ReminderConfig,
    metrics: Option<Arc<Metrics>>,
}

impl std::fmt::Debug for ReminderScheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.job.fmt(f)
    }
}

impl ReminderScheduler {
    pub fn new(
        state: SweepDeps,
        config: ReminderConfig,
        worker_id: String,
    ) -> Result<Self, cron::error::Error> {
        let host = JobHost {
            store: state.store.clone(),
            clock: state.clock.clone(),
            timezone: state.timezone,
            worker_id,
        };
        let job = CronJob::new(REMINDER_JOB, &config.schedule, REMINDER_CATCH_UP, host)?;
        Ok(Self {
            job,
            state,
            config,
            metrics: None,
        })
    }

    /// Records each sweep's duration in `metrics`.
    pub fn with_metrics(mut self, metrics: Arc<Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    pub fn next_after(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.job.next_after(after)
    }

    pub fn latest_due(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.job.latest_due(now)
    }

    /// Runs occurrence `at` unless another instance has it or it already ran.
    pub async fn run_occurrence(&self, at: DateTime<Utc>) -> StoreResult<Option<SweepReport>> {
        self.job.run_occurrence(at, || self.sweep_now()).await
    }

    /// Sweeps now without claiming a run: what a takeover of a crashed run does. Safe to
    /// repeat, since every reminder is keyed.
    pub async fn sweep_now(&self) -> StoreResult<SweepReport> {
        let started = std::time::Instant::now();
        let report = sweep(&self.state, &self.config, self.state.clock.now()).await;
        // Timed for the `reminder_sweep_duration_seconds` histogram.
        if let Some(metrics) = &self.metrics {
            metrics.sweep_took(started.elapsed().as_secs_f64());
        }
        report
    }

    /// On start: the latest occurrence that should have run, if it did not.
    pub async fn catch_up(&self) -> StoreResult<Option<SweepReport>> {
        self.job.catch_up(|| self.sweep_now()).await
    }

    /// Catches up, then runs each next occurrence, until shutdown.
    pub async fn run(self, shutdown: watch::Receiver<bool>) {
        self.job.run(shutdown, || self.sweep_now()).await
    }
}
