//! `/contact restrict` (R-RES-2, R-RES-3): the manager's request to the head of function,
//! with the measures of §6, the justification and proportionality, and the approval
//! message to every head or deputy who may decide (R-RES-4); and the request for varied
//! measures that replaces a restriction in force once approved (R-RES-5, R-REV-1).

use slack_morphism::prelude::*;

use super::measure_fields::{measures_block, read_measures};
use super::{
    basis_of, day, facts_of, history_summary, incidents_blocks, managed_function, one_person,
    read_incidents, RESTRICT, RESTRICT_PERSON, WITHDRAW_REQUEST,
};
use crate::access;
use crate::domain::restriction::{
    default_first_review, incidents_since, Grounds, IncidentFacts, NoWarningReason, RequestDraft,
    RequestField, MAX_CASE_TEXT_CHARS,
};
use crate::domain::UserId;
use crate::slack::blocks::*;
use crate::slack::ctx::{text, Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::messages::approval::{approval_message, ApprovalRequest};
use crate::slack::metadata::{extra_of, Metadata};
use crate::slack::people::person_label;
use crate::slack::send;
use crate::slack::staff::staff_of;
use crate::store::records::*;
use crate::store::StoreError;

pub async fn restrict(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    if access::managed_functions(ctx.state.store.as_ref(), &ctx.user)
        .await?
        .is_empty()
    {
        return Ok(text(
            "Only a manager of a function can request a restriction (§6).",
        ));
    }
    match one_person(ctx, query, "restrict", RESTRICT_PERSON).await? {
        Ok(person) => open_restrict_for(ctx, trigger_id, &person, None).await,
        Err(reply) => Ok(reply),
    }
}

/// What of the restrict form reaches the service user, as the notice letter
/// (`templates/*/restriction_notice.html`) and the approval message show it.
const WHO_SEES_WHAT: &str = "*What the service user is sent:* the notice letter quotes your justification word for word, and sets out each measure with what you enter for it (the point of contact by their full name), the dates of the incidents you choose, the end date and the first review date. The proportionality, the internal review answer and any reason for no warning are for the head of function only.";
/// The same for a variation: when it answers a review or dispute decided "vary", the letter
/// is that outcome's, with the outcome's reasons (`letters::variation_letter`).
const WHO_SEES_WHAT_VARIATION: &str = "*What the service user is sent:* once approved, a letter sets out each new measure with what you enter for it (the point of contact by their full name) and the dates. If this variation answers a review or dispute decided “vary”, it is that outcome letter, with the reasons recorded for the outcome; otherwise it is a notice letter that quotes your justification word for word and gives the dates of the incidents you choose. The proportionality and the internal review answer are for the head of function only.";
/// The justification is the notice letter's "why we have made this decision".
const JUSTIFICATION_HINT: &str = "Quoted word for word in the notice letter to the service user, as the reason for the decision; the head of function reads it too. Write it for the person to read.";
const JUSTIFICATION_HINT_VARIATION: &str = "Quoted word for word in the notice letter to the service user, unless this variation answers a review or dispute: then the outcome letter gives that outcome's reasons instead. The head of function reads it too.";
const HEAD_ONLY_HINT: &str = "Seen by the head of function only: it is not in the letter.";
const IN_THE_LETTER_HINT: &str = "In the notice letter to the service user.";

/// A long text box taking exactly what the domain accepts.
fn case_text(field: &str) -> SlackInputBlockElement {
    SlackBlockPlainTextInputElement::new()
        .with_action_id(field.into())
        .with_multiline(true)
        .with_max_length((MAX_CASE_TEXT_CHARS as u64).min(limits::INPUT_MAX_LENGTH))
        .into()
}

pub async fn open_restrict_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
    varies: Option<i64>,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let incidents = store.incidents_of(person.id).await?;
    if incidents.is_empty() {
        return Ok(text(&format!(
            "{} has no reported incidents: a restriction must rely on reported behaviour.",
            escape(&person.name)
        )));
    }
    // A variation belongs to the function of the restriction it varies, and only that
    // function's head or deputies may approve it (R-RES-5).
    let chosen = match varies {
        Some(restriction_id) => match store.restriction(restriction_id).await? {
            Some(r) if r.person_id == person.id => {
                if let Err(why) = varied_in_force(&r, ctx.today()) {
                    return Ok(text(&why));
                }
                if let Some(why) = varied_already(ctx, &r).await? {
                    return Ok(text(&why));
                }
                let managed = access::managed_functions(store, &ctx.user).await?;
                managed.into_iter().find(|(id, _)| *id == r.function_id)
            }
            _ => {
                return Ok(text(
                    "That restriction is no longer in force, so it cannot be varied.",
                ))
            }
        },
        None => managed_function(ctx, &incidents).await?,
    };
    let Some((function_id, function_name)) = chosen else {
        return Ok(text(
            "Only a manager of a function can request a restriction (§6).",
        ));
    };
    if store
        .pending_request_for(person.id, function_id)
        .await?
        .is_some()
    {
        return Ok(text(
            "A request for this person in this function is already waiting for a decision.",
        ));
    }
    let today = ctx.now.with_timezone(&ctx.state.timezone).date_naive();
    let warning = match varies {
        Some(_) => None,
        None => store.warning_on_file(person.id, function_id, today).await?,
    };
    let warning_line = match (&warning, varies) {
        (_, Some(_)) => ":arrows_counterclockwise: This varies the restriction in force: once approved, the new measures replace it on the day their letter is marked sent (at approval only if the head records that staff safety needs it at once).".to_owned(),
        (Some(w), None) => format!(
            ":page_facing_up: Warning {} on file (sent {}, chance to adapt until {}). Choose at least one incident since it was sent; the head can decide from {}.",
            w.reference,
            w.sent_on.map(day).unwrap_or_default(),
            day(w.adapt_until),
            day(w.adapt_until)
        ),
        (None, None) => ":warning: *No warning on file* in this function in the last 12 months. Without one you must give the reason below, and an incident you choose must bear it out (§4/§6).".to_owned(),
    };
    let metadata = Metadata {
        person_id: Some(person.id),
        function_id: Some(function_id),
        ..Metadata::default()
    };
    let mut blocks = vec![section(&format!(
        "*Service user:* {}\n*Function:* {}\n{warning_line}",
        escape(&person_label(person)),
        escape(&function_name)
    ))];
    let (who_sees_what, justification_hint) = match varies {
        Some(_) => (WHO_SEES_WHAT_VARIATION, JUSTIFICATION_HINT_VARIATION),
        None => (WHO_SEES_WHAT, JUSTIFICATION_HINT),
    };
    blocks.push(context(who_sees_what));
    blocks.extend(incidents_blocks(ctx, person.id, &incidents).await?);
    // A measure's parameters appear once it is ticked (measure_fields::measures_changed).
    blocks.push(measures_block());
    blocks.extend([
        field(
            "justification",
            "Why is this needed? (the unacceptable behaviour and its impact)",
            case_text("justification"),
            false,
            Some(justification_hint),
        ),
        field(
            "proportionality",
            "Why is it proportionate? (what less restrictive steps were tried)",
            case_text("proportionality"),
            false,
            Some(HEAD_ONLY_HINT),
        ),
        field(
            "internal_review",
            "Have all internal review mechanisms been exhausted? (§6)",
            SlackBlockRadioButtonsElement::new(choices_text(&[
                ("yes".to_owned(), "Yes".to_owned()),
                ("no".to_owned(), "No".to_owned()),
            ]))
            .with_action_id("internal_review".into())
            .into(),
            false,
            Some(HEAD_ONLY_HINT),
        ),
        field(
            "ends_on",
            "Ends on (leave empty: until lifted at a review)",
            date("ends_on", None),
            true,
            Some(IN_THE_LETTER_HINT),
        ),
        field(
            "first_review_on",
            "First review (at most 12 months ahead, §8)",
            date("first_review_on", Some(default_first_review(today))),
            false,
            Some(IN_THE_LETTER_HINT),
        ),
    ]);
    if warning.is_none() && varies.is_none() {
        let reasons: Vec<(String, String)> = NoWarningReason::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
            .collect();
        blocks.push(field(
            "no_warning_reason",
            "No warning on file: why not?",
            SlackBlockStaticSelectElement::new()
                .with_action_id("no_warning_reason".into())
                .with_options(choices_plain(&reasons))
                .into(),
            true,
            Some(HEAD_ONLY_HINT),
        ));
    }
    let extra = varies.map(|v| v.to_string());
    let view = metadata_modal(
        "Request a restriction",
        RESTRICT,
        "Send to head",
        &metadata,
        blocks,
        extra.as_deref(),
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

fn request_field(field: RequestField) -> &'static str {
    match field {
        RequestField::Incidents => "incidents",
        RequestField::Measures => "measures",
        RequestField::Justification => "justification",
        RequestField::Proportionality => "proportionality",
        RequestField::InternalReview => "internal_review",
        RequestField::EndsOn => "ends_on",
        RequestField::FirstReviewOn => "first_review_on",
        RequestField::NoWarningReason => "no_warning_reason",
    }
}

pub async fn submit_restrict(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
    private_metadata: Option<&str>,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let (Some(person_id), Some(function_id)) = (metadata.person_id, metadata.function_id) else {
        return Err(ApiError::BadRequest(
            "restriction modal without a person".into(),
        ));
    };
    let mut errors = FieldErrors::default();
    let manager = match access::Authority::load(store, &ctx.user)
        .await?
        .manages(function_id)
    {
        Ok(manager) => manager,
        Err(denied) => {
            errors.add("justification", denied.0);
            return Err(ApiError::Invalid(errors));
        }
    };
    let Some(person) = store.person(person_id).await? else {
        errors.add("justification", "That person is no longer on record.");
        return Err(ApiError::Invalid(errors));
    };
    let varies = extra_of(private_metadata).and_then(|v| v.parse::<i64>().ok());
    if let Some(restriction_id) = varies {
        let varied = store
            .restriction(restriction_id)
            .await?
            .filter(|r| r.person_id == person_id && r.function_id == function_id);
        let Some(varied) = varied else {
            errors.add(
                "justification",
                "The restriction being varied is no longer in force in this function.",
            );
            return Err(ApiError::Invalid(errors));
        };
        if let Err(why) = varied_in_force(&varied, ctx.today()) {
            errors.add("justification", why);
            return Err(ApiError::Invalid(errors));
        }
        if let Some(why) = varied_already(ctx, &varied).await? {
            errors.add("justification", why);
            return Err(ApiError::Invalid(errors));
        }
    }
    let known = store.incidents_of(person_id).await?;
    let measures = read_measures(form, &mut errors);
    let today = ctx.now.with_timezone(&ctx.state.timezone).date_naive();
    // What the request stands on is looked up again now, not taken from when the form
    // opened: a warning closed or sent meanwhile changes it.
    let warning = match varies {
        Some(_) => None,
        None => store.warning_on_file(person_id, function_id, today).await?,
    };
    let grounds = match (&varies, warning.as_ref().and_then(basis_of)) {
        (Some(_), _) => Grounds::Variation,
        (None, Some(basis)) => Grounds::Warning(basis),
        (None, None) => Grounds::Unwarned,
    };
    let draft = RequestDraft {
        incident_ids: read_incidents(form, &known),
        measures,
        justification: form.text("justification").unwrap_or_default(),
        proportionality: form.text("proportionality").unwrap_or_default(),
        internal_review_exhausted: form.selected("internal_review").map(|v| v == "yes"),
        ends_on: form.date("ends_on"),
        first_review_on: form.date("first_review_on"),
        grounds: grounds.clone(),
        no_warning_reason: form
            .selected("no_warning_reason")
            .and_then(|r| r.parse().ok()),
        incidents: facts_of(ctx, &known),
    };
    let valid = match draft.validate(today) {
        Ok(valid) if errors.is_empty() => valid,
        Ok(_) => return Err(ApiError::Invalid(errors)),
        Err(field_errors) => {
            for e in field_errors {
                errors.add(request_field(e.field), e.message);
            }
            return Err(ApiError::Invalid(errors));
        }
    };
    let store = ctx.state.store.as_ref();
    let rejected_by_head = access::head_rejection_of(store, person_id, function_id, None).await?;
    let approvers =
        access::deciders_of(store, function_id, &ctx.user, rejected_by_head.is_some()).await?;
    if approvers.is_empty() {
        errors.add("justification", "No head of function or deputy other than you can decide this request: ask an admin to set one.");
        return Err(ApiError::Invalid(errors));
    }
    let new = NewRequest {
        person_id,
        function_id,
        incident_ids: valid.incident_ids().to_vec(),
        measures: valid.measures().to_vec(),
        justification: valid.justification().to_owned(),
        proportionality: valid.proportionality().to_owned(),
        internal_review_exhausted: valid.internal_review_exhausted(),
        ends_on: valid.ends_on(),
        first_review_on: valid.first_review_on(),
        warning_id: warning.as_ref().map(|w| w.id),
        no_warning_reason: valid.no_warning_reason().map(|r| r.as_str().to_owned()),
        varies_restriction_id: varies,
    };
    let function_name = crate::slack::functions::function_name_of(ctx, function_id).await?;
    let summary = history_summary(
        ctx.state.store.as_ref(),
        ctx.state.timezone,
        ctx.today(),
        &person,
        &known,
    )
    .await?;
    let requester = ctx.user.clone();
    let warning_text = match &grounds {
        Grounds::Warning(basis) => {
            let relied: Vec<IncidentFacts> = facts_of(ctx, &known)
                .into_iter()
                .filter(|i| valid.incident_ids().contains(&i.id))
                .collect();
            let since: Vec<String> = incidents_since(basis, &relied)
                .iter()
                .map(|i| format!("{} ({})", i.reference, day(i.occurred_on)))
                .collect();
            format!(
                "Warning {} sent {}; chance to adapt until {}, so decide on or after that day. Incidents since the warning: {}",
                basis.reference,
                day(basis.sent_on),
                day(basis.adapt_until),
                since.join(", ")
            )
        }
        Grounds::Unwarned => match valid.no_warning_reason() {
            Some(reason) => format!("No warning: {}", reason.label()),
            None => "No warning".to_owned(),
        },
        Grounds::Variation => "Varies a restriction in force".to_owned(),
    };
    let approval = |recorded: &Recorded, approver: &UserId| {
        let content = approval_message(&ApprovalRequest {
            reference: &recorded.reference,
            request_id: recorded.id,
            requester: &requester,
            function_name: &function_name,
            person: &person,
            request: &new,
            warning: &warning_text,
            summary: &summary,
        });
        send::dm(
            approver,
            content,
            format!("request:{}:approval:{approver}", recorded.id),
        )
    };
    let announce = |recorded: &Recorded| {
        let blocks = vec![
            section(&format!(
                "Your request *{}* to restrict contact with {} was sent to the head of *{}* for a decision.",
                recorded.reference,
                escape(&person.name),
                escape(&function_name)
            )),
            SlackActionsBlock::new(vec![SlackBlockButtonElement::new(pt("Withdraw request"))
                .with_action_id(WITHDRAW_REQUEST.into())
                .with_value(recorded.id.to_string())
                .into()])
            .into(),
        ];
        vec![send::dm(
            &requester,
            message(
                &format!(
                    "Request {} sent for a decision: you will hear when it is decided.",
                    recorded.reference
                ),
                blocks,
            ),
            format!("request:{}:requested", recorded.id),
        )]
    };
    let mut tx = store.begin_write().await?;
    let recorded = match tx.create_request(&new, &manager, ctx.now).await {
        Ok(recorded) => recorded,
        Err(StoreError::Conflict { .. }) => {
            errors.add(
                "justification",
                "A request for this person in this function is already waiting for a decision.",
            );
            return Err(ApiError::Invalid(errors));
        }
        Err(other) => return Err(other.into()),
    };
    for approver in &approvers {
        tx.enqueue_approval_copy(
            recorded.id,
            approver,
            &approval(&recorded, approver),
            ctx.now,
        )
        .await?;
    }
    tx.enqueue(Some(person_id), &announce(&recorded), ctx.now)
        .await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    // The notice letter will name the point of contact: look them up ahead, off this path.
    ctx.state.staff.warm(staff_of(&new.measures));
    Ok(Reply::Ack)
}

/// "Request varied measures": the restriction form, for new measures that replace the
/// restriction once the head of function approves them.
pub async fn request_variation(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    restriction_id: i64,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(restriction) = store.restriction(restriction_id).await? else {
        return Ok(text("That restriction no longer exists."));
    };
    if let Err(why) = varied_in_force(&restriction, ctx.today()) {
        return Ok(text(&why));
    }
    if let Err(denied) =
        access::require_manager_of(store, &ctx.user, restriction.function_id).await?
    {
        return Err(ApiError::Refused(denied.0));
    }
    let Some(person) = store.person(restriction.person_id).await? else {
        return Ok(text("That person is no longer on record."));
    };
    open_restrict_for(ctx, trigger_id, &person, Some(restriction_id)).await
}

/// A variation may be asked for only of a restriction in force (issue 9, finding 15): the
/// domain's rule, `Err` in plain words.
fn varied_in_force(
    restriction: &RestrictionRecord,
    today: chrono::NaiveDate,
) -> Result<(), String> {
    crate::domain::restriction::may_be_varied(
        &restriction.reference,
        restriction.status,
        restriction.awaits_notice,
        restriction.starts_on,
        restriction.ends_on,
        today,
    )
}

/// A restriction whose approved variation waits for its letter is replaced once that
/// letter is sent (issue 9, finding 15): a second variation of it now would leave two
/// restrictions in force. `Some` is what to tell the manager.
async fn varied_already(
    ctx: &Ctx<'_>,
    restriction: &RestrictionRecord,
) -> Result<Option<String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let waiting = store
        .restrictions_not_yet_in_force(restriction.person_id, ctx.today())
        .await?;
    for w in waiting
        .iter()
        .filter(|w| w.function_id == restriction.function_id && w.awaits_notice)
    {
        let Some(record) = store.restriction(w.id).await? else {
            continue;
        };
        let varies = store
            .request(record.request_id)
            .await?
            .and_then(|q| q.varies_restriction_id);
        if varies == Some(restriction.id) {
            return Ok(Some(format!(
                "Restriction {} already varies {}: it replaces it on the day its letter is marked sent. Ask for a further change once it is in force.",
                w.reference, restriction.reference
            )));
        }
    }
    Ok(None)
}
