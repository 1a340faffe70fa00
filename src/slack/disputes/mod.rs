//! Disputes and reviews (R-DIS-1, R-DIS-2, R-REV-1, R-REV-2, R-LET-3), one file per use
//! case: `/contact dispute` ([`dispute`]), the handler's "Resolve dispute" modal
//! ([`resolve`]), and `/contact review` with the "Start review" button the scheduler's
//! reminders also carry ([`review`]). A dispute resolved "vary" opens the restriction form
//! for the variation at once (the router opens it: [`Resolved::vary`]) and sends a
//! "Request varied measures" button to open it again; the variation goes to the head of
//! function for approval like any request (R-RES-4), and the dispute stays awaiting
//! resolution until the head decides it (§7). A review's "vary" sends the button. Outcome letters are drafted in the person's format
//! and language and delivered with "Mark as sent" as in `restricting`. The wording of the
//! DMs is in `messages::disputes`.

use chrono::NaiveDate;

use super::blocks::limits;
use super::ctx::Ctx;
use super::send;
use super::staff::{measure_summary, staff_of, StaffNameError};
use crate::access;
use crate::domain::{dispute as dispute_rule, review as review_rule, Actor, UserId};
use crate::letters::{LetterContext, LetterKind, LetterMeasure};
use crate::slack::error::ApiError;
use crate::slack::messages::disputes as messages;
use crate::store::records::*;
use crate::store::NewOutboxMessage;

mod continuation;
mod dispute;
mod nudge;
mod resolve;
mod review;

pub use continuation::{
    authorise_continuation, continuation_criteria_ticked, open_reject_continuation,
    submit_reject_continuation,
};
pub use dispute::{dispute, open_dispute_for, submit_dispute};
pub use nudge::continuation_reminder;
pub use resolve::{open_resolve, submit_resolve, Resolved};
pub use review::{open_review, review, review_person, submit_review};

use super::find::one_person;
use super::functions::function_name_of;
use super::letters::{base_letter, letter_effects};

/// Callback ids of the modals this module owns.
pub const DISPUTE: &str = crate::slack::ids::Callback::Dispute.as_str();
pub const RESOLVE: &str = crate::slack::ids::Callback::Resolve.as_str();
pub const REVIEW: &str = crate::slack::ids::Callback::Review.as_str();

/// Action ids of the buttons this module owns.
pub const DISPUTE_PERSON: &str = crate::slack::ids::Action::DisputePerson.as_str();
pub const REVIEW_PERSON: &str = crate::slack::ids::Action::ReviewPerson.as_str();
pub const RESOLVE_DISPUTE: &str = crate::slack::ids::Action::ResolveDispute.as_str();
/// Value: the restriction id. The scheduler's review reminders carry this button.
pub const START_REVIEW: &str = crate::slack::ids::Action::StartReview.as_str();

// The forms offer exactly what the domain accepts; the kit would quietly cap an input at
// Slack's limit, so a longer rule would refuse nothing a person could type yet promise more.
const _: () = assert!(dispute_rule::MAX_TEXT_CHARS as u64 <= limits::INPUT_MAX_LENGTH);
const _: () = assert!(review_rule::MAX_REASONS_CHARS as u64 <= limits::INPUT_MAX_LENGTH);

fn day(date: NaiveDate) -> String {
    date.format("%-d %b %Y").to_string()
}

fn today(ctx: &Ctx<'_>) -> NaiveDate {
    ctx.now.with_timezone(&ctx.state.timezone).date_naive()
}

fn actor(ctx: &Ctx<'_>) -> Actor {
    Actor::user(&ctx.user)
}

fn measures_text(measures: &[crate::domain::measures::Measure]) -> String {
    measures
        .iter()
        .map(|m| format!("• {}", measure_summary(m)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The restrictions in force for `person` in functions `ctx.user` manages.
async fn managed_restrictions(
    ctx: &Ctx<'_>,
    person: &PersonRecord,
) -> Result<Vec<ActiveRestriction>, ApiError> {
    let store = ctx.state.store.as_ref();
    let managed = access::managed_functions(store, &ctx.user).await?;
    Ok(store
        .active_restrictions(person.id, today(ctx))
        .await?
        .into_iter()
        .filter(|r| managed.iter().any(|(id, _)| *id == r.function_id))
        .collect())
}

/// What the outcome letter says about the restriction: its arrangements (`measures`, as
/// [`letter_measures`] gives them) and dates.
fn restriction_letter(
    mut letter: LetterContext,
    restriction: &RestrictionRecord,
    measures: Vec<LetterMeasure>,
    reasons: &str,
    outcome: &str,
) -> LetterContext {
    letter.reasons = reasons.to_owned();
    letter.outcome = Some(outcome.to_owned());
    letter.measures = measures;
    letter.ends_on = restriction.ends_on;
    letter.next_review_on = Some(restriction.next_review_on);
    letter
}

/// The arrangements an outcome letter drafted now sets out: the restriction's measures,
/// the point of contact named as Slack has them now, when the outcome keeps them
/// (`keeps`); none when it lifts them. `Err` is what to tell the user: nothing changed.
async fn letter_measures(
    ctx: &Ctx<'_>,
    restriction: &RestrictionRecord,
    keeps: bool,
) -> Result<Vec<LetterMeasure>, String> {
    if !keeps {
        return Ok(Vec::new());
    }
    ctx.state
        .staff
        .letter_measures(&restriction.measures)
        .await
        .map_err(|e| match e {
            StaffNameError::Unavailable(_) => e.to_string(),
            _ => format!("{e} To name someone else, choose Vary."),
        })
}

/// Looks up ahead, off the request's path, the point of contact the outcome letter for
/// this restriction will name, while the form is filled in.
fn warm_staff(ctx: &Ctx<'_>, restriction: &RestrictionRecord) {
    ctx.state.staff.warm(staff_of(&restriction.measures));
}

/// The DM telling `user` the outcome of a dispute or review and, for a variation, the
/// prompt to request the new measures (the outcome letter waits for their approval).
fn outcome_messages(
    user: &UserId,
    told: String,
    kind: &str,
    varied: bool,
    concluded: &Concluded,
    person: &PersonRecord,
) -> Vec<NewOutboxMessage> {
    let mut out = vec![send::dm(
        user,
        messages::outcome(told),
        format!("{kind}:{}:concluded", concluded.id),
    )];
    if varied {
        let prompt = messages::variation_prompt(
            &concluded.reference,
            concluded.restriction_id,
            &concluded.restriction_reference,
            &person.name,
        );
        out.push(send::dm(
            user,
            prompt,
            format!("{kind}:{}:vary", concluded.id),
        ));
    }
    out
}

/// Effects carrying the outcome letter; if it cannot be drafted the messages still go, and
/// the failure is logged (it was rendered once before the write, so this is rare).
fn outcome_letter(
    ctx: &Ctx<'_>,
    kind: LetterKind,
    person: &PersonRecord,
    letter: &LetterContext,
    to: &UserId,
    messages: Vec<NewOutboxMessage>,
) -> Effects {
    let fallback = messages.clone();
    letter_effects(ctx, kind, person, letter, to, messages).unwrap_or_else(|e| {
        tracing::error!(error = %e, kind = %kind, "outcome letter not drafted");
        Effects::messages(fallback)
    })
}
