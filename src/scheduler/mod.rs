//! Background work that runs beside the HTTP server: the outbox sender, which delivers
//! every queued Slack call with retries, backoff and Retry-After; and the reminder job on
//! its cron schedule.

pub mod cron_job;
pub mod outbox;
mod plan;
pub mod reminders;
pub mod retention_job;
