//! The messages of disputes and reviews (R-DIS-1, R-DIS-2, R-REV-1): the dispute's DM to
//! its handler, the note to whoever recorded it, the outcome DMs and the prompt to request
//! varied measures. Each fallback `text` (the notification preview, which shows on lock
//! screens) names references and what to do, never the person's name or what they said;
//! the blocks hold what the recipient, a manager of the function, may see.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use crate::domain::dispute::DisputeOutcome;
use crate::domain::restriction::RequestStatus;
use crate::domain::review::ReviewOutcome;
use crate::domain::UserId;
use crate::slack::blocks::{context, escape, message, primary_button_row, section, sections};
use crate::slack::ids::Action;
use crate::store::records::{Decided, VariationOf, VariationOrigin};
use crate::store::NewOutboxMessage;

fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

/// A dispute as its handler is told of it.
pub struct HandlerNotice<'a> {
    pub reference: &'a str,
    pub dispute_id: i64,
    pub restriction_reference: &'a str,
    /// The person's label (name and identifiers), shown in the blocks only.
    pub person_label: &'a str,
    /// What they dispute, shown whole: the handler decides on it.
    pub summary: &'a str,
    pub received_on: NaiveDate,
    pub due_on: NaiveDate,
    pub recorder: &'a UserId,
    /// The complaints system's reference (§7).
    pub complaint_reference: &'a str,
}

/// The DM to a dispute's handler, with the "Resolve dispute" button. The summary is shown
/// whole, over as many sections as it needs.
pub fn handler_notice(notice: &HandlerNotice<'_>) -> SlackMessageContent {
    let mut blocks = vec![section(&format!(
        "*You are handling dispute {}* of restriction {}, recorded by <@{}>, through the internal complaints procedure (complaint reference {}).\n*Service user:* {}\n*Received:* {} · *Due:* {}",
        notice.reference,
        notice.restriction_reference,
        notice.recorder,
        escape(notice.complaint_reference),
        escape(notice.person_label),
        day(notice.received_on),
        day(notice.due_on),
    ))];
    blocks.extend(sections(&format!(
        "*What they dispute:*\n{}",
        escape(notice.summary)
    )));
    blocks.push(context("Consider their concerns, then record the outcome: the restriction still applies, or a different course is agreed (vary or lift). They are told in writing (§7)."));
    blocks.push(primary_button_row(
        "Resolve dispute",
        Action::ResolveDispute.as_str(),
        notice.dispute_id.to_string(),
    ));
    message(
        &format!(
            "Dispute {} of {}: you are its handler. Resolve it by {}.",
            notice.reference,
            notice.restriction_reference,
            day(notice.due_on)
        ),
        blocks,
    )
}

/// The note to whoever recorded a dispute that someone else handles.
pub fn dispute_recorded(
    reference: &str,
    restriction_reference: &str,
    handler: &UserId,
    due_on: NaiveDate,
) -> SlackMessageContent {
    SlackMessageContent::new().with_text(format!(
        "Dispute {reference} recorded against {restriction_reference}. <@{handler}> will handle it; it is due by {}.",
        day(due_on)
    ))
}

/// What the resolver of a dispute is told once the outcome is recorded.
pub fn dispute_outcome(
    outcome: DisputeOutcome,
    reference: &str,
    restriction_reference: &str,
) -> String {
    match outcome {
        DisputeOutcome::StillApplies => format!(
            "Dispute {reference} resolved: {restriction_reference} *still applies*. The outcome letter is below."
        ),
        DisputeOutcome::Lifted => format!(
            "Dispute {reference} resolved: {restriction_reference} is *lifted* and no longer shows in `/contact check`. The outcome letter is below."
        ),
        DisputeOutcome::Varied => format!(
            "Dispute {reference}: you chose to *vary* {restriction_reference}. Set out the new measures in the form: the head of function decides them. The dispute stays open until then; the outcome letter is drafted once they are approved, and if they are not, the dispute comes back to its handler."
        ),
    }
}

/// What the reviewer is told once a review is decided; `next_review_on` is the new review
/// date of a restriction that continues.
pub fn review_outcome(
    outcome: ReviewOutcome,
    next_review_on: Option<NaiveDate>,
    reference: &str,
    restriction_reference: &str,
) -> String {
    match (outcome, next_review_on) {
        (ReviewOutcome::Continue, Some(next)) => format!(
            "Review {reference}: {restriction_reference} *continues*; next review by {}. The outcome letter is below.",
            day(next)
        ),
        (ReviewOutcome::Lift, _) => format!(
            "Review {reference}: {restriction_reference} is *lifted* and no longer shows in `/contact check`. The outcome letter is below."
        ),
        _ => format!(
            "Review {reference}: you chose to *vary* {restriction_reference}. Set out the new measures in the form: the head of function decides them. The review stays open until then; the outcome letter is drafted once they are approved, and if they are not, the review comes back to you."
        ),
    }
}

/// The outcome DM itself: short, references only, so its text is its own preview.
pub fn outcome(told: String) -> SlackMessageContent {
    SlackMessageContent::new().with_text(told)
}

/// The prompt, after a "vary" outcome, to set out the new measures: the button opens the
/// restriction form, and the request goes to the head of function like any other.
pub fn variation_prompt(
    reference: &str,
    restriction_id: i64,
    restriction_reference: &str,
    person_name: &str,
) -> SlackMessageContent {
    let blocks = vec![
        section(&format!(
            "*{reference}: vary {restriction_reference}* for {}. Set out the new measures: they go to the head of function for approval, and once approved the outcome letter is drafted; they replace {restriction_reference} on the day it is marked sent.",
            escape(person_name)
        )),
        primary_button_row(
            "Request varied measures",
            Action::RequestVariation.as_str(),
            restriction_id.to_string(),
        ),
    ];
    message(
        &format!("{reference}: request the varied measures for {restriction_reference}"),
        blocks,
    )
}

/// The DM sending a dispute back to its handler when the variation it asked for was not
/// approved (§7), with the button to resolve it again.
pub fn variation_not_approved(
    dispute_reference: &str,
    dispute_id: i64,
    request_reference: &str,
    status: RequestStatus,
) -> SlackMessageContent {
    let blocks = vec![
        section(&format!(
            "*Dispute {dispute_reference} is back with you:* the variation it asked for, request {request_reference}, was {status}. Decide again: the restriction *still applies*, or *lift* it (or vary it once more). The person is told in writing (§7)."
        )),
        primary_button_row(
            "Resolve dispute",
            Action::ResolveDispute.as_str(),
            dispute_id.to_string(),
        ),
    ];
    message(
        &format!(
            "Dispute {dispute_reference}: variation {request_reference} was {status}; resolve the dispute again."
        ),
        blocks,
    )
}

/// The DM sending a review back to its reviewer when the variation it asked for was not
/// approved (§7, §8), with the button to decide it again: continue (proposed to the head,
/// §6) or lift, or vary once more.
pub fn review_variation_not_approved(
    review_reference: &str,
    restriction_id: i64,
    request_reference: &str,
    status: RequestStatus,
) -> SlackMessageContent {
    let blocks = vec![
        section(&format!(
            "*Review {review_reference} is back with you:* the variation it asked for, request {request_reference}, was {status}. Decide again: *continue* the restriction (the head of function authorises it, §6) or *lift* it (or vary it once more). The person is told in writing."
        )),
        primary_button_row(
            "Decide review",
            Action::StartReview.as_str(),
            restriction_id.to_string(),
        ),
    ];
    message(
        &format!(
            "Review {review_reference}: variation {request_reference} was {status}; decide the review again."
        ),
        blocks,
    )
}

/// A variation asked for by a dispute or a review that is not approved (rejected,
/// withdrawn or closed) sends the record back to whoever decides it, by DM with the button
/// to decide again (§7): a dispute to its handler ("Resolve dispute"), a review to the
/// reviewer who chose to vary ("Decide review": continue, which the head authorises, or
/// lift). The store puts the record back in the same transaction (`after_variation`).
pub fn back_to_decider(
    origin: Option<&VariationOrigin>,
    decided: &Decided,
) -> Option<NewOutboxMessage> {
    let origin = origin?;
    let to = UserId::from_slack(origin.handler.clone()?);
    let (content, key) = match origin.of {
        VariationOf::Dispute => (
            variation_not_approved(
                &origin.reference,
                origin.id,
                &decided.request_reference,
                decided.status,
            ),
            format!("dispute:{}:returned:{}", origin.id, decided.request_id),
        ),
        VariationOf::Review => (
            review_variation_not_approved(
                &origin.reference,
                origin.restriction_id,
                &decided.request_reference,
                decided.status,
            ),
            format!("review:{}:returned:{}", origin.id, decided.request_id),
        ),
    };
    Some(crate::slack::send::dm(&to, content, key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::slack::blocks::limits;

    fn sections_of(content: &SlackMessageContent) -> Vec<String> {
        let json = serde_json::to_value(content).expect("json");
        json["blocks"]
            .as_array()
            .expect("blocks")
            .iter()
            .filter(|b| b["type"] == "section")
            .map(|b| b["text"]["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    #[test]
    fn r_dis_1_the_handler_sees_the_whole_summary_within_slacks_limits_and_the_preview_has_no_personal_data(
    ) {
        let summary = format!("{} end", "word ".repeat(600));
        let recorder = UserId::from_slack("U0REC");
        let content = handler_notice(&HandlerNotice {
            reference: "D-2026-0001",
            dispute_id: 7,
            restriction_reference: "R-2026-0003",
            person_label: "Jane Example · 07700 900001",
            summary: &summary,
            received_on: NaiveDate::from_ymd_opt(2026, 3, 2).expect("date"),
            due_on: NaiveDate::from_ymd_opt(2026, 3, 30).expect("date"),
            recorder: &recorder,
            complaint_reference: "CMP-2026-0042",
        });
        let texts = sections_of(&content);
        assert!(texts.len() > 2, "the summary is split, not cut");
        assert!(texts
            .iter()
            .all(|t| t.chars().count() <= limits::SECTION_TEXT));
        let shown = texts.join(" ");
        assert_eq!(
            shown.matches("word").count(),
            600,
            "every word of the summary is shown"
        );
        assert!(shown.contains(" end"));
        let preview = content.text.expect("fallback");
        assert!(preview.contains("D-2026-0001") && preview.contains("Resolve"));
        assert!(!preview.contains("Jane") && !preview.contains("word"));
    }

    #[test]
    fn the_variation_prompt_preview_names_references_not_the_person() {
        let content = variation_prompt("V-1", 3, "R-2026-0003", "Jane Example");
        let preview = content.text.expect("fallback");
        assert!(preview.contains("V-1") && preview.contains("R-2026-0003"));
        assert!(!preview.contains("Jane"));
    }
}
