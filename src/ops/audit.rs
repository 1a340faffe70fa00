//! `admin audit [--person REF] [--since DATE]`: the audit trail as plain text, one event a
//! line. The trail holds ids, statuses and the names of changed fields, never personal
//! values; reading it is still recorded, as every reading of a person's records is.

use std::fmt::Write as _;

use anyhow::{anyhow, bail};
use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};
use chrono_tz::Tz;

use crate::domain::Actor;
use crate::store::ops::AuditQuery;
use crate::store::{AuditEvent, Store};

pub async fn run(
    store: &dyn Store,
    actor: &Actor,
    now: DateTime<Utc>,
    person: Option<&str>,
    since: Option<NaiveDate>,
    zone: Tz,
) -> anyhow::Result<String> {
    let person_id = match person {
        None => None,
        Some(text) => {
            let id = crate::domain::person::PersonRef::parse(text)
                .map_err(|e| anyhow!("{e}"))?
                .id();
            if store.person(id).await?.is_none() {
                bail!("no person SU-{id} is on record");
            }
            Some(id)
        }
    };
    let since = since
        .map(|day| {
            zone.from_local_datetime(&day.and_time(chrono::NaiveTime::MIN))
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| anyhow!("{day} has no midnight in {zone}"))
        })
        .transpose()?;
    let events = store
        .read_audit_trail(AuditQuery { person_id, since }, actor, now)
        .await?;
    if events.is_empty() {
        return Ok("no audit events".to_owned());
    }
    let mut out = String::new();
    for event in &events {
        let _ = writeln!(out, "{}", line(event, zone));
    }
    Ok(out.trim_end().to_owned())
}

/// One event: when (in `zone`), who, what, about what, and what changed.
fn line(event: &AuditEvent, zone: Tz) -> String {
    let mut line = format!(
        "{}  {}  {}  {} {}",
        event
            .occurred_at
            .with_timezone(&zone)
            .format("%Y-%m-%d %H:%M:%S %:z"),
        event.actor,
        event.action,
        event.subject_type,
        event.subject_id
    );
    if let Some(function) = event.function_id {
        let _ = write!(line, "  function {function}");
    }
    if let Some(before) = &event.before {
        let _ = write!(line, "  before {before}");
    }
    if let Some(after) = &event.after {
        let _ = write!(line, "  after {after}");
    }
    line
}
