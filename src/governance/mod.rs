//! The fairness and consistency report (R-DP-5, policy §2): counts of what the register
//! holds over a period, by month, function, behaviour category and kind, measure, request
//! outcome, time to decision, disputes, reviews, police reports, breaches (by contact
//! channel) and letters (by kind, format and language), for a governance board.
//!
//! # Nobody can be recognised from the report
//!
//! * The store's queries count; they never select a name, an identifier, free text or a
//!   record id (`store::governance`). The report holds function names, the policy's
//!   categories and counts, nothing else.
//! * Any count from 1 to 4 is shown as "fewer than 5"; 0 stays 0 ([`report::Cell`]).
//! * The report publishes no totals or subtotals. But some sections break down the same
//!   records twice (requests by outcome and by time to decision; letters by kind and the
//!   disputes and reviews that caused them), so a total can be implied by one section
//!   and subtracted in another. Hence secondary suppression ([`report::Cell::Withheld`]):
//!   wherever one function's cells in a section (one kind of letter, one month) hide a
//!   single count, the smallest other positive count is withheld too, and no lone hidden
//!   count is left to be worked out. The chart's bars add up the shown cells of the
//!   functions in scope and name the hidden ones in their label ("12 + fewer than 5 +
//!   withheld"), exactly what the CSV says. Incidents are broken down by month and
//!   category only; contact channel is reported for breaches.
//! * What suppression cannot prevent: reports for overlapping periods (a year and its
//!   quarters, or any two day windows from the command line) can be compared with each
//!   other. The rule text in every output says so, for whoever the report is shared with.
//!
//! Output: CSV ([`output::CSV_HEADER`]), JSON, and a PNG chart ([`chart`]).

pub mod chart;
pub mod output;
pub mod period;
pub mod report;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;

use crate::domain::audit::AuditEntry;
use crate::domain::Actor;
use crate::store::{FunctionSummary, NewOutboxMessage, Store, StoreResult};
use output::Format;
use period::Period;
use report::{Report, ReportContext, Scope, ScopedFunction};

/// The audit action of every reading of the report.
pub const AUDIT_ACTION: &str = "governance_report";

/// Which functions a report covers: `None` for all of them (admins), else the ids.
pub async fn generate(
    store: &dyn Store,
    functions: &[FunctionSummary],
    only: Option<&[i64]>,
    period: Period,
    organisation: &str,
    zone: Tz,
    now: DateTime<Utc>,
) -> StoreResult<Report> {
    let mut scoped: Vec<ScopedFunction> = functions
        .iter()
        .filter(|f| only.is_none_or(|ids| ids.contains(&f.id)))
        .map(|f| ScopedFunction {
            id: f.id,
            name: f.name.clone(),
        })
        .collect();
    scoped.sort_by(|a, b| a.name.cmp(&b.name));
    let scope = match only {
        None => Scope::AllFunctions,
        Some(_) => Scope::Functions(scoped.iter().map(|f| f.name.clone()).collect()),
    };
    let today = now.with_timezone(&zone).date_naive();
    let counts = store.governance_counts(&period.query(zone, today)).await?;
    Ok(report::build(
        &counts,
        &ReportContext {
            organisation,
            period,
            scope,
            functions: &scoped,
            zone,
            now,
        },
    ))
}

/// The audit event of one reading: who, which period, in which format, of which functions
/// (ids), and where it went. No counts.
pub fn audit_entry(
    actor: &Actor,
    report: &Report,
    only: Option<&[i64]>,
    formats: &[&str],
    delivered_to: &str,
) -> AuditEntry {
    AuditEntry::new(
        actor,
        AUDIT_ACTION,
        "governance_report",
        report.period_start.to_string(),
    )
    .after(json!({
        "period_start": report.period_start,
        "period_end": report.period_end,
        "formats": formats,
        "scope": match only { None => json!("all_functions"), Some(ids) => json!(ids) },
        "delivered_to": delivered_to,
    }))
}

/// Records a reading with the messages that deliver it (none for the command line).
pub async fn record_reading(
    store: &dyn Store,
    entry: &AuditEntry,
    messages: &[NewOutboxMessage],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    store.record_report_read(entry, messages, now).await
}

/// `contact-policy-bot admin governance`: the whole organisation's report as CSV or JSON,
/// to `out` or returned for stdout; the reading is audited.
pub async fn admin_report(
    store: &dyn Store,
    actor: &Actor,
    now: DateTime<Utc>,
    args: AdminArgs,
) -> anyhow::Result<String> {
    let period = Period::from_dates(&args.from, &args.to)?;
    let zone: Tz = args
        .timezone
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown time zone {:?} (TIMEZONE)", args.timezone))?;
    let functions = store.list_functions().await?;
    let organisation = args.organisation.unwrap_or_default();
    let report = generate(store, &functions, None, period, &organisation, zone, now).await?;
    let text = output::render(&report, args.format)?;
    let delivered_to = if args.out.is_some() { "file" } else { "stdout" };
    let entry = audit_entry(actor, &report, None, &[args.format.as_str()], delivered_to);
    match args.out {
        Some(path) => {
            std::fs::write(&path, text.as_bytes())
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
            record_reading(store, &entry, &[], now).await?;
            Ok(format!(
                "wrote the governance report for {} to {}",
                period.label(),
                path.display()
            ))
        }
        None => {
            record_reading(store, &entry, &[], now).await?;
            Ok(text.trim_end().to_owned())
        }
    }
}

/// The flags of `admin governance`.
#[derive(Debug, Clone, clap::Args)]
pub struct AdminArgs {
    /// First day counted (YYYY-MM-DD, in TIMEZONE).
    #[arg(long)]
    pub from: String,
    /// First day NOT counted (YYYY-MM-DD): `--from 2026-01-01 --to 2027-01-01` is 2026.
    #[arg(long)]
    pub to: String,
    #[arg(long, value_enum, default_value = "csv")]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    #[arg(long, env = "TIMEZONE", default_value = "Europe/London")]
    pub timezone: String,
    /// The organisation's name, as the report gives it.
    #[arg(long, env = "ORGANISATION_NAME")]
    pub organisation: Option<String>,
}
