//! The head of function's authorisation message for continuing a restriction at review
//! (§6 at review; issue 9, finding 10): the restriction and its measures in force, the
//! reviewing manager's reasons and next review date, the six §6 criteria with their
//! checklist and the Authorise and Reject buttons; what every copy becomes once settled;
//! and the DMs to the manager who proposed it.
//!
//! Long texts are split over sections, never cut, so the message keeps within Slack's
//! 50 blocks at the longest reasons the review form accepts.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use crate::domain::measures::Measure;
use crate::domain::restriction::Criterion;
use crate::domain::review::ContinuationStatus;
use crate::domain::UserId;
use crate::slack::blocks::{
    actions, checkbox_row, context, escape, message, primary_button_row, section, sections,
    styled_button,
};
use crate::slack::ids::{continuation_criteria_block, Action};
use crate::slack::messages::approval::criteria_wording;
use crate::slack::staff::measure_summary;

fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// What the authorisation message shows.
pub struct ContinuationAuthorisation<'a> {
    pub continuation_id: i64,
    pub review_reference: &'a str,
    pub restriction_reference: &'a str,
    pub proposer: &'a UserId,
    pub function_name: &'a str,
    /// The person as staff know them (name and identifiers).
    pub person_label: &'a str,
    pub measures: &'a [Measure],
    pub in_force_since: NaiveDate,
    pub ends_on: Option<NaiveDate>,
    pub reasons: &'a str,
    pub next_review_on: NaiveDate,
}

/// The message to each head or deputy who may authorise continuing the restriction.
pub fn authorisation_message(a: &ContinuationAuthorisation<'_>) -> SlackMessageContent {
    let measures = a
        .measures
        .iter()
        .map(|m| format!("• {}", measure_summary(m)))
        .collect::<Vec<_>>()
        .join("\n");
    let duration = match a.ends_on {
        Some(end) => format!("until {}", day(end)),
        None => "until lifted at a review".to_owned(),
    };
    let mut blocks = vec![section(&format!(
        "*Review {}*: <@{}> proposes that restriction *{}* in *{}* continues. Only the head of function or a deputy can authorise restricting contact (§6), at review too.",
        a.review_reference,
        a.proposer,
        a.restriction_reference,
        escape(a.function_name)
    ))];
    blocks.extend(sections(&format!(
        "*Service user:* {}\n*In force since:* {} · {duration}\n*Measures in force*\n{measures}",
        escape(a.person_label),
        day(a.in_force_since)
    )));
    blocks.extend(sections(&format!(
        "*Reasons for continuing (they go in the letter):*\n{}",
        escape(a.reasons)
    )));
    blocks.push(section(&format!(
        "*Next review (if authorised):* {}",
        day(a.next_review_on)
    )));
    blocks.push(section(&criteria_wording()));
    let choices: Vec<(String, String)> = Criterion::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), c.short_label().to_owned()))
        .collect();
    blocks.push(checkbox_row(
        &continuation_criteria_block(a.continuation_id),
        Action::ContinuationCriteria.as_str(),
        &choices,
    ));
    blocks.push(context(
        "Tick each criterion of §6 you are satisfied has been considered. Authorising needs all six; rejecting sends the review back to the manager to decide otherwise.",
    ));
    blocks.push(actions(vec![
        styled_button(
            "Authorise",
            Action::AuthoriseContinuation.as_str(),
            a.continuation_id.to_string(),
            SlackBlockButtonStyle::Primary,
        ),
        styled_button(
            "Reject",
            Action::RejectContinuation.as_str(),
            a.continuation_id.to_string(),
            SlackBlockButtonStyle::Danger,
        ),
    ]));
    message(
        &format!(
            "Review {}: continuing restriction {} needs your authorisation: open it to tick the §6 checklist, then authorise or reject.",
            a.review_reference, a.restriction_reference
        ),
        blocks,
    )
}

/// A fresh copy of the authorisation message for the scheduler's nudge to the head and
/// escalation to the deputies, led by how long the proposal has waited (finding 12).
pub fn reminder_copy(a: &ContinuationAuthorisation<'_>, waited_since: &str) -> SlackMessageContent {
    let mut content = authorisation_message(a);
    let mut blocks = vec![section(&format!(
        ":hourglass: *Reminder:* this proposal has waited since {waited_since} for your authorisation. The review stays open until it is decided."
    ))];
    blocks.extend(content.blocks.take().unwrap_or_default());
    content.blocks = Some(blocks);
    content.text = Some(format!(
        "Reminder: continuing restriction {} at review {} is still waiting for your authorisation.",
        a.restriction_reference, a.review_reference
    ));
    content
}

/// What every copy of the authorisation message becomes once settled; the buttons go.
pub fn settled_message(
    review_reference: &str,
    restriction_reference: &str,
    status: ContinuationStatus,
    by: &str,
    at: &str,
) -> SlackMessageContent {
    let outcome = match status {
        ContinuationStatus::Authorised => ":white_check_mark: Authorised",
        ContinuationStatus::Rejected => ":x: Rejected",
        ContinuationStatus::Pending => ":hourglass: Waiting",
    };
    message(
        &format!("Review {review_reference}: continuing {restriction_reference} is {status}: no decision is needed now."),
        vec![section(&format!(
            "*Review {review_reference}*, continuing *{restriction_reference}*: {outcome} by <@{by}> on {at}."
        ))],
    )
}

/// To the proposer: the proposal went to the head; the review stays open until then.
pub fn proposed(review_reference: &str, restriction_reference: &str) -> SlackMessageContent {
    let line = format!(
        "Review {review_reference}: continuing {restriction_reference} was sent to the head of function to authorise (§6). The review stays open until then; you will hear the outcome."
    );
    message(&line, vec![section(&line)])
}

/// To the proposer: the head rejected continuing; the review is theirs to decide
/// otherwise (lift or vary). The reason is in the blocks, not the preview.
pub fn rejected(
    review_reference: &str,
    restriction_id: i64,
    restriction_reference: &str,
    by: &UserId,
    reason: &str,
) -> SlackMessageContent {
    let mut blocks = sections(&format!(
        "<@{by}> did *not* authorise continuing *{restriction_reference}* at review *{review_reference}*: {}",
        escape(reason)
    ));
    blocks.push(section(
        "The review is still open: decide otherwise (lift or vary the restriction), or propose continuing again if something has changed.",
    ));
    blocks.push(primary_button_row(
        "Decide the review",
        Action::StartReview.as_str(),
        restriction_id.to_string(),
    ));
    message(
        &format!("Review {review_reference}: continuing {restriction_reference} was not authorised: read the reason and decide the review."),
        blocks,
    )
}
