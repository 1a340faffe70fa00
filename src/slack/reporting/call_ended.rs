//! `/contact call-ended` (R-RPT-2): logging a call that was ended or put on hold, with the
//! managers told how many calls with this person ended this week.

use chrono::{Datelike, Duration, NaiveDate};

use super::{modal, CALL_ENDED};
use crate::access::Authority;
use crate::domain::correction::{CorrectedRecord, RecordRef};
use crate::domain::incident::{CallEndReason, CallOutcome};
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{start_of_day, FieldErrors, Form};
use crate::slack::functions::{function_field, read_function, FUNCTION};
use crate::slack::metadata::Metadata;
use crate::slack::people::{person_blocks, read_person};
use crate::slack::send;
use crate::store::records::*;

pub async fn open_call_ended(ctx: &Ctx<'_>, trigger_id: &str) -> Result<Reply, ApiError> {
    let mut metadata = Metadata::default();
    let mut blocks = match function_field(ctx, &mut metadata, false).await? {
        Ok(blocks) => blocks,
        Err(reply) => return Ok(reply),
    };
    blocks.extend(person_blocks(true));
    blocks.push(radio(
        "outcome",
        "What did you do?",
        CallOutcome::ALL
            .iter()
            .map(|o| (o.as_str().to_owned(), o.label().to_owned()))
            .collect(),
        Some(CallOutcome::Ended.as_str()),
    ));
    blocks.push(radio(
        "reason",
        "Why? (policy §6)",
        CallEndReason::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
            .collect(),
        None,
    ));
    blocks.push(text_input("note", "Short note", false, false, 500));
    let view = modal("Call ended", CALL_ENDED, "Log call", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_call_ended(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let function_id = read_function(ctx, form, metadata, &mut errors).await?;
    let person = read_person(store, form, &mut errors, false).await?;
    let outcome = form
        .selected("outcome")
        .and_then(|o| o.parse::<CallOutcome>().ok());
    let reason = form
        .selected("reason")
        .and_then(|r| r.parse::<CallEndReason>().ok());
    let note = form.text("note");
    if outcome.is_none() {
        errors.add("outcome", "Choose ended or put on hold.");
    }
    if reason.is_none() {
        errors.add(
            "reason",
            "The reason is required: aggressive, abusive or offensive.",
        );
    }
    if note.is_none() {
        errors.add("note", "Add a short note.");
    }
    let (Some(function_id), Some(outcome), Some(reason), Some(note), true) =
        (function_id, outcome, reason, note, errors.is_empty())
    else {
        return Err(ApiError::Invalid(errors));
    };
    let reporter_proof = match Authority::load(store, &ctx.user)
        .await?
        .reports_in(function_id)
    {
        Ok(proof) => proof,
        Err(denied) => {
            errors.add(FUNCTION, denied.0);
            return Err(ApiError::Invalid(errors));
        }
    };
    let recipients = store.report_recipients(function_id).await?;
    let person_id = match &person {
        Some(PersonChoice::Existing(id)) => Some(*id),
        _ => None,
    };
    let person_name = match &person {
        Some(PersonChoice::Existing(id)) => store.person(*id).await?.map(|p| p.name),
        Some(PersonChoice::New(new)) => Some(new.name.as_str().to_owned()),
        None => None,
    };
    // The count shown to managers includes this call (R-RPT-2: calls per person per week).
    let week_start = start_of_day(&ctx.tz(), week_start(ctx.today()));
    let earlier_this_week = match person_id {
        Some(id) => store.count_ended_calls(id, week_start).await?,
        None => 0,
    };
    let call = NewEndedCall {
        person,
        function_id,
        outcome,
        reason,
        note: note.clone(),
        occurred_at: ctx.now,
    };
    let reporter = ctx.user.clone();
    let announce = |recorded: &Recorded| -> Vec<crate::store::NewOutboxMessage> {
        let who = person_name
            .clone()
            .unwrap_or_else(|| "an unidentified caller".to_owned());
        let count = if person_name.is_some() {
            format!(
                "\n{} call(s) with this person ended or held this week.",
                earlier_this_week + 1
            )
        } else {
            String::new()
        };
        let body = format!(
            "*{}* by <@{reporter}> with {} — {}.\n*Note:* {}{count}",
            outcome.label(),
            escape(&who),
            reason.label().to_lowercase(),
            escape(&note),
        );
        // The preview names the record and the count, never the person or the note.
        let fallback = format!(
            "*{}* ({}) logged by <@{reporter}>: see the details.{count}",
            outcome.label(),
            recorded.reference,
        );
        recipients
            .iter()
            .map(|m| {
                send::dm(
                    m,
                    message(&fallback, sections(&body)),
                    format!("call:{}:notify:{m}", recorded.id),
                )
            })
            .collect()
    };
    let mut tx = store.begin_write().await?;
    let recorded = tx
        .record_ended_call(&call, &reporter_proof, ctx.now)
        .await?;
    let about = tx
        .person_of(RecordRef::new(CorrectedRecord::EndedCall, recorded.id))
        .await?;
    tx.enqueue(about, &announce(&recorded), ctx.now).await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

/// Monday of the week `day` falls in.
fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}
