//! Restricting contact (R-RES-1 … R-RES-6, R-LET-1, R-LET-2, R-LET-4): `/contact warn`,
//! `/contact restrict`, the head of function's approval message with the §6 checklist,
//! reject, withdraw, and "Mark as sent" for letters. Who may decide is checked from the
//! database at click time; the store makes sure exactly one decision is ever recorded.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use slack_morphism::prelude::*;

use super::blocks::*;
use super::ctx::{text, Ctx, Reply};
use super::forms::{FieldErrors, Form};
use super::metadata::extra_of;
use super::metadata::Metadata;
use super::outbound::SlackCall;
use super::people::person_label;
use super::send;
use crate::access;
use crate::domain::measures::{parse_windows, ContactMethod, ContactMode, Measure, MeasureKind};
use crate::domain::restriction::{
    check_approval, default_adapt_until, default_first_review, may_decide, rejection_reason,
    CriteriaTicks, Criterion, NoWarningReason, RequestDraft, RequestField, WarningDraft,
    WarningField,
};
use crate::domain::UserId;
use crate::letters::{LetterContext, LetterFormat, LetterKind, LetterMeasure};
use crate::slack::error::ApiError;
use crate::store::records::*;
use crate::store::{NewOutboxMessage, StoreError};

pub const WARN: &str = crate::slack::ids::Callback::Warn.as_str();
pub const RESTRICT: &str = crate::slack::ids::Callback::Restrict.as_str();
pub const REJECT: &str = crate::slack::ids::Callback::Reject.as_str();
pub const LETTER_SENT: &str = crate::slack::ids::Callback::LetterSent.as_str();

pub const APPROVE_REQUEST: &str = crate::slack::ids::Action::ApproveRequest.as_str();
pub const REJECT_REQUEST: &str = crate::slack::ids::Action::RejectRequest.as_str();
pub const WITHDRAW_REQUEST: &str = crate::slack::ids::Action::WithdrawRequest.as_str();
pub const MARK_LETTER_SENT: &str = crate::slack::ids::Action::MarkLetterSent.as_str();
pub const WARN_PERSON: &str = crate::slack::ids::Action::WarnPerson.as_str();
pub const RESTRICT_PERSON: &str = crate::slack::ids::Action::RestrictPerson.as_str();
/// The checklist's block id prefix; the request id follows.
pub const CRITERIA: &str = crate::slack::ids::Action::Criteria.as_str();

fn day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
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

fn incidents_block(incidents: &[IncidentSummary], ctx: &Ctx<'_>) -> SlackBlock {
    let options: Vec<_> = incidents
        .iter()
        .take(100)
        .map(|i| {
            let label = format!(
                "{} · {} · {}",
                i.reference,
                ctx_day(ctx, i.occurred_at),
                i.category.replace('_', " ")
            );
            SlackBlockChoiceItem::new(pt(&label), i.id.to_string())
        })
        .collect();
    let element = SlackBlockMultiStaticSelectElement::new()
        .with_action_id("incidents".into())
        .with_options(options)
        .with_placeholder(pt("The incidents this relies on"));
    input("incidents", "Incidents relied on", element.into(), false)
}

fn ctx_day(ctx: &Ctx<'_>, at: DateTime<Utc>) -> String {
    day(at.with_timezone(&ctx.state.timezone).date_naive())
}

fn read_incidents(form: &Form, known: &[IncidentSummary]) -> Vec<i64> {
    form.selected_many("incidents")
        .iter()
        .filter_map(|v| v.parse::<i64>().ok())
        .filter(|id| known.iter().any(|i| i.id == *id))
        .collect()
}

/// Finds the one person a command names, or answers how to proceed.
pub(super) async fn one_person(
    ctx: &Ctx<'_>,
    query: &str,
    command: &str,
    action: &str,
) -> Result<Result<PersonRecord, Reply>, ApiError> {
    // Moved to slack::find (reporting helper); restricting imports it from there at merge.
    crate::slack::find::one_person(ctx, query, command, action).await
}

// ---------------------------------------------------------------------------------------
// Letters: drafted in the person's format and language, uploaded to the manager.
// ---------------------------------------------------------------------------------------

/// The letter for a record, and the messages that deliver it to `manager`.
pub(super) fn letter_effects(
    ctx: &Ctx<'_>,
    kind: LetterKind,
    person: &PersonRecord,
    letter_context: &LetterContext,
    manager: &UserId,
    messages: Vec<NewOutboxMessage>,
) -> Result<Effects, ApiError> {
    let format = LetterFormat::from(person.access.format);
    let language = person.access.language;
    let rendered = ctx
        .state
        .letters
        .render(kind, format, language, letter_context)
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("letter could not be rendered: {e}")))?;
    let manager = manager.clone();
    let filename = rendered.filename.clone();
    let title = rendered.title.clone();
    let body = rendered.body.clone();
    let reference = letter_context.reference.clone();
    let description = format!(
        "{} ({}, {})",
        kind_label(kind),
        format_label(format),
        language.label()
    );
    Ok(Effects {
        messages,
        letter: Some(NewLetter {
            kind: kind.as_str(),
            format: format.as_str(),
            language: language.as_str(),
            template: rendered.template,
            body: rendered.body,
        }),
        letter_messages: Box::new(move |letter_id| {
            let upload = SlackCall::UploadToUser {
                user: manager.to_string(),
                filename: filename.clone(),
                title: title.clone(),
                content_type: "text/html".to_owned(),
                content: body.clone(),
            };
            let mut out = Vec::new();
            if let Ok(row) = upload.into_outbox(
                format!("letter:{letter_id}:upload"),
                Some(("letter", letter_id.to_string())),
            ) {
                out.push(row);
            }
            let blocks = vec![
                section(&format!("*Letter ready to send:* {description} for {reference}. Check it, send it, then record how it was sent.")),
                SlackActionsBlock::new(vec![SlackBlockButtonElement::new(pt("Mark as sent"))
                    .with_action_id(MARK_LETTER_SENT.into())
                    .with_value(letter_id.to_string())
                    .with_style(SlackBlockButtonStyle::Primary)
                    .into()])
                .into(),
            ];
            out.push(send::dm(
                &manager,
                SlackMessageContent::new()
                    .with_text(format!("Letter ready to send for {reference}"))
                    .with_blocks(blocks),
                format!("letter:{letter_id}:ready"),
            ));
            out
        }),
    })
}

fn kind_label(kind: LetterKind) -> &'static str {
    match kind {
        LetterKind::Warning => "Warning letter",
        LetterKind::RestrictionNotice => "Restriction notice",
        LetterKind::DisputeOutcome => "Dispute outcome letter",
        LetterKind::ReviewOutcome => "Review outcome letter",
    }
}

fn format_label(format: LetterFormat) -> &'static str {
    match format {
        LetterFormat::Standard => "standard",
        LetterFormat::LargePrint => "large print",
        LetterFormat::EasyRead => "easy read",
    }
}

pub(super) fn base_letter(
    ctx: &Ctx<'_>,
    person: &PersonRecord,
    reference: &str,
    function_name: &str,
) -> LetterContext {
    LetterContext {
        organisation: ctx.state.organisation.clone(),
        recipient_name: person.name.clone(),
        reference: reference.to_owned(),
        letter_date: ctx.now.with_timezone(&ctx.state.timezone).date_naive(),
        function_name: function_name.to_owned(),
        behaviour: String::new(),
        incident_dates: Vec::new(),
        adapt_until: None,
        measures: Vec::new(),
        reasons: String::new(),
        starts_on: None,
        ends_on: None,
        next_review_on: None,
        outcome: None,
        contact_name: function_name.to_owned(),
        contact_details: ctx.state.complaints_contact.clone(),
    }
}

async fn incident_dates(
    ctx: &Ctx<'_>,
    person_id: i64,
    ids: &[i64],
) -> Result<Vec<NaiveDate>, ApiError> {
    Ok(ctx
        .state
        .store
        .incidents_of(person_id)
        .await?
        .iter()
        .filter(|i| ids.contains(&i.id))
        .map(|i| {
            i.occurred_at
                .with_timezone(&ctx.state.timezone)
                .date_naive()
        })
        .collect())
}

pub async fn open_mark_sent(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    letter_id: i64,
) -> Result<Option<String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(letter) = store.letter(letter_id).await? else {
        return Ok(Some("That letter no longer exists.".to_owned()));
    };
    if let Err(denied) = access::require_manager_of(store, &ctx.user, letter.function_id).await? {
        return Ok(Some(denied.0));
    }
    if let (Some(on), Some(by)) = (letter.sent_on, letter.sent_recorded_by.as_deref()) {
        return Ok(Some(format!(
            "This letter was already marked sent on {} by <@{by}>.",
            day(on)
        )));
    }
    let methods = vec![
        ("post".to_owned(), "Post".to_owned()),
        ("email".to_owned(), "Email".to_owned()),
        ("hand_delivered".to_owned(), "By hand".to_owned()),
        ("other".to_owned(), "Other".to_owned()),
    ];
    let blocks = vec![
        section(&format!(
            "*{}* for {}",
            letter.kind.replace('_', " "),
            letter.subject_reference
        )),
        input(
            "sent_on",
            "Date sent",
            date(
                "sent_on",
                Some(ctx.now.with_timezone(&ctx.state.timezone).date_naive()),
            ),
            false,
        ),
        input(
            "method",
            "How was it sent?",
            SlackBlockRadioButtonsElement::new(choices_text(&methods))
                .with_action_id("method".into())
                .into(),
            false,
        ),
    ];
    let view = metadata_modal(
        "Letter sent",
        LETTER_SENT,
        "Record",
        &Metadata::default(),
        blocks,
        Some(&letter_id.to_string()),
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(None)
}

pub async fn submit_mark_sent(
    ctx: &Ctx<'_>,
    form: &Form,
    private_metadata: Option<&str>,
) -> Result<Reply, ApiError> {
    let mut errors = FieldErrors::default();
    let letter_id = extra_of(private_metadata).and_then(|v| v.parse::<i64>().ok());
    let sent_on = form.date("sent_on");
    // Only the listed methods: the value goes into the record and the audit trail.
    let method = form
        .selected("method")
        .filter(|m| matches!(m.as_str(), "post" | "email" | "hand_delivered" | "other"));
    match sent_on {
        None => errors.add("sent_on", "Choose the date it was sent."),
        Some(d) if d > ctx.now.with_timezone(&ctx.state.timezone).date_naive() => {
            errors.add("sent_on", "This is in the future.")
        }
        _ => {}
    }
    if method.is_none() {
        errors.add("method", "Choose how it was sent.");
    }
    let (Some(letter_id), Some(sent_on), Some(method), true) =
        (letter_id, sent_on, method, errors.is_empty())
    else {
        return Err(ApiError::Invalid(errors));
    };
    let store = ctx.state.store.as_ref();
    let Some(letter) = store.letter(letter_id).await? else {
        errors.add("sent_on", "That letter no longer exists.");
        return Err(ApiError::Invalid(errors));
    };
    if let Err(denied) = access::require_manager_of(store, &ctx.user, letter.function_id).await? {
        errors.add("sent_on", denied.0);
        return Err(ApiError::Invalid(errors));
    }
    match store
        .mark_letter_sent(letter_id, sent_on, &method, &ctx_actor(ctx), ctx.now)
        .await?
    {
        LetterSent::Recorded => Ok(Reply::Ack),
        LetterSent::AlreadySent { on, by } => {
            errors.add(
                "sent_on",
                format!("Already marked sent on {} by <@{by}>.", day(on)),
            );
            Err(ApiError::Invalid(errors))
        }
    }
}

fn ctx_actor(ctx: &Ctx<'_>) -> crate::domain::Actor {
    crate::domain::Actor::user(&ctx.user)
}

// ---------------------------------------------------------------------------------------
// /contact warn (R-RES-1, R-LET-1)
// ---------------------------------------------------------------------------------------

pub async fn warn(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    if access::managed_functions(ctx.state.store.as_ref(), &ctx.user)
        .await?
        .is_empty()
    {
        return Ok(text(
            "Only a manager, head or deputy of a function can warn a service user.",
        ));
    }
    match one_person(ctx, query, "warn", WARN_PERSON).await? {
        Ok(person) => open_warn_for(ctx, trigger_id, &person).await,
        Err(reply) => Ok(reply),
    }
}

pub async fn open_warn_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    let incidents = ctx.state.store.incidents_of(person.id).await?;
    if incidents.is_empty() {
        return Ok(text(&format!("{} has no reported incidents to warn them about. Report the behaviour first with `/contact report`.", escape(&person.name))));
    }
    let Some((function_id, _)) = managed_function(ctx, &incidents).await? else {
        return Ok(text(
            "Only a manager, head or deputy of a function can warn a service user.",
        ));
    };
    let today = ctx.now.with_timezone(&ctx.state.timezone).date_naive();
    let metadata = Metadata {
        person_id: Some(person.id),
        function_id: Some(function_id),
        ..Metadata::default()
    };
    let blocks = vec![
        section(&format!("*Service user:* {}\nThey will be told in writing that this behaviour is unacceptable, sent a copy of the policy, and given a chance to adapt (§6).", escape(&person_label(person)))),
        incidents_block(&incidents, ctx),
        input("behaviour", "What behaviour is unacceptable (goes in the letter)", plain("behaviour", true), false),
        input("adapt_until", "Chance to adapt until", date("adapt_until", Some(default_adapt_until(today))), false),
    ];
    let view = metadata_modal(
        "Warn in writing",
        WARN,
        "Draft warning",
        &metadata,
        blocks,
        None,
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_warn(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let (Some(person_id), Some(function_id)) = (metadata.person_id, metadata.function_id) else {
        return Err(ApiError::BadRequest(
            "warning modal without a person".into(),
        ));
    };
    let mut errors = FieldErrors::default();
    if let Err(denied) = access::require_manager_of(store, &ctx.user, function_id).await? {
        errors.add("behaviour", denied.0);
        return Err(ApiError::Invalid(errors));
    }
    let Some(person) = store.person(person_id).await? else {
        errors.add("behaviour", "That person is no longer on record.");
        return Err(ApiError::Invalid(errors));
    };
    let known = store.incidents_of(person_id).await?;
    let today = ctx.now.with_timezone(&ctx.state.timezone).date_naive();
    let draft = WarningDraft {
        incident_ids: read_incidents(form, &known),
        behaviour: form.text("behaviour").unwrap_or_default(),
        adapt_until: form.date("adapt_until"),
    };
    let warning = match draft.validate(today) {
        Ok(warning) => warning,
        Err(field_errors) => {
            for e in field_errors {
                let field = match e.field {
                    WarningField::Incidents => "incidents",
                    WarningField::Behaviour => "behaviour",
                    WarningField::AdaptUntil => "adapt_until",
                };
                errors.add(field, e.message);
            }
            return Err(ApiError::Invalid(errors));
        }
    };
    let function_name = super::reporting::function_name_of(ctx, function_id).await?;
    let new = NewWarning {
        person_id,
        function_id,
        incident_ids: warning.incident_ids().to_vec(),
        behaviour: warning.behaviour().to_owned(),
        adapt_until: warning.adapt_until(),
    };
    let dates = incident_dates(ctx, person_id, warning.incident_ids()).await?;
    let manager = ctx.user.clone();
    let build = |recorded: &Recorded| -> Effects {
        let mut letter = base_letter(ctx, &person, &recorded.reference, &function_name);
        letter.behaviour = new.behaviour.clone();
        letter.incident_dates = dates.clone();
        letter.adapt_until = Some(new.adapt_until);
        let confirm = send::dm(
            &manager,
            SlackMessageContent::new().with_text(format!(
                "Warning {} recorded for {}. The letter is drafted below; once you have sent it, press “Mark as sent” so the warning is on file.",
                recorded.reference,
                escape(&person.name)
            )),
            format!("warning:{}:confirm", recorded.id),
        );
        letter_effects(
            ctx,
            LetterKind::Warning,
            &person,
            &letter,
            &manager,
            vec![confirm],
        )
        .unwrap_or_else(|e| {
            tracing::error!(error = %e, "warning letter not drafted");
            Effects::messages(Vec::new())
        })
    };
    // Render once up front so a broken template is a clear error, not a silent gap.
    letter_effects(
        ctx,
        LetterKind::Warning,
        &person,
        &base_letter(ctx, &person, "WRN", &function_name),
        &manager,
        Vec::new(),
    )?;
    store
        .record_warning(&new, &ctx_actor(ctx), ctx.now, &build)
        .await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

// ---------------------------------------------------------------------------------------
// /contact restrict (R-RES-2, R-RES-3) and the approval request (R-RES-4)
// ---------------------------------------------------------------------------------------

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

const MEASURE_FIELDS: &[(&str, &str)] = &[
    (
        "windows",
        "Days and times contact is allowed (e.g. “Tue 09:00-12:00”)",
    ),
    ("max_minutes", "Longest call or visit (minutes)"),
    ("contact_method", "The one method of contact"),
    ("spoc", "The one point of contact"),
    ("case_reference", "Case or decision not to be reopened"),
    (
        "block_identifiers",
        "Numbers or addresses to block (severe cases only)",
    ),
    ("other_description", "Other action"),
];

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
            Some(r) if r.person_id == person.id && r.status == "active" => {
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
    let warning = store.warning_on_file(person.id).await?;
    let warning_line = match &warning {
        Some(w) => format!(":page_facing_up: Warning {} on file ({}, chance to adapt until {}).", w.reference, ctx_day(ctx, w.created_at), day(w.adapt_until)),
        None => ":warning: *No warning on file.* Without one you must give the reason below (violence or harassment, §4/§6).".to_owned(),
    };
    let metadata = Metadata {
        person_id: Some(person.id),
        function_id: Some(function_id),
        ..Metadata::default()
    };
    let measure_kinds: Vec<(String, String)> = MeasureKind::ALL
        .iter()
        .map(|k| (k.as_str().to_owned(), k.label().to_owned()))
        .collect();
    let mut blocks = vec![
        section(&format!(
            "*Service user:* {}\n*Function:* {}\n{warning_line}",
            escape(&person_label(person)),
            escape(&function_name)
        )),
        incidents_block(&incidents, ctx),
        input(
            "measures",
            "Measures (policy §6)",
            SlackBlockCheckboxesElement::new(choices_text(&measure_kinds))
                .with_action_id("measures".into())
                .into(),
            false,
        ),
        input(
            "contact_mode",
            "Time-limited contact is for",
            SlackBlockRadioButtonsElement::new(choices_text(
                &ContactMode::ALL
                    .iter()
                    .map(|m| (m.as_str().to_owned(), m.label().to_owned()))
                    .collect::<Vec<_>>(),
            ))
            .with_action_id("contact_mode".into())
            .into(),
            true,
        ),
    ];
    for (field, label) in MEASURE_FIELDS {
        let element: SlackInputBlockElement = match *field {
            "max_minutes" => SlackBlockNumberInputElement::new(false)
                .with_action_id((*field).into())
                .with_min_value("1".into())
                .into(),
            "contact_method" => SlackBlockStaticSelectElement::new()
                .with_action_id((*field).into())
                .with_options(choices_plain(
                    &ContactMethod::ALL
                        .iter()
                        .map(|m| (m.as_str().to_owned(), m.label().to_owned()))
                        .collect::<Vec<_>>(),
                ))
                .into(),
            "spoc" => SlackBlockUsersSelectElement::new()
                .with_action_id((*field).into())
                .into(),
            other => plain(
                other,
                other == "other_description" || other == "block_identifiers",
            ),
        };
        blocks.push(input(field, label, element, true));
    }
    blocks.extend([
        input(
            "justification",
            "Why is this needed? (the unacceptable behaviour and its impact)",
            plain("justification", true),
            false,
        ),
        input(
            "proportionality",
            "Why is it proportionate? (what less restrictive steps were tried)",
            plain("proportionality", true),
            false,
        ),
        input(
            "internal_review",
            "Have all internal review mechanisms been exhausted? (§6)",
            SlackBlockRadioButtonsElement::new(choices_text(&[
                ("yes".to_owned(), "Yes".to_owned()),
                ("no".to_owned(), "No".to_owned()),
            ]))
            .with_action_id("internal_review".into())
            .into(),
            false,
        ),
        input(
            "ends_on",
            "Ends on (leave empty: until lifted at a review)",
            date("ends_on", None),
            true,
        ),
        input(
            "first_review_on",
            "First review (at most 12 months ahead, §8)",
            date("first_review_on", Some(default_first_review(today))),
            false,
        ),
    ]);
    if warning.is_none() {
        let reasons: Vec<(String, String)> = NoWarningReason::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
            .collect();
        blocks.push(input(
            "no_warning_reason",
            "No warning on file: why not?",
            SlackBlockStaticSelectElement::new()
                .with_action_id("no_warning_reason".into())
                .with_options(choices_plain(&reasons))
                .into(),
            true,
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

/// Reads the measures ticked and their parameters; errors go on the parameter fields.
fn read_measures(form: &Form, errors: &mut FieldErrors) -> Vec<Measure> {
    let mut measures = Vec::new();
    for kind in form.selected_many("measures") {
        let Ok(kind) = kind.parse::<MeasureKind>() else {
            continue;
        };
        let measure = match kind {
            MeasureKind::TimeLimitedContact => {
                let windows = match form.text("windows").map(|t| parse_windows(&t)) {
                    Some(Ok(windows)) => windows,
                    Some(Err(e)) => {
                        // The reason alone reads best in the form ("“Someday” is not a day…").
                        let message = match e {
                            crate::domain::measures::MeasureError::BadParams { reason, .. } => {
                                reason
                            }
                            other => other.to_string(),
                        };
                        errors.add("windows", message);
                        continue;
                    }
                    None => {
                        errors.add(
                            "windows",
                            "Give the days and times contact is allowed, e.g. “Tue 09:00-12:00”.",
                        );
                        continue;
                    }
                };
                let mode = form
                    .selected("contact_mode")
                    .and_then(|m| m.parse::<ContactMode>().ok())
                    .unwrap_or(ContactMode::Phone);
                let max_minutes = match form.number("max_minutes") {
                    Ok(m) => m,
                    Err(_) => {
                        errors.add("max_minutes", "Enter a whole number of minutes.");
                        continue;
                    }
                };
                Measure::TimeLimitedContact {
                    mode,
                    windows,
                    max_minutes,
                }
            }
            MeasureKind::SingleContactMethod => match form
                .selected("contact_method")
                .and_then(|m| m.parse::<ContactMethod>().ok())
            {
                Some(method) => Measure::SingleContactMethod { method },
                None => {
                    errors.add("contact_method", "Choose the one method of contact.");
                    continue;
                }
            },
            MeasureKind::SinglePointOfContact => match form.selected_user("spoc") {
                Some(user) => Measure::SinglePointOfContact {
                    staff_name: format!("<@{user}>"),
                    staff_user_id: user,
                },
                None => {
                    errors.add(
                        "spoc",
                        "Choose the member of staff who will be the one point of contact.",
                    );
                    continue;
                }
            },
            MeasureKind::CallsRecorded => Measure::CallsRecorded,
            MeasureKind::ReadAndFile => Measure::ReadAndFile,
            MeasureKind::RefuseReopen => match form.text("case_reference") {
                Some(case_reference) => Measure::RefuseReopen { case_reference },
                None => {
                    errors.add(
                        "case_reference",
                        "Name the case or decision that will not be reopened.",
                    );
                    continue;
                }
            },
            MeasureKind::BlockContact => {
                let identifiers: Vec<String> = form
                    .text("block_identifiers")
                    .map(|t| {
                        t.split([',', '\n', ';'])
                            .map(|s| s.trim().to_owned())
                            .filter(|s| !s.is_empty())
                            .collect()
                    })
                    .unwrap_or_default();
                if identifiers.is_empty() {
                    errors.add(
                        "block_identifiers",
                        "List the numbers or addresses to block.",
                    );
                    continue;
                }
                Measure::BlockContact { identifiers }
            }
            MeasureKind::Other => match form.text("other_description") {
                Some(description) => Measure::Other { description },
                None => {
                    errors.add("other_description", "Describe the other action.");
                    continue;
                }
            },
        };
        measures.push(measure);
    }
    measures
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
    if let Err(denied) = access::require_manager_of(store, &ctx.user, function_id).await? {
        errors.add("justification", denied.0);
        return Err(ApiError::Invalid(errors));
    }
    let Some(person) = store.person(person_id).await? else {
        errors.add("justification", "That person is no longer on record.");
        return Err(ApiError::Invalid(errors));
    };
    let varies = extra_of(private_metadata).and_then(|v| v.parse::<i64>().ok());
    if let Some(restriction_id) = varies {
        let matches = store.restriction(restriction_id).await?.is_some_and(|r| {
            r.person_id == person_id && r.function_id == function_id && r.status == "active"
        });
        if !matches {
            errors.add(
                "justification",
                "The restriction being varied is no longer in force in this function.",
            );
            return Err(ApiError::Invalid(errors));
        }
    }
    let known = store.incidents_of(person_id).await?;
    let measures = read_measures(form, &mut errors);
    let warning = store.warning_on_file(person_id).await?;
    let today = ctx.now.with_timezone(&ctx.state.timezone).date_naive();
    let draft = RequestDraft {
        incident_ids: read_incidents(form, &known),
        measures,
        justification: form.text("justification").unwrap_or_default(),
        proportionality: form.text("proportionality").unwrap_or_default(),
        internal_review_exhausted: form.selected("internal_review").map(|v| v == "yes"),
        ends_on: form.date("ends_on"),
        first_review_on: form.date("first_review_on"),
        has_warning: warning.is_some() || varies.is_some(),
        no_warning_reason: form
            .selected("no_warning_reason")
            .and_then(|r| r.parse().ok()),
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
    let approvers = deciders(ctx, function_id).await?;
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
    let function_name = super::reporting::function_name_of(ctx, function_id).await?;
    let summary = history_summary(
        ctx.state.store.as_ref(),
        ctx.state.timezone,
        &person,
        &known,
    )
    .await?;
    let requester = ctx.user.clone();
    let warning_text = match &warning {
        Some(w) => format!(
            "Warning {} sent {} (chance to adapt until {})",
            w.reference,
            ctx_day(ctx, w.created_at),
            day(w.adapt_until)
        ),
        None => match valid.no_warning_reason() {
            Some(reason) => format!("No warning: {}", reason.label()),
            None => "Varies a restriction in force".to_owned(),
        },
    };
    let approval = |recorded: &Recorded, approver: &UserId| {
        let content = approval_message(
            &recorded.reference,
            recorded.id,
            &requester,
            &function_name,
            &person,
            &new,
            &warning_text,
            &summary,
        );
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
            SlackMessageContent::new()
                .with_text(format!(
                    "Request {} sent for a decision",
                    recorded.reference
                ))
                .with_blocks(blocks),
            format!("request:{}:requested", recorded.id),
        )]
    };
    match store
        .create_request(
            &new,
            &ctx_actor(ctx),
            ctx.now,
            &approvers,
            &approval,
            &announce,
        )
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict { .. }) => {
            errors.add(
                "justification",
                "A request for this person in this function is already waiting for a decision.",
            );
            return Err(ApiError::Invalid(errors));
        }
        Err(other) => return Err(other.into()),
    }
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

/// Who can decide for a function: its head and deputies, never the requester.
async fn deciders(ctx: &Ctx<'_>, function_id: i64) -> Result<Vec<UserId>, ApiError> {
    let functions = ctx.state.store.list_functions().await?;
    let Some(function) = functions.into_iter().find(|f| f.id == function_id) else {
        return Ok(Vec::new());
    };
    let mut out: Vec<UserId> = function.head.into_iter().chain(function.deputies).collect();
    out.retain(|u| *u != ctx.user);
    out.dedup();
    Ok(out)
}

async fn history_summary(
    store: &dyn crate::store::Store,
    zone: chrono_tz::Tz,
    person: &PersonRecord,
    incidents: &[IncidentSummary],
) -> Result<String, ApiError> {
    let history = store.history(person.id).await?;
    let count = |kind: &str| history.iter().filter(|h| h.kind == kind).count();
    let latest: Vec<String> = incidents
        .iter()
        .take(3)
        .map(|i| {
            format!(
                "{} ({}, {})",
                i.reference,
                day(i.occurred_at.with_timezone(&zone).date_naive()),
                i.category.replace('_', " ")
            )
        })
        .collect();
    Ok(format!(
        "{} incidents, {} calls ended or held, {} breaches, {} warnings. Latest: {}",
        count("incident"),
        count("call_ended"),
        count("breach"),
        count("warning"),
        if latest.is_empty() {
            "none".to_owned()
        } else {
            latest.join("; ")
        }
    ))
}

#[allow(clippy::too_many_arguments)]
fn approval_message(
    reference: &str,
    request_id: i64,
    requester: &UserId,
    function_name: &str,
    person: &PersonRecord,
    request: &NewRequest,
    warning: &str,
    summary: &str,
) -> SlackMessageContent {
    let measures: Vec<String> = request
        .measures
        .iter()
        .map(|m| format!("• {}", escape(&m.summary())))
        .collect();
    let access = person.access.summary();
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
    let criteria: Vec<(String, String)> = Criterion::ALL
        .iter()
        .map(|c| (c.as_str().to_owned(), c.label().to_owned()))
        .collect();
    let blocks: Vec<SlackBlock> = vec![
        section(&format!("*Restriction request {reference}* in *{}* from <@{requester}>", escape(function_name))),
        section(&format!(
            "*Service user:* {}\n*Access requirements:* {access}\n*History:* {}",
            escape(&person_label(person)),
            escape(summary)
        )),
        section(&format!("*Measures requested*\n{}", measures.join("\n"))),
        section(&format!(
            "*Justification:* {}\n*Proportionality:* {}\n*Internal review mechanisms exhausted:* {}\n*Warning:* {}\n*Duration:* {duration} · *First review:* {}",
            escape(&request.justification),
            escape(&request.proportionality),
            if request.internal_review_exhausted { "yes" } else { "no" },
            escape(warning),
            day(request.first_review_on)
        )),
        SlackActionsBlock::new(vec![SlackBlockCheckboxesElement::new(choices_text(&criteria)).with_action_id(CRITERIA.into()).into()])
            .with_block_id(format!("{CRITERIA}:{request_id}").into())
            .into(),
        SlackContextBlock::new(vec![SlackContextBlockElement::MarkDown(SlackBlockMarkDownText::new(
            "Tick each criterion of §6 you are satisfied has been considered. Approval needs all six.".to_owned(),
        ))])
        .into(),
        SlackActionsBlock::new(vec![
            SlackBlockButtonElement::new(pt("Approve")).with_action_id(APPROVE_REQUEST.into()).with_value(request_id.to_string()).with_style(SlackBlockButtonStyle::Primary).into(),
            SlackBlockButtonElement::new(pt("Reject")).with_action_id(REJECT_REQUEST.into()).with_value(request_id.to_string()).with_style(SlackBlockButtonStyle::Danger).into(),
        ])
        .into(),
    ];
    SlackMessageContent::new()
        .with_text(format!(
            "Restriction request {reference} needs your decision"
        ))
        .with_blocks(blocks)
}

/// What every copy of the approval message becomes once the request is settled.
fn settled_message(reference: &str, status: &str, by: &str, at: &str) -> SlackMessageContent {
    let outcome = match status {
        "approved" => ":white_check_mark: Approved",
        "rejected" => ":x: Rejected",
        "withdrawn" => ":leftwards_arrow_with_hook: Withdrawn",
        other => other,
    };
    let line = format!("*Restriction request {reference}*: {outcome} by <@{by}> on {at}.");
    SlackMessageContent::new()
        .with_text(line.clone())
        .with_blocks(vec![section(&line)])
}

// ---------------------------------------------------------------------------------------
// Decisions (R-RES-4, R-RES-5, R-RES-6)
// ---------------------------------------------------------------------------------------

/// Checks who is clicking against the database; `Err` carries what to tell them.
async fn decider_check(
    ctx: &Ctx<'_>,
    request: &RequestRecord,
) -> Result<Result<(), String>, ApiError> {
    let roles: Vec<crate::domain::roles::Role> = ctx
        .state
        .store
        .roles_of(&ctx.user)
        .await?
        .into_iter()
        .filter(|r| r.function_id == request.function_id)
        .map(|r| r.role)
        .collect();
    Ok(may_decide(
        &ctx.user,
        &UserId::from_slack(request.requested_by.clone()),
        &roles,
    )
    .map_err(|e| e.to_string()))
}

fn already(ctx: &Ctx<'_>, reference: &str, status: &str, by: &str, at: DateTime<Utc>) -> String {
    format!(
        "Request {reference} was already {status} by <@{by}> on {}.",
        ctx.local_time(at)
    )
}

/// The Approve button: ticks come from the checklist on the same message.
pub async fn approve(
    ctx: &Ctx<'_>,
    request_id: i64,
    ticked_values: Vec<String>,
) -> Result<String, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(request) = store.request(request_id).await? else {
        return Ok("That request no longer exists.".to_owned());
    };
    if let Err(message) = decider_check(ctx, &request).await? {
        return Ok(message);
    }
    if let (Some(by), Some(at)) = (
        request
            .decided_by
            .as_deref()
            .or(request.withdrawn_by.as_deref()),
        request.decided_at.or(request.withdrawn_at),
    ) {
        return Ok(already(ctx, &request.reference, &request.status, by, at));
    }
    let ticks = CriteriaTicks::from_values(ticked_values.iter().map(String::as_str));
    if let Err(missing) = check_approval(&ticks) {
        return Ok(format!("Nothing was changed. {missing}"));
    }
    let ticked: Vec<String> = Criterion::ALL
        .iter()
        .filter(|c| ticks.is_ticked(**c))
        .map(|c| c.as_str().to_owned())
        .collect();
    let today = ctx.now.with_timezone(&ctx.state.timezone).date_naive();
    let decision = Decision::Approve {
        ticked,
        starts_on: today,
    };
    decide(ctx, &request, &decision).await
}

pub async fn open_reject(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    request_id: i64,
    ticked_values: Vec<String>,
) -> Result<Option<String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(request) = store.request(request_id).await? else {
        return Ok(Some("That request no longer exists.".to_owned()));
    };
    if let Err(message) = decider_check(ctx, &request).await? {
        return Ok(Some(message));
    }
    if let (Some(by), Some(at)) = (
        request
            .decided_by
            .as_deref()
            .or(request.withdrawn_by.as_deref()),
        request.decided_at.or(request.withdrawn_at),
    ) {
        return Ok(Some(already(
            ctx,
            &request.reference,
            &request.status,
            by,
            at,
        )));
    }
    let extra =
        serde_json::json!({ "request_id": request_id, "ticked": ticked_values }).to_string();
    let blocks = vec![
        section(&format!(
            "Reject restriction request *{}*. The requester will see your reason.",
            request.reference
        )),
        input(
            "reason",
            "Reason for rejecting",
            plain("reason", true),
            false,
        ),
    ];
    let view = metadata_modal(
        "Reject request",
        REJECT,
        "Reject",
        &Metadata::default(),
        blocks,
        Some(&extra),
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(None)
}

pub async fn submit_reject(
    ctx: &Ctx<'_>,
    form: &Form,
    private_metadata: Option<&str>,
) -> Result<Reply, ApiError> {
    let mut errors = FieldErrors::default();
    let extra: Value = extra_of(private_metadata)
        .and_then(|e| serde_json::from_str(&e).ok())
        .unwrap_or_default();
    let Some(request_id) = extra.get("request_id").and_then(Value::as_i64) else {
        return Err(ApiError::BadRequest(
            "reject modal without a request".into(),
        ));
    };
    let reason = match rejection_reason(&form.text("reason").unwrap_or_default()) {
        Ok(reason) => reason,
        Err(e) => {
            errors.add("reason", e.to_string());
            return Err(ApiError::Invalid(errors));
        }
    };
    let store = ctx.state.store.as_ref();
    let Some(request) = store.request(request_id).await? else {
        errors.add("reason", "That request no longer exists.");
        return Err(ApiError::Invalid(errors));
    };
    if let Err(message) = decider_check(ctx, &request).await? {
        errors.add("reason", message);
        return Err(ApiError::Invalid(errors));
    }
    let ticked: Vec<String> = extra
        .get("ticked")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|v| v.parse::<Criterion>().is_ok())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    let message = decide(ctx, &request, &Decision::Reject { ticked, reason }).await?;
    if message.starts_with("Request ") && message.contains("already") {
        errors.add("reason", message);
        return Err(ApiError::Invalid(errors));
    }
    Ok(Reply::Ack)
}

/// Records the decision and everything it changes, in one transaction.
async fn decide(
    ctx: &Ctx<'_>,
    request: &RequestRecord,
    decision: &Decision,
) -> Result<String, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(person) = store.person(request.person_id).await? else {
        return Ok("That person is no longer on record.".to_owned());
    };
    let function_name = super::reporting::function_name_of(ctx, request.function_id).await?;
    let decider = ctx.user.clone();
    let when = ctx.local_time(ctx.now);
    let requester = UserId::from_slack(request.requested_by.clone());
    let incident_dates = incident_dates(ctx, request.person_id, &request.incident_ids).await?;
    // A variation made for a review or dispute gets that outcome letter (R-LET-3).
    let variation = match request.varies_restriction_id {
        Some(_) => store.variation_origin(request.id).await?,
        None => None,
    };
    let build = |decided: &Decided| -> Effects {
        let settled = settled_message(
            &decided.request_reference,
            &decided.status,
            decider.as_str(),
            &when,
        );
        let mut messages: Vec<NewOutboxMessage> = decided
            .approval_message_outbox_ids
            .iter()
            .filter_map(|outbox_id| {
                SlackCall::UpdateSent {
                    of_outbox_id: *outbox_id,
                    content: settled.clone(),
                }
                .into_outbox(
                    format!("request:{}:settled:{outbox_id}", decided.request_id),
                    None,
                )
                .ok()
            })
            .collect();
        let tell = match (decision, &decided.restriction) {
            (Decision::Approve { .. }, Some(restriction)) => format!(
                "Your request {} was *approved* by <@{decider}>. Restriction {} is in force from today and shows in `/contact check`. The notice letter is below.",
                decided.request_reference, restriction.reference
            ),
            (Decision::Reject { reason, .. }, _) => format!("Your request {} was *rejected* by <@{decider}>: {}", decided.request_reference, escape(reason)),
            _ => format!("Your request {} was {}.", decided.request_reference, decided.status),
        };
        messages.push(send::dm(
            &requester,
            SlackMessageContent::new().with_text(tell),
            format!("request:{}:outcome", decided.request_id),
        ));
        match (&decided.restriction, decision) {
            (Some(restriction), Decision::Approve { starts_on, .. }) => {
                let mut letter = base_letter(ctx, &person, &restriction.reference, &function_name);
                letter.behaviour = request.justification.clone();
                letter.reasons = request.justification.clone();
                letter.incident_dates = incident_dates.clone();
                letter.measures = request.measures.iter().map(LetterMeasure::from).collect();
                letter.starts_on = Some(*starts_on);
                letter.ends_on = request.ends_on;
                letter.next_review_on = Some(request.first_review_on);
                let kind = super::disputes::variation_letter(variation.as_ref(), &mut letter);
                match letter_effects(ctx, kind, &person, &letter, &requester, messages) {
                    Ok(effects) => effects,
                    Err(e) => {
                        tracing::error!(error = %e, "restriction notice not drafted");
                        Effects::messages(Vec::new())
                    }
                }
            }
            _ => Effects::messages(messages),
        }
    };
    match store
        .decide_request(request.id, decision, &ctx_actor(ctx), ctx.now, &build)
        .await?
    {
        DecisionResult::Decided(decided) => {
            ctx.state.outbox_wake.notify_one();
            Ok(format!(
                "Request {} {}.",
                decided.request_reference, decided.status
            ))
        }
        DecisionResult::AlreadyDecided { status, by, at } => {
            Ok(already(ctx, &request.reference, &status, &by, at))
        }
    }
}

pub async fn withdraw(ctx: &Ctx<'_>, request_id: i64) -> Result<String, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(request) = store.request(request_id).await? else {
        return Ok("That request no longer exists.".to_owned());
    };
    let is_requester = request.requested_by == ctx.user.as_str();
    if !is_requester
        && access::require_manager_of(store, &ctx.user, request.function_id)
            .await?
            .is_err()
    {
        return Ok(
            "Only the requester or another manager of the function can withdraw this request."
                .to_owned(),
        );
    }
    let who = ctx.user.clone();
    let when = ctx.local_time(ctx.now);
    let build = |decided: &Decided| -> Effects {
        let settled = settled_message(&decided.request_reference, "withdrawn", who.as_str(), &when);
        Effects::messages(
            decided
                .approval_message_outbox_ids
                .iter()
                .filter_map(|outbox_id| {
                    SlackCall::UpdateSent {
                        of_outbox_id: *outbox_id,
                        content: settled.clone(),
                    }
                    .into_outbox(
                        format!("request:{}:settled:{outbox_id}", decided.request_id),
                        None,
                    )
                    .ok()
                })
                .collect(),
        )
    };
    match store
        .withdraw_request(request_id, &ctx_actor(ctx), ctx.now, &build)
        .await?
    {
        DecisionResult::Decided(decided) => {
            ctx.state.outbox_wake.notify_one();
            Ok(format!("Request {} withdrawn.", decided.request_reference))
        }
        DecisionResult::AlreadyDecided { status, by, at } => {
            Ok(already(ctx, &request.reference, &status, &by, at))
        }
    }
}

/// A fresh copy of a waiting request's approval message, for the scheduler's nudge to
/// the head and escalation to the deputies (R-REM-1); None once it is no longer pending.
pub async fn approval_reminder(
    store: &dyn crate::store::Store,
    zone: chrono_tz::Tz,
    request_id: i64,
) -> crate::store::StoreResult<Option<SlackMessageContent>> {
    let Some(request) = store.request(request_id).await? else {
        return Ok(None);
    };
    if request.status != "pending" {
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
    let summary: String = history_summary(store, zone, &person, &incidents)
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
    let mut content = approval_message(
        &request.reference,
        request.id,
        &requester,
        &function_name,
        &person,
        &new,
        &warning,
        &summary,
    );
    let waited = format!(
        ":hourglass: *Reminder:* this request has waited since {} for a decision.",
        super::ctx::local_time(zone, request.requested_at)
    );
    if let Some(blocks) = content.blocks.as_mut() {
        blocks.insert(0, section(&waited));
    }
    Ok(Some(content))
}
