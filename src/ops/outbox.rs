//! `admin outbox failed` and `admin outbox retry ID`: the messages Slack refused for good,
//! by reference only (id, method, error, when; never the payload, which may name a person).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use clap::Subcommand;

use crate::domain::Actor;
use crate::store::Store;

#[derive(Debug, Clone, Subcommand)]
pub enum OutboxCommand {
    /// List the messages Slack refused for good: id, method, error and when.
    Failed,
    /// Queue failed message ID again, to be sent at once (after fixing the cause, e.g.
    /// inviting the bot to a channel).
    Retry { id: i64 },
}

pub async fn run(
    store: &dyn Store,
    actor: &Actor,
    now: DateTime<Utc>,
    command: OutboxCommand,
) -> anyhow::Result<String> {
    match command {
        OutboxCommand::Failed => {
            let failed = store.failed_outbox().await?;
            if failed.is_empty() {
                return Ok("no failed messages".to_owned());
            }
            let mut out = String::new();
            for message in &failed {
                let when = message.failed_at.unwrap_or(message.created_at);
                let _ = writeln!(
                    out,
                    "{}  {}  {}  failed {}",
                    message.id,
                    message.method,
                    message.error.as_deref().unwrap_or("(no error recorded)"),
                    when.format("%Y-%m-%d %H:%M:%S UTC")
                );
            }
            Ok(out.trim_end().to_owned())
        }
        OutboxCommand::Retry { id } => {
            store.retry_outbox(id, actor, now).await?;
            Ok(format!(
                "message {id} is queued again; a running bot sends it within a few seconds"
            ))
        }
    }
}
