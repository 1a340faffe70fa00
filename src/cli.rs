//! The command line: `Cli`, its subcommands and flags with environment fallbacks, turned
//! into a `Config` and run. The only importer of `admin.rs`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;

use chrono_tz::Tz;
use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;

use crate::admin::AdminCommand;
use crate::app::{shutdown_signal, Application};
use crate::clock::SystemClock;
use crate::config::{
    Config, ConfigError, LettersConfig, OutboxConfig, ReminderConfig, RetentionConfig, SlackConfig,
    StaffScope, DEFAULT_COMPLAINTS_CONTACT, DEFAULT_DATABASE_URL, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_REMINDER_SCHEDULE, DEFAULT_RETENTION_SCHEDULE,
};
use crate::domain::Actor;
use crate::store;
use crate::store::url::{backend_of, DatabaseUrl};

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
        /// Who is recorded as the actor in the audit trail (a Slack user id or a name);
        /// accepted before or after the subcommand. Default: the operating-system user.
        #[arg(long, env = "ADMIN_ACTOR", global = true, default_value_t = os_user())]
        actor: String,
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Letters: `letters preview <kind> --out FILE` renders one with sample details, to
    /// check edited templates without Slack or a database.
    Letters {
        #[command(subcommand)]
        command: crate::letters::preview::LettersCommand,
    },
}

#[derive(Debug, Clone, Args)]
pub struct DatabaseArgs {
    /// `sqlite://path/to/file.db` (default) or `postgres://user@host/db`. Its value is never
    /// shown in `--help`: it may hold a password.
    #[arg(
        long,
        env = "DATABASE_URL",
        default_value = DEFAULT_DATABASE_URL,
        global = true,
        hide_env_values = true
    )]
    pub database_url: String,
}

#[derive(Debug, Clone, Args)]
pub struct SlackArgs {
    /// Slack app signing secret (Basic Information → App Credentials).
    #[arg(long, env = "SLACK_SIGNING_SECRET", hide_env_values = true)]
    pub slack_signing_secret: Option<String>,
    /// While rotating the signing secret: the old one, still accepted until removed.
    #[arg(long, env = "SLACK_SIGNING_SECRET_PREVIOUS", hide_env_values = true)]
    pub slack_signing_secret_previous: Option<String>,
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
    pub listen_addr: String,
    /// Serve `/metrics` on this address instead of LISTEN_ADDR (e.g. 0.0.0.0:9090 on an
    /// internal network). Unset: `/metrics` is on LISTEN_ADDR.
    #[arg(long, env = "METRICS_ADDR")]
    pub metrics_addr: Option<String>,
    /// Time zone in which dates are shown and reminders scheduled.
    #[arg(long, env = "TIMEZONE", default_value = "Europe/London")]
    pub timezone: String,
    /// Directory of edited letter templates (a whole set, see templates/README.md); the
    /// defaults are compiled in.
    #[arg(long, env = "TEMPLATES_DIR")]
    pub templates_dir: Option<PathBuf>,
    /// The policy a warning letter encloses (§6): a PDF, sent as it is, or a UTF-8 text
    /// file laid out as a PDF; the bundled policy when unset.
    #[arg(long, env = "POLICY_DOCUMENT")]
    pub policy_document: Option<PathBuf>,
    /// The organisation's name, as letters give it (required to serve).
    #[arg(long, env = "ORGANISATION_NAME")]
    pub organisation_name: Option<String>,
    /// How a service user raises a complaint or dispute (§7), as letters give it.
    #[arg(long, env = "COMPLAINTS_CONTACT", default_value = DEFAULT_COMPLAINTS_CONTACT)]
    pub complaints_contact: String,
    /// When reminders are sent: a cron expression with seconds, in TIMEZONE.
    #[arg(long, env = "REMINDER_SCHEDULE", default_value = DEFAULT_REMINDER_SCHEDULE)]
    pub reminder_schedule: String,
    /// Remind owners of reviews due within this many days.
    #[arg(long, env = "REVIEW_REMINDER_DAYS", default_value = "30")]
    pub review_reminder_days: String,
    /// Nudge the head after this many working days without a decision (then the deputies).
    #[arg(long, env = "APPROVAL_NUDGE_WORKING_DAYS", default_value = "2")]
    pub approval_nudge_working_days: String,
    /// Remind owners of restrictions ending within this many days.
    #[arg(long, env = "ENDING_SOON_DAYS", default_value = "14")]
    pub ending_soon_days: String,
    /// Remind about letters drafted but not marked sent after this many days.
    #[arg(long, env = "LETTER_UNSENT_DAYS", default_value = "5")]
    pub letter_unsent_days: String,
    /// Remind again about overdue reviews and disputes and outstanding police reports
    /// every this many working days, each time to the head of function too (at least 1).
    #[arg(long, env = "OVERDUE_REPEAT_WORKING_DAYS", default_value = "5")]
    pub overdue_repeat_working_days: String,
    /// Who may use the bot: `members` (every full member of the workspace; guests and
    /// bots never) or `enrolled` (full members enrolled in a function, and admins).
    #[arg(long, env = "STAFF", default_value = "members")]
    pub staff: String,
    /// When the retention review runs (a dry run DMed to the admins, R-DP-2): a cron
    /// expression with seconds, in TIMEZONE.
    #[arg(long, env = "RETENTION_SCHEDULE", default_value = DEFAULT_RETENTION_SCHEDULE)]
    pub retention_schedule: String,
    /// How long personal data is kept after a person's last activity: `6y`, `72m` or
    /// `2190d`.
    #[arg(long, env = "RETENTION_PERIOD", default_value = crate::domain::retention::DEFAULT_RETENTION_PERIOD)]
    pub retention_period: String,
}

/// Builds the serving configuration, refusing to start without the secrets it needs.
pub fn config_from_args(db: &DatabaseArgs, slack: &SlackArgs) -> Result<Config, ConfigError> {
    {
        let required = |value: &Option<String>, var: &'static str| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .ok_or(ConfigError::Missing { var })
        };
        let app_token = app_token(slack.slack_app_token.as_deref())?;
        // Socket Mode takes no HTTP requests from Slack, so nothing is signed: the secret
        // is optional there, and without it an unguessable one stands in (never used, as
        // the /slack/* routes are not served).
        let signing_secret = match required(&slack.slack_signing_secret, "SLACK_SIGNING_SECRET") {
            Err(_) if app_token.is_some() => format!("{:032x}", rand::random::<u128>()),
            other => other?,
        };
        let bot_token = required(&slack.slack_bot_token, "SLACK_BOT_TOKEN")?;
        let team_id = required(&slack.slack_team_id, "SLACK_TEAM_ID")?;
        let organisation = required(&slack.organisation_name, "ORGANISATION_NAME")?;
        let listen_addr: SocketAddr =
            slack
                .listen_addr
                .trim()
                .parse()
                .map_err(|_| ConfigError::Invalid {
                    var: "LISTEN_ADDR",
                    reason: format!(
                        "{:?} is not an address and port such as 127.0.0.1:3000",
                        slack.listen_addr
                    ),
                })?;
        let metrics_addr = slack
            .metrics_addr
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(|raw| {
                raw.parse::<SocketAddr>().map_err(|_| ConfigError::Invalid {
                    var: "METRICS_ADDR",
                    reason: format!("{raw:?} is not an address and port such as 127.0.0.1:9090"),
                })
            })
            .transpose()?;
        if metrics_addr == Some(listen_addr) && listen_addr.port() != 0 {
            return Err(ConfigError::Invalid {
                var: "METRICS_ADDR",
                reason: "is the same as LISTEN_ADDR: leave it unset to serve /metrics there"
                    .to_owned(),
            });
        }
        let review_due_days = days(&slack.review_reminder_days, "REVIEW_REMINDER_DAYS", 0)?;
        let ending_soon_days = days(&slack.ending_soon_days, "ENDING_SOON_DAYS", 0)?;
        let letter_unsent_days = days(&slack.letter_unsent_days, "LETTER_UNSENT_DAYS", 1)?;
        let approval_nudge_working_days = working_days(
            &slack.approval_nudge_working_days,
            "APPROVAL_NUDGE_WORKING_DAYS",
        )?;
        let overdue_repeat_working_days = working_days(
            &slack.overdue_repeat_working_days,
            "OVERDUE_REPEAT_WORKING_DAYS",
        )?;
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
        cron::Schedule::from_str(&slack.retention_schedule).map_err(|e| ConfigError::Invalid {
            var: "RETENTION_SCHEDULE",
            reason: e.to_string(),
        })?;
        let retention_period = crate::retention::parse_period(&slack.retention_period)?;
        let staff: StaffScope = slack.staff.parse().map_err(|reason| ConfigError::Invalid {
            var: "STAFF",
            reason,
        })?;
        Ok(Config {
            database_url: db.database_url.clone(),
            listen_addr,
            metrics_addr,
            slack: SlackConfig {
                signing_secret: SecretString::from(signing_secret),
                previous_signing_secret: slack
                    .slack_signing_secret_previous
                    .as_deref()
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(|s| SecretString::from(s.to_owned())),
                bot_token: SecretString::from(bot_token),
                app_token,
                api_url: slack.slack_api_url.trim_end_matches('/').to_owned(),
                team_id,
            },
            timezone,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            outbox: OutboxConfig::default(),
            letters: LettersConfig {
                templates_dir: slack.templates_dir.clone(),
                policy_document: slack.policy_document.clone(),
                organisation,
                complaints_contact: slack.complaints_contact.clone(),
            },
            reminders: ReminderConfig {
                schedule: slack.reminder_schedule.clone(),
                review_due_days,
                ending_soon_days,
                approval_nudge_working_days,
                letter_unsent_days,
                overdue_repeat_working_days,
                ..ReminderConfig::default()
            },
            retention: RetentionConfig {
                schedule: slack.retention_schedule.clone(),
                period: retention_period,
                ..RetentionConfig::default()
            },
            staff,
            socket_mode: Default::default(),
        })
    }
}

/// A whole number of days, at least `min`, or an error naming the variable.
fn days(raw: &str, var: &'static str, min: i64) -> Result<i64, ConfigError> {
    raw.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= min && *n <= 3660)
        .ok_or_else(|| ConfigError::Invalid {
            var,
            reason: format!("{raw:?} is not a whole number of days from {min} to 3660"),
        })
}

/// A whole number of working days, at least 1, or an error naming the variable.
fn working_days(raw: &str, var: &'static str) -> Result<u32, ConfigError> {
    raw.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| (1..=260).contains(n))
        .ok_or_else(|| ConfigError::Invalid {
            var,
            reason: format!("{raw:?} is not a whole number of working days from 1 to 260"),
        })
}

/// What is wrong with a `.env` file, by line number and variable name: never its value,
/// which may be a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvFileError {
    #[error("{path} line {line}{name}: cannot be read. A value with spaces, `#` or quotes must be in double quotes, e.g. ORGANISATION_NAME=\"Our Office\". Nothing was started.")]
    Malformed {
        path: String,
        line: usize,
        name: String,
    },
    #[error("{path} cannot be read: {reason}")]
    Unreadable { path: String, reason: String },
}

/// The `.env` file start-up reads: the working directory's, or the nearest parent
/// directory's (as before), if any.
pub fn env_file() -> Option<PathBuf> {
    let mut dir = std::env::current_dir().ok()?;
    loop {
        let candidate = dir.join(".env");
        if candidate.is_file() {
            return Some(candidate);
        }
        if !dir.pop() {
            return None;
        }
    }
}

/// Reads every variable of a `.env` file, or the first line that cannot be read (the
/// whole file is read before anything is set, so a bad line never leaves half of it
/// applied).
pub fn read_env_file(path: &std::path::Path) -> Result<Vec<(String, String)>, EnvFileError> {
    let shown = path.display().to_string();
    let iter = dotenvy::from_path_iter(path).map_err(|e| EnvFileError::Unreadable {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let mut out = Vec::new();
    for item in iter {
        match item {
            Ok(pair) => out.push(pair),
            Err(dotenvy::Error::LineParse(bad, _)) => {
                // dotenvy hands back the line, or only its value: find the line either way.
                let text = std::fs::read_to_string(path).unwrap_or_default();
                let first = bad.lines().next().unwrap_or_default().trim().to_owned();
                let found = text.lines().enumerate().find(|(_, l)| {
                    let l = l.trim();
                    l == first || l.split_once('=').is_some_and(|(_, v)| v.trim() == first)
                });
                let (line, text_of_line) = found.map_or((0, ""), |(i, l)| (i + 1, l));
                let name = text_of_line
                    .trim()
                    .trim_start_matches("export ")
                    .split('=')
                    .next()
                    .map(str::trim)
                    .filter(|n| {
                        !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default();
                return Err(EnvFileError::Malformed {
                    path: shown,
                    line,
                    name,
                });
            }
            Err(other) => {
                return Err(EnvFileError::Unreadable {
                    path: shown,
                    reason: other.to_string(),
                })
            }
        }
    }
    Ok(out)
}

/// Applies the `.env` file, if there is one: variables already set in the environment win.
/// Called once at start-up, before any thread is started.
pub fn load_env_file() -> Result<(), EnvFileError> {
    let Some(path) = env_file() else {
        return Ok(());
    };
    for (name, value) in read_env_file(&path)? {
        if std::env::var_os(&name).is_none() {
            std::env::set_var(name, value);
        }
    }
    Ok(())
}

/// `SLACK_APP_TOKEN`, when set: an app-level token (`xapp-…`). A bot or user token put
/// there by mistake is named at start rather than refused by Slack on every reconnect.
fn app_token(value: Option<&str>) -> Result<Option<SecretString>, ConfigError> {
    match value.map(str::trim).filter(|t| !t.is_empty()) {
        None => Ok(None),
        Some(token) if token.starts_with("xapp-") => Ok(Some(SecretString::from(token.to_owned()))),
        Some(_) => Err(ConfigError::Invalid {
            var: "SLACK_APP_TOKEN",
            reason: "an app-level token starts with xapp- (Basic Information -> App-Level Tokens, scope connections:write)".to_owned(),
        }),
    }
}

/// Only the two backends we ship are accepted; anything else is a clear start-up error.
pub fn validate_database_url(url: &str) -> Result<(), ConfigError> {
    DatabaseUrl::parse(url)
        .map(|_| ())
        .map_err(|e| ConfigError::Invalid {
            var: "DATABASE_URL",
            reason: e.to_string(),
        })
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,slack_morphism=warn,sqlx=warn,hyper=warn")
    });
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    // Colour codes only for a person at a terminal: a log file, journald or a collector
    // gets plain text (and NO_COLOR, https://no-color.org, turns them off anywhere).
    let colour = std::io::IsTerminal::is_terminal(&std::io::stdout())
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_target(false);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// `serve` is also what runs when no subcommand is given; its options then come from
/// the environment alone.
#[derive(Parser)]
struct ServeDefaults {
    #[command(flatten)]
    slack: SlackArgs,
}

/// Entry point for the binary: dispatches the parsed command line.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    init_tracing();
    let command = cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeDefaults::parse_from(["contact-policy-bot"]).slack));
    match command {
        Command::Serve(slack) => serve(&cli.database, &slack).await,
        Command::CheckConfig(slack) => check_config(&cli.database, &slack).await,
        Command::Migrate => {
            validate_database_url(&cli.database.database_url)?;
            store::connect(&cli.database.database_url).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Admin { actor, command } => {
            validate_database_url(&cli.database.database_url)?;
            let store = store::connect_existing(&cli.database.database_url).await?;
            eprintln!("using {}", store::describe(&cli.database.database_url));
            let output =
                crate::admin::run(store.as_ref(), &SystemClock, &Actor::cli(&actor), command)
                    .await?;
            println!("{output}");
            Ok(())
        }
        Command::Letters { command } => {
            println!("{}", crate::letters::preview::run(command)?);
            Ok(())
        }
    }
}

/// The operating-system user running an admin command, recorded as its actor when
/// `--actor` is not given: `$USER`, else the account's login name.
fn os_user() -> String {
    std::env::var("USER")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| whoami::fallible::username().ok())
        .unwrap_or_else(|| "unknown".to_owned())
}

/// `check-config` (issue 11, item 10): the settings, then everything the bot needs at start —
/// every letter template renders, the database opens (and at which schema), and Slack's
/// `auth.test` accepts the token for `SLACK_TEAM_ID` with every scope the manifest asks for.
/// Changes nothing. Prints what it found; fails naming each problem.
async fn check_config(database: &DatabaseArgs, slack: &SlackArgs) -> anyhow::Result<()> {
    let config = config_from_args(database, slack)?;
    println!(
        "configuration is valid: database {}, listening on {}, time zone {}",
        backend_of(&config.database_url).name(),
        config.listen_addr,
        config.timezone
    );
    let mut problems = Vec::new();
    match crate::letters::Letters::from_dir_or_embedded(config.letters.templates_dir.as_deref()) {
        Ok(letters) => match letters.dir() {
            Some(dir) => println!(
                "letter templates: every letter renders, from {}",
                dir.display()
            ),
            None => println!("letter templates: every letter renders (the compiled-in defaults)"),
        },
        Err(e) => problems.push(format!("letter templates: {e}")),
    }
    match crate::letters::policy::PolicyDocument::load(config.letters.policy_document.as_deref()) {
        Ok(policy) => match &config.letters.policy_document {
            Some(path) => println!(
                "policy document: {} ({} bytes of PDF), enclosed with warnings",
                path.display(),
                policy.pdf.len()
            ),
            None => println!("policy document: the bundled policy, enclosed with warnings"),
        },
        Err(e) => problems.push(format!("policy document: {e}")),
    }
    let where_ = store::describe(&config.database_url);
    match store::open_existing(&config.database_url).await {
        Ok(db) => match db.ping().await {
            Ok(()) => println!("database: {where_} opens, schema current"),
            Err(store::StoreError::SchemaNotCurrent { applied, expected })
                if applied.unwrap_or(0) < expected =>
            {
                println!(
                    "database: {where_} opens, schema at version {} (this binary migrates it to {expected} when it starts)",
                    applied.unwrap_or(0)
                )
            }
            Err(e) => problems.push(format!("database: {where_}: {e}")),
        },
        Err(store::StoreError::NoDatabase { .. }) => {
            println!(
                "database: {where_} does not exist yet (it is created and migrated at first start)"
            )
        }
        Err(e) => problems.push(format!("database: {e}")),
    }
    match crate::slack::auth::auth_test(
        &config.slack.api_url,
        &config.slack.bot_token,
        std::time::Duration::from_secs(10),
    )
    .await
    {
        Ok(token) => {
            if token.team_id != config.slack.team_id {
                problems.push(format!(
                    "slack: the bot token belongs to workspace {} ({}), not SLACK_TEAM_ID {}",
                    token.team, token.team_id, config.slack.team_id
                ));
            } else {
                println!(
                    "slack: the bot token works for workspace {} ({}) as @{}",
                    token.team, token.team_id, token.user
                );
            }
            match token.scopes.as_deref() {
                Some(granted) => {
                    let missing = crate::slack::scopes::missing_from(granted);
                    if !missing.is_empty() {
                        problems.push(format!(
                            "slack: the bot token lacks scopes deploy/slack/manifest.yml asks for: {} (add them under OAuth & Permissions, then reinstall the app)",
                            missing.join(", ")
                        ));
                    }
                }
                None => problems.push(
                    "slack: Slack did not say which scopes the token has (no X-OAuth-Scopes header)"
                        .to_owned(),
                ),
            }
        }
        Err(e) => problems.push(format!("slack: {e}")),
    }
    if problems.is_empty() {
        println!("ready to serve");
        return Ok(());
    }
    for problem in &problems {
        eprintln!("problem: {problem}");
    }
    anyhow::bail!(
        "check-config found {} problem{}",
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    )
}

async fn serve(database: &DatabaseArgs, slack: &SlackArgs) -> anyhow::Result<()> {
    let config = config_from_args(database, slack)?;
    // Held until the process ends: a second `serve` on the same SQLite file refuses.
    let _instance = store::InstanceLock::acquire(&config.database_url)?;
    tracing::info!(backend = backend_of(&config.database_url).name(), timezone = %config.timezone, "starting contact-policy-bot");
    let app = Application::build(config).await?;
    app.run_until_stopped(shutdown_signal()).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn slack_args() -> SlackArgs {
        SlackArgs {
            slack_signing_secret: Some("s3cret".into()),
            slack_signing_secret_previous: None,
            slack_bot_token: Some("xoxb-token".into()),
            slack_app_token: None,
            slack_api_url: "https://slack.com/api/".into(),
            slack_team_id: Some("T123".into()),
            listen_addr: "127.0.0.1:0".into(),
            metrics_addr: None,
            timezone: "Europe/London".into(),
            templates_dir: None,
            policy_document: None,
            organisation_name: Some("Test Office".into()),
            complaints_contact: DEFAULT_COMPLAINTS_CONTACT.into(),
            reminder_schedule: DEFAULT_REMINDER_SCHEDULE.into(),
            retention_schedule: DEFAULT_RETENTION_SCHEDULE.into(),
            retention_period: "6y".into(),
            review_reminder_days: "30".into(),
            approval_nudge_working_days: "2".into(),
            ending_soon_days: "14".into(),
            letter_unsent_days: "5".into(),
            overdue_repeat_working_days: crate::config::DEFAULT_OVERDUE_REPEAT_WORKING_DAYS
                .to_string(),
            staff: "members".into(),
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
        let err = config_from_args(&db(), &args).expect_err("must fail");
        assert_eq!(
            err.to_string(),
            "SLACK_SIGNING_SECRET is not set. See \"Configuration\" in README.md."
        );
    }

    #[test]
    fn r_ops_1_an_app_token_must_be_an_app_level_token() {
        let mut args = slack_args();
        args.slack_app_token = Some("xoxb-not-an-app-token".into());
        let err = config_from_args(&db(), &args).expect_err("must fail");
        let said = err.to_string();
        assert!(said.starts_with("SLACK_APP_TOKEN is not valid: "), "{said}");
        assert!(!said.contains("xoxb-not-an-app-token"), "{said}");
        args.slack_app_token = Some("  ".into());
        let config = config_from_args(&db(), &args).expect("blank is unset");
        assert!(config.slack.app_token.is_none());
        args.slack_app_token = Some("xapp-1-A0-1-abc".into());
        // Socket Mode signs nothing: the signing secret may be left out.
        args.slack_signing_secret = None;
        let config = config_from_args(&db(), &args).expect("valid");
        let token = config.slack.app_token.as_ref().expect("socket mode");
        assert_eq!(token.expose_secret(), "xapp-1-A0-1-abc");
        assert!(!format!("{:?}", config.slack).contains("xapp-1"));
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let config = config_from_args(&db(), &slack_args()).expect("valid");
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("xoxb-token"), "{shown}");
        assert_eq!(config.slack.bot_token.expose_secret(), "xoxb-token");
        assert_eq!(config.slack.api_url, "https://slack.com/api");
    }

    #[test]
    fn i9_f12_overdue_repeat_is_every_five_working_days_unless_set() {
        let config = |raw: &str| {
            let mut args = slack_args();
            args.overdue_repeat_working_days = raw.into();
            config_from_args(&db(), &args).map(|c| c.reminders.overdue_repeat_working_days)
        };
        assert_eq!(config("5").expect("default"), 5);
        assert_eq!(config("3").expect("set"), 3);
        let refused = config("0").expect_err("0 would never repeat: refused");
        assert!(
            refused
                .to_string()
                .starts_with("OVERDUE_REPEAT_WORKING_DAYS is not valid"),
            "{refused}"
        );
        assert_eq!(ReminderConfig::default().overdue_repeat_working_days, 5);
    }

    #[test]
    fn bad_numbers_and_addresses_name_the_environment_variable() {
        let mut args = slack_args();
        args.listen_addr = "localhost".into();
        let err = config_from_args(&db(), &args).expect_err("refused");
        assert!(
            err.to_string().starts_with("LISTEN_ADDR is not valid"),
            "{err}"
        );
        let mut args = slack_args();
        args.metrics_addr = Some("metrics.internal".into());
        let err = config_from_args(&db(), &args).expect_err("refused");
        assert!(
            err.to_string().starts_with("METRICS_ADDR is not valid"),
            "{err}"
        );
        args.metrics_addr = Some("127.0.0.1:9090".into());
        let config = config_from_args(&db(), &args).expect("valid");
        assert_eq!(config.metrics_addr, "127.0.0.1:9090".parse().ok());
        let mut args = slack_args();
        args.letter_unsent_days = "five".into();
        let err = config_from_args(&db(), &args).expect_err("refused");
        assert!(
            err.to_string()
                .starts_with("LETTER_UNSENT_DAYS is not valid"),
            "{err}"
        );
        let mut args = slack_args();
        args.organisation_name = None;
        let err = config_from_args(&db(), &args).expect_err("refused");
        assert_eq!(
            err.to_string(),
            "ORGANISATION_NAME is not set. See \"Configuration\" in README.md."
        );
    }

    #[test]
    fn a_malformed_env_line_is_named_by_number_and_variable_never_by_value() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join(".env");
        std::fs::write(
            &path,
            "# comment\nSLACK_TEAM_ID=T123\nORGANISATION_NAME=Borough Of Things\nSLACK_BOT_TOKEN=xoxb-secret\n",
        )
        .expect("write");
        let err = read_env_file(&path).expect_err("refused");
        let said = err.to_string();
        assert!(
            said.contains(" line 3 (ORGANISATION_NAME): cannot be read"),
            "{said}"
        );
        assert!(!said.contains("Borough"), "{said}");
        std::fs::write(&path, "A=1\nB=\"two words\"\n").expect("write");
        assert_eq!(
            read_env_file(&path).expect("read"),
            vec![("A".into(), "1".into()), ("B".into(), "two words".into())]
        );
    }

    #[test]
    fn r_dp_3_staff_are_all_full_members_unless_set_to_enrolled() {
        let config = config_from_args(&db(), &slack_args()).expect("valid");
        assert_eq!(config.staff, StaffScope::FullMembers);
        let mut args = slack_args();
        args.staff = "enrolled".into();
        let config = config_from_args(&db(), &args).expect("valid");
        assert_eq!(config.staff, StaffScope::Enrolled);
        args.staff = "guests".into();
        let err = config_from_args(&db(), &args).expect_err("must fail");
        assert!(err.to_string().starts_with("STAFF is not valid"), "{err}");
        let cli =
            Cli::try_parse_from(["contact-policy-bot", "check-config", "--staff", "enrolled"])
                .expect("flag");
        match cli.command {
            Some(Command::CheckConfig(slack)) => assert_eq!(slack.staff, "enrolled"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_database_scheme_is_refused() {
        let err = validate_database_url("mysql://x").expect_err("must fail");
        assert!(err.to_string().starts_with("DATABASE_URL is not valid"));
    }
}
