//! One `Config` and its parts; `cli.rs` fills it from flags with environment fallbacks. Secrets are held in
//! `SecretString`, so `Debug` and logs show `[REDACTED]`, never the value.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use chrono_tz::Tz;
use secrecy::SecretString;

/// Default SQLite database: a file under `./data/`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/contact-policy-bot.db";
/// Requests larger than this are refused with 413 before anything is parsed.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// When reminders are swept, and how far ahead and back they look (R-REM-1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderConfig {
    /// Cron expression with seconds, in `TIMEZONE` (default weekdays 09:00).
    pub schedule: String,
    pub review_due_days: i64,
    pub ending_soon_days: i64,
    pub approval_nudge_working_days: u32,
    pub police_report_after_hours: i64,
    pub letter_unsent_days: i64,
    /// Overdue reviews and disputes and outstanding police reports are reminded again
    /// every this many working days, each time to the head too.
    pub overdue_repeat_working_days: u32,
    /// Run the schedule in the background (tests drive occurrences themselves).
    pub background: bool,
}

impl Default for ReminderConfig {
    fn default() -> Self {
        Self {
            schedule: DEFAULT_REMINDER_SCHEDULE.to_owned(),
            review_due_days: 30,
            ending_soon_days: 14,
            approval_nudge_working_days: 2,
            police_report_after_hours: 24,
            letter_unsent_days: 5,
            overdue_repeat_working_days: DEFAULT_OVERDUE_REPEAT_WORKING_DAYS,
            background: true,
        }
    }
}

pub const DEFAULT_REMINDER_SCHEDULE: &str = "0 0 9 * * Mon-Fri";

/// The retention review's default: 06:00 on the first of every month (R-DP-2).
pub const DEFAULT_RETENTION_SCHEDULE: &str = "0 0 6 1 * *";

/// The retention job (R-DP-2): a dry run on its schedule DMs the admins the people due,
/// and erases only what an admin confirms.
#[derive(Debug, Clone)]
pub struct RetentionConfig {
    /// Cron expression with seconds, in `TIMEZONE` (`RETENTION_SCHEDULE`).
    pub schedule: String,
    /// `RETENTION_PERIOD` (default six years).
    pub period: crate::domain::retention::RetentionPeriod,
    /// Run the schedule in the background (tests drive occurrences themselves).
    pub background: bool,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            schedule: DEFAULT_RETENTION_SCHEDULE.to_owned(),
            period: crate::domain::retention::RetentionPeriod::Months(72),
            background: true,
        }
    }
}
/// `OVERDUE_REPEAT_WORKING_DAYS` when unset.
pub const DEFAULT_OVERDUE_REPEAT_WORKING_DAYS: u32 = 5;

pub const DEFAULT_COMPLAINTS_CONTACT: &str =
    "write to our complaints team, quoting the reference at the top of this letter, or ask any member of staff how to complain";

/// Letters: where the templates are and what they say about the organisation.
#[derive(Debug, Clone)]
pub struct LettersConfig {
    /// Edited templates (`TEMPLATES_DIR`); `None` for the defaults compiled in.
    pub templates_dir: Option<PathBuf>,
    /// The policy document a warning encloses (`POLICY_DOCUMENT`): a PDF, or plain text
    /// laid out as one; `None` for the bundled policy.
    pub policy_document: Option<PathBuf>,
    pub organisation: String,
    pub complaints_contact: String,
}

/// Everything the running bot needs. Built once at start; tests build it directly.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub listen_addr: SocketAddr,
    /// Where `/metrics` is served when set (`METRICS_ADDR`): a listener of its own, and
    /// then not on `listen_addr`, so metrics can stay on an internal network.
    pub metrics_addr: Option<SocketAddr>,
    pub slack: SlackConfig,
    pub timezone: Tz,
    pub max_body_bytes: usize,
    pub outbox: OutboxConfig,
    pub letters: LettersConfig,
    pub reminders: ReminderConfig,
    pub retention: RetentionConfig,
    /// Who counts as staff, beyond being a full member of the workspace (R-DP-3).
    pub staff: StaffScope,
    /// How Socket Mode connections are kept (used only when `SLACK_APP_TOKEN` is set).
    pub socket_mode: SocketModeConfig,
}

/// How Socket Mode connections are kept up. Defaults suit production; tests shorten them.
#[derive(Debug, Clone)]
pub struct SocketModeConfig {
    /// First wait before reconnecting after a dropped or refused connection; doubles each
    /// failure in a row up to `max_backoff`, each wait drawn at random from its upper half
    /// (jitter, so instances do not reconnect in step).
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// `apps.connections.open` and the WebSocket handshake together may take this long;
    /// so may Slack's `hello` once connected.
    pub connect_timeout: Duration,
    /// A ping goes to Slack this often; a connection silent (not even a pong) for three
    /// of these is taken as dropped.
    pub ping_interval: Duration,
    /// A new connection is opened this long before the `approximate_connection_time`
    /// Slack gave in `hello` is up, so no envelope waits on a reconnect.
    pub refresh_margin: Duration,
}

impl Default for SocketModeConfig {
    fn default() -> Self {
        Self {
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(20),
            refresh_margin: Duration::from_secs(60),
        }
    }
}

/// Who may use the bot (R-DP-3). Staff are always the workspace's full members: guests,
/// bots and deactivated accounts never are. `STAFF=enrolled` narrows staff to those
/// enrolled in a function (any role) or made an admin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StaffScope {
    /// Every full member of the workspace (`STAFF=members`, the default).
    #[default]
    FullMembers,
    /// Full members enrolled in a function, or admins (`STAFF=enrolled`).
    Enrolled,
}

impl std::str::FromStr for StaffScope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "members" | "all" => Ok(Self::FullMembers),
            "enrolled" => Ok(Self::Enrolled),
            other => Err(format!("{other:?} is not members or enrolled")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct SlackConfig {
    pub signing_secret: SecretString,
    /// The signing secret being rotated out (`SLACK_SIGNING_SECRET_PREVIOUS`): requests
    /// signed with it are accepted until it is removed.
    pub previous_signing_secret: Option<SecretString>,
    pub bot_token: SecretString,
    /// `SLACK_APP_TOKEN` (`xapp-…`, scope `connections:write`): when set, the bot takes
    /// Slack's requests over Socket Mode and serves only health, readiness and metrics
    /// over HTTP.
    pub app_token: Option<SecretString>,
    pub api_url: String,
    pub team_id: String,
}

/// How the outbox sender retries. Defaults suit production; tests shorten them.
#[derive(Debug, Clone)]
pub struct OutboxConfig {
    /// Wait between sweeps when nothing wakes the sender.
    pub poll_interval: Duration,
    /// First retry delay after a 5xx or timeout; doubles each attempt up to `max_backoff`.
    pub base_backoff: Duration,
    pub max_backoff: Duration,
    /// A row still undelivered after this many failed attempts is reported (an error in the
    /// log) and goes on being tried every `max_backoff`: a long outage must not lose
    /// messages, so only Slack's refusal of the call itself gives a row up.
    pub alert_after_attempts: i32,
    /// A claimed row whose sender died is taken over after this long.
    pub claim_timeout: Duration,
    /// One Slack call may take this long before it counts as a timeout.
    pub request_timeout: Duration,
}

impl Default for OutboxConfig {
    fn default() -> Self {
        Self {
            poll_interval: Duration::from_secs(5),
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(300),
            alert_after_attempts: 12,
            claim_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(10),
        }
    }
}

/// A configuration problem, worded for the person starting the bot.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{var} is not set. See \"Configuration\" in README.md.")]
    Missing { var: &'static str },
    #[error("{var} is not valid: {reason}. See \"Configuration\" in README.md.")]
    Invalid { var: &'static str, reason: String },
}
