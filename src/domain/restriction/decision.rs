//! The request's state machine and who may decide (see the parent module).

use crate::domain::authority::{Decider, Withdrawer};
use crate::domain::incident::UnknownValue;
use crate::domain::roles::Role;
use crate::domain::UserId;
use chrono::NaiveDate;
use std::fmt;
use std::str::FromStr;

use super::*;

// ---------------------------------------------------------------------------------------
// The request's state machine and who may decide
// ---------------------------------------------------------------------------------------

/// Where a restriction request stands. Only a pending request can move; every other state
/// is final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestStatus {
    Pending,
    Approved,
    Rejected,
    Withdrawn,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 4] = [
        RequestStatus::Pending,
        RequestStatus::Approved,
        RequestStatus::Rejected,
        RequestStatus::Withdrawn,
    ];

    /// The stored spelling (`restriction_requests.status`).
    pub fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Pending => "pending",
            RequestStatus::Approved => "approved",
            RequestStatus::Rejected => "rejected",
            RequestStatus::Withdrawn => "withdrawn",
        }
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RequestStatus {
    type Err = UnknownValue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| unknown("request status", s))
    }
}

/// What can happen to a pending request: the head (or deputy) approves or rejects it, or
/// the manager withdraws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RequestEvent {
    Approve,
    Reject,
    Withdraw,
}

impl RequestEvent {
    fn outcome(self) -> RequestStatus {
        match self {
            RequestEvent::Approve => RequestStatus::Approved,
            RequestEvent::Reject => RequestStatus::Rejected,
            RequestEvent::Withdraw => RequestStatus::Withdrawn,
        }
    }
}

/// A request that is no longer pending cannot be approved, rejected or withdrawn again
/// (R-RES-5: a second click or a stale message changes nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub struct IllegalTransition {
    pub from: RequestStatus,
    pub event: RequestEvent,
}

impl IllegalTransition {
    fn message(&self) -> &'static str {
        match self.from {
            RequestStatus::Approved => "This request was already approved.",
            RequestStatus::Rejected => "This request was already rejected.",
            RequestStatus::Withdrawn => "This request was already withdrawn.",
            RequestStatus::Pending => "This request is still pending.",
        }
    }
}

/// The request's state machine: Pending → Approved | Rejected | Withdrawn, nothing else.
pub fn transition(
    from: RequestStatus,
    event: RequestEvent,
) -> Result<RequestStatus, IllegalTransition> {
    match from {
        RequestStatus::Pending => Ok(event.outcome()),
        RequestStatus::Approved | RequestStatus::Rejected | RequestStatus::Withdrawn => {
            Err(IllegalTransition { from, event })
        }
    }
}

/// Why someone may not decide a request (R-RES-5).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionRefused {
    #[error("You made this request, so another head or deputy must decide it.")]
    IsRequester,
    #[error(
        "Only the head of this function or a deputy named by an admin can decide this request."
    )]
    NotHeadOrDeputy,
    #[error("The head of this function rejected this person's last request ({0}), so only the head can decide this one: a deputy cannot overturn the head's rejection.")]
    HeadRejectedBefore(String),
}

/// §6: a head's rejection stands. When the last decided request for the person in the
/// function was rejected by its head, the next one is for the head alone: deputies are
/// not asked and may not decide it. `rejected_by_head` is that rejection's reference.
pub fn head_reserved(
    decider_roles_in_function: &[Role],
    rejected_by_head: Option<&str>,
) -> Result<(), DecisionRefused> {
    match rejected_by_head {
        Some(reference) if !decider_roles_in_function.contains(&Role::Head) => {
            Err(DecisionRefused::HeadRejectedBefore(reference.to_owned()))
        }
        _ => Ok(()),
    }
}

/// R-RES-5, §6: only the head of the request's function or a deputy named by an admin may
/// decide, and never the manager who made the request, even when they are also the head.
/// `decider_roles_in_function` are the decider's roles in the request's function.
/// The [`Decider`] proof is made only here.
pub fn may_decide(
    decider: &UserId,
    requester: &UserId,
    function_id: i64,
    decider_roles_in_function: &[Role],
) -> Result<Decider, DecisionRefused> {
    if decider == requester {
        return Err(DecisionRefused::IsRequester);
    }
    if decider_roles_in_function
        .iter()
        .any(|r| r.may_decide_restrictions())
    {
        Ok(Decider::issue(decider, function_id))
    } else {
        Err(DecisionRefused::NotHeadOrDeputy)
    }
}

/// Why someone may not withdraw a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WithdrawRefused {
    #[error(
        "Only the manager who made this request, or the head of the function, can withdraw it."
    )]
    NeitherRequesterNorHead,
}

/// Who may withdraw a pending request (issue 9, finding 11): the manager who made it, or
/// the head of its function — not a deputy or another manager, so that withdrawing is
/// never a way round the head's decision. `roles_in_function` are the user's roles in
/// the request's function. The [`Withdrawer`] proof is made only here.
pub fn may_withdraw(
    user: &UserId,
    requester: &UserId,
    function_id: i64,
    roles_in_function: &[Role],
) -> Result<Withdrawer, WithdrawRefused> {
    if user == requester || roles_in_function.contains(&Role::Head) {
        Ok(Withdrawer::issue(user, function_id))
    } else {
        Err(WithdrawRefused::NeitherRequesterNorHead)
    }
}

/// The bot's own withdrawal of a pending variation that can no longer be approved: the
/// restriction it varies (`reference`, with its `status` and end date) has ended, been
/// lifted or been replaced (`variation_refused`). Issues the system's [`Withdrawer`]
/// with the reason, kept with the request; `None` while the restriction still stands,
/// so the bot can never withdraw a request that could still be decided.
pub fn system_withdraws_unapprovable(
    function_id: i64,
    reference: &str,
    status: RestrictionStatus,
    ends_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<(Withdrawer, String)> {
    variation_refused(reference, status, ends_on, today)
        .map(|why| (Withdrawer::system(function_id), why))
}

/// A withdrawal must say why: the reason is kept with the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Give the reason for withdrawing this request, in 2,000 characters or fewer; it is kept with the request.")]
pub struct EmptyWithdrawReason;

/// The reason for withdrawing, trimmed: 1 to 2,000 characters.
pub fn withdraw_reason(raw: &str) -> Result<String, EmptyWithdrawReason> {
    rejection_reason(raw).map_err(|_| EmptyWithdrawReason)
}
