//! The decision on a request (R-RES-4, R-RES-5, R-RES-6): the head of function approves
//! with all six criteria of §6 ticked, or rejects with a reason (withdrawing it while it
//! waits is `withdraw`). Every copy of the approval message is then settled, and an
//! approval puts the restriction in force with its notice letter.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use slack_morphism::prelude::*;

use super::{basis_of, REJECT};
use crate::access::Authority;
use crate::domain::authority::{Decider, Withdrawer};
use crate::domain::restriction::{
    check_approval, decision_may_be_taken, first_review_passed, rejection_reason,
    relied_on_warning_stands, system_withdraws_unapprovable, takes_effect, transition,
    CriteriaTicks, Criterion, IllegalTransition, RequestEvent, RequestStatus, TakesEffect,
    MAX_REASON_CHARS,
};
use crate::domain::UserId;
use crate::letters::{LetterKind, LetterMeasure};
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::letters::{
    base_letter, cited_by, corrections_cited, incident_dates, render_letter, variation_letter,
};
use crate::slack::messages::approval::{closed_message, settled_message};
use crate::slack::messages::disputes::back_to_decider;
use crate::slack::metadata::{extra_of, Metadata};
use crate::slack::outbound::SlackCall;
use crate::slack::send;
use crate::slack::staff::{staff_of, StaffNameError};
use crate::store::records::*;
use crate::store::write::WriteTx;
use crate::store::NewOutboxMessage;

/// Checks who is clicking against the database: the proof that they may decide, or what
/// to tell them.
async fn decider_check(
    ctx: &Ctx<'_>,
    request: &RequestRecord,
) -> Result<Result<Decider, String>, ApiError> {
    let authority = Authority::load(ctx.state.store.as_ref(), &ctx.user).await?;
    let rejected_by_head = crate::access::head_rejection_of(
        ctx.state.store.as_ref(),
        request.person_id,
        request.function_id,
        Some((request.id, request.requested_at)),
    )
    .await?;
    Ok(authority
        .decides(request, rejected_by_head.as_deref())
        .map_err(|denied| denied.0))
}

/// What a decision or a withdrawal came to, for the person who acted: done, or nothing
/// was changed and why (already decided, refused, a letter that could not be written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Settled {
    Done(String),
    NothingChanged(String),
}

impl Settled {
    fn into_text(self) -> String {
        match self {
            Settled::Done(text) | Settled::NothingChanged(text) => text,
        }
    }
}

pub(super) fn already(
    ctx: &Ctx<'_>,
    reference: &str,
    refused: IllegalTransition,
    by: Option<&str>,
    at: Option<DateTime<Utc>>,
) -> String {
    let (Some(by), Some(at)) = (by, at) else {
        return format!("Request {reference}: {refused} Nothing was changed.");
    };
    let who = if by == crate::domain::Actor::system().as_str() {
        "the bot (the restriction it varies is no longer in force)".to_owned()
    } else {
        format!("<@{by}>")
    };
    format!(
        "Request {reference} was already {} by {who} on {}.",
        refused.from,
        ctx.local_time(at)
    )
}

/// Whether `event` may happen to `request` now: the domain's state machine decides
/// (R-RES-5); `Err` is what to tell the user. The store's conditional update still keeps
/// racing clicks to one change.
pub(super) fn may_move(
    ctx: &Ctx<'_>,
    request: &RequestRecord,
    event: RequestEvent,
) -> Result<(), String> {
    transition(request.status, event)
        .map(|_| ())
        .map_err(|refused| {
            already(
                ctx,
                &request.reference,
                refused,
                request
                    .decided_by
                    .as_deref()
                    .or(request.withdrawn_by.as_deref()),
                request.decided_at.or(request.withdrawn_at),
            )
        })
}

/// The store found the request already settled (a race the checks above lost).
pub(super) fn lost_race(
    ctx: &Ctx<'_>,
    reference: &str,
    status: RequestStatus,
    event: RequestEvent,
    by: &str,
    at: DateTime<Utc>,
) -> String {
    let refused = transition(status, event)
        .err()
        .unwrap_or(IllegalTransition {
            from: status,
            event,
        });
    already(ctx, reference, refused, Some(by), Some(at))
}

/// A variation whose restriction is no longer in force cannot be approved: the bot
/// closes it (withdrawn, with the reason), settles every copy of its approval message and
/// tells the requester, through `tx` (which may hold nothing yet, or a decision that was
/// undone). `variation` is what the request answers, read before the handle opened.
async fn close_variation(
    ctx: &Ctx<'_>,
    mut tx: Box<dyn WriteTx>,
    request: &RequestRecord,
    variation: Option<&VariationOrigin>,
    withdrawer: &Withdrawer,
    why: &str,
) -> Result<Settled, ApiError> {
    let when = ctx.local_time(ctx.now);
    let requester = UserId::from_slack(request.requested_by.clone());
    let decided = match tx
        .withdraw_request(request.id, why, withdrawer, ctx.now)
        .await?
    {
        DecisionResult::Decided(decided) => decided,
        DecisionResult::AlreadyDecided { status, by, at } => {
            return Ok(Settled::NothingChanged(lost_race(
                ctx,
                &request.reference,
                status,
                RequestEvent::Withdraw,
                &by,
                at,
            )))
        }
        DecisionResult::VariedNotInForce { .. } => {
            return Ok(Settled::NothingChanged(format!(
                "Nothing was approved. {why}"
            )))
        }
    };
    let closed = closed_message(&decided.request_reference, &when);
    let mut messages: Vec<NewOutboxMessage> = settle_copies(&decided, &closed);
    messages.push(send::dm(
        &requester,
        message(
            &format!(
                "Request {} was closed without a decision.",
                decided.request_reference
            ),
            vec![section(&format!(
                "Request *{}* was closed without a decision. {why}",
                decided.request_reference
            ))],
        ),
        format!("request:{}:outcome", decided.request_id),
    ));
    messages.extend(back_to_decider(variation, &decided));
    tx.enqueue(Some(request.person_id), &messages, ctx.now)
        .await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Settled::NothingChanged(format!(
        "Nothing was approved. {why} Request {} is closed.",
        decided.request_reference
    )))
}

/// A criterion ticked or unticked on the approval message: the head is about to decide,
/// so the point of contact the notice letter will name is looked up now, in the
/// background, and the Approve that follows need not wait on Slack (`slack::staff`).
pub async fn criteria_ticked(ctx: &Ctx<'_>, request_id: i64) -> Result<(), ApiError> {
    if let Some(request) = ctx.state.store.request(request_id).await? {
        ctx.state.staff.warm(staff_of(&request.measures));
    }
    Ok(())
}

/// The Approve button: ticks come from the checklist on the same message.
/// `at_once` and `not_before` are how the head chose it takes effect (issue 9, finding
/// 15): by default once its notice letter is marked sent.
pub async fn approve(
    ctx: &Ctx<'_>,
    request_id: i64,
    ticked_values: Vec<String>,
    at_once: bool,
    not_before: Option<NaiveDate>,
) -> Result<String, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(request) = store.request(request_id).await? else {
        return Ok("That request no longer exists.".to_owned());
    };
    let decider = match decider_check(ctx, &request).await? {
        Ok(decider) => decider,
        Err(message) => return Ok(message),
    };
    if let Err(refused) = may_move(ctx, &request, RequestEvent::Approve) {
        return Ok(refused);
    }
    let today = ctx.now.with_timezone(&ctx.state.timezone).date_naive();
    if let Some(ends_on) = request.ends_on.filter(|ends| *ends <= today) {
        return Ok(format!(
            "Nothing was changed. Request {} asked for a restriction ending on {}, which has passed, so it cannot be approved as it stands. Reject it with that reason; the manager can ask again with new dates.",
            request.reference,
            ends_on.format("%-d %b %Y")
        ));
    }
    if let Some(why) = first_review_passed(&request.reference, request.first_review_on, today) {
        return Ok(format!("Nothing was changed. {why}"));
    }
    if let Some(varied) = request.varies_restriction_id {
        let Some(r) = store.restriction(varied).await? else {
            return Ok("Nothing was changed: the restriction this request varies is no longer on record. Tell an admin of the contact register.".to_owned());
        };
        if let Some((withdrawer, why)) = system_withdraws_unapprovable(
            request.function_id,
            &r.reference,
            r.status,
            r.ends_on,
            today,
        ) {
            let variation = store.variation_origin(request.id).await?;
            let tx = store.begin_write().await?;
            return Ok(
                close_variation(ctx, tx, &request, variation.as_ref(), &withdrawer, &why)
                    .await?
                    .into_text(),
            );
        }
    }
    let no_warning_reason = request
        .no_warning_reason
        .as_deref()
        .and_then(|r| r.parse().ok());
    let relied_on = match request.warning_id {
        Some(id) => store.warning(id).await?,
        None => None,
    };
    // A warning closed, withdrawn or out of date since the request was made no longer
    // carries it (issue 9, finding 3).
    if let Some(w) = &relied_on {
        if let Err(why) =
            relied_on_warning_stands(&w.reference, w.status, w.sent_on, no_warning_reason, today)
        {
            return Ok(format!("Nothing was changed. {why}"));
        }
    }
    let warning = relied_on.as_ref().and_then(basis_of);
    if let Err(why) = decision_may_be_taken(warning.as_ref(), no_warning_reason, today) {
        return Ok(format!("Nothing was changed. {why}"));
    }
    let ticks = CriteriaTicks::from_values(ticked_values.iter().map(String::as_str));
    let checklist = match check_approval(&ticks) {
        Ok(checklist) => checklist,
        Err(missing) => return Ok(format!("Nothing was changed. {missing}")),
    };
    let takes_effect = match takes_effect(
        at_once,
        not_before,
        request.varies_restriction_id.is_some(),
        request.ends_on,
        today,
    ) {
        Ok(takes_effect) => takes_effect,
        Err(why) => return Ok(format!("Nothing was changed. {why}")),
    };
    let decision = Decision::Approve {
        checklist,
        takes_effect,
    };
    Ok(decide(ctx, &request, &decision, &decider)
        .await?
        .into_text())
}

pub async fn open_reject(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    request_id: i64,
    ticked_values: Vec<String>,
) -> Result<Option<String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(request) = store.request(request_id).await? else {
        return Ok(Some("That request no longer exists.".to_owned()));
    };
    if let Err(message) = decider_check(ctx, &request).await? {
        return Ok(Some(message));
    }
    if let Err(refused) = may_move(ctx, &request, RequestEvent::Reject) {
        return Ok(Some(refused));
    }
    let extra =
        serde_json::json!({ "request_id": request_id, "ticked": ticked_values }).to_string();
    let blocks = vec![
        section(&format!(
            "Reject restriction request *{}*. The requester will see your reason.",
            request.reference
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
        "Reject request",
        REJECT,
        "Reject",
        &Metadata::default(),
        blocks,
        Some(&extra),
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(None)
}

pub async fn submit_reject(
    ctx: &Ctx<'_>,
    form: &Form,
    private_metadata: Option<&str>,
) -> Result<Reply, ApiError> {
    let mut errors = FieldErrors::default();
    let extra: Value = extra_of(private_metadata)
        .and_then(|e| serde_json::from_str(&e).ok())
        .unwrap_or_default();
    let Some(request_id) = extra.get("request_id").and_then(Value::as_i64) else {
        return Err(ApiError::BadRequest(
            "reject modal without a request".into(),
        ));
    };
    let reason = match rejection_reason(&form.text("reason").unwrap_or_default()) {
        Ok(reason) => reason,
        Err(e) => {
            errors.add("reason", e.to_string());
            return Err(ApiError::Invalid(errors));
        }
    };
    let store = ctx.state.store.as_ref();
    let Some(request) = store.request(request_id).await? else {
        errors.add("reason", "That request no longer exists.");
        return Err(ApiError::Invalid(errors));
    };
    let decider = match decider_check(ctx, &request).await? {
        Ok(decider) => decider,
        Err(message) => {
            errors.add("reason", message);
            return Err(ApiError::Invalid(errors));
        }
    };
    if let Err(refused) = may_move(ctx, &request, RequestEvent::Reject) {
        errors.add("reason", refused);
        return Err(ApiError::Invalid(errors));
    }
    let ticked: Vec<String> = extra
        .get("ticked")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|v| v.parse::<Criterion>().is_ok())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    match decide(
        ctx,
        &request,
        &Decision::Reject { ticked, reason },
        &decider,
    )
    .await?
    {
        Settled::Done(_) => Ok(Reply::Ack),
        Settled::NothingChanged(why) => {
            errors.add("reason", why);
            Err(ApiError::Invalid(errors))
        }
    }
}

/// The measures as the notice letter sets them out, the point of contact named as Slack
/// has them now (`slack::staff`). `Err` is what to tell the head: nothing was changed.
async fn notice_measures(
    ctx: &Ctx<'_>,
    request: &RequestRecord,
) -> Result<Vec<LetterMeasure>, String> {
    ctx.state
        .staff
        .letter_measures(&request.measures)
        .await
        .map_err(|e| match e {
            StaffNameError::Unavailable(_) => e.to_string(),
            _ => format!(
                "{e} Reject request {} with that reason; the manager can ask again naming someone else.",
                request.reference
            ),
        })
}

/// Records the decision and everything it changes, in one transaction: the decision, the
/// settled copies of the approval message, the requester's answer and, for an approval,
/// the notice (or outcome) letter. A letter that cannot be rendered changes nothing.
async fn decide(
    ctx: &Ctx<'_>,
    request: &RequestRecord,
    decision: &Decision,
    decider_proof: &Decider,
) -> Result<Settled, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(person) = store.person(request.person_id).await? else {
        return Ok(Settled::NothingChanged(
            "That person is no longer on record.".to_owned(),
        ));
    };
    let function_name = crate::slack::functions::function_name_of(ctx, request.function_id).await?;
    let signature = crate::slack::letters::signature(ctx, request.function_id).await?;
    let decider = ctx.user.clone();
    let when = ctx.local_time(ctx.now);
    let requester = UserId::from_slack(request.requested_by.clone());
    let incident_dates = incident_dates(ctx, request.person_id, &request.incident_ids).await?;
    let corrections = corrections_cited(ctx, request.person_id, &cited_by(request)).await?;
    // A variation made for a review or dispute gets that outcome letter (R-LET-3).
    let variation = match request.varies_restriction_id {
        Some(_) => store.variation_origin(request.id).await?,
        None => None,
    };
    // Slack is asked for the point of contact's name before the write begins.
    let letter_measures = match decision {
        Decision::Approve { .. } => match notice_measures(ctx, request).await {
            Ok(measures) => measures,
            Err(refusal) => return Ok(Settled::NothingChanged(refusal)),
        },
        Decision::Reject { .. } => Vec::new(),
    };
    // The restriction a variation replaces, named in the requester's answer.
    let varied_reference = match request.varies_restriction_id {
        Some(id) => store.restriction(id).await?.map(|r| r.reference),
        None => None,
    };
    let mut tx = store.begin_write().await?;
    let decided = match tx
        .decide_request(request.id, decision, decider_proof, ctx.now)
        .await?
    {
        DecisionResult::Decided(decided) => decided,
        DecisionResult::AlreadyDecided { status, by, at } => {
            let event = match decision {
                Decision::Approve { .. } => RequestEvent::Approve,
                Decision::Reject { .. } => RequestEvent::Reject,
            };
            return Ok(Settled::NothingChanged(lost_race(
                ctx,
                &request.reference,
                status,
                event,
                &by,
                at,
            )));
        }
        // It ended or was lifted between the check above and the write: nothing of the
        // decision was written, and the bot closes the variation in the same handle.
        DecisionResult::VariedNotInForce { reference, status } => {
            let Some((withdrawer, why)) = system_withdraws_unapprovable(
                request.function_id,
                &reference,
                status,
                None,
                ctx.today(),
            ) else {
                return Ok(Settled::NothingChanged(format!(
                    "Nothing was approved: restriction {reference} is not this person's restriction in this function."
                )));
            };
            return close_variation(ctx, tx, request, variation.as_ref(), &withdrawer, &why).await;
        }
    };
    let settled = settled_message(
        &decided.request_reference,
        decided.status,
        decider.as_str(),
        &when,
    );
    let mut messages: Vec<NewOutboxMessage> = settle_copies(&decided, &settled);
    messages.push(send::dm(
        &requester,
        outcome_message(decision, &decided, &decider, varied_reference.as_deref()),
        format!("request:{}:outcome", decided.request_id),
    ));
    if let Decision::Reject { .. } = decision {
        messages.extend(back_to_decider(variation.as_ref(), &decided));
    }
    let letter = match (&decided.restriction, decision) {
        (Some(restriction), Decision::Approve { takes_effect, .. }) => {
            let mut letter = base_letter(ctx, &person, &restriction.reference, &function_name);
            signature.sign(&mut letter);
            // The justification is the behaviour and its impact: the letter quotes it
            // once, as the reasons for the decision.
            letter.reasons = request.justification.clone();
            letter.incident_dates = incident_dates;
            letter.corrections = corrections;
            letter.measures = letter_measures;
            // The earliest day it applies: the approval day or the later start the
            // head set (when waiting for the notice, it starts once this is sent).
            letter.starts_on = Some(takes_effect.starts_on);
            letter.starts_once_sent = takes_effect.awaits_notice;
            letter.ends_on = request.ends_on;
            letter.next_review_on = Some(request.first_review_on);
            let kind = variation_letter(variation.as_ref(), &mut letter);
            let subject = match (kind, &variation) {
                (LetterKind::ReviewOutcome, Some(origin)) => LetterSubject::Review(origin.id),
                (LetterKind::DisputeOutcome, Some(origin)) => LetterSubject::Dispute(origin.id),
                _ => LetterSubject::Restriction(restriction.id),
            };
            match render_letter(ctx, kind, &person, &letter, &requester) {
                Ok(draft) => Some((draft, subject)),
                // Dropping the handle undoes the decision: nothing is approved without
                // its letter.
                Err(not_rendered) => return Ok(Settled::NothingChanged(not_rendered.tell_user())),
            }
        }
        _ => None,
    };
    tx.enqueue(Some(request.person_id), &messages, ctx.now)
        .await?;
    if let Some((draft, subject)) = letter {
        draft
            .draft(
                &mut *tx,
                subject,
                request.person_id,
                request.function_id,
                &decider_proof.actor(),
                ctx.now,
            )
            .await?;
    }
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Settled::Done(format!(
        "Request {} {}.",
        decided.request_reference, decided.status
    )))
}

/// What the requester hears: the outcome and what to do next. The rejection reason is in
/// the blocks, not the fallback text (the lock-screen preview).
fn outcome_message(
    decision: &Decision,
    decided: &Decided,
    decider: &UserId,
    varies: Option<&str>,
) -> SlackMessageContent {
    let reference = &decided.request_reference;
    match (decision, &decided.restriction) {
        (Decision::Approve { takes_effect, .. }, Some(restriction)) => {
            message(
                &format!(
                    "Request {reference} approved: send the notice letter for restriction {}.",
                    restriction.reference
                ),
                vec![section(&format!(
                    "Your request {reference} was *approved* by <@{decider}>. {} The notice letter is below.",
                    when_in_force(&restriction.reference, takes_effect, varies)
                ))],
            )
        }
        (Decision::Reject { reason, .. }, _) => message(
            &format!("Request {reference} was rejected: read the reason before deciding what next."),
            sections(&format!(
                "Your request {reference} was *rejected* by <@{decider}>: {}",
                escape(reason)
            )),
        ),
        _ => message(
            &format!("Request {reference} was {}.", decided.status),
            vec![section(&format!(
                "Your request {reference} was {}.",
                decided.status
            ))],
        ),
    }
}

/// When the approved restriction takes effect, in the requester's words (issue 9,
/// finding 15). A variation of `varies` that waits for its letter leaves that one in
/// force until then.
fn when_in_force(reference: &str, takes_effect: &TakesEffect, varies: Option<&str>) -> String {
    let on = takes_effect.starts_on.format("%-d %b %Y");
    if let (true, Some(old)) = (takes_effect.awaits_notice, varies) {
        return format!(
            "Restriction {reference} is approved, not yet in force: it replaces restriction {old} on the day you mark its letter sent (on {on} at the earliest). Until then staff keep following restriction {old}."
        );
    }
    match (takes_effect.awaits_notice, takes_effect.at_once_for_staff_safety) {
        (false, true) => format!(
            "Restriction {reference} applies at once for staff safety and shows in `/contact check`; send the notice letter as soon as you can."
        ),
        (false, false) => format!(
            "Restriction {reference} is in force from {on} and shows in `/contact check`."
        ),
        (true, _) => format!(
            "Restriction {reference} is approved, not yet in force: it takes effect on the day you mark its notice letter sent (on {on} at the earliest). Until then staff handle contact as normal."
        ),
    }
}

/// Every copy of a request's approval message, updated to `content` (its outcome), each
/// once (keyed by the copy).
pub(super) fn settle_copies(
    decided: &Decided,
    content: &SlackMessageContent,
) -> Vec<NewOutboxMessage> {
    decided
        .approval_message_outbox_ids
        .iter()
        .filter_map(|outbox_id| {
            SlackCall::UpdateSent {
                of_outbox_id: *outbox_id,
                content: content.clone(),
            }
            .into_outbox(
                format!("request:{}:settled:{outbox_id}", decided.request_id),
                None,
            )
            .ok()
        })
        .collect()
}
