//! Disputes and reviews (R-DIS-1, R-DIS-2, R-REV-1, R-REV-2, R-LET-3): `/contact dispute`
//! and the handler's "Resolve dispute" modal; `/contact review`, the "Start review" button
//! (also carried by the scheduler's reminders) and its decision modal; and "Request varied
//! measures", which opens the restriction form for a variation that goes to the head of
//! function for approval like any request (R-RES-4). Outcome letters are drafted in the
//! person's format and language and delivered with "Mark as sent" as in `restricting`.

use chrono::NaiveDate;
use slack_morphism::prelude::*;

use super::blocks::*;
use super::ctx::{text, Ctx, Reply};
use super::forms::{FieldErrors, Form};
use super::letters::{base_letter, letter_effects};
use super::metadata::extra_of;
use super::metadata::Metadata;
use super::people::person_label;
use super::reporting::function_name_of;
use super::restricting::one_person;
use super::send;
use crate::access;
use crate::domain::dispute::{
    default_due_on, DisputeDraft, DisputeField, DisputeOutcome, ResolutionDraft,
    DISPUTE_RESPONSE_WORKING_DAYS,
};
use crate::domain::review::{default_next_review, ReviewDraft, ReviewKind, ReviewOutcome};
use crate::domain::{Actor, UserId};
use crate::letters::{LetterContext, LetterKind, LetterMeasure};
use crate::slack::error::ApiError;
use crate::store::records::*;
use crate::store::{NewOutboxMessage, StoreError};

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
/// Value: the restriction id to vary.
pub const REQUEST_VARIATION: &str = crate::slack::ids::Action::RequestVariation.as_str();

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
        .map(|m| format!("• {}", escape(&m.summary())))
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

async fn is_head_or_deputy(ctx: &Ctx<'_>, function_id: i64) -> Result<bool, ApiError> {
    Ok(ctx
        .state
        .store
        .roles_of(&ctx.user)
        .await?
        .iter()
        .any(|r| r.function_id == function_id && r.role.may_decide_restrictions()))
}

// ---------------------------------------------------------------------------------------
// /contact dispute (R-DIS-1)
// ---------------------------------------------------------------------------------------

pub async fn dispute(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    if access::managed_functions(ctx.state.store.as_ref(), &ctx.user)
        .await?
        .is_empty()
    {
        return Ok(text(
            "Only a manager, head or deputy of a function can record a dispute.",
        ));
    }
    match one_person(ctx, query, "dispute", DISPUTE_PERSON).await? {
        Ok(person) => open_dispute_for(ctx, trigger_id, &person).await,
        Err(reply) => Ok(reply),
    }
}

/// Who handles a dispute unless the recorder chooses otherwise: a manager of the function
/// who did not request the restriction (the recorder first, if they qualify), then a
/// deputy or the head; the requester only when nobody else holds a role.
async fn default_handler(
    ctx: &Ctx<'_>,
    restriction: &RestrictionRecord,
) -> Result<(Option<UserId>, String), ApiError> {
    let functions = ctx.state.store.list_functions().await?;
    let Some(function) = functions.iter().find(|f| f.id == restriction.function_id) else {
        return Ok((None, String::new()));
    };
    let requester = UserId::from_slack(restriction.requested_by.clone());
    let independent = |u: &&UserId| **u != requester;
    let manager = function
        .managers
        .iter()
        .find(|u| **u == ctx.user && **u != requester)
        .or_else(|| function.managers.iter().find(independent));
    let hint = format!(
        "Defaults to a manager of {} who did not request {} (requested by <@{requester}>), where there is one.",
        function.name, restriction.reference
    );
    if let Some(manager) = manager {
        return Ok((Some(manager.clone()), hint));
    }
    let senior = function
        .deputies
        .iter()
        .find(independent)
        .or(function.head.as_ref().filter(|h| **h != requester));
    let hint = match senior {
        Some(_) => format!(
            "{} has no manager other than the one who requested {}: this defaults to a deputy or the head.",
            function.name, restriction.reference
        ),
        None => format!(
            "No one in {} but <@{requester}>, who requested {}, can handle this: choose someone independent if you can.",
            function.name, restriction.reference
        ),
    };
    Ok((senior.cloned().or(Some(requester)), hint))
}

pub async fn open_dispute_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    let restrictions = managed_restrictions(ctx, person).await?;
    let Some(first) = restrictions.first() else {
        return Ok(text(&format!(
            "{} has no restriction in force in a function you manage: a dispute is about a decision to restrict contact (§7).",
            escape(&person.name)
        )));
    };
    let store = ctx.state.store.as_ref();
    let Some(record) = store.restriction(first.id).await? else {
        return Ok(text("That restriction is no longer on record."));
    };
    let (handler, handler_hint) = default_handler(ctx, &record).await?;
    let received = today(ctx);
    let options: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> = restrictions
        .iter()
        .map(|r| {
            let label = format!(
                "{} · {} · from {}",
                r.reference,
                r.function_name,
                day(r.starts_on)
            );
            SlackBlockChoiceItem::new(pt(&label), r.id.to_string())
        })
        .collect();
    let mut restriction_select = SlackBlockStaticSelectElement::new()
        .with_action_id("restriction".into())
        .with_options(options.clone());
    if let Some(first) = options.into_iter().next() {
        restriction_select = restriction_select.with_initial_option(first);
    }
    let mut handler_select = SlackBlockUsersSelectElement::new().with_action_id("handler".into());
    if let Some(handler) = handler {
        handler_select = handler_select.with_initial_user(handler.to_string());
    }
    let due_hint = format!(
        "{DISPUTE_RESPONSE_WORKING_DAYS} working days after the date received, weekends and bank holidays skipped. If you change the date received and leave this as it is, it is worked out again from that date."
    );
    let blocks = vec![
        section(&format!(
            "*Service user:* {}\nRecord that they dispute a restriction through the internal complaints procedure (§7). It stays *awaiting resolution*, and is reminded, until the handler records the outcome.",
            escape(&person_label(person))
        )),
        field(
            "restriction",
            "Restriction disputed",
            restriction_select.into(),
            false,
            None,
        ),
        field(
            "received_on",
            "Date received",
            date_picker("received_on", received),
            false,
            None,
        ),
        field(
            "summary",
            "What do they dispute?",
            long_text("summary"),
            false,
            None,
        ),
        field(
            "handler",
            "Handler (a manager)",
            handler_select.into(),
            false,
            Some(&handler_hint),
        ),
        field(
            "due_on",
            "Due date",
            date_picker("due_on", default_due_on(received)),
            false,
            Some(&due_hint),
        ),
    ];
    let metadata = Metadata {
        person_id: Some(person.id),
        ..Metadata::default()
    };
    let view = metadata_modal(
        "Record a dispute",
        DISPUTE,
        "Record",
        &metadata,
        blocks,
        None,
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

fn dispute_field(field: DisputeField) -> &'static str {
    field.as_str()
}

pub async fn submit_dispute(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let Some(person_id) = metadata.person_id else {
        return Err(ApiError::BadRequest(
            "dispute modal without a person".into(),
        ));
    };
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let Some(person) = store.person(person_id).await? else {
        errors.add("summary", "That person is no longer on record.");
        return Err(ApiError::Invalid(errors));
    };
    let today = today(ctx);
    let restriction_id = form
        .selected("restriction")
        .and_then(|r| r.parse::<i64>().ok());
    let restriction = match restriction_id {
        Some(id) => store.restriction(id).await?,
        None => None,
    }
    .filter(|r| r.person_id == person.id);
    if let Some(restriction) = &restriction {
        if let Err(denied) =
            access::require_manager_of(store, &ctx.user, restriction.function_id).await?
        {
            errors.add("restriction", denied.0);
        }
    }
    let handler = form.selected_user("handler").map(UserId::from_slack);
    if let (Some(handler), Some(restriction)) = (&handler, &restriction) {
        if access::require_manager_of(store, handler, restriction.function_id)
            .await?
            .is_err()
        {
            errors.add(
                "handler",
                "Choose a manager, head or deputy of the restriction's function.",
            );
        }
    }
    let received_on = form.date("received_on");
    // The due date offered was worked out from today; left as offered, it follows a
    // changed date received.
    let due_on = match (form.date("due_on"), received_on) {
        (Some(due), Some(received)) if received != today && due == default_due_on(today) => None,
        (due, _) => due,
    };
    let draft = DisputeDraft {
        restriction_id: restriction.as_ref().map(|r| r.id),
        received_on,
        summary: form.text("summary").unwrap_or_default(),
        handler,
        due_on,
    };
    let valid = match draft.validate(today) {
        Ok(valid) if errors.is_empty() => valid,
        Ok(_) => return Err(ApiError::Invalid(errors)),
        Err(field_errors) => {
            for e in field_errors {
                errors.add(dispute_field(e.field), e.message);
            }
            return Err(ApiError::Invalid(errors));
        }
    };
    let new = NewDispute {
        restriction_id: valid.restriction_id,
        today,
        received_on: valid.received_on,
        summary: valid.summary.clone(),
        handler: valid.handler.clone(),
        due_on: valid.due_on,
    };
    let restriction_reference = restriction.map(|r| r.reference).unwrap_or_default();
    let recorder = ctx.user.clone();
    let announce = |recorded: &Recorded| {
        let mut messages = vec![send::dm(
            &valid.handler,
            handler_message(
                recorded,
                &restriction_reference,
                &person,
                &valid.summary,
                valid.received_on,
                valid.due_on,
                &recorder,
            ),
            format!("dispute:{}:handler", recorded.id),
        )];
        if valid.handler != recorder {
            messages.push(send::dm(
                &recorder,
                SlackMessageContent::new().with_text(format!(
                    "Dispute {} recorded against {restriction_reference}. <@{}> will handle it; it is due by {}.",
                    recorded.reference,
                    valid.handler,
                    day(valid.due_on)
                )),
                format!("dispute:{}:recorded", recorded.id),
            ));
        }
        messages
    };
    match store
        .record_dispute(&new, &actor(ctx), ctx.now, &announce)
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound { .. }) => {
            errors.add("restriction", "That restriction is no longer in force.");
            return Err(ApiError::Invalid(errors));
        }
        Err(other) => return Err(other.into()),
    }
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

fn handler_message(
    recorded: &Recorded,
    restriction_reference: &str,
    person: &PersonRecord,
    summary: &str,
    received_on: NaiveDate,
    due_on: NaiveDate,
    recorder: &UserId,
) -> SlackMessageContent {
    let blocks = vec![
        section(&format!(
            "*You are handling dispute {}* of restriction {restriction_reference}, recorded by <@{recorder}>.\n*Service user:* {}\n*Received:* {} · *Due:* {}\n*What they dispute:* {}",
            recorded.reference,
            escape(&person_label(person)),
            day(received_on),
            day(due_on),
            escape(summary)
        )),
        context("Consider their concerns, then record the outcome: the restriction still applies, or a different course is agreed (vary or lift). They are told in writing (§7)."),
        primary_button_row("Resolve dispute", RESOLVE_DISPUTE, recorded.id.to_string()),
    ];
    SlackMessageContent::new()
        .with_text(format!(
            "You are handling dispute {} (due {})",
            recorded.reference,
            day(due_on)
        ))
        .with_blocks(blocks)
}

// ---------------------------------------------------------------------------------------
// Resolving a dispute (R-DIS-2, R-LET-3)
// ---------------------------------------------------------------------------------------

/// The handler, or the head or a deputy of the function, may resolve a dispute.
async fn may_resolve(
    ctx: &Ctx<'_>,
    dispute: &DisputeRecord,
) -> Result<Result<(), String>, ApiError> {
    if dispute.handler == ctx.user.as_str() || is_head_or_deputy(ctx, dispute.function_id).await? {
        return Ok(Ok(()));
    }
    Ok(Err(format!(
        "Only the handler, <@{}>, or the head of function or a deputy can resolve dispute {}.",
        dispute.handler, dispute.reference
    )))
}

fn already_resolved(
    ctx: &Ctx<'_>,
    reference: &str,
    outcome: &str,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    format!(
        "Dispute {reference} was already resolved ({}) by <@{by}> on {}.",
        outcome.replace('_', " "),
        ctx.local_time(at)
    )
}

pub async fn open_resolve(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    dispute_id: i64,
) -> Result<Option<String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(dispute) = store.dispute(dispute_id).await? else {
        return Ok(Some("That dispute no longer exists.".to_owned()));
    };
    if let Err(message) = may_resolve(ctx, &dispute).await? {
        return Ok(Some(message));
    }
    if let (Some(outcome), Some(by), Some(at)) =
        (&dispute.outcome, &dispute.resolved_by, dispute.resolved_at)
    {
        return Ok(Some(already_resolved(
            ctx,
            &dispute.reference,
            outcome,
            by,
            at,
        )));
    }
    let outcomes: Vec<(&str, &str)> = DisputeOutcome::ALL
        .iter()
        .map(|o| (o.as_str(), o.label()))
        .collect();
    let blocks = vec![
        section(&format!(
            "*Dispute {}* of restriction {} · received {} · due {}\n*What they dispute:* {}",
            dispute.reference,
            dispute.restriction_reference,
            day(dispute.received_on),
            day(dispute.due_on),
            escape(&dispute.summary)
        )),
        field("outcome", "Outcome", radio_element("outcome", &outcomes), false, None),
        field(
            "reasons",
            "Reasons (they go in the letter to the person)",
            long_text("reasons"),
            false,
            None,
        ),
        context("*Vary:* the new measures go to the head of function for approval, as any restriction does (§6). After you record the outcome I send you a *Request varied measures* button that opens the restriction form; the outcome letter is drafted when the head approves."),
    ];
    let view = metadata_modal(
        "Resolve dispute",
        RESOLVE,
        "Record outcome",
        &Metadata::default(),
        blocks,
        Some(&dispute_id.to_string()),
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(None)
}

/// What the outcome letter says about the restriction: its arrangements and dates.
fn restriction_letter(
    mut letter: LetterContext,
    restriction: &RestrictionRecord,
    reasons: &str,
    outcome: &str,
) -> LetterContext {
    letter.reasons = reasons.to_owned();
    letter.outcome = Some(outcome.to_owned());
    letter.measures = restriction
        .measures
        .iter()
        .map(LetterMeasure::from)
        .collect();
    letter.ends_on = restriction.ends_on;
    letter.next_review_on = Some(restriction.next_review_on);
    letter
}

/// The message to whoever recorded a "vary" outcome: the button that opens the
/// restriction form for the new measures.
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
    let mut messages = vec![send::dm(
        user,
        SlackMessageContent::new().with_text(told),
        format!("{kind}:{}:concluded", concluded.id),
    )];
    if varied {
        let prompt = variation_prompt(
            &concluded.reference,
            concluded.restriction_id,
            &concluded.restriction_reference,
            person,
        );
        messages.push(send::dm(
            user,
            prompt,
            format!("{kind}:{}:vary", concluded.id),
        ));
    }
    messages
}

fn variation_prompt(
    reference: &str,
    restriction_id: i64,
    restriction_reference: &str,
    person: &PersonRecord,
) -> SlackMessageContent {
    let blocks = vec![
        section(&format!(
            "*{reference}: vary {restriction_reference}* for {}. Set out the new measures: they go to the head of function for approval, and once approved they replace {restriction_reference} and the outcome letter is drafted.",
            escape(&person.name)
        )),
        primary_button_row(
            "Request varied measures",
            REQUEST_VARIATION,
            restriction_id.to_string(),
        ),
    ];
    SlackMessageContent::new()
        .with_text(format!("{reference}: request the varied measures"))
        .with_blocks(blocks)
}

pub async fn submit_resolve(
    ctx: &Ctx<'_>,
    form: &Form,
    private_metadata: Option<&str>,
) -> Result<Reply, ApiError> {
    let Some(dispute_id) = extra_of(private_metadata).and_then(|v| v.parse::<i64>().ok()) else {
        return Err(ApiError::BadRequest(
            "resolve modal without a dispute".into(),
        ));
    };
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let draft = ResolutionDraft {
        outcome: form.selected("outcome").and_then(|o| o.parse().ok()),
        reasons: form.text("reasons").unwrap_or_default(),
    };
    let resolution = match draft.validate() {
        Ok(resolution) => resolution,
        Err(field_errors) => {
            for e in field_errors {
                errors.add(e.field.as_str(), e.message);
            }
            return Err(ApiError::Invalid(errors));
        }
    };
    let Some(dispute) = store.dispute(dispute_id).await? else {
        errors.add("outcome", "That dispute no longer exists.");
        return Err(ApiError::Invalid(errors));
    };
    if let Err(message) = may_resolve(ctx, &dispute).await? {
        errors.add("outcome", message);
        return Err(ApiError::Invalid(errors));
    }
    let (Some(person), Some(restriction)) = (
        store.person(dispute.person_id).await?,
        store.restriction(dispute.restriction_id).await?,
    ) else {
        errors.add(
            "outcome",
            "That person or restriction is no longer on record.",
        );
        return Err(ApiError::Invalid(errors));
    };
    let function_name = function_name_of(ctx, dispute.function_id).await?;
    let resolver = ctx.user.clone();
    let letter = base_letter(ctx, &person, &dispute.reference, &function_name);
    let mut letter = restriction_letter(
        letter,
        &restriction,
        &resolution.reasons,
        resolution.outcome.as_str(),
    );
    if resolution.outcome == DisputeOutcome::Lifted {
        letter.starts_on = Some(today(ctx));
    }
    let build = |concluded: &Concluded| -> Effects {
        let told = match resolution.outcome {
            DisputeOutcome::StillApplies => format!(
                "Dispute {} resolved: {} *still applies*. The outcome letter is below.",
                concluded.reference, concluded.restriction_reference
            ),
            DisputeOutcome::Lifted => format!(
                "Dispute {} resolved: {} is *lifted* and no longer shows in `/contact check`. The outcome letter is below.",
                concluded.reference, concluded.restriction_reference
            ),
            DisputeOutcome::Varied => format!(
                "Dispute {} resolved: {} is to be *varied*.",
                concluded.reference, concluded.restriction_reference
            ),
        };
        let varied = resolution.outcome == DisputeOutcome::Varied;
        let messages = outcome_messages(&resolver, told, "dispute", varied, concluded, &person);
        if varied {
            return Effects::messages(messages);
        }
        outcome_letter(
            ctx,
            LetterKind::DisputeOutcome,
            &person,
            &letter,
            &resolver,
            messages,
        )
    };
    if resolution.outcome != DisputeOutcome::Varied {
        // Render once up front so a broken template is a clear error, not a silent gap.
        letter_effects(
            ctx,
            LetterKind::DisputeOutcome,
            &person,
            &letter,
            &resolver,
            Vec::new(),
        )?;
    }
    match store
        .resolve_dispute(dispute_id, &resolution, &actor(ctx), ctx.now, &build)
        .await?
    {
        Conclusion::Concluded(_) => {
            ctx.state.outbox_wake.notify_one();
            Ok(Reply::Ack)
        }
        Conclusion::AlreadyConcluded { outcome, by, at } => {
            errors.add(
                "outcome",
                already_resolved(ctx, &dispute.reference, &outcome, &by, at),
            );
            Err(ApiError::Invalid(errors))
        }
    }
}

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

// ---------------------------------------------------------------------------------------
// Reviews (R-REV-1, R-REV-2)
// ---------------------------------------------------------------------------------------

pub async fn review(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    if access::managed_functions(ctx.state.store.as_ref(), &ctx.user)
        .await?
        .is_empty()
    {
        return Ok(text(
            "Only a manager, head or deputy of a function can review a restriction.",
        ));
    }
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
                blocks.push(
                    SlackSectionBlock::new()
                        .with_text(md(&format!(
                            "*{}* · {} · next review {}",
                            r.reference,
                            escape(&r.function_name),
                            day(r.next_review_on)
                        )))
                        .with_accessory(
                            SlackBlockButtonElement::new(pt("Start review"))
                                .with_action_id(START_REVIEW.into())
                                .with_value(r.id.to_string())
                                .into(),
                        )
                        .into(),
                );
            }
            Ok(Reply::Ephemeral(
                SlackMessageContent::new()
                    .with_text("Choose the restriction to review".to_owned())
                    .with_blocks(blocks),
            ))
        }
    }
}

/// The review open for a restriction in force, started now if there is none.
async fn open_or_start(
    ctx: &Ctx<'_>,
    restriction: &RestrictionRecord,
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
    let started = match store.start_review(&new, &actor(ctx), ctx.now).await {
        Ok(recorded) => store.review(recorded.id).await?,
        // Someone started it a moment ago: carry on with theirs.
        Err(StoreError::Conflict { .. }) => store.open_review_for(restriction.id).await?,
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
    if let Err(denied) =
        access::require_manager_of(store, &ctx.user, restriction.function_id).await?
    {
        return Err(ApiError::Refused(denied.0));
    }
    if restriction.status != "active" {
        return Ok(text(&format!(
            "{} is no longer in force ({}): there is nothing to review.",
            restriction.reference, restriction.status
        )));
    }
    let Some(person) = store.person(restriction.person_id).await? else {
        return Ok(text("That person is no longer on record."));
    };
    let review = match open_or_start(ctx, &restriction).await? {
        Ok(review) => review,
        Err(message) => return Ok(text(&message)),
    };
    let today = today(ctx);
    let latest = default_next_review(today);
    let outcomes: Vec<(&str, &str)> = ReviewOutcome::ALL
        .iter()
        .map(|o| (o.as_str(), o.label()))
        .collect();
    let kind = review
        .kind
        .parse::<ReviewKind>()
        .map(ReviewKind::label)
        .unwrap_or("review");
    let blocks = vec![
        section(&format!(
            "*Review {}* ({kind}) of restriction *{}* for {}\nIn force since {} · review due {}\n{}",
            review.reference,
            restriction.reference,
            escape(&person_label(&person)),
            day(restriction.starts_on),
            day(restriction.next_review_on),
            measures_text(&restriction.measures)
        )),
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
        field(
            "reasons",
            "Reasons (they go in the letter to the person)",
            long_text("reasons"),
            false,
            None,
        ),
        context("*Vary:* the new measures go to the head of function for approval (§6). After you record the outcome I send you a *Request varied measures* button that opens the restriction form; the outcome letter is drafted when the head approves."),
    ];
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

fn already_decided(
    ctx: &Ctx<'_>,
    reference: &str,
    outcome: &str,
    by: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> String {
    format!(
        "Review {reference} was already decided ({outcome}) by <@{by}> on {}.",
        ctx.local_time(at)
    )
}

pub async fn submit_review(
    ctx: &Ctx<'_>,
    form: &Form,
    private_metadata: Option<&str>,
) -> Result<Reply, ApiError> {
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
    if let Err(denied) = access::require_manager_of(store, &ctx.user, review.function_id).await? {
        errors.add("outcome", denied.0);
        return Err(ApiError::Invalid(errors));
    }
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
    let function_name = function_name_of(ctx, review.function_id).await?;
    let reviewer = ctx.user.clone();
    let letter = base_letter(ctx, &person, &review.reference, &function_name);
    let mut letter = restriction_letter(
        letter,
        &restriction,
        &decision.reasons,
        decision.outcome.as_str(),
    );
    match decision.outcome {
        ReviewOutcome::Continue => letter.next_review_on = decision.next_review_on,
        ReviewOutcome::Lift => letter.starts_on = Some(today(ctx)),
        ReviewOutcome::Vary => {}
    }
    let build = |concluded: &Concluded| -> Effects {
        let told = match (decision.outcome, concluded.next_review_on) {
            (ReviewOutcome::Continue, Some(next)) => format!(
                "Review {}: {} *continues*; next review by {}. The outcome letter is below.",
                concluded.reference,
                concluded.restriction_reference,
                day(next)
            ),
            (ReviewOutcome::Lift, _) => format!(
                "Review {}: {} is *lifted* and no longer shows in `/contact check`. The outcome letter is below.",
                concluded.reference, concluded.restriction_reference
            ),
            _ => format!(
                "Review {}: {} is to be *varied*.",
                concluded.reference, concluded.restriction_reference
            ),
        };
        let varied = decision.outcome == ReviewOutcome::Vary;
        let messages = outcome_messages(&reviewer, told, "review", varied, concluded, &person);
        if varied {
            return Effects::messages(messages);
        }
        outcome_letter(
            ctx,
            LetterKind::ReviewOutcome,
            &person,
            &letter,
            &reviewer,
            messages,
        )
    };
    if decision.outcome != ReviewOutcome::Vary {
        letter_effects(
            ctx,
            LetterKind::ReviewOutcome,
            &person,
            &letter,
            &reviewer,
            Vec::new(),
        )?;
    }
    match store
        .decide_review(review_id, &decision, &actor(ctx), ctx.now, &build)
        .await?
    {
        Conclusion::Concluded(_) => {
            ctx.state.outbox_wake.notify_one();
            Ok(Reply::Ack)
        }
        Conclusion::AlreadyConcluded { outcome, by, at } => {
            errors.add(
                "outcome",
                already_decided(ctx, &review.reference, &outcome, &by, at),
            );
            Err(ApiError::Invalid(errors))
        }
    }
}
