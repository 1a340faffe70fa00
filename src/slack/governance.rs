//! `/contact governance [period]` (R-DP-5, policy §2): the fairness and consistency report,
//! delivered to the asker's DM through the outbox as a CSV file and a PNG chart. Admins get
//! every function; a head of function gets the functions they head; anyone else is told
//! who may. The answer in the channel says only that the report is on its way.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use tokio::sync::Notify;

use crate::access::{self, Authority};
use crate::domain::{Actor, UserId};
use crate::governance::period::Period;
use crate::governance::{self as gov, chart, output, report::Report};
use crate::slack::ctx::{text, Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::outbound::{encode_upload, SlackCall};
use crate::slack::send;
use crate::store::{FunctionSummary, NewOutboxMessage, Store};

pub async fn governance(ctx: &Ctx<'_>, argument: &str) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let authority = Authority::load(store, &ctx.user).await?;
    let functions = store.list_functions().await?;
    let only =
        access::governance_reader(&authority, &functions).map_err(|d| ApiError::Refused(d.0))?;
    let period = match Period::parse(argument, ctx.today()) {
        Ok(period) => period,
        Err(e) => return Ok(text(&e.to_string())),
    };
    // Counting and drawing run after the command is answered: a large register must not
    // hold Slack's 3 seconds (the answer would be "try again" with the work half done).
    let work = Produce {
        store: ctx.state.store.clone(),
        wake: ctx.state.outbox_wake.clone(),
        organisation: ctx.state.organisation.clone(),
        zone: ctx.tz(),
        user: ctx.user.clone(),
        actor: ctx.actor(),
        now: ctx.now,
        functions,
        only,
        period,
    };
    let label = period.label();
    tokio::spawn(async move {
        if let Err(e) = work.run().await {
            tracing::error!(error = %e, "governance report failed; the asker may ask again");
        }
    });
    Ok(text(&format!(
        "The governance report for {label} is on its way to you in a direct message from me: a CSV file and a chart. Counts from 1 to 4 read \u{201c}fewer than 5\u{201d}."
    )))
}

/// The report, produced after the command was answered.
struct Produce {
    store: Arc<dyn Store>,
    wake: Arc<Notify>,
    organisation: String,
    zone: Tz,
    user: UserId,
    actor: Actor,
    now: DateTime<Utc>,
    functions: Vec<FunctionSummary>,
    only: Option<Vec<i64>>,
    period: Period,
}

impl Produce {
    async fn run(self) -> Result<(), ApiError> {
        let store = self.store.as_ref();
        let report = gov::generate(
            store,
            &self.functions,
            self.only.as_deref(),
            self.period,
            &self.organisation,
            self.zone,
            self.now,
        )
        .await?;
        let messages = delivery(&self.user, self.now, &report)?;
        let entry = gov::audit_entry(
            &self.actor,
            &report,
            self.only.as_deref(),
            &["csv", "png"],
            "slack_dm",
        );
        gov::record_reading(store, &entry, &messages, self.now).await?;
        self.wake.notify_one();
        tracing::info!(
            action = gov::AUDIT_ACTION,
            period_start = %report.period_start,
            period_end = %report.period_end,
            functions = self.only.as_ref().map_or(self.functions.len(), Vec::len),
            "governance report queued"
        );
        Ok(())
    }
}

/// The DM's note, the CSV and the chart, keyed to this reading.
fn delivery(
    user: &UserId,
    now: DateTime<Utc>,
    report: &Report,
) -> Result<Vec<NewOutboxMessage>, ApiError> {
    let csv = output::csv(report).map_err(|e| ApiError::Internal(e.into()))?;
    let png = chart::png(report).map_err(|e| ApiError::Internal(e.into()))?;
    let name = format!(
        "governance-{}-to-{}",
        report.period_start, report.period_end
    );
    let title = format!(
        "Governance report {} to {}",
        report.period_start.format("%-d %b %Y"),
        report.period_end.format("%-d %b %Y")
    );
    let key = format!("governance:{user}:{}", now.timestamp_micros());
    let upload =
        |suffix: &str, content_type: &str, content: String, content_base64: Option<String>| {
            SlackCall::UploadToUser {
                user: user.to_string(),
                filename: format!("{name}.{suffix}"),
                title: format!("{title} ({})", suffix.to_uppercase()),
                content_type: content_type.to_owned(),
                content,
                content_base64,
            }
            .into_outbox(format!("{key}:{suffix}"), None)
            .map_err(|e| ApiError::Internal(e.into()))
        };
    Ok(vec![
        send::dm(
            user,
            slack_morphism::prelude::SlackMessageContent::new().with_text(format!(
                "Your governance report for {title_period} follows: a CSV file and a chart. Counts only; any count from 1 to 4 reads \u{201c}fewer than 5\u{201d}, and no totals are given over them.",
                title_period = title.trim_start_matches("Governance report ")
            )),
            format!("{key}:note"),
        ),
        upload("csv", "text/csv", csv, None)?,
        upload("png", "image/png", String::new(), Some(encode_upload(&png)))?,
    ])
}
