//! Reviews (R-REV-1, R-REV-2): `/contact review` and the "Start review" button (from the
//! command or a reminder) start the review of a restriction in force and open its decision
//! modal; the manager proposes that it continues (next review at most 12 months on, §8;
//! authorised by the head of function with the §6 checklist, see [`super::continuation`]),
//! chooses to vary it (the variation form opens at once; the review stays open until the
//! head decides the new measures, and comes back to the manager if they are not approved,
//! §7) or lifts it, with reasons that go in the outcome letter.

use super::continuation;
use super::{
    base_letter, day, function_name_of, managed_restrictions, measures_text, messages, one_person,
    outcome_messages, render_letter, restriction_letter, today, warm_staff, REVIEW, REVIEW_PERSON,
    START_REVIEW,
};
use crate::access::Authority;
use crate::domain::authority::Manager;
use crate::domain::review::{
    decide, default_next_review, may_record_outcome, AlreadyDecided, OutcomeRefused, ReviewDraft,
    ReviewKind, ReviewOutcome, ReviewStage, MAX_REASONS_CHARS,
};
use crate::letters::LetterKind;
use crate::slack::blocks::*;
use crate::slack::ctx::{text, Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::metadata::{extra_of, Metadata};
use crate::slack::people::person_label;
use crate::slack::send;
use crate::store::records::*;
use crate::store::StoreError;

pub async fn review(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    ctx.managers_only("review a restriction").await?;
    match one_person(ctx, query, "review", REVIEW_PERSON).await? {
        Ok(person) => review_person(ctx, trigger_id, &person).await,
        Err(reply) => Ok(reply),
    }
}

/// Opens the review of the person's one restriction, or lets the manager choose.
pub async fn review_person(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    let restrictions = managed_restrictions(ctx, person).await?;
    match restrictions.as_slice() {
        [] => Ok(text(&format!(
            "{} has no restriction in force in a function you manage.",
            escape(&person.name)
        ))),
        [only] => open_review(ctx, trigger_id, only.id).await,
        several => {
            let mut blocks = vec![section(&format!(
                "{} has {} restrictions in force. Which one are you reviewing?",
                escape(&person.name),
                several.len()
            ))];
            for r in several {
                blocks.push(section_with_button(
                    &format!(
                        "*{}* · {} · next review {}",
                        r.reference,
                        escape(&r.function_name),
                        day(r.next_review_on)
                    ),
                    "Start review",
                    START_REVIEW,
                    r.id.to_string(),
                ));
            }
            Ok(Reply::Ephemeral(message(
                "Choose the restriction to review",
                blocks,
            )))
        }
    }
}

/// The review open for a restriction in force, started now if there is none, by the
/// manager holding `by`.
async fn open_or_start(
    ctx: &Ctx<'_>,
    restriction: &RestrictionRecord,
    by: &Manager,
) -> Result<Result<ReviewRecord, String>, ApiError> {
    let store = ctx.state.store.as_ref();
    if let Some(open) = store.open_review_for(restriction.id).await? {
        return Ok(Ok(open));
    }
    let new = NewReview {
        restriction_id: restriction.id,
        kind: ReviewKind::starting_on(today(ctx), restriction.next_review_on),
        today: today(ctx),
    };
    let mut tx = store.begin_write().await?;
    let started = match tx.start_review(&new, by, ctx.now).await {
        Ok(recorded) => {
            tx.commit().await?;
            store.review(recorded.id).await?
        }
        // Someone started it a moment ago: carry on with theirs (the handle is dropped).
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            store.open_review_for(restriction.id).await?
        }
        Err(StoreError::NotFound { .. }) => {
            return Ok(Err(format!(
                "{} is no longer in force.",
                restriction.reference
            )))
        }
        Err(other) => return Err(other.into()),
    };
    Ok(started.ok_or_else(|| "The review could not be started; try again.".to_owned()))
}

/// "Start review" (from `/contact review` or a reminder): starts the review and opens its
/// decision modal. The value is the restriction id.
pub async fn open_review(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    restriction_id: i64,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(restriction) = store.restriction(restriction_id).await? else {
        return Ok(text("That restriction no longer exists."));
    };
    let manager = match Authority::load(store, &ctx.user)
        .await?
        .manages(restriction.function_id)
    {
        Ok(manager) => manager,
        Err(denied) => return Err(ApiError::Refused(denied.0)),
    };
    if !restriction.current_on(today(ctx)) {
        return Ok(text(&format!(
            "{} is no longer in force ({}): there is nothing to review.",
            restriction.reference,
            restriction.status_on(today(ctx))
        )));
    }
    let Some(person) = store.person(restriction.person_id).await? else {
        return Ok(text("That person is no longer on record."));
    };
    let review = match open_or_start(ctx, &restriction, &manager).await? {
        Ok(review) => review,
        Err(message) => return Ok(text(&message)),
    };
    // Continuing it waits on the head's authorisation (§6): nothing to decide meanwhile.
    if let Some(waiting) = store.pending_continuation(review.id).await? {
        return Ok(text(&format!(
            "Review {}: continuing {} was proposed by <@{}> on {} and is waiting for the head of function to authorise it (§6). If it is rejected, the review comes back to you to decide otherwise.",
            review.reference,
            restriction.reference,
            waiting.proposed_by,
            ctx.local_time(waiting.proposed_at)
        )));
    }
    // Varying it waits on the head's decision on the new measures (§7).
    if let Some(waiting) = waiting_on_variation(ctx, &review).await? {
        return Ok(text(&waiting));
    }
    warm_staff(ctx, &restriction);
    let latest = default_next_review(today(ctx));
    let outcomes: Vec<(&str, &str)> = ReviewOutcome::ALL
        .iter()
        .map(|o| (o.as_str(), o.label()))
        .collect();
    let kind = review.kind.label();
    // The reviewer decides on the measures in force, so they are listed whole.
    let mut blocks = vec![section(&format!(
        "*Review {}* ({kind}) of restriction *{}* for {}\nIn force since {} · review due {}",
        review.reference,
        restriction.reference,
        escape(&person_label(&person)),
        day(restriction.starts_on),
        day(restriction.next_review_on),
    ))];
    blocks.extend(sections(&measures_text(&restriction.measures)));
    blocks.extend([
        context("§8: a restriction is reviewed at least once a year, and may be reconsidered sooner if the person shows a more acceptable approach."),
        field("outcome", "Outcome", radio_element("outcome", &outcomes), false, None),
        field(
            "next_review_on",
            "Next review (if it continues)",
            date_picker("next_review_on", latest),
            true,
            Some(&format!(
                "Continue only: at most 12 months on (§8), on or before {}.",
                day(latest)
            )),
        ),
        text_input(
            "reasons",
            "Reasons (they go in the letter to the person)",
            true,
            false,
            MAX_REASONS_CHARS as u64,
        ),
        context("*Continue:* only the head of function or a deputy can authorise restricting contact (§6): they get your reasons with the §6 checklist, and the review stays open until they authorise it; the outcome letter is drafted then."),
        context("*Vary:* the restriction form opens as this closes: the new measures go to the head of function for approval (§6). The review stays open until the head decides; once approved, the outcome letter is drafted; if not, the review comes back to you."),
    ]);
    let view = metadata_modal(
        "Review restriction",
        REVIEW,
        "Record outcome",
        &Metadata::default(),
        blocks,
        Some(&review.id.to_string()),
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

/// What resolving a review answers Slack, and the restriction whose variation form the
/// router opens at once when the outcome is "vary" (§7).
pub struct Reviewed {
    pub reply: Reply,
    pub vary: Option<i64>,
}

impl From<Reply> for Reviewed {
    fn from(reply: Reply) -> Self {
        Reviewed { reply, vary: None }
    }
}

/// Whether a variation the review asked for waits on the head: the "vary" is recorded and
/// its request is pending.
async fn variation_pending(ctx: &Ctx<'_>, review: &ReviewRecord) -> Result<bool, ApiError> {
    if review.variation_proposed_at.is_none() {
        return Ok(false);
    }
    Ok(ctx
        .state
        .store
        .pending_request_for(review.person_id, review.function_id)
        .await?
        .is_some())
}

/// What to say when a "vary" outcome is waiting on the head's decision on the variation.
async fn waiting_on_variation(
    ctx: &Ctx<'_>,
    review: &ReviewRecord,
) -> Result<Option<String>, ApiError> {
    let (Some(by), Some(at)) = (&review.variation_proposed_by, review.variation_proposed_at) else {
        return Ok(None);
    };
    if !variation_pending(ctx, review).await? {
        return Ok(None);
    }
    Ok(Some(format!(
        "Review {} waits on the head's decision on the variation <@{by}> chose on {}. It stays open until then; if the variation is rejected or withdrawn, it comes back to its reviewer to decide again.",
        review.reference,
        ctx.local_time(at)
    )))
}

fn already_decided(
    ctx: &Ctx<'_>,
    reference: &str,
    refused: AlreadyDecided,
    outcome: Option<Outcome>,
    by: Option<&str>,
    at: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    match (outcome, by, at) {
        (Some(outcome), Some(by), Some(at)) => format!(
            "Review {reference} was already decided ({outcome}) by <@{by}> on {}.",
            ctx.local_time(at)
        ),
        _ => format!("Review {reference}: {refused} Nothing was changed."),
    }
}

pub async fn submit_review(
    ctx: &Ctx<'_>,
    form: &Form,
    private_metadata: Option<&str>,
) -> Result<Reviewed, ApiError> {
    let Some(review_id) = extra_of(private_metadata).and_then(|v| v.parse::<i64>().ok()) else {
        return Err(ApiError::BadRequest("review modal without a review".into()));
    };
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let draft = ReviewDraft {
        outcome: form.selected("outcome").and_then(|o| o.parse().ok()),
        next_review_on: form.date("next_review_on"),
        reasons: form.text("reasons").unwrap_or_default(),
    };
    let decision = match draft.validate(today(ctx)) {
        Ok(decision) => decision,
        Err(field_errors) => {
            for e in field_errors {
                errors.add(e.field.as_str(), e.message);
            }
            return Err(ApiError::Invalid(errors));
        }
    };
    let Some(review) = store.review(review_id).await? else {
        errors.add("outcome", "That review no longer exists.");
        return Err(ApiError::Invalid(errors));
    };
    let manager = match Authority::load(store, &ctx.user)
        .await?
        .manages(review.function_id)
    {
        Ok(manager) => manager,
        Err(denied) => {
            errors.add("outcome", denied.0);
            return Err(ApiError::Invalid(errors));
        }
    };
    let (Some(person), Some(restriction)) = (
        store.person(review.person_id).await?,
        store.restriction(review.restriction_id).await?,
    ) else {
        errors.add(
            "outcome",
            "That person or restriction is no longer on record.",
        );
        return Err(ApiError::Invalid(errors));
    };
    // The review's state machine decides whether it may be decided (a decided review says
    // so first, whatever became of its restriction since); the store's
    // conditional update keeps racing submissions to one outcome.
    if let Err(refused) = decide(review.status) {
        errors.add(
            "outcome",
            already_decided(
                ctx,
                &review.reference,
                refused,
                review.outcome.map(Outcome::Review),
                review.decided_by.as_deref(),
                review.decided_at,
            ),
        );
        return Err(ApiError::Invalid(errors));
    }
    // It ended (or was lifted) while the review was open: there is nothing to continue,
    // vary or lift, and no letter to send about it.
    if !restriction.current_on(today(ctx)) {
        errors.add(
            "outcome",
            format!(
                "{} is no longer in force ({}): there is nothing to decide.",
                restriction.reference,
                restriction.status_on(today(ctx))
            ),
        );
        return Err(ApiError::Invalid(errors));
    }
    let stage = ReviewStage::of(
        review.status,
        store.pending_continuation(review.id).await?.is_some(),
        variation_pending(ctx, &review).await?,
    );
    // A proposal to continue or a variation waiting on the head: no other outcome until
    // the head decides (findings 7 and 10).
    if let Err(refused) = may_record_outcome(stage) {
        errors.add("outcome", refused.to_string());
        return Err(ApiError::Invalid(errors));
    }
    let function_name = function_name_of(ctx, review.function_id).await?;
    let signature = crate::slack::letters::signature(ctx, review.function_id).await?;
    let reviewer = manager.user().clone();
    // Continue: the letter sets the arrangements out again, the point of contact named as
    // Slack has them now. Lift: there are none. Vary: the letter waits for the approval.
    let keeps = decision.outcome == ReviewOutcome::Continue;
    let measures = match super::letter_measures(ctx, &restriction, keeps).await {
        Ok(measures) => measures,
        Err(message) => {
            errors.add("outcome", message);
            return Err(ApiError::Invalid(errors));
        }
    };
    // §6 at review: continuing is the head's to authorise; the review stays open.
    if let (ReviewOutcome::Continue, Some(next)) = (decision.outcome, decision.next_review_on) {
        return match continuation::propose(
            ctx,
            &manager,
            &review,
            &restriction,
            &person,
            &decision.reasons,
            next,
        )
        .await?
        {
            continuation::Proposal::Sent => Ok(Reply::Ack.into()),
            continuation::Proposal::Refused(message) => {
                errors.add("outcome", message);
                Err(ApiError::Invalid(errors))
            }
        };
    }
    let mut letter = base_letter(ctx, &person, &review.reference, &function_name);
    signature.sign(&mut letter);
    let mut letter = restriction_letter(
        letter,
        &restriction,
        measures,
        &decision.reasons,
        decision.outcome.as_str(),
    );
    match decision.outcome {
        ReviewOutcome::Continue => letter.next_review_on = decision.next_review_on,
        ReviewOutcome::Lift => letter.starts_on = Some(today(ctx)),
        ReviewOutcome::Vary => {}
    }
    letter.corrections =
        crate::slack::letters::corrections_for_restriction(ctx, &restriction).await?;
    // Everything Slack is asked is asked above: from here, one transaction.
    let mut tx = store.begin_write().await?;
    let concluded = match tx
        .decide_review(review_id, &decision, &manager, ctx.now)
        .await?
    {
        Conclusion::Concluded(concluded) => concluded,
        Conclusion::AlreadyConcluded {
            outcome,
            awaiting_variation: true,
            ..
        } => {
            let waiting = match outcome {
                Outcome::Review(ReviewOutcome::Continue) => OutcomeRefused::AwaitingAuthorisation,
                _ => OutcomeRefused::AwaitingVariation,
            };
            errors.add("outcome", waiting.to_string());
            return Err(ApiError::Invalid(errors));
        }
        Conclusion::AlreadyConcluded {
            outcome, by, at, ..
        } => {
            errors.add(
                "outcome",
                already_decided(
                    ctx,
                    &review.reference,
                    AlreadyDecided,
                    Some(outcome),
                    Some(&by),
                    Some(at),
                ),
            );
            return Err(ApiError::Invalid(errors));
        }
    };
    let varied = decision.outcome == ReviewOutcome::Vary;
    let told = messages::review_outcome(
        decision.outcome,
        concluded.next_review_on,
        &concluded.reference,
        &concluded.restriction_reference,
    );
    let dms = outcome_messages(&reviewer, told, "review", varied, &concluded, &person);
    tx.enqueue(Some(review.person_id), &dms, ctx.now).await?;
    // "Vary": the outcome letter waits for the head's approval of the new measures. A
    // letter that cannot be rendered drops the handle: nothing is recorded.
    if !varied {
        render_letter(ctx, LetterKind::ReviewOutcome, &person, &letter, &reviewer)?
            .draft_on(
                tx.as_mut(),
                LetterSubject::Review(concluded.id),
                &person,
                concluded.function_id,
                &manager.actor(),
                ctx.now,
            )
            .await?;
    }
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reviewed {
        reply: Reply::Ack,
        vary: varied.then_some(concluded.restriction_id),
    })
}
