//! `/contact breach` (R-RPT-4): logging contact that breached a restriction in force; the
//! function's managers are told. A person with no restriction in force is offered a
//! report instead.

use chrono::Duration;

use super::{modal, BREACH, BREACH_PERSON, REPORT_INSTEAD};
use crate::access::Authority;
use crate::domain::correction::{CorrectedRecord, RecordRef};
use crate::domain::incident::Channel;
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::find::pick;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::metadata::Metadata;
use crate::slack::people::person_label;
use crate::slack::send;
use crate::store::records::*;
use crate::store::StoreError;

pub async fn breach(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    match pick(ctx, query, "breach", BREACH_PERSON, "Log breach").await? {
        Ok(person) => open_breach_for(ctx, trigger_id, &person).await,
        Err(reply) => Ok(reply),
    }
}

pub async fn open_breach_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    let restrictions = ctx
        .state
        .store
        .active_restrictions(person.id, ctx.today())
        .await?;
    if restrictions.is_empty() {
        let blocks = vec![
            section(&format!(
                "*{}* has no active restriction, so there is nothing to breach. If their behaviour was unacceptable, report it instead.",
                escape(&person.name)
            )),
            actions(vec![button("Report behaviour instead", REPORT_INSTEAD, person.id.to_string())]),
        ];
        return Ok(Reply::Ephemeral(message(
            "No active restriction: report the behaviour instead.",
            blocks,
        )));
    }
    let metadata = Metadata {
        person_id: Some(person.id),
        ..Metadata::default()
    };
    let choices = restrictions
        .iter()
        .map(|r| {
            (
                r.id.to_string(),
                restriction_label(&r.reference, &r.function_name),
            )
        })
        .collect();
    let initial = restrictions.first().map(|r| r.id.to_string());
    let blocks = vec![
        section(&format!(
            "*Service user:* {}",
            escape(&person_label(person))
        )),
        static_select(
            "restriction",
            "Which restriction was breached?",
            choices,
            initial.as_deref(),
        ),
        static_select(
            "channel",
            "How did they make contact?",
            Channel::ALL
                .iter()
                .map(|c| (c.as_str().to_owned(), c.label().to_owned()))
                .collect(),
            None,
        ),
        date_time_input("occurred_at", "When?", ctx.now),
        text_input("description", "What happened", true, false, 2000),
    ];
    let view = modal("Log a breach", BREACH, "Log breach", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_breach(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let restriction_id = form
        .selected("restriction")
        .and_then(|r| r.parse::<i64>().ok());
    let channel = form
        .selected("channel")
        .and_then(|c| c.parse::<Channel>().ok());
    let occurred_at = form.date_time("occurred_at").unwrap_or(ctx.now);
    let description = form.text("description");
    if restriction_id.is_none() {
        errors.add("restriction", "Choose the restriction.");
    }
    if channel.is_none() {
        errors.add("channel", "Choose how they made contact.");
    }
    if occurred_at > ctx.now + Duration::minutes(5) {
        errors.add("occurred_at", "This is in the future: when did it happen?");
    }
    if description.is_none() {
        errors.add("description", "Describe what happened.");
    }
    let (Some(restriction_id), Some(channel), Some(description), true) =
        (restriction_id, channel, description, errors.is_empty())
    else {
        return Err(ApiError::Invalid(errors));
    };
    let in_force = match metadata.person_id {
        Some(person_id) => store.active_restrictions(person_id, ctx.today()).await?,
        None => Vec::new(),
    };
    let Some(restriction) = in_force.into_iter().find(|r| r.id == restriction_id) else {
        errors.add("restriction", "This restriction is no longer active.");
        return Err(ApiError::Invalid(errors));
    };
    let reporter_proof = Authority::load(store, &ctx.user)
        .await?
        .logs_breach_in(restriction.function_id);
    let recipients = store.report_recipients(restriction.function_id).await?;
    let reporter = ctx.user.clone();
    let breach = NewBreach {
        restriction_id,
        channel,
        occurred_at,
        description: description.clone(),
        today: ctx.today(),
    };
    let when = ctx.local(occurred_at);
    let announce = |recorded: &Recorded| -> Vec<crate::store::NewOutboxMessage> {
        let body = format!(
            "*Breach of restriction {}* logged by <@{reporter}>: contact via {} on {when}.\n*What happened:* {}",
            recorded.reference,
            channel.label().to_lowercase(),
            escape(&description)
        );
        // The preview names the restriction, never the person or what happened.
        let fallback = format!(
            "Breach of restriction {} logged by <@{reporter}>: see the details.",
            recorded.reference
        );
        recipients
            .iter()
            .map(|m| {
                send::dm(
                    m,
                    message(&fallback, sections(&body)),
                    format!("breach:{}:notify:{m}", recorded.id),
                )
            })
            .collect()
    };
    let mut tx = store.begin_write().await?;
    let recorded = match tx.record_breach(&breach, &reporter_proof, ctx.now).await {
        Ok(recorded) => recorded,
        Err(StoreError::NotFound { .. }) => {
            errors.add("restriction", "This restriction is no longer active.");
            return Err(ApiError::Invalid(errors));
        }
        Err(other) => return Err(other.into()),
    };
    let about = tx
        .person_of(RecordRef::new(CorrectedRecord::Breach, recorded.id))
        .await?;
    tx.enqueue(about, &announce(&recorded), ctx.now).await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

/// A restriction as a select option: its reference whole, its function's name shortened
/// to fit Slack's option text (the modal names the person above it).
fn restriction_label(reference: &str, function_name: &str) -> String {
    let room = limits::OPTION_TEXT.saturating_sub(reference.chars().count() + 3);
    format!("{reference} ({})", fit(function_name, room))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_restriction_option_keeps_its_reference_and_fits() {
        let label = restriction_label("RES-00001", &"Casework ".repeat(10));
        assert!(label.starts_with("RES-00001 ("));
        assert!(label.chars().count() <= limits::OPTION_TEXT);
        assert_eq!(restriction_label("RES-2", "Housing"), "RES-2 (Housing)");
    }
}
