//! Continuing a restriction at review (§6 at review; issue 9, finding 10): a manager's
//! "continue" is a proposal the head of function or a deputy (never the proposer)
//! authorises with the six §6 criteria ticked, as a restriction request is approved, or
//! rejects with a reason. Until it is authorised the review stays open (and is reminded
//! as an open review); on authorisation the review is decided, the restriction's next
//! review date set and the outcome letter drafted for the manager; on rejection the
//! review goes back to the manager to decide otherwise.

use super::{
    base_letter, function_name_of, letter_measures, messages, render_letter, restriction_letter,
    today, warm_staff,
};
use crate::access::{self, Authority};
use crate::domain::authority::{Decider, Manager};
use crate::domain::restriction::{check_approval, CriteriaTicks, MAX_REASON_CHARS};
use crate::domain::review::{
    authorisation_reserved, continuation_transition, may_authorise, next_review_still_ahead,
    ContinuationEvent, ContinuationSettled, ContinuationStatus, ReviewOutcome,
};
use crate::domain::UserId;
use crate::letters::{LetterContext, LetterKind};
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::ids::Callback;
use crate::slack::messages::continuation::{
    authorisation_message, proposed, rejected, settled_message, ContinuationAuthorisation,
};
use crate::slack::metadata::{extra_of, Metadata};
use crate::slack::outbound::SlackCall;
use crate::slack::people::person_label;
use crate::slack::send;
use crate::store::records::*;
use crate::store::{NewOutboxMessage, StoreError};

/// What proposing tells the manager, when it cannot be sent: shown on the form.
pub(super) enum Proposal {
    Sent,
    Refused(String),
}

/// The manager chose "continue": the proposal goes to the head and deputies (not the
/// proposer), and the review stays open.
pub(super) async fn propose(
    ctx: &Ctx<'_>,
    by: &Manager,
    review: &ReviewRecord,
    restriction: &RestrictionRecord,
    person: &PersonRecord,
    reasons: &str,
    next_review_on: chrono::NaiveDate,
) -> Result<Proposal, ApiError> {
    let store = ctx.state.store.as_ref();
    let proposer = by.user().clone();
    let head_only = access::head_rejected_at_review(store, review.id, review.function_id).await?;
    let approvers = access::deciders_of(store, review.function_id, &proposer, head_only).await?;
    if approvers.is_empty() {
        return Ok(Proposal::Refused(
            "No head of function or deputy other than you can authorise continuing this restriction (§6): ask an admin to set one.".to_owned(),
        ));
    }
    let function_name = function_name_of(ctx, review.function_id).await?;
    let label = person_label(person);
    let mut tx = store.begin_write().await?;
    let recorded = match tx
        .propose_continuation(review.id, reasons, next_review_on, by, ctx.now, &approvers)
        .await
    {
        Ok(recorded) => recorded,
        Err(StoreError::Conflict { .. }) => {
            return Ok(Proposal::Refused(
                crate::domain::review::OutcomeRefused::AwaitingAuthorisation.to_string(),
            ))
        }
        Err(other) => return Err(other.into()),
    };
    // Every copy of the authorisation message stays linked to its outbox row, so that
    // each is settled with the outcome.
    let copies: Vec<(UserId, NewOutboxMessage)> = approvers
        .iter()
        .map(|approver| {
            let content = authorisation_message(&ContinuationAuthorisation {
                continuation_id: recorded.id,
                review_reference: &review.reference,
                restriction_reference: &restriction.reference,
                proposer: &proposer,
                function_name: &function_name,
                person_label: &label,
                measures: &restriction.measures,
                in_force_since: restriction.starts_on,
                ends_on: restriction.ends_on,
                reasons,
                next_review_on,
            });
            let message = send::dm(
                approver,
                content,
                format!("continuation:{}:approval:{approver}", recorded.id),
            );
            (approver.clone(), message)
        })
        .collect();
    tx.enqueue_continuation_approvals(recorded.id, &copies, ctx.now)
        .await?;
    let told = send::dm(
        &proposer,
        proposed(&review.reference, &restriction.reference),
        format!("continuation:{}:proposed", recorded.id),
    );
    tx.enqueue(Some(restriction.person_id), &[told], ctx.now)
        .await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Proposal::Sent)
}

/// The domain refused the change (the proposal is settled), in plain words: who settled
/// it and when, when known.
fn already(
    ctx: &Ctx<'_>,
    c: &ContinuationRecord,
    refused: ContinuationSettled,
    by: Option<&str>,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    match (by, at) {
        (Some(by), Some(at)) => format!(
            "Continuing {} at review {} was already {} by <@{by}> on {}.",
            c.restriction_reference,
            c.review_reference,
            refused.from,
            ctx.local_time(at)
        ),
        _ => format!("{refused} Nothing was changed."),
    }
}

/// The store found the proposal already settled (a race the checks lost).
fn lost_race(
    ctx: &Ctx<'_>,
    c: &ContinuationRecord,
    status: ContinuationStatus,
    event: ContinuationEvent,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    let refused = continuation_transition(status, event)
        .err()
        .unwrap_or(ContinuationSettled { from: status });
    already(ctx, c, refused, Some(by), Some(at))
}

/// The proposal and the proof that `ctx.user` may decide it now (§6: the head or a deputy
/// who did not propose it, the head alone after the head rejected one); otherwise what to
/// tell them.
async fn decidable(
    ctx: &Ctx<'_>,
    continuation_id: i64,
    event: ContinuationEvent,
) -> Result<Result<(ContinuationRecord, Decider), String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(c) = store.continuation(continuation_id).await? else {
        return Ok(Err("That proposal no longer exists.".to_owned()));
    };
    let roles = Authority::load(store, &ctx.user)
        .await?
        .roles_in(c.function_id);
    let decider = match may_authorise(
        &ctx.user,
        &UserId::from_slack(c.proposed_by.clone()),
        c.function_id,
        &roles,
    ) {
        Ok(decider) => decider,
        Err(refused) => return Ok(Err(refused.to_string())),
    };
    // The domain's state machine decides whether it may move; the store's conditional
    // update keeps racing clicks to one decision.
    if let Err(refused) = continuation_transition(c.status, event) {
        return Ok(Err(already(
            ctx,
            &c,
            refused,
            c.decided_by.as_deref(),
            c.decided_at,
        )));
    }
    let reserved = access::head_rejected_at_review(store, c.review_id, c.function_id).await?;
    if let Err(refused) = authorisation_reserved(&roles, reserved) {
        return Ok(Err(refused.to_string()));
    }
    Ok(Ok((c, decider)))
}

/// Settles every copy of the authorisation message.
fn settle(decided: &ContinuationDecided, by: &UserId, when: &str) -> Vec<NewOutboxMessage> {
    let c = &decided.continuation;
    let settled = settled_message(
        &c.review_reference,
        &c.restriction_reference,
        c.status,
        by.as_str(),
        when,
    );
    decided
        .approval_message_outbox_ids
        .iter()
        .filter_map(|outbox_id| {
            SlackCall::UpdateSent {
                of_outbox_id: *outbox_id,
                content: settled.clone(),
            }
            .into_outbox(format!("continuation:{}:settled:{outbox_id}", c.id), None)
            .ok()
        })
        .collect()
}

/// A tick on the checklist: the head is about to decide, so the point of contact the
/// letter will name is looked up now, in the background.
pub async fn continuation_criteria_ticked(
    ctx: &Ctx<'_>,
    continuation_id: i64,
) -> Result<(), ApiError> {
    let store = ctx.state.store.as_ref();
    if let Some(c) = store.continuation(continuation_id).await? {
        if let Some(restriction) = store.restriction(c.restriction_id).await? {
            warm_staff(ctx, &restriction);
        }
    }
    Ok(())
}

/// The Authorise button: ticks come from the checklist on the same message.
pub async fn authorise_continuation(
    ctx: &Ctx<'_>,
    continuation_id: i64,
    ticked_values: Vec<String>,
) -> Result<String, ApiError> {
    let (c, decider) = match decidable(ctx, continuation_id, ContinuationEvent::Authorise).await? {
        Ok(decidable) => decidable,
        Err(message) => return Ok(message),
    };
    let store = ctx.state.store.as_ref();
    let (Some(person), Some(restriction)) = (
        store.person(c.person_id).await?,
        store.restriction(c.restriction_id).await?,
    ) else {
        return Ok("That person or restriction is no longer on record.".to_owned());
    };
    if !restriction.current_on(today(ctx)) {
        return Ok(format!(
            "Nothing was changed. {} is no longer in force ({}): reject the proposal with that reason.",
            restriction.reference,
            restriction.status_on(today(ctx))
        ));
    }
    if let Err(why) = next_review_still_ahead(c.next_review_on, today(ctx)) {
        return Ok(format!("Nothing was changed. {why}"));
    }
    let ticks = CriteriaTicks::from_values(ticked_values.iter().map(String::as_str));
    let checklist = match check_approval(&ticks) {
        Ok(checklist) => checklist,
        Err(missing) => return Ok(format!("Nothing was changed. {missing}")),
    };
    // The letter sets the arrangements out again, the point of contact named as Slack
    // has them now.
    let measures = match letter_measures(ctx, &restriction, true).await {
        Ok(measures) => measures,
        Err(message) => return Ok(format!("Nothing was changed. {message}")),
    };
    let function_name = function_name_of(ctx, c.function_id).await?;
    let signature = crate::slack::letters::signature(ctx, c.function_id).await?;
    let mut letter = base_letter(ctx, &person, &c.review_reference, &function_name);
    signature.sign(&mut letter);
    let mut letter: LetterContext = restriction_letter(
        letter,
        &restriction,
        measures,
        &c.reasons,
        ReviewOutcome::Continue.as_str(),
    );
    letter.next_review_on = Some(c.next_review_on);
    letter.corrections =
        crate::slack::letters::corrections_for_restriction(ctx, &restriction).await?;
    let proposer = UserId::from_slack(c.proposed_by.clone());
    let when = ctx.local_time(ctx.now);
    // Everything Slack is asked is asked above: from here, one transaction.
    let mut tx = store.begin_write().await?;
    let decided = match tx
        .authorise_continuation(c.id, &checklist, &decider, ctx.now)
        .await?
    {
        ContinuationResult::Decided(decided) => decided,
        ContinuationResult::AlreadyDecided { status, by, at } => {
            return Ok(lost_race(
                ctx,
                &c,
                status,
                ContinuationEvent::Authorise,
                &by,
                at,
            ))
        }
    };
    let mut out = settle(&decided, decider.user(), &when);
    let told = messages::review_outcome(
        ReviewOutcome::Continue,
        Some(decided.continuation.next_review_on),
        &decided.continuation.review_reference,
        &decided.continuation.restriction_reference,
    );
    out.push(send::dm(
        &proposer,
        messages::outcome(format!("{told} Authorised by <@{}>.", decider.user())),
        format!("review:{}:concluded", decided.continuation.review_id),
    ));
    tx.enqueue(Some(c.person_id), &out, ctx.now).await?;
    // A letter that cannot be rendered drops the handle: nothing is recorded.
    render_letter(ctx, LetterKind::ReviewOutcome, &person, &letter, &proposer)?
        .draft_on(
            tx.as_mut(),
            LetterSubject::Review(decided.continuation.review_id),
            &person,
            decided.continuation.function_id,
            &decider.actor(),
            ctx.now,
        )
        .await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(format!(
        "Authorised: review {} is decided and {} continues, next review by {}. The outcome letter went to <@{}> to send.",
        decided.continuation.review_reference,
        decided.continuation.restriction_reference,
        decided.continuation.next_review_on.format("%-d %b %Y"),
        decided.continuation.proposed_by
    ))
}

/// The Reject button: asks for the reason, which the manager will see.
pub async fn open_reject_continuation(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    continuation_id: i64,
) -> Result<Option<String>, ApiError> {
    let (c, _) = match decidable(ctx, continuation_id, ContinuationEvent::Reject).await? {
        Ok(decidable) => decidable,
        Err(message) => return Ok(Some(message)),
    };
    let blocks = vec![
        section(&format!(
            "Reject continuing restriction *{}* at review *{}*. The manager will see your reason and decide the review otherwise.",
            c.restriction_reference, c.review_reference
        )),
        text_input(
            "reason",
            "Reason for rejecting",
            true,
            false,
            MAX_REASON_CHARS as u64,
        ),
    ];
    let view = metadata_modal(
        "Reject continuing",
        Callback::RejectContinuation.as_str(),
        "Reject",
        &Metadata::default(),
        blocks,
        Some(&c.id.to_string()),
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(None)
}

pub async fn submit_reject_continuation(
    ctx: &Ctx<'_>,
    form: &Form,
    private_metadata: Option<&str>,
) -> Result<Reply, ApiError> {
    let mut errors = FieldErrors::default();
    let Some(continuation_id) = extra_of(private_metadata).and_then(|v| v.parse::<i64>().ok())
    else {
        return Err(ApiError::BadRequest(
            "reject modal without a proposal".into(),
        ));
    };
    let reason = form.text("reason").unwrap_or_default();
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        errors.add(
            "reason",
            "Give the reason for rejecting, in 2,000 characters or fewer; the manager who proposed continuing will see it.",
        );
        return Err(ApiError::Invalid(errors));
    }
    let (c, decider) = match decidable(ctx, continuation_id, ContinuationEvent::Reject).await? {
        Ok(decidable) => decidable,
        Err(message) => {
            errors.add("reason", message);
            return Err(ApiError::Invalid(errors));
        }
    };
    let when = ctx.local_time(ctx.now);
    let proposer = UserId::from_slack(c.proposed_by.clone());
    let store = ctx.state.store.as_ref();
    let mut tx = store.begin_write().await?;
    let decided = match tx
        .reject_continuation(c.id, reason, &decider, ctx.now)
        .await?
    {
        ContinuationResult::Decided(decided) => decided,
        ContinuationResult::AlreadyDecided { status, by, at } => {
            errors.add(
                "reason",
                lost_race(ctx, &c, status, ContinuationEvent::Reject, &by, at),
            );
            return Err(ApiError::Invalid(errors));
        }
    };
    let mut out = settle(&decided, decider.user(), &when);
    let d = &decided.continuation;
    out.push(send::dm(
        &proposer,
        rejected(
            &d.review_reference,
            d.restriction_id,
            &d.restriction_reference,
            decider.user(),
            reason,
        ),
        format!("continuation:{}:rejected", d.id),
    ));
    tx.enqueue(Some(d.person_id), &out, ctx.now).await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}
