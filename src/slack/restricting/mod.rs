//! Restricting contact (R-RES-1 … R-RES-6, R-LET-1, R-LET-2, R-LET-4): `/contact warn`
//! (`warn`), `/contact restrict` and a variation of a restriction in force (`request`),
//! the head of function's approve and reject (`decide`), the requester's or the head's
//! withdraw (`withdraw`), and
//! "Mark as sent" for letters (`letter_sent`). Who may decide is checked from the
//! database at click time; the store makes sure exactly one decision is ever recorded.
//! The approval message itself is in `messages::approval`, the letters in `letters`.

mod decide;
mod letter_sent;
mod measure_fields;
mod request;
mod warn;
mod withdraw;

use chrono::{DateTime, NaiveDate, Utc};
use slack_morphism::prelude::*;

use super::blocks::*;
use super::ctx::Ctx;
use super::forms::Form;
use super::messages::approval::{reminder_copy, ApprovalRequest};
use crate::access;
use crate::domain::restriction::{IncidentFacts, NoWarningReason, WarningBasis};
use crate::domain::UserId;
use crate::slack::error::ApiError;
use crate::store::records::*;
use crate::store::StoreResult;

pub use decide::{approve, criteria_ticked, open_reject, submit_reject};
pub use letter_sent::{open_mark_sent, submit_mark_sent};
pub use measure_fields::{measure_fields_to_show, measures_changed};
pub use request::{open_restrict_for, request_variation, restrict, submit_restrict};
pub use warn::{close_warning, open_warn_for, submit_warn, warn};
pub use withdraw::{open_withdraw, submit_withdraw};

pub const WARN: &str = crate::slack::ids::Callback::Warn.as_str();
pub const RESTRICT: &str = crate::slack::ids::Callback::Restrict.as_str();
pub const REJECT: &str = crate::slack::ids::Callback::Reject.as_str();
pub const WITHDRAW: &str = crate::slack::ids::Callback::Withdraw.as_str();
pub const LETTER_SENT: &str = crate::slack::ids::Callback::LetterSent.as_str();

pub const APPROVE_REQUEST: &str = crate::slack::ids::Action::ApproveRequest.as_str();
pub const REJECT_REQUEST: &str = crate::slack::ids::Action::RejectRequest.as_str();
pub const WITHDRAW_REQUEST: &str = crate::slack::ids::Action::WithdrawRequest.as_str();
pub const MARK_LETTER_SENT: &str = crate::slack::ids::Action::MarkLetterSent.as_str();
pub const WARN_PERSON: &str = crate::slack::ids::Action::WarnPerson.as_str();
pub const RESTRICT_PERSON: &str = crate::slack::ids::Action::RestrictPerson.as_str();
pub const REQUEST_VARIATION: &str = crate::slack::ids::Action::RequestVariation.as_str();
/// The checklist's block id prefix; the request id follows.
pub const CRITERIA: &str = crate::slack::ids::Action::Criteria.as_str();

/// The most incidents a multi-select offers (Slack's limit on options).
const LISTED_INCIDENTS: usize = limits::SELECT_OPTIONS;

fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

fn ctx_day(ctx: &Ctx<'_>, at: DateTime<Utc>) -> String {
    day(at.with_timezone(&ctx.state.timezone).date_naive())
}

/// The person's incidents as §4 and §6 weigh them.
fn facts_of(ctx: &Ctx<'_>, incidents: &[IncidentSummary]) -> Vec<IncidentFacts> {
    incidents
        .iter()
        .map(|i| IncidentFacts {
            id: i.id,
            reference: i.reference.clone(),
            occurred_on: i
                .occurred_at
                .with_timezone(&ctx.state.timezone)
                .date_naive(),
            aggressive: i.category == crate::domain::incident::Category::AggressiveAbusive.as_str(),
            violence: i.violence,
        })
        .collect()
}

/// A warning on file as a request relies on it; `None` if its letter was never sent.
fn basis_of(warning: &WarningRecord) -> Option<WarningBasis> {
    warning.sent_on.map(|sent_on| WarningBasis {
        reference: warning.reference.clone(),
        sent_on,
        adapt_until: warning.adapt_until,
    })
}

fn ctx_actor(ctx: &Ctx<'_>) -> crate::domain::Actor {
    crate::domain::Actor::user(&ctx.user)
}

/// The managed function for a person-level action: the only one, or the first where the
/// person has incidents.
async fn managed_function(
    ctx: &Ctx<'_>,
    incidents: &[IncidentSummary],
) -> Result<Option<(i64, String)>, ApiError> {
    let managed = access::managed_functions(ctx.state.store.as_ref(), &ctx.user).await?;
    Ok(managed
        .iter()
        .find(|(id, _)| incidents.iter().any(|i| i.function_id == *id))
        .or_else(|| managed.first())
        .cloned())
}

/// The incidents a warning or request may rely on, newest first. Slack offers at most
/// 100 options, so when the person has more the modal says plainly how many it shows.
async fn incidents_blocks(
    ctx: &Ctx<'_>,
    person_id: i64,
    incidents: &[IncidentSummary],
) -> Result<Vec<SlackBlock>, ApiError> {
    let options: Vec<_> = incidents
        .iter()
        .take(LISTED_INCIDENTS)
        .map(|i| {
            let label = format!(
                "{} · {} · {}",
                i.reference,
                ctx_day(ctx, i.occurred_at),
                i.category.replace('_', " ")
            );
            option(&i.id.to_string(), &label)
        })
        .collect();
    let shown = options.len();
    let element = SlackBlockMultiStaticSelectElement::new()
        .with_action_id("incidents".into())
        .with_options(options)
        .with_placeholder(pt("The incidents this relies on"));
    let mut blocks = vec![field(
        "incidents",
        "Incidents relied on",
        element.into(),
        false,
        Some("Their dates go in the letter to the service user; what happened does not."),
    )];
    // The store lists at most 100; the case file holds the true count.
    let total = if incidents.len() >= LISTED_INCIDENTS {
        ctx.state
            .store
            .history(person_id, ctx.today())
            .await?
            .iter()
            .filter(|h| h.kind == "incident")
            .count()
    } else {
        incidents.len()
    };
    if total > shown {
        blocks.push(context(&format!(
            "Showing the newest {shown} of {total} incidents. The older ones are in the case file (`/contact history`)."
        )));
    }
    Ok(blocks)
}

fn read_incidents(form: &Form, known: &[IncidentSummary]) -> Vec<i64> {
    form.selected_many("incidents")
        .iter()
        .filter_map(|v| v.parse::<i64>().ok())
        .filter(|id| known.iter().any(|i| i.id == *id))
        .collect()
}

pub(crate) use crate::slack::find::one_person;

/// The person's case file in one line, for the head deciding a request.
async fn history_summary(
    store: &dyn crate::store::Store,
    zone: chrono_tz::Tz,
    today: chrono::NaiveDate,
    person: &PersonRecord,
    incidents: &[IncidentSummary],
) -> StoreResult<String> {
    let history = store.history(person.id, today).await?;
    let count = |kind: &str| history.iter().filter(|h| h.kind == kind).count();
    let on = |at: DateTime<Utc>| day(at.with_timezone(&zone).date_naive());
    let latest: Vec<String> = incidents
        .iter()
        .take(3)
        .map(|i| {
            format!(
                "{} ({}, {})",
                i.reference,
                on(i.occurred_at),
                i.category.replace('_', " ")
            )
        })
        .collect();
    // What the head weighs besides the incidents (issue 9, finding 11): the earlier
    // requests and how they were decided, with a rejection's reason.
    let mut decisions: Vec<&HistoryEntry> =
        history.iter().filter(|h| h.kind == "decision").collect();
    decisions.sort_by_key(|h| std::cmp::Reverse(h.at));
    let decided: Vec<String> = decisions
        .iter()
        .take(3)
        .map(|h| {
            format!(
                "\n• {} on {}: {}",
                h.reference.as_deref().unwrap_or("A request"),
                on(h.at),
                h.summary
            )
        })
        .collect();
    Ok(format!(
        "{} incidents, {} calls ended or held, {} breaches, {} warnings, {} police reports; {} earlier requests, {} restrictions, {} disputes. Latest incidents: {}{}",
        count("incident"),
        count("call_ended"),
        count("breach"),
        count("warning"),
        count("police_report"),
        count("request"),
        count("restriction"),
        count("dispute"),
        if latest.is_empty() {
            "none".to_owned()
        } else {
            latest.join("; ")
        },
        if decided.is_empty() {
            String::new()
        } else {
            format!("\nEarlier decisions:{}", decided.concat())
        }
    ))
}

/// A fresh copy of a waiting request's approval message, for the scheduler's nudge to
/// the head and escalation to the deputies (R-REM-1); None once it is no longer pending.
pub async fn approval_reminder(
    store: &dyn crate::store::Store,
    zone: chrono_tz::Tz,
    today: chrono::NaiveDate,
    request_id: i64,
) -> crate::store::StoreResult<Option<SlackMessageContent>> {
    let Some(request) = store.request(request_id).await? else {
        return Ok(None);
    };
    if request.status != crate::domain::restriction::RequestStatus::Pending {
        return Ok(None);
    }
    let Some(person) = store.person(request.person_id).await? else {
        return Ok(None);
    };
    let function_name = store
        .list_functions()
        .await?
        .into_iter()
        .find(|f| f.id == request.function_id)
        .map(|f| f.name)
        .unwrap_or_default();
    let incidents = store.incidents_of(person.id).await?;
    let summary: String = history_summary(store, zone, today, &person, &incidents)
        .await
        .unwrap_or_default();
    let warning = match (request.warning_id, request.no_warning_reason.as_deref()) {
        (Some(_), _) => "A written warning was sent first".to_owned(),
        (None, Some(reason)) => format!(
            "No warning: {}",
            reason
                .parse::<NoWarningReason>()
                .map(|r| r.label())
                .unwrap_or("reason recorded")
        ),
        (None, None) => "Varies a restriction in force".to_owned(),
    };
    let new = NewRequest {
        person_id: request.person_id,
        function_id: request.function_id,
        incident_ids: request.incident_ids.clone(),
        measures: request.measures.clone(),
        justification: request.justification.clone(),
        proportionality: request.proportionality.clone(),
        internal_review_exhausted: request.internal_review_exhausted,
        ends_on: request.ends_on,
        first_review_on: request.first_review_on,
        warning_id: request.warning_id,
        no_warning_reason: request.no_warning_reason.clone(),
        varies_restriction_id: request.varies_restriction_id,
    };
    let requester = UserId::from_slack(request.requested_by.clone());
    let waited = super::ctx::local_time(zone, request.requested_at);
    Ok(Some(reminder_copy(
        &ApprovalRequest {
            reference: &request.reference,
            request_id: request.id,
            requester: &requester,
            function_name: &function_name,
            person: &person,
            request: &new,
            warning: &warning,
            summary: &summary,
        },
        &waited,
    )))
}
