//! The head of function's approval message (R-RES-4): the request in full, the §6
//! checklist and the Approve and Reject buttons; the reminder copy the scheduler sends
//! while it waits (R-REM-1); and what every copy becomes once the request is settled.
//!
//! The head decides on the whole justification and proportionality, so long texts are
//! split over sections, never cut; the message keeps within Slack's 50 blocks at the
//! longest inputs the restrict form accepts.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use crate::domain::measures::Measure;
use crate::domain::restriction::{Criterion, RequestStatus};
use crate::domain::UserId;
use crate::slack::blocks::{
    actions, checkbox_row, context, escape, message, pt, section, sections, styled_button,
};
use crate::slack::ids::{takes_effect_block, Action, AT_ONCE_FOR_STAFF_SAFETY};
use crate::slack::people::person_label;
use crate::slack::staff::measure_summary;
use crate::store::records::{NewRequest, PersonRecord};

/// Blocked identifiers listed one by one in the message; beyond this many the rest are
/// counted, so a huge list cannot push the checklist and buttons out of the message.
const LISTED_IDENTIFIERS: usize = 100;

/// What the approval message shows: the request and what the head needs beside it.
pub struct ApprovalRequest<'a> {
    pub reference: &'a str,
    pub request_id: i64,
    pub requester: &'a UserId,
    pub function_name: &'a str,
    pub person: &'a PersonRecord,
    pub request: &'a NewRequest,
    /// The warning on file, or why there is none.
    pub warning: &'a str,
    /// The person's case file in one line.
    pub summary: &'a str,
}

fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// The approval message sent to each head or deputy who may decide.
pub fn approval_message(approval: &ApprovalRequest<'_>) -> SlackMessageContent {
    message(
        &format!(
            "Restriction request {} needs your decision: open it to tick the §6 checklist, then approve or reject.",
            approval.reference
        ),
        approval_blocks(approval),
    )
}

/// A fresh copy of the approval message for the scheduler's nudge to the head and
/// escalation to the deputies, led by how long the request has waited.
pub fn reminder_copy(approval: &ApprovalRequest<'_>, waited_since: &str) -> SlackMessageContent {
    let mut blocks = vec![section(&format!(
        ":hourglass: *Reminder:* this request has waited since {waited_since} for a decision."
    ))];
    blocks.extend(approval_blocks(approval));
    message(
        &format!(
            "Reminder: restriction request {} is still waiting for your decision.",
            approval.reference
        ),
        blocks,
    )
}

fn approval_blocks(approval: &ApprovalRequest<'_>) -> Vec<SlackBlock> {
    let request = approval.request;
    let access = approval.person.access.summary();
    let access = if access.is_empty() {
        "None recorded".to_owned()
    } else {
        access
            .iter()
            .map(|a| escape(a))
            .collect::<Vec<_>>()
            .join("; ")
    };
    let duration = match request.ends_on {
        Some(end) => format!("until {}", day(end)),
        None => "until lifted at a review".to_owned(),
    };
    let mut blocks = vec![section(&format!(
        "*Restriction request {}* in *{}* from <@{}>",
        approval.reference,
        escape(approval.function_name),
        approval.requester
    ))];
    blocks.extend(sections(&format!(
        "*Service user:* {}\n*Access requirements:* {access}\n*History:* {}",
        escape(&person_label(approval.person)),
        escape(approval.summary)
    )));
    blocks.extend(sections(&format!(
        "*Measures requested*\n{}",
        measure_lines(&request.measures)
    )));
    blocks.extend(sections(&format!(
        "*Justification:*\n{}",
        escape(&request.justification)
    )));
    blocks.extend(sections(&format!(
        "*Proportionality:*\n{}",
        escape(&request.proportionality)
    )));
    blocks.push(section(&format!(
        "*Internal review mechanisms exhausted:* {}\n*Warning:* {}\n*Duration:* {duration} · *First review:* {}",
        if request.internal_review_exhausted { "yes" } else { "no" },
        escape(approval.warning),
        day(request.first_review_on)
    )));
    blocks.push(section(&criteria_wording()));
    blocks.push(checklist(approval.request_id));
    blocks.push(context(
        "Tick each criterion of §6 you are satisfied has been considered. Approval needs all six. The restriction takes effect once its notice letter is marked sent (or on a later start date you choose); tick \"Apply at once\" only if staff safety requires it before the person is told (§4, §6).",
    ));
    blocks.push(takes_effect(approval.request_id));
    blocks.push(decision_buttons(approval.request_id));
    blocks
}

/// One line per measure; a very long list of blocked identifiers is counted after the
/// first [`LISTED_IDENTIFIERS`], with where the whole list will be.
fn measure_lines(measures: &[Measure]) -> String {
    measures
        .iter()
        .map(|m| match m {
            Measure::BlockContact { identifiers } if identifiers.len() > LISTED_IDENTIFIERS => {
                let listed: Vec<&str> = identifiers
                    .iter()
                    .take(LISTED_IDENTIFIERS)
                    .map(|i| i.trim())
                    .collect();
                format!(
                    "• Block contact from {} numbers or addresses: {} and {} more (the whole list is in the notice letter and `/contact check` once approved)",
                    identifiers.len(),
                    escape(&listed.join(", ")),
                    identifiers.len() - LISTED_IDENTIFIERS
                )
            }
            other => format!("• {}", measure_summary(other)),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The six criteria of §6 in the policy's full wording; the checkboxes carry short labels.
pub fn criteria_wording() -> String {
    let lines: Vec<String> = Criterion::ALL
        .iter()
        .enumerate()
        .map(|(n, c)| format!("{}. {}", n + 1, c.label()))
        .collect();
    format!(
        "*Before approving, be satisfied that (§6):*\n{}",
        lines.join("\n")
    )
}

fn checklist(request_id: i64) -> SlackBlock {
    let choices: Vec<(String, String)> = Criterion::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), c.short_label().to_owned()))
        .collect();
    let criteria = Action::Criteria.as_str();
    checkbox_row(&format!("{criteria}:{request_id}"), criteria, &choices)
}

/// How the restriction takes effect (issue 9, finding 15): by default once the notice
/// letter is sent; a later start date, or at once for staff safety.
fn takes_effect(request_id: i64) -> SlackBlock {
    let at_once = SlackBlockCheckboxesElement::new(vec![SlackBlockChoiceItem::new(
        pt("Apply at once for staff safety").into(),
        AT_ONCE_FOR_STAFF_SAFETY.to_owned(),
    )])
    .with_action_id(Action::AtOnce.as_str().into());
    let starts = SlackBlockDatePickerElement::new()
        .with_action_id(Action::StartsNotBefore.as_str().into())
        .with_placeholder(pt("Start no earlier than (optional)"));
    SlackActionsBlock::new(vec![at_once.into(), starts.into()])
        .with_block_id(takes_effect_block(request_id).into())
        .into()
}

fn decision_buttons(request_id: i64) -> SlackBlock {
    actions(vec![
        styled_button(
            "Approve",
            Action::ApproveRequest.as_str(),
            request_id.to_string(),
            SlackBlockButtonStyle::Primary,
        ),
        styled_button(
            "Reject",
            Action::RejectRequest.as_str(),
            request_id.to_string(),
            SlackBlockButtonStyle::Danger,
        ),
    ])
}

/// What every copy of the approval message becomes once the request is settled; the
/// buttons go, so nobody decides twice.
/// An approval message's copy once the bot closed the request itself: a variation of
/// a restriction that is no longer in force.
pub fn closed_message(reference: &str, at: &str) -> SlackMessageContent {
    let line = format!(
        "*Restriction request {reference}*: :no_entry_sign: Closed on {at}: the restriction it varies is no longer in force."
    );
    message(
        &format!("Restriction request {reference} is closed: no decision is needed now."),
        vec![section(&line)],
    )
}

pub fn settled_message(
    reference: &str,
    status: RequestStatus,
    by: &str,
    at: &str,
) -> SlackMessageContent {
    let outcome = match status {
        RequestStatus::Approved => ":white_check_mark: Approved",
        RequestStatus::Rejected => ":x: Rejected",
        RequestStatus::Withdrawn => ":leftwards_arrow_with_hook: Withdrawn",
        RequestStatus::Pending => ":hourglass: Pending",
    };
    let line = format!("*Restriction request {reference}*: {outcome} by <@{by}> on {at}.");
    message(
        &format!("Restriction request {reference} is {status}: no decision is needed now."),
        vec![section(&line)],
    )
}
