//! One `Config`, read from flags with environment fallbacks. Secrets are held in
//! `SecretString`, so `Debug` and logs show `[REDACTED]`, never the value.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use chrono_tz::Tz;
use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

/// Default SQLite database: a file under `./data/`, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/contact-policy-bot.db";
/// Requests larger than this are refused with 413 before anything is parsed.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

#[derive(Debug, Parser)]
#[command(
    name = "contact-policy-bot",
    version,
    about = "Slack bot for the managing service user contact policy"
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot: HTTP endpoints for Slack, the outbox sender and the scheduler (default).
    Serve(SlackArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Validate the configuration without starting anything.
    CheckConfig(SlackArgs),
    /// Manage functions, heads, deputies, managers, members and admins.
    Admin {
        /// Slack user id (or name) recorded as the actor in the audit trail.
        #[arg(long, env = "ADMIN_ACTOR", default_value = "cli")]
        actor: String,
        #[command(subcommand)]
        command: crate::admin::AdminCommand,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://path/to/file.db` (default) or `postgres://user@host/db`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct SlackArgs {
    /// Slack app signing secret (Basic Information → App Credentials).
    #[arg(long, env = "SLACK_SIGNING_SECRET", hide_env_values = true)]
    pub slack_signing_secret: Option<String>,
    /// Bot user OAuth token, `xoxb-…`.
    #[arg(long, env = "SLACK_BOT_TOKEN", hide_env_values = true)]
    pub slack_bot_token: Option<String>,
    /// App-level token for Socket Mode, `xapp-…` (optional).
    #[arg(long, env = "SLACK_APP_TOKEN", hide_env_values = true)]
    pub slack_app_token: Option<String>,
    /// Slack Web API base URL; tests point it at a fake Slack on loopback.
    #[arg(long, env = "SLACK_API_URL", default_value = "https://slack.com/api")]
    pub slack_api_url: String,
    /// The one workspace this bot serves; requests from any other are refused.
    #[arg(long, env = "SLACK_TEAM_ID")]
    pub slack_team_id: Option<String>,
    /// Address the HTTP server listens on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:3000")]
    pub listen_addr: SocketAddr,
    /// Time zone in which dates are shown and reminders scheduled.
    #[arg(long, env = "TIMEZONE", default_value = "Europe/London")]
    pub timezone: String,
    /// Directory of letter templates (editable without rebuilding).
    #[arg(long, env = "TEMPLATES_DIR", default_value = "templates")]
    pub templates_dir: PathBuf,
    /// The organisation's name, as letters give it.
    #[arg(
        long,
        env = "ORGANISATION_NAME",
        default_value = "Independent Office for Police Conduct"
    )]
    pub organisation_name: String,
    /// How a service user raises a complaint or dispute (§7), as letters give it.
    #[arg(long, env = "COMPLAINTS_CONTACT", default_value = DEFAULT_COMPLAINTS_CONTACT)]
    pub complaints_contact: String,
    /// When reminders are sent: a cron expression with seconds, in TIMEZONE.
    #[arg(long, env = "REMINDER_SCHEDULE", default_value = DEFAULT_REMINDER_SCHEDULE)]
    pub reminder_schedule: String,
    /// Remind owners of reviews due within this many days.
    #[arg(long, env = "REVIEW_REMINDER_DAYS", default_value_t = 30)]
    pub review_reminder_days: i64,
    /// Nudge the head after this many working days without a decision (then the deputies).
    #[arg(long, env = "APPROVAL_NUDGE_WORKING_DAYS", default_value_t = 2)]
    pub approval_nudge_working_days: u32,
    /// Remind owners of restrictions ending within this many days.
    #[arg(long, env = "ENDING_SOON_DAYS", default_value_t = 14)]
    pub ending_soon_days: i64,
    /// Remind about letters drafted but not marked sent after this many days.
    #[arg(long, env = "LETTER_UNSENT_DAYS", default_value_t = 5)]
    pub letter_unsent_days: i64,
}

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
            background: true,
        }
    }
}

pub const DEFAULT_REMINDER_SCHEDULE: &str = "0 0 9 * * Mon-Fri";

pub const DEFAULT_COMPLAINTS_CONTACT: &str =
    "write to our complaints team, quoting the reference at the top of this letter, or ask any member of staff how to complain";

/// Letters: where the templates are and what they say about the organisation.
#[derive(Debug, Clone)]
pub struct LettersConfig {
    pub templates_dir: PathBuf,
    pub organisation: String,
    pub complaints_contact: String,
}

/// Everything the running bot needs. Built once at start; tests build it directly.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub listen_addr: SocketAddr,
    pub slack: SlackConfig,
    pub timezone: Tz,
    pub max_body_bytes: usize,
    pub outbox: OutboxConfig,
    pub letters: LettersConfig,
    pub reminders: ReminderConfig,
}

#[derive(Debug, Clone)]
pub struct SlackConfig {
    pub signing_secret: SecretString,
    pub bot_token: SecretString,
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

impl Config {
    /// Builds the serving configuration, refusing to start without the secrets it needs.
    pub fn from_args(db: &DatabaseArgs, slack: &SlackArgs) -> Result<Self, ConfigError> {
        let required = |value: &Option<String>, var: &'static str| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or(ConfigError::Missing { var })
        };
        let signing_secret = required(&slack.slack_signing_secret, "SLACK_SIGNING_SECRET")?;
        let bot_token = required(&slack.slack_bot_token, "SLACK_BOT_TOKEN")?;
        let team_id = required(&slack.slack_team_id, "SLACK_TEAM_ID")?;
        let timezone: Tz = slack.timezone.parse().map_err(|_| ConfigError::Invalid {
            var: "TIMEZONE",
            reason: format!("unknown time zone {:?}", slack.timezone),
        })?;
        url::Url::parse(&slack.slack_api_url).map_err(|e| ConfigError::Invalid {
            var: "SLACK_API_URL",
            reason: e.to_string(),
        })?;
        validate_database_url(&db.database_url)?;
        cron::Schedule::from_str(&slack.reminder_schedule).map_err(|e| ConfigError::Invalid {
            var: "REMINDER_SCHEDULE",
            reason: e.to_string(),
        })?;
        Ok(Self {
            database_url: db.database_url.clone(),
            listen_addr: slack.listen_addr,
            slack: SlackConfig {
                signing_secret: SecretString::from(signing_secret),
                bot_token: SecretString::from(bot_token),
                app_token: slack
                    .slack_app_token
                    .clone()
                    .filter(|t| !t.trim().is_empty())
                    .map(SecretString::from),
                api_url: slack.slack_api_url.trim_end_matches('/').to_owned(),
                team_id,
            },
            timezone,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            outbox: OutboxConfig::default(),
            letters: LettersConfig {
                templates_dir: slack.templates_dir.clone(),
                organisation: slack.organisation_name.clone(),
                complaints_contact: slack.complaints_contact.clone(),
            },
            reminders: ReminderConfig {
                schedule: slack.reminder_schedule.clone(),
                review_due_days: slack.review_reminder_days,
                ending_soon_days: slack.ending_soon_days,
                approval_nudge_working_days: slack.approval_nudge_working_days,
                letter_unsent_days: slack.letter_unsent_days,
                ..ReminderConfig::default()
            },
        })
    }
}

/// Only the two backends we ship are accepted; anything else is a clear start-up error.
pub fn validate_database_url(url: &str) -> Result<(), ConfigError> {
    if url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://")
    {
        Ok(())
    } else {
        Err(ConfigError::Invalid {
            var: "DATABASE_URL",
            reason: "expected sqlite://… or postgres://…".into(),
        })
    }
}

/// The directory a SQLite URL's file lives in, so it can be created before connecting.
pub fn sqlite_parent_dir(url: &str) -> Option<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = path.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    PathBuf::from(path)
        .parent()
        .map(PathBuf::from)
        .filter(|p| !p.as_os_str().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn slack_args() -> SlackArgs {
        SlackArgs {
            slack_signing_secret: Some("s3cret".into()),
            slack_bot_token: Some("xoxb-token".into()),
            slack_app_token: None,
            slack_api_url: "https://slack.com/api/".into(),
            slack_team_id: Some("T123".into()),
            listen_addr: "127.0.0.1:0".parse().expect("addr"),
            timezone: "Europe/London".into(),
            templates_dir: "templates".into(),
            organisation_name: "Test Office".into(),
            complaints_contact: DEFAULT_COMPLAINTS_CONTACT.into(),
            reminder_schedule: DEFAULT_REMINDER_SCHEDULE.into(),
            review_reminder_days: 30,
            approval_nudge_working_days: 2,
            ending_soon_days: 14,
            letter_unsent_days: 5,
        }
    }

    fn db() -> DatabaseArgs {
        DatabaseArgs {
            database_url: DEFAULT_DATABASE_URL.into(),
        }
    }

    #[test]
    fn missing_secret_names_the_variable_and_the_readme() {
        let mut args = slack_args();
        args.slack_signing_secret = None;
        let err = Config::from_args(&db(), &args).expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "SLACK_SIGNING_SECRET is not set. See \"Configuration\" in README.md."
        );
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let config = Config::from_args(&db(), &slack_args()).expect("valid");
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("xoxb-token"), "{shown}");
        assert_eq!(config.slack.bot_token.expose_secret(), "xoxb-token");
        assert_eq!(config.slack.api_url, "https://slack.com/api");
    }

    #[test]
    fn unknown_database_scheme_is_refused() {
        let err = validate_database_url("mysql://x").expect_err("must fail");
        assert!(err.to_string().starts_with("DATABASE_URL is not valid"));
    }

    #[test]
    fn sqlite_parent_dir_is_found() {
        assert_eq!(
            sqlite_parent_dir("sqlite://data/x.db"),
            Some(PathBuf::from("data"))
        );
        assert_eq!(sqlite_parent_dir("sqlite::memory:"), None);
    }
}
