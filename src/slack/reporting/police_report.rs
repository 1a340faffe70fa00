//! Police reports (R-RPT-3): `/contact open` lists the incidents still waiting for one,
//! paged, and the police report modal records it.

use slack_morphism::prelude::*;

use super::{modal, OPEN_ITEMS_NEXT, OPEN_ITEMS_PREVIOUS, POLICE_REPORT, RECORD_POLICE_REPORT};
use crate::access;
use crate::domain::incident::may_close_as_not_reported;
use crate::slack::blocks::*;
use crate::slack::ctx::{text, Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::metadata::Metadata;
use crate::slack::send;
use crate::store::records::*;
use crate::store::StoreError;

/// Outstanding police reports shown a page.
const OPEN_PAGE: usize = 20;

/// `/contact open`: the first page of incidents waiting for a police report.
pub async fn open_items(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    open_items_page(ctx, 0).await
}

/// A page of the incidents waiting for a police report, from `offset`, with Previous and
/// Next buttons and the true total.
pub async fn open_items_page(ctx: &Ctx<'_>, offset: usize) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    if access::managed_functions(store, &ctx.user)
        .await?
        .is_empty()
    {
        return Ok(text(
            "You have no open items: open items are for managers, heads of function and deputies.",
        ));
    }
    let outstanding = store.outstanding_police_reports(&ctx.user).await?;
    if outstanding.is_empty() {
        return Ok(text(
            "Nothing open: no incidents are waiting for a police report.",
        ));
    }
    let total = outstanding.len();
    // A crafted or stale button value cannot page past the end.
    let offset = offset.min((total - 1) / OPEN_PAGE * OPEN_PAGE);
    let mut blocks = vec![section(&format!(
        "*Police reports still to record ({total})*"
    ))];
    for item in outstanding.iter().skip(offset).take(OPEN_PAGE) {
        blocks.push(section_with_button(
            &format!(
                "*{}* · {} · {}\n{}",
                item.reference,
                escape(&item.function_name),
                ctx.local(item.occurred_at),
                escape(&item.person_name)
            ),
            "Record police report",
            RECORD_POLICE_REPORT,
            item.incident_id.to_string(),
        ));
    }
    let mut buttons = Vec::new();
    if offset > 0 {
        buttons.push(button(
            "Previous",
            OPEN_ITEMS_PREVIOUS,
            offset.saturating_sub(OPEN_PAGE).to_string(),
        ));
    }
    if offset + OPEN_PAGE < total {
        buttons.push(button(
            "Next",
            OPEN_ITEMS_NEXT,
            (offset + OPEN_PAGE).to_string(),
        ));
    }
    if !buttons.is_empty() {
        blocks.push(context(&format!(
            "Incidents {}–{} of {total}",
            offset + 1,
            (offset + OPEN_PAGE).min(total)
        )));
        blocks.push(actions(buttons));
    }
    Ok(Reply::Ephemeral(message(
        &format!("{total} police reports to record: open the list to record them."),
        blocks,
    )))
}

pub async fn open_police_report(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    incident_id: i64,
) -> Result<Option<String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(incident) = store.incident(incident_id).await? else {
        return Ok(Some("That incident no longer exists.".to_owned()));
    };
    if let Err(denied) = access::require_manager_of(store, &ctx.user, incident.function_id).await? {
        return Ok(Some(denied.0));
    }
    if incident.police_report_recorded {
        return Ok(Some(format!(
            "A police report for {} is already recorded.",
            incident.reference
        )));
    }
    let metadata = Metadata {
        incident_id: Some(incident_id),
        ..Metadata::default()
    };
    let mut blocks = vec![section(&format!(
        "*Incident {}* · {}",
        incident.reference,
        ctx.local(incident.occurred_at)
    ))];
    if incident.police_report_required {
        // §4: always reported. "Not reported" is not offered: the incident stays on the
        // open list until the report's date and reference are recorded.
        blocks.extend([
            context(
                ":rotating_light: Physical violence was used or threatened: the policy says this is always reported to the police (§4). It stays on your open items until the date and police reference are recorded.",
            ),
            date_input("reported_on", "Date reported", ctx.today(), false),
            text_input("police_reference", "Police reference", false, false, 64),
        ]);
    } else {
        blocks.extend([
            radio(
                "reported",
                "Was it reported to the police?",
                vec![
                    ("yes".to_owned(), "Yes, reported".to_owned()),
                    ("no".to_owned(), "No, not reported".to_owned()),
                ],
                Some("yes"),
            ),
            date_input("reported_on", "Date reported", ctx.today(), true),
            text_input("police_reference", "Police reference", false, true, 64),
            text_input(
                "not_reported_reason",
                "If not reported: why not",
                true,
                true,
                1000,
            ),
        ]);
    }
    blocks.push(text_input("note", "Note", true, true, 1000));
    let view = modal("Police report", POLICE_REPORT, "Record", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(None)
}

pub async fn submit_police_report(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let Some(incident_id) = metadata.incident_id else {
        return Err(ApiError::BadRequest(
            "police report modal without an incident".into(),
        ));
    };
    let Some(incident) = store.incident(incident_id).await? else {
        errors.add("reported_on", "That incident no longer exists.");
        return Err(ApiError::Invalid(errors));
    };
    let manager = match access::Authority::load(store, &ctx.user)
        .await?
        .manages(incident.function_id)
    {
        Ok(manager) => manager,
        Err(denied) => {
            errors.add("reported_on", denied.0);
            return Err(ApiError::Invalid(errors));
        }
    };
    let note = form.text("note").unwrap_or_default();
    let report = if form.selected("reported").as_deref() == Some("no") {
        // A form opened before the incident's rule was known may still offer "not reported".
        if let Err(refused) = may_close_as_not_reported(incident.police_report_required) {
            errors.add("reported", refused.to_string());
            return Err(ApiError::Invalid(errors));
        }
        match form.text("not_reported_reason") {
            Some(reason) => Some(PoliceReport::NotReported { reason, note }),
            None => {
                errors.add("not_reported_reason", "Say why it was not reported.");
                None
            }
        }
    } else {
        let on = form.date("reported_on");
        let reference = form.text("police_reference");
        match on {
            None => errors.add("reported_on", "Choose the date it was reported."),
            Some(day) if day > ctx.today() => errors.add("reported_on", "This is in the future."),
            Some(_) => {}
        }
        if reference.is_none() {
            errors.add("police_reference", "Enter the police reference.");
        }
        match (on, reference) {
            (Some(on), Some(police_reference)) => Some(PoliceReport::Reported {
                on,
                police_reference,
                note,
            }),
            _ => None,
        }
    };
    let (Some(report), true) = (report, errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let user = ctx.user.clone();
    let announce = |recorded: &Recorded| {
        vec![send::dm(
            &user,
            SlackMessageContent::new().with_text(format!(
                "Police report recorded for {}.",
                recorded.reference
            )),
            format!("police_report:{}:confirm", recorded.id),
        )]
    };
    let mut tx = store.begin_write().await?;
    let recorded = match tx
        .record_police_report(incident_id, &report, &manager, ctx.now)
        .await
    {
        Ok(recorded) => recorded,
        Err(StoreError::Conflict { .. }) => {
            errors.add(
                "reported_on",
                "A police report for this incident was already recorded.",
            );
            return Err(ApiError::Invalid(errors));
        }
        Err(other) => return Err(other.into()),
    };
    tx.enqueue(None, &announce(&recorded), ctx.now).await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}
