//! `/contact dispute` (R-DIS-1): a manager records that a service user disputes a
//! restriction through the internal complaints procedure (§7), with the complaints
//! system's reference. The dispute goes to a handler the procedure allows (a complaints
//! handler, or a manager of the function who neither requested nor approved the
//! restriction: `access::dispute_handlers`), with a due date 20 working days on, and stays
//! awaiting resolution until they record the outcome.

use slack_morphism::prelude::*;

use super::{day, managed_restrictions, messages, one_person, today, DISPUTE, DISPUTE_PERSON};
use crate::access::{self, Authority};
use crate::domain::dispute::{
    default_due_on, DisputeDraft, DISPUTE_RESPONSE_WORKING_DAYS, MAX_COMPLAINT_REFERENCE_CHARS,
    MAX_TEXT_CHARS,
};
use crate::domain::UserId;
use crate::slack::blocks::*;
use crate::slack::ctx::{text, Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::metadata::Metadata;
use crate::slack::people::person_label;
use crate::slack::send;
use crate::store::records::*;
use crate::store::StoreError;

pub async fn dispute(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    ctx.managers_only("record a dispute").await?;
    match one_person(ctx, query, "dispute", DISPUTE_PERSON).await? {
        Ok(person) => open_dispute_for(ctx, trigger_id, &person).await,
        Err(reply) => Ok(reply),
    }
}

/// Who handles a dispute unless the recorder chooses otherwise, and who may (§7, the
/// internal complaints procedure, as `access::dispute_handlers` rules): a complaints
/// handler first, else a manager of the function who neither requested nor approved the
/// restriction (the recorder first, if they qualify). The text says who may, for the form.
async fn default_handler(
    ctx: &Ctx<'_>,
    restriction: &RestrictionRecord,
) -> Result<(Option<UserId>, String), ApiError> {
    let store = ctx.state.store.as_ref();
    let eligible = access::dispute_handlers(store, restriction, Some(&ctx.user)).await?;
    let who = if eligible.is_empty() {
        format!(
            ":warning: *No one may handle a dispute of {} yet:* it goes through the internal complaints procedure (§7), so not <@{}>, who requested it, <@{}>, who approved it, nor the head or a deputy. Ask an admin to name a complaints handler.",
            restriction.reference, restriction.requested_by, restriction.approved_by
        )
    } else {
        format!(
            "*Handler:* through the internal complaints procedure (§7), a complaints handler or a manager of the function who neither requested (<@{}>) nor approved (<@{}>) {}. Who may: {}.",
            restriction.requested_by,
            restriction.approved_by,
            restriction.reference,
            eligible
                .iter()
                .map(|u| format!("<@{u}>"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    Ok((eligible.into_iter().next(), who))
}

/// The restriction select: each option starts with the restriction's reference, which is
/// all a manager needs to pick it; the section above it names each one's function in full.
fn restriction_select(restrictions: &[ActiveRestriction]) -> SlackInputBlockElement {
    let options: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> = restrictions
        .iter()
        .take(limits::SELECT_OPTIONS)
        .map(|r| {
            option(
                &r.id.to_string(),
                &format!(
                    "{} · from {} · {}",
                    r.reference,
                    day(r.starts_on),
                    r.function_name
                ),
            )
        })
        .collect();
    let mut select = SlackBlockStaticSelectElement::new()
        .with_action_id("restriction".into())
        .with_options(options.clone());
    if let Some(first) = options.into_iter().next() {
        select = select.with_initial_option(first);
    }
    select.into()
}

/// The restrictions in force, one line each, with their functions' full names.
fn restrictions_text(restrictions: &[ActiveRestriction]) -> String {
    let lines: Vec<String> = restrictions
        .iter()
        .map(|r| {
            format!(
                "• *{}* · {} · in force from {}",
                r.reference,
                escape(&r.function_name),
                day(r.starts_on)
            )
        })
        .collect();
    format!("*Restrictions in force:*\n{}", lines.join("\n"))
}

pub async fn open_dispute_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    let restrictions = managed_restrictions(ctx, person).await?;
    let Some(first) = restrictions.first() else {
        return Ok(text(&format!(
            "{} has no restriction in force in a function you manage: a dispute is about a decision to restrict contact (§7).",
            escape(&person.name)
        )));
    };
    let store = ctx.state.store.as_ref();
    let Some(record) = store.restriction(first.id).await? else {
        return Ok(text("That restriction is no longer on record."));
    };
    let (handler, who_may_handle) = default_handler(ctx, &record).await?;
    let received = today(ctx);
    let mut handler_select = SlackBlockUsersSelectElement::new().with_action_id("handler".into());
    if let Some(handler) = handler {
        handler_select = handler_select.with_initial_user(handler.to_string());
    }
    let due_hint = format!(
        "{DISPUTE_RESPONSE_WORKING_DAYS} working days after the date received, weekends and bank holidays skipped. If you change the date received and leave this as it is, it is worked out again from that date."
    );
    let mut blocks = vec![section(&format!(
        "*Service user:* {}\nRecord that they dispute a restriction through the internal complaints procedure (§7). It stays *awaiting resolution*, and is reminded, until the handler records the outcome.",
        escape(&person_label(person))
    ))];
    blocks.extend(sections(&restrictions_text(&restrictions)));
    blocks.push(context(&who_may_handle));
    blocks.extend([
        field(
            "restriction",
            "Restriction disputed",
            restriction_select(&restrictions),
            false,
            None,
        ),
        field(
            "received_on",
            "Date received",
            date_picker("received_on", received),
            false,
            None,
        ),
        text_input(
            "summary",
            "What do they dispute?",
            true,
            false,
            MAX_TEXT_CHARS as u64,
        ),
        field(
            "handler",
            "Handler (a complaints handler or an independent manager)",
            handler_select.into(),
            false,
            Some("Never the requester, the approver or the head or a deputy of the function (§7)."),
        ),
        field(
            "complaint_reference",
            "Complaint reference (from the complaints system)",
            SlackBlockPlainTextInputElement::new()
                .with_action_id("complaint_reference".into())
                .with_max_length(MAX_COMPLAINT_REFERENCE_CHARS as u64)
                .into(),
            false,
            Some("It goes in the case file and the outcome letter."),
        ),
        field(
            "due_on",
            "Due date",
            date_picker("due_on", default_due_on(received)),
            false,
            Some(&due_hint),
        ),
    ]);
    let metadata = Metadata {
        person_id: Some(person.id),
        ..Metadata::default()
    };
    let view = metadata_modal(
        "Record a dispute",
        DISPUTE,
        "Record",
        &metadata,
        blocks,
        None,
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_dispute(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let Some(person_id) = metadata.person_id else {
        return Err(ApiError::BadRequest(
            "dispute modal without a person".into(),
        ));
    };
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let Some(person) = store.person(person_id).await? else {
        errors.add("summary", "That person is no longer on record.");
        return Err(ApiError::Invalid(errors));
    };
    let today = today(ctx);
    let restriction_id = form
        .selected("restriction")
        .and_then(|r| r.parse::<i64>().ok());
    let restriction = match restriction_id {
        Some(id) => store.restriction(id).await?,
        None => None,
    }
    .filter(|r| r.person_id == person.id);
    // Recording a dispute is for a manager of the restriction's function (R-DIS-1).
    let authority = Authority::load(store, &ctx.user).await?;
    let mut manager = None;
    if let Some(restriction) = &restriction {
        match authority.manages(restriction.function_id) {
            Ok(proof) => manager = Some(proof),
            Err(denied) => errors.add("restriction", denied.0),
        }
    }
    let handler = form.selected_user("handler").map(UserId::from_slack);
    if let (Some(handler), Some(restriction)) = (&handler, &restriction) {
        if let Err(denied) = access::may_handle_dispute(store, handler, restriction).await? {
            errors.add("handler", denied.0);
        }
    }
    let received_on = form.date("received_on");
    // The due date offered was worked out from today; left as offered, it follows a
    // changed date received.
    let due_on = match (form.date("due_on"), received_on) {
        (Some(due), Some(received)) if received != today && due == default_due_on(today) => None,
        (due, _) => due,
    };
    let draft = DisputeDraft {
        restriction_id: restriction.as_ref().map(|r| r.id),
        received_on,
        summary: form.text("summary").unwrap_or_default(),
        handler,
        complaint_reference: form.text("complaint_reference").unwrap_or_default(),
        due_on,
    };
    let (valid, manager) = match (draft.validate(today), manager) {
        (Ok(valid), Some(manager)) if errors.is_empty() => (valid, manager),
        (Ok(_), _) => {
            if errors.is_empty() {
                errors.add("restriction", "Choose the restriction that is disputed");
            }
            return Err(ApiError::Invalid(errors));
        }
        (Err(field_errors), _) => {
            for e in field_errors {
                errors.add(e.field.as_str(), e.message);
            }
            return Err(ApiError::Invalid(errors));
        }
    };
    let new = NewDispute {
        restriction_id: valid.restriction_id,
        today,
        received_on: valid.received_on,
        summary: valid.summary.clone(),
        handler: valid.handler.clone(),
        complaint_reference: valid.complaint_reference.clone(),
        due_on: valid.due_on,
    };
    let restriction_reference = restriction.map(|r| r.reference).unwrap_or_default();
    let recorder = manager.user().clone();
    let label = person_label(&person);
    let announce = |recorded: &Recorded| {
        let notice = messages::HandlerNotice {
            reference: &recorded.reference,
            dispute_id: recorded.id,
            restriction_reference: &restriction_reference,
            person_label: &label,
            summary: &valid.summary,
            received_on: valid.received_on,
            due_on: valid.due_on,
            recorder: &recorder,
            complaint_reference: &valid.complaint_reference,
        };
        let mut out = vec![send::dm(
            &valid.handler,
            messages::handler_notice(&notice),
            format!("dispute:{}:handler", recorded.id),
        )];
        if valid.handler != recorder {
            out.push(send::dm(
                &recorder,
                messages::dispute_recorded(
                    &recorded.reference,
                    &restriction_reference,
                    &valid.handler,
                    valid.due_on,
                ),
                format!("dispute:{}:recorded", recorded.id),
            ));
        }
        out
    };
    let mut tx = store.begin_write().await?;
    let recorded = match tx.record_dispute(&new, &manager, ctx.now).await {
        Ok(recorded) => recorded,
        Err(StoreError::NotFound { .. }) => {
            errors.add("restriction", "That restriction is no longer in force.");
            return Err(ApiError::Invalid(errors));
        }
        Err(other) => return Err(other.into()),
    };
    tx.enqueue(Some(person_id), &announce(&recorded), ctx.now)
        .await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}
