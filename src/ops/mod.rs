//! The operator's admin commands (issue 11, item 13), flattened into `admin …`: rename or
//! retire a function, hand a leaver's open items to someone else, see and retry the
//! messages Slack refused, read the audit trail, and back up a live SQLite database.
//! Each change is audited by the store in the same transaction; errors are plain words.

mod audit;
mod backup;
mod functions;
mod outbox;
mod reassign;

use clap::Subcommand;

use crate::clock::Clock;
use crate::domain::Actor;
use crate::store::Store;

#[derive(Debug, Clone, Subcommand)]
pub enum OpsCommand {
    /// Rename function OLD to NEW (names are unique whatever their case). Records keep
    /// pointing at the function; the audit trail keeps both names.
    RenameFunction { old: String, new: String },
    /// Retire a function: it keeps its records but takes no new reports, warnings or
    /// requests, and its people stop belonging to it. Refused while anything is open in
    /// it (listed by reference): close or hand those over first.
    RetireFunction { name: String },
    /// Hand a leaver's open items to someone else: requests and proposals to continue at
    /// review waiting for their decision, disputes they handle, restrictions whose reviews they own, and letters they hold
    /// that are not marked sent. Refused, naming who may, if TO lacks the role an item
    /// needs. Reminders follow the items. `--kind` hands over only some kinds (a decider
    /// may not handle disputes, §7, so they may go to two people).
    Reassign {
        /// The leaver's Slack user id (`U…`).
        #[arg(long)]
        from: String,
        /// Who takes the items over (`U…`).
        #[arg(long)]
        to: String,
        /// Only these kinds of item (repeatable); default all.
        #[arg(long = "kind", value_enum)]
        kinds: Vec<reassign::ItemKind>,
    },
    /// Messages Slack refused for good: `failed` lists them, `retry ID` queues one again.
    #[command(subcommand)]
    Outbox(outbox::OutboxCommand),
    /// Read the audit trail (this reading is itself recorded): everything, or what is about
    /// one person (`SU-12` or `12`) and their records, from DATE on.
    Audit {
        #[arg(long)]
        person: Option<String>,
        /// `YYYY-MM-DD`, from the start of that day in TIMEZONE.
        #[arg(long)]
        since: Option<chrono::NaiveDate>,
        /// The time zone dates are read and times shown in.
        #[arg(long, env = "TIMEZONE", default_value = "Europe/London")]
        timezone: chrono_tz::Tz,
    },
    /// Write a consistent copy of the SQLite database to FILE (a new file, readable by you
    /// only), safe while the bot is serving. For PostgreSQL use pg_dump.
    Backup { file: std::path::PathBuf },
}

/// Runs one operator command and returns what to print.
pub async fn run(
    store: &dyn Store,
    clock: &dyn Clock,
    actor: &Actor,
    command: OpsCommand,
) -> anyhow::Result<String> {
    let now = clock.now();
    match command {
        OpsCommand::RenameFunction { old, new } => {
            functions::rename(store, actor, now, &old, &new).await
        }
        OpsCommand::RetireFunction { name } => functions::retire(store, actor, now, &name).await,
        OpsCommand::Reassign { from, to, kinds } => {
            reassign::run(store, actor, now, &from, &to, &kinds).await
        }
        OpsCommand::Outbox(command) => outbox::run(store, actor, now, command).await,
        OpsCommand::Audit {
            person,
            since,
            timezone,
        } => audit::run(store, actor, now, person.as_deref(), since, timezone).await,
        OpsCommand::Backup { file } => backup::run(store, actor, now, &file).await,
    }
}
