//! `/contact dispute` (R-DIS-1): a manager records that a service user disputes a
//! restriction through the internal complaints procedure (§7). The dispute goes to a
//! handler, by default a manager independent of the request, with a due date 20 working
//! days on, and stays awaiting resolution until they record the outcome.

use slack_morphism::prelude::*;

use super::{
    actor, day, managed_restrictions, messages, one_person, today, DISPUTE, DISPUTE_PERSON,
};
use crate::access;
use crate::domain::dispute::{
    default_due_on, DisputeDraft, DISPUTE_RESPONSE_WORKING_DAYS, MAX_TEXT_CHARS,
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
    if access::managed_functions(ctx.state.store.as_ref(), &ctx.user)
        .await?
        .is_empty()
    {
        return Ok(text(
            "Only a manager, head or deputy of a function can record a dispute.",
        ));
    }
    match one_person(ctx, query, "dispute", DISPUTE_PERSON).await? {
        Ok(person) => open_dispute_for(ctx, trigger_id, &person).await,
        Err(reply) => Ok(reply),
    }
}

/// Who handles a dispute unless the recorder chooses otherwise: a manager of the function
/// who did not request the restriction (the recorder first, if they qualify), then a
/// deputy or the head; the requester only when nobody else holds a role.
async fn default_handler(
    ctx: &Ctx<'_>,
    restriction: &RestrictionRecord,
) -> Result<(Option<UserId>, String), ApiError> {
    let functions = ctx.state.store.list_functions().await?;
    let Some(function) = functions.iter().find(|f| f.id == restriction.function_id) else {
        return Ok((None, String::new()));
    };
    let requester = UserId::from_slack(restriction.requested_by.clone());
    let independent = |u: &&UserId| **u != requester;
    let manager = function
        .managers
        .iter()
        .find(|u| **u == ctx.user && **u != requester)
        .or_else(|| function.managers.iter().find(independent));
    let hint = format!(
        "Defaults to a manager of {} who did not request {} (requested by <@{requester}>), where there is one.",
        function.name, restriction.reference
    );
    if let Some(manager) = manager {
        return Ok((Some(manager.clone()), hint));
    }
    let senior = function
        .deputies
        .iter()
        .find(independent)
        .or(function.head.as_ref().filter(|h| **h != requester));
    let hint = match senior {
        Some(_) => format!(
            "{} has no manager other than the one who requested {}: this defaults to a deputy or the head.",
            function.name, restriction.reference
        ),
        None => format!(
            "No one in {} but <@{requester}>, who requested {}, can handle this: choose someone independent if you can.",
            function.name, restriction.reference
        ),
    };
    Ok((senior.cloned().or(Some(requester)), hint))
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
    let (handler, handler_hint) = default_handler(ctx, &record).await?;
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
            "Handler (a manager)",
            handler_select.into(),
            false,
            Some(&handler_hint),
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
    if let Some(restriction) = &restriction {
        if let Err(denied) =
            access::require_manager_of(store, &ctx.user, restriction.function_id).await?
        {
            errors.add("restriction", denied.0);
        }
    }
    let handler = form.selected_user("handler").map(UserId::from_slack);
    if let (Some(handler), Some(restriction)) = (&handler, &restriction) {
        if access::require_manager_of(store, handler, restriction.function_id)
            .await?
            .is_err()
        {
            errors.add(
                "handler",
                "Choose a manager, head or deputy of the restriction's function.",
            );
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
        due_on,
    };
    let valid = match draft.validate(today) {
        Ok(valid) if errors.is_empty() => valid,
        Ok(_) => return Err(ApiError::Invalid(errors)),
        Err(field_errors) => {
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
        due_on: valid.due_on,
    };
    let restriction_reference = restriction.map(|r| r.reference).unwrap_or_default();
    let recorder = ctx.user.clone();
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
    match store
        .record_dispute(&new, &actor(ctx), ctx.now, &announce)
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound { .. }) => {
            errors.add("restriction", "That restriction is no longer in force.");
            return Err(ApiError::Invalid(errors));
        }
        Err(other) => return Err(other.into()),
    }
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}
