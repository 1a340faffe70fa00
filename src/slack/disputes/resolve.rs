//! Resolving a dispute (R-DIS-2, R-LET-3): the handler, or another whom the internal
//! complaints procedure allows (§7), records the outcome once, with reasons that go in the letter to the person.
//! "Still applies" and "lifted" draft the outcome letter now. "Varied" opens the variation
//! request at once and the dispute stays awaiting resolution, and reminded, until the head
//! decides it: approved, the outcome letter sets out the new measures; rejected or
//! withdrawn, the dispute goes back to its handler to decide again (§7).

use super::{
    base_letter, day, function_name_of, messages, outcome_messages, render_letter,
    restriction_letter, today, warm_staff, RESOLVE,
};
use crate::access::Authority;
use crate::domain::authority::DisputeHandler;
use crate::domain::dispute::{
    resolve, AlreadyResolved, DisputeOutcome, ResolutionDraft, MAX_TEXT_CHARS,
};
use crate::letters::LetterKind;
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::metadata::{extra_of, Metadata};
use crate::slack::send;
use crate::store::records::*;

/// Who may resolve a dispute: whoever may handle it through the internal complaints
/// procedure (§7, `Authority::handles_dispute`), so never the requester, the approver or
/// their deputies; the proof the store's write demands, or what to tell them (who may
/// instead).
async fn may_resolve(
    ctx: &Ctx<'_>,
    dispute: &DisputeRecord,
) -> Result<Result<DisputeHandler, String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(restriction) = store.restriction(dispute.restriction_id).await? else {
        return Ok(Err("That restriction is no longer on record.".to_owned()));
    };
    Ok(Authority::load(store, &ctx.user)
        .await?
        .handles_dispute(store, &restriction)
        .await?
        .map_err(|denied| {
            format!(
                "You cannot resolve dispute {}. {}",
                dispute.reference, denied.0
            )
        }))
}

/// What resolving a dispute answers Slack, and the restriction whose variation form the
/// router opens at once when the outcome is "vary" (§7).
pub struct Resolved {
    pub reply: Reply,
    pub vary: Option<i64>,
}

/// What to say when a "vary" outcome is waiting on the head's decision on the variation.
fn waiting_on_head(ctx: &Ctx<'_>, dispute: &DisputeRecord) -> Option<String> {
    let (by, at) = (
        dispute.variation_proposed_by.as_ref()?,
        dispute.variation_proposed_at?,
    );
    Some(waiting_since(ctx, &dispute.reference, by, at))
}

fn waiting_since(
    ctx: &Ctx<'_>,
    reference: &str,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    format!(
        "Dispute {reference} waits on the head's decision on the variation <@{by}> chose on {}. It stays open until then; if the variation is rejected or withdrawn, it comes back to its handler to decide again.",
        ctx.local_time(at)
    )
}

/// The domain refused a second outcome (the dispute is resolved), in plain words: which
/// outcome, who recorded it and when, when known.
fn already_resolved(
    ctx: &Ctx<'_>,
    dispute: &DisputeRecord,
    refused: AlreadyResolved,
    outcome: Option<Outcome>,
    by: Option<&str>,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    match (outcome, by, at) {
        (Some(outcome), Some(by), Some(at)) => format!(
            "Dispute {} was already resolved ({}) by <@{by}> on {}.",
            dispute.reference,
            outcome.as_str().replace('_', " "),
            ctx.local_time(at)
        ),
        _ => format!(
            "Dispute {}: {refused} Nothing was changed.",
            dispute.reference
        ),
    }
}

/// Whether the dispute may take an outcome now: the domain's state machine decides; `Err`
/// is what to tell the user.
fn may_take_outcome(ctx: &Ctx<'_>, dispute: &DisputeRecord) -> Result<(), String> {
    resolve(dispute.status).map(|_| ()).map_err(|refused| {
        already_resolved(
            ctx,
            dispute,
            refused,
            dispute.outcome.map(Outcome::Dispute),
            dispute.resolved_by.as_deref(),
            dispute.resolved_at,
        )
    })
}

pub async fn open_resolve(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    dispute_id: i64,
) -> Result<Option<String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(dispute) = store.dispute(dispute_id).await? else {
        return Ok(Some("That dispute no longer exists.".to_owned()));
    };
    if let Err(message) = may_resolve(ctx, &dispute).await? {
        return Ok(Some(message));
    }
    if let Err(refused) = may_take_outcome(ctx, &dispute) {
        return Ok(Some(refused));
    }
    if dispute.variation_proposed_at.is_some()
        && store
            .pending_request_for(dispute.person_id, dispute.function_id)
            .await?
            .is_some()
    {
        return Ok(waiting_on_head(ctx, &dispute));
    }
    if let Some(restriction) = store.restriction(dispute.restriction_id).await? {
        warm_staff(ctx, &restriction);
    }
    let outcomes: Vec<(&str, &str)> = DisputeOutcome::ALL
        .iter()
        .map(|o| (o.as_str(), o.label()))
        .collect();
    // The handler decides on what the person disputes, so it is shown whole.
    let mut blocks = vec![section(&format!(
        "*Dispute {}* of restriction {} · received {} · due {}",
        dispute.reference,
        dispute.restriction_reference,
        day(dispute.received_on),
        day(dispute.due_on),
    ))];
    blocks.extend(sections(&format!(
        "*What they dispute:*\n{}",
        escape(&dispute.summary)
    )));
    blocks.extend([
        field("outcome", "Outcome", radio_element("outcome", &outcomes), false, None),
        text_input(
            "reasons",
            "Reasons (they go in the letter to the person)",
            true,
            false,
            MAX_TEXT_CHARS as u64,
        ),
        context("*Vary:* the restriction form opens as this closes: the new measures go to the head of function for approval, as any restriction does (§6). The dispute stays open until the head decides; once approved, the outcome letter is drafted; if not, the dispute comes back to you."),
    ]);
    let view = metadata_modal(
        "Resolve dispute",
        RESOLVE,
        "Record outcome",
        &Metadata::default(),
        blocks,
        Some(&dispute_id.to_string()),
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(None)
}

pub async fn submit_resolve(
    ctx: &Ctx<'_>,
    form: &Form,
    private_metadata: Option<&str>,
) -> Result<Resolved, ApiError> {
    let Some(dispute_id) = extra_of(private_metadata).and_then(|v| v.parse::<i64>().ok()) else {
        return Err(ApiError::BadRequest(
            "resolve modal without a dispute".into(),
        ));
    };
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let draft = ResolutionDraft {
        outcome: form.selected("outcome").and_then(|o| o.parse().ok()),
        reasons: form.text("reasons").unwrap_or_default(),
    };
    let resolution = match draft.validate() {
        Ok(resolution) => resolution,
        Err(field_errors) => {
            for e in field_errors {
                errors.add(e.field.as_str(), e.message);
            }
            return Err(ApiError::Invalid(errors));
        }
    };
    let Some(dispute) = store.dispute(dispute_id).await? else {
        errors.add("outcome", "That dispute no longer exists.");
        return Err(ApiError::Invalid(errors));
    };
    let handler = match may_resolve(ctx, &dispute).await? {
        Ok(handler) => handler,
        Err(message) => {
            errors.add("outcome", message);
            return Err(ApiError::Invalid(errors));
        }
    };
    if let Err(refused) = may_take_outcome(ctx, &dispute) {
        errors.add("outcome", refused);
        return Err(ApiError::Invalid(errors));
    }
    let (Some(person), Some(restriction)) = (
        store.person(dispute.person_id).await?,
        store.restriction(dispute.restriction_id).await?,
    ) else {
        errors.add(
            "outcome",
            "That person or restriction is no longer on record.",
        );
        return Err(ApiError::Invalid(errors));
    };
    let function_name = function_name_of(ctx, dispute.function_id).await?;
    let signature = crate::slack::letters::signature(ctx, dispute.function_id).await?;
    let resolver = handler.user().clone();
    // Still applies: the letter sets the arrangements out again, the point of contact
    // named as Slack has them now. Lifted: there are none. Varied: the letter waits.
    let keeps = resolution.outcome == DisputeOutcome::StillApplies;
    let measures = match super::letter_measures(ctx, &restriction, keeps).await {
        Ok(measures) => measures,
        Err(message) => {
            errors.add("outcome", message);
            return Err(ApiError::Invalid(errors));
        }
    };
    let mut letter = base_letter(ctx, &person, &dispute.reference, &function_name);
    signature.sign(&mut letter);
    let mut letter = restriction_letter(
        letter,
        &restriction,
        measures,
        &resolution.reasons,
        resolution.outcome.as_str(),
    );
    if resolution.outcome == DisputeOutcome::Lifted {
        letter.starts_on = Some(today(ctx));
    }
    letter.complaint_reference = dispute.complaint_reference.clone();
    letter.corrections =
        crate::slack::letters::corrections_for_restriction(ctx, &restriction).await?;
    // Everything Slack is asked is asked above: from here, one transaction.
    let mut tx = store.begin_write().await?;
    let concluded = match tx
        .resolve_dispute(dispute_id, &resolution, &handler, ctx.now)
        .await?
    {
        Conclusion::Concluded(concluded) => concluded,
        Conclusion::AlreadyConcluded {
            awaiting_variation: true,
            by,
            at,
            ..
        } => {
            errors.add("outcome", waiting_since(ctx, &dispute.reference, &by, at));
            return Err(ApiError::Invalid(errors));
        }
        Conclusion::AlreadyConcluded {
            outcome, by, at, ..
        } => {
            errors.add(
                "outcome",
                already_resolved(
                    ctx,
                    &dispute,
                    AlreadyResolved,
                    Some(outcome),
                    Some(&by),
                    Some(at),
                ),
            );
            return Err(ApiError::Invalid(errors));
        }
    };
    let varied = resolution.outcome == DisputeOutcome::Varied;
    let told = messages::dispute_outcome(
        resolution.outcome,
        &concluded.reference,
        &concluded.restriction_reference,
    );
    let dms = outcome_messages(&resolver, told, "dispute", varied, &concluded, &person);
    tx.enqueue(Some(dispute.person_id), &dms, ctx.now).await?;
    // "Varied": the outcome letter waits for the head's approval of the new measures. A
    // letter that cannot be rendered drops the handle: nothing is recorded.
    if !varied {
        render_letter(ctx, LetterKind::DisputeOutcome, &person, &letter, &resolver)?
            .draft_on(
                tx.as_mut(),
                LetterSubject::Dispute(concluded.id),
                &person,
                concluded.function_id,
                &handler.actor(),
                ctx.now,
            )
            .await?;
    }
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Resolved {
        reply: Reply::Ack,
        vary: varied.then_some(concluded.restriction_id),
    })
}
