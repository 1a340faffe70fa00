//! Withdrawing a pending request (issue 9, finding 11): the requester or the head of
//! function gives the reason, kept with the request; every copy of its approval message
//! is settled, and the requester hears when the head withdrew it.

use super::decide::{lost_race, may_move, settle_copies, Settled};
use super::WITHDRAW;
use crate::access::Authority;
use crate::domain::authority::Withdrawer;
use crate::domain::restriction::{withdraw_reason, MAX_REASON_CHARS};
use crate::domain::restriction::{RequestEvent, RequestStatus};
use crate::domain::UserId;
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::messages::approval::settled_message;
use crate::slack::messages::disputes::back_to_decider;
use crate::slack::metadata::{extra_of, Metadata};
use crate::slack::send;
use crate::store::records::*;
use crate::store::NewOutboxMessage;

/// Who is asking to withdraw, checked against the database: the proof that they may (the
/// requester or the head), or what to tell them.
async fn withdrawer_check(
    ctx: &Ctx<'_>,
    request: &RequestRecord,
) -> Result<Result<Withdrawer, String>, ApiError> {
    Ok(Authority::load(ctx.state.store.as_ref(), &ctx.user)
        .await?
        .withdraws(request)
        .map_err(|denied| denied.0))
}

/// The Withdraw button: asks for the reason first (issue 9, finding 11).
pub async fn open_withdraw(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    request_id: i64,
) -> Result<Option<String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(request) = store.request(request_id).await? else {
        return Ok(Some("That request no longer exists.".to_owned()));
    };
    if let Err(message) = withdrawer_check(ctx, &request).await? {
        return Ok(Some(message));
    }
    if let Err(refused) = may_move(ctx, &request, RequestEvent::Withdraw) {
        return Ok(Some(refused));
    }
    let blocks = vec![
        section(&format!(
            "Withdraw restriction request *{}*. The head of function and the requester will see your reason.",
            request.reference
        )),
        text_input(
            "reason",
            "Reason for withdrawing",
            true,
            false,
            MAX_REASON_CHARS as u64,
        ),
    ];
    let view = metadata_modal(
        "Withdraw request",
        WITHDRAW,
        "Withdraw",
        &Metadata::default(),
        blocks,
        Some(&request_id.to_string()),
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(None)
}

pub async fn submit_withdraw(
    ctx: &Ctx<'_>,
    form: &Form,
    private_metadata: Option<&str>,
) -> Result<Reply, ApiError> {
    let mut errors = FieldErrors::default();
    let Some(request_id) = extra_of(private_metadata).and_then(|e| e.parse::<i64>().ok()) else {
        return Err(ApiError::BadRequest(
            "withdraw modal without a request".into(),
        ));
    };
    let reason = match withdraw_reason(&form.text("reason").unwrap_or_default()) {
        Ok(reason) => reason,
        Err(e) => {
            errors.add("reason", e.to_string());
            return Err(ApiError::Invalid(errors));
        }
    };
    match withdraw(ctx, request_id, &reason).await? {
        Settled::Done(_) => Ok(Reply::Ack),
        Settled::NothingChanged(why) => {
            errors.add("reason", why);
            Err(ApiError::Invalid(errors))
        }
    }
}

/// Withdraws the request with `reason`, settling every copy of its approval message.
async fn withdraw(ctx: &Ctx<'_>, request_id: i64, reason: &str) -> Result<Settled, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(request) = store.request(request_id).await? else {
        return Ok(Settled::NothingChanged(
            "That request no longer exists.".to_owned(),
        ));
    };
    let withdrawer = match withdrawer_check(ctx, &request).await? {
        Ok(withdrawer) => withdrawer,
        Err(message) => return Ok(Settled::NothingChanged(message)),
    };
    if let Err(refused) = may_move(ctx, &request, RequestEvent::Withdraw) {
        return Ok(Settled::NothingChanged(refused));
    }
    let who = ctx.user.clone();
    let when = ctx.local_time(ctx.now);
    let requester = UserId::from_slack(request.requested_by.clone());
    let variation = store.variation_origin(request.id).await?;
    let mut tx = store.begin_write().await?;
    let decided = match tx
        .withdraw_request(request_id, reason, &withdrawer, ctx.now)
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
        // Only approving a variation can meet this.
        DecisionResult::VariedNotInForce { reference, status } => {
            return Ok(Settled::NothingChanged(format!(
                "Restriction {reference} is {status}; request {} was not changed.",
                request.reference
            )))
        }
    };
    let settled = settled_message(
        &decided.request_reference,
        RequestStatus::Withdrawn,
        who.as_str(),
        &when,
    );
    let mut messages: Vec<NewOutboxMessage> = settle_copies(&decided, &settled);
    // The head withdrew it: the requester hears why.
    if who != requester {
        messages.push(send::dm(
            &requester,
            message(
                &format!(
                    "Request {} was withdrawn by the head of function.",
                    decided.request_reference
                ),
                vec![section(&format!(
                    "Request *{}* was withdrawn by <@{}>. Reason: {}",
                    decided.request_reference,
                    who.as_str(),
                    escape(reason)
                ))],
            ),
            format!("request:{}:outcome", decided.request_id),
        ));
    }
    messages.extend(back_to_decider(variation.as_ref(), &decided));
    tx.enqueue(Some(request.person_id), &messages, ctx.now)
        .await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Settled::Done(format!(
        "Request {} withdrawn.",
        decided.request_reference
    )))
}
