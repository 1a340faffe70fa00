//! Reporting and lookup (R-RPT-1 … R-RPT-6, R-DP-4): the `/contact report`,
//! `call-ended`, `breach`, `check`, `history`, `open` and `foi` subcommands, their modals
//! and buttons. Handlers decide and write (record, audit event and outbox messages in one
//! transaction) before answering Slack; personal data goes only into modals, ephemeral
//! replies and DMs to the people entitled to it.

use chrono::{Datelike, Duration, NaiveDate};
use slack_morphism::prelude::*;

use super::blocks::*;
use super::ctx::{text, Ctx, Reply};
use super::forms::{start_of_day, FieldErrors, Form};
use super::metadata::Metadata;
use super::people::{self, person_blocks, person_label, read_person};
use super::send;
use crate::access;
use crate::domain::foi::FoiGround;
use crate::domain::incident::{
    BehaviourKind, CallEndReason, CallOutcome, Category, Channel, IncidentField, IncidentReport,
    ANGER_ALONE_NOTE,
};
use crate::domain::measures::{instructions, Measure};
use crate::domain::person::normalize_query;
use crate::domain::UserId;
use crate::slack::error::ApiError;
use crate::store::records::*;
use crate::store::{NewOutboxMessage, StoreError};

/// Callback ids of the modals this module owns.
pub const REPORT: &str = crate::slack::ids::Callback::Report.as_str();
pub const CALL_ENDED: &str = crate::slack::ids::Callback::CallEnded.as_str();
pub const BREACH: &str = crate::slack::ids::Callback::Breach.as_str();
pub const POLICE_REPORT: &str = crate::slack::ids::Callback::PoliceReport.as_str();
pub const FOI: &str = crate::slack::ids::Callback::Foi.as_str();

/// Action ids of the buttons this module owns.
pub const RECORD_POLICE_REPORT: &str = crate::slack::ids::Action::RecordPoliceReport.as_str();
pub const CHECK_PERSON: &str = crate::slack::ids::Action::CheckPerson.as_str();
pub const HISTORY_PERSON: &str = crate::slack::ids::Action::HistoryPerson.as_str();
pub const BREACH_PERSON: &str = crate::slack::ids::Action::BreachPerson.as_str();
pub const FOI_PERSON: &str = crate::slack::ids::Action::FoiPerson.as_str();
pub const REPORT_INSTEAD: &str = crate::slack::ids::Action::ReportInstead.as_str();

const HISTORY_PAGE: usize = 10;
const MAX_MATCHES: i64 = 10;

fn modal(
    title: &str,
    callback: &str,
    submit: &str,
    metadata: &Metadata,
    blocks: Vec<SlackBlock>,
) -> SlackView {
    metadata_modal(title, callback, submit, metadata, blocks, None)
}

// ---------------------------------------------------------------------------------------
// Functions: which function a record belongs to (R-REC-3).
// ---------------------------------------------------------------------------------------

const FUNCTION: &str = crate::slack::ids::FUNCTION;

/// The reporter's function if they belong to exactly one; otherwise a field to pick one.
async fn function_field(
    ctx: &Ctx<'_>,
    metadata: &mut Metadata,
    only_managed: bool,
) -> Result<Result<Vec<SlackBlock>, Reply>, ApiError> {
    let store = ctx.state.store.as_ref();
    let mine = if only_managed {
        access::managed_functions(store, &ctx.user).await?
    } else {
        access::functions_of(store, &ctx.user).await?
    };
    if let [(id, _)] = mine.as_slice() {
        metadata.function_id = Some(*id);
        return Ok(Ok(Vec::new()));
    }
    let choices: Vec<(i64, String)> = if mine.is_empty() && !only_managed {
        store
            .list_functions()
            .await?
            .into_iter()
            .map(|f| (f.id, f.name))
            .collect()
    } else {
        mine
    };
    if choices.is_empty() {
        let message = if only_managed {
            "Only a manager, head or deputy of a function can do this."
        } else {
            "No functions are set up yet, so there is no manager to report to. Ask an admin to add your function."
        };
        return Ok(Err(text(message)));
    }
    let choices = choices
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    Ok(Ok(vec![static_select(
        FUNCTION,
        "Your function (team)",
        choices,
        None,
    )]))
}

/// The function a record belongs to: fixed when the user has one, otherwise the one they
/// picked, which must be one of theirs (or, for someone in no function, any function).
async fn read_function(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
    errors: &mut FieldErrors,
) -> Result<Option<i64>, ApiError> {
    if let Some(id) = metadata.function_id {
        return Ok(Some(id));
    }
    let Some(picked) = form.selected(FUNCTION).and_then(|v| v.parse::<i64>().ok()) else {
        errors.add(FUNCTION, "Choose the function this belongs to.");
        return Ok(None);
    };
    let store = ctx.state.store.as_ref();
    let mine = access::functions_of(store, &ctx.user).await?;
    let allowed = if mine.is_empty() {
        store.list_functions().await?.iter().any(|f| f.id == picked)
    } else {
        mine.iter().any(|(id, _)| *id == picked)
    };
    if !allowed {
        errors.add(FUNCTION, "Choose one of your functions.");
        return Ok(None);
    }
    Ok(Some(picked))
}

// ---------------------------------------------------------------------------------------
// /contact report (R-RPT-1, R-REC-2, R-RPT-3)
// ---------------------------------------------------------------------------------------

pub async fn open_report(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: Option<i64>,
) -> Result<Reply, ApiError> {
    let mut metadata = Metadata::default();
    let function_blocks = match function_field(ctx, &mut metadata, false).await? {
        Ok(blocks) => blocks,
        Err(reply) => return Ok(reply),
    };
    let mut blocks = function_blocks;
    match person {
        Some(id) => {
            let Some(record) = ctx.state.store.person(id).await? else {
                return Ok(text("That person is no longer on record."));
            };
            metadata.person_id = Some(id);
            blocks.push(section(&format!(
                "*Service user:* {}",
                escape(&person_label(&record))
            )));
        }
        None => blocks.extend(person_blocks(true, false)),
    }
    blocks.push(context(&format!(":information_source: {ANGER_ALONE_NOTE}")));
    blocks.push(static_select(
        "category",
        "Category (policy §3)",
        Category::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.label().to_owned()))
            .collect(),
        None,
    ));
    blocks.push(kinds_block());
    blocks.push(static_select(
        "channel",
        "How did they contact us?",
        Channel::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.label().to_owned()))
            .collect(),
        None,
    ));
    blocks.push(date_time_input(
        "occurred_at",
        "When did it happen?",
        ctx.now,
    ));
    blocks.push(text_input(
        "description",
        "What happened",
        true,
        false,
        3000,
    ));
    blocks.push(number_input(
        "impact_staff_minutes",
        "Staff time taken (minutes)",
    ));
    blocks.push(number_input(
        "impact_contacts",
        "Number of contacts (calls, emails, visits)",
    ));
    blocks.push(text_input(
        "impact_note",
        "Impact on work (e.g. “50+ calls a day”)",
        false,
        true,
        500,
    ));
    let view = modal("Report behaviour", REPORT, "Report", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

/// The §3 examples, grouped under their headings, plus "Other".
fn kinds_block() -> SlackBlock {
    let mut groups: Vec<SlackBlockOptionGroup<SlackBlockPlainTextOnly>> = Category::ALL
        .iter()
        .map(|category| {
            let options = category
                .kinds()
                .into_iter()
                .filter(|k| *k != BehaviourKind::Other)
                .map(|k| SlackBlockChoiceItem::new(pt(k.label()), k.as_str().to_owned()))
                .collect();
            SlackBlockOptionGroup::new(pt(category.label()), options)
        })
        .collect();
    groups.push(SlackBlockOptionGroup::new(
        pt("Other"),
        vec![SlackBlockChoiceItem::new(
            pt(BehaviourKind::Other.label()),
            BehaviourKind::Other.as_str().to_owned(),
        )],
    ));
    let element = SlackBlockMultiStaticSelectElement::new()
        .with_action_id("kinds".into())
        .with_option_groups(groups)
        .with_placeholder(pt("Choose the examples that fit"));
    SlackInputBlock::new(pt("Kinds of behaviour"), element.into())
        .with_block_id("kinds".into())
        .into()
}

fn incident_field_block(field: IncidentField) -> &'static str {
    match field {
        IncidentField::Category => "category",
        IncidentField::Kinds => "kinds",
        IncidentField::Channel => "channel",
        IncidentField::OccurredAt => "occurred_at",
        IncidentField::Description => "description",
        IncidentField::ImpactStaffMinutes => "impact_staff_minutes",
        IncidentField::ImpactContacts => "impact_contacts",
        IncidentField::ImpactNote => "impact_note",
    }
}

pub async fn submit_report(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let function_id = read_function(ctx, form, metadata, &mut errors).await?;
    let person = match metadata.person_id {
        Some(id) => Some(PersonChoice::Existing(id)),
        None => read_person(store, form, &mut errors, true).await?,
    };
    let category = form
        .selected("category")
        .and_then(|c| c.parse::<Category>().ok());
    let channel = form
        .selected("channel")
        .and_then(|c| c.parse::<Channel>().ok());
    if category.is_none() {
        errors.add("category", "Choose a category.");
    }
    if channel.is_none() {
        errors.add("channel", "Choose how they made contact.");
    }
    let kinds: Vec<BehaviourKind> = form
        .selected_many("kinds")
        .iter()
        .filter_map(|k| k.parse().ok())
        .collect();
    let minutes = form.number("impact_staff_minutes");
    let contacts = form.number("impact_contacts");
    if minutes.is_err() {
        errors.add("impact_staff_minutes", "Enter a whole number of minutes.");
    }
    if contacts.is_err() {
        errors.add("impact_contacts", "Enter a whole number.");
    }
    let (Some(category), Some(channel)) = (category, channel) else {
        return Err(ApiError::Invalid(errors));
    };
    let report = IncidentReport {
        category,
        kinds,
        channel,
        occurred_at: form.date_time("occurred_at").unwrap_or(ctx.now),
        description: form.text("description").unwrap_or_default(),
        impact_staff_minutes: minutes.ok().flatten(),
        impact_contacts: contacts.ok().flatten(),
        impact_note: form.text("impact_note").unwrap_or_default(),
    };
    let incident = match report.validate(ctx.now) {
        Ok(incident) => Some(incident),
        Err(field_errors) => {
            for e in field_errors {
                errors.add(incident_field_block(e.field), e.message);
            }
            None
        }
    };
    let (Some(function_id), Some(person), Some(incident), true) =
        (function_id, person, incident, errors.is_empty())
    else {
        return Err(ApiError::Invalid(errors));
    };
    let recipients = store.report_recipients(function_id).await?;
    let function_name = function_name_of(ctx, function_id).await?;
    let person_name = match &person {
        PersonChoice::Existing(id) => store.person(*id).await?.map(|p| p.name).unwrap_or_default(),
        PersonChoice::New(new) => new.name.as_str().to_owned(),
    };
    let reporter = ctx.user.clone();
    let when = ctx.local(incident.occurred_at());
    let new = NewIncident {
        person,
        function_id,
        incident: incident.clone(),
    };
    let announce = |recorded: &Recorded| {
        let mut messages: Vec<NewOutboxMessage> = recipients
            .iter()
            .map(|manager| {
                let content = incident_notice(
                    &recorded.reference,
                    recorded.id,
                    &reporter,
                    &function_name,
                    &person_name,
                    &incident,
                    &when,
                );
                send::dm(
                    manager,
                    content,
                    format!("incident:{}:notify:{manager}", recorded.id),
                )
            })
            .collect();
        let thanks = format!(
            "Thank you. Your report *{}* was recorded and sent to the managers of *{}*.{}",
            recorded.reference,
            escape(&function_name),
            if recorded_has_no_recipient(&recipients) {
                " (No manager is set up for this function yet: tell an admin.)"
            } else {
                ""
            }
        );
        messages.push(send::dm(
            &reporter,
            SlackMessageContent::new().with_text(thanks),
            format!("incident:{}:thanks", recorded.id),
        ));
        messages
    };
    store
        .record_incident(&new, &ctx.actor(), ctx.now, &announce)
        .await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

fn recorded_has_no_recipient(recipients: &[UserId]) -> bool {
    recipients.is_empty()
}

pub async fn function_name_of(ctx: &Ctx<'_>, function_id: i64) -> Result<String, ApiError> {
    Ok(ctx
        .state
        .store
        .list_functions()
        .await?
        .into_iter()
        .find(|f| f.id == function_id)
        .map(|f| f.name)
        .ok_or_else(|| StoreError::not_found(format!("function {function_id}")))?)
}

/// The manager's DM about a new incident: police first when required (R-RPT-3).
fn incident_notice(
    reference: &str,
    incident_id: i64,
    reporter: &UserId,
    function_name: &str,
    person_name: &str,
    incident: &crate::domain::incident::ValidIncident,
    when: &str,
) -> SlackMessageContent {
    let mut blocks = Vec::new();
    let police = incident.police_report_required();
    if police {
        blocks.push(section(
            ":rotating_light: *Police report required.* Physical violence was used or threatened (policy §4): report it to the police and record the report here.",
        ));
    }
    let kinds: Vec<&str> = incident.kinds().iter().map(|k| k.label()).collect();
    let mut body = format!(
        "*New report {reference}* in *{}* from <@{reporter}>\n*Service user:* {}\n*Category:* {} — {}\n*When:* {when} · via {}\n*What happened:* {}",
        escape(function_name),
        escape(person_name),
        incident.category().label(),
        kinds.join(", "),
        incident.channel().label(),
        escape(incident.description()),
    );
    let impact = impact_line(
        incident.impact_staff_minutes(),
        incident.impact_contacts(),
        incident.impact_note(),
    );
    if !impact.is_empty() {
        body.push_str(&format!("\n*Impact on work:* {}", escape(&impact)));
    }
    blocks.push(section(&body));
    let mut buttons = Vec::new();
    if police {
        buttons.push(button(
            "Record police report",
            RECORD_POLICE_REPORT,
            incident_id.to_string(),
        ));
    }
    buttons.push(button(
        "Case file",
        HISTORY_PERSON,
        format!("incident:{incident_id}"),
    ));
    blocks.push(actions(buttons));
    let fallback = if police {
        format!("Police report required: new report {reference} in {function_name}")
    } else {
        format!("New report {reference} in {function_name}")
    };
    SlackMessageContent::new()
        .with_text(fallback)
        .with_blocks(blocks)
}

fn impact_line(minutes: Option<u32>, contacts: Option<u32>, note: &str) -> String {
    let mut parts = Vec::new();
    if let Some(m) = minutes {
        parts.push(format!("{m} minutes of staff time"));
    }
    if let Some(c) = contacts {
        parts.push(format!("{c} contacts"));
    }
    if !note.trim().is_empty() {
        parts.push(note.trim().to_owned());
    }
    parts.join(", ")
}

// ---------------------------------------------------------------------------------------
// /contact call-ended (R-RPT-2)
// ---------------------------------------------------------------------------------------

pub async fn open_call_ended(ctx: &Ctx<'_>, trigger_id: &str) -> Result<Reply, ApiError> {
    let mut metadata = Metadata::default();
    let mut blocks = match function_field(ctx, &mut metadata, false).await? {
        Ok(blocks) => blocks,
        Err(reply) => return Ok(reply),
    };
    blocks.extend(person_blocks(false, true));
    blocks.push(radio(
        "outcome",
        "What did you do?",
        CallOutcome::ALL
            .iter()
            .map(|o| (o.as_str().to_owned(), o.label().to_owned()))
            .collect(),
        Some(CallOutcome::Ended.as_str()),
    ));
    blocks.push(radio(
        "reason",
        "Why? (policy §6)",
        CallEndReason::ALL
            .iter()
            .map(|r| (r.as_str().to_owned(), r.label().to_owned()))
            .collect(),
        None,
    ));
    blocks.push(text_input("note", "Short note", false, false, 500));
    let view = modal("Call ended", CALL_ENDED, "Log call", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_call_ended(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let function_id = read_function(ctx, form, metadata, &mut errors).await?;
    let person = read_person(store, form, &mut errors, false).await?;
    let outcome = form
        .selected("outcome")
        .and_then(|o| o.parse::<CallOutcome>().ok());
    let reason = form
        .selected("reason")
        .and_then(|r| r.parse::<CallEndReason>().ok());
    let note = form.text("note");
    if outcome.is_none() {
        errors.add("outcome", "Choose ended or put on hold.");
    }
    if reason.is_none() {
        errors.add(
            "reason",
            "The reason is required: aggressive, abusive or offensive.",
        );
    }
    if note.is_none() {
        errors.add("note", "Add a short note.");
    }
    let (Some(function_id), Some(outcome), Some(reason), Some(note), true) =
        (function_id, outcome, reason, note, errors.is_empty())
    else {
        return Err(ApiError::Invalid(errors));
    };
    let recipients = store.report_recipients(function_id).await?;
    let person_id = match &person {
        Some(PersonChoice::Existing(id)) => Some(*id),
        _ => None,
    };
    let person_name = match &person {
        Some(PersonChoice::Existing(id)) => store.person(*id).await?.map(|p| p.name),
        Some(PersonChoice::New(new)) => Some(new.name.as_str().to_owned()),
        None => None,
    };
    // The count shown to managers includes this call (R-RPT-2: calls per person per week).
    let week_start = start_of_day(&ctx.tz(), week_start(ctx.today()));
    let earlier_this_week = match person_id {
        Some(id) => store.count_ended_calls(id, week_start).await?,
        None => 0,
    };
    let call = NewEndedCall {
        person,
        function_id,
        outcome,
        reason,
        note: note.clone(),
        occurred_at: ctx.now,
    };
    let reporter = ctx.user.clone();
    let announce = |recorded: &Recorded| {
        let who = person_name
            .clone()
            .unwrap_or_else(|| "an unidentified caller".to_owned());
        let count = if person_name.is_some() {
            format!(
                "\n{} call(s) with this person ended or held this week.",
                earlier_this_week + 1
            )
        } else {
            String::new()
        };
        let body = format!(
            "*{}* by <@{reporter}> with {} — {}.\n*Note:* {}{count}",
            outcome.label(),
            escape(&who),
            reason.label().to_lowercase(),
            escape(&note),
        );
        recipients
            .iter()
            .map(|m| {
                send::dm(
                    m,
                    SlackMessageContent::new().with_text(body.clone()),
                    format!("call:{}:notify:{m}", recorded.id),
                )
            })
            .collect()
    };
    store
        .record_ended_call(&call, &ctx.actor(), ctx.now, &announce)
        .await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

/// Monday of the week `day` falls in.
fn week_start(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

// ---------------------------------------------------------------------------------------
// Finding people from command text: several matches are listed to choose from.
// ---------------------------------------------------------------------------------------

enum Found {
    None,
    One(PersonRecord),
    Several(Vec<PersonRecord>),
}

async fn find(ctx: &Ctx<'_>, query: &str) -> Result<Found, ApiError> {
    let mut people = ctx
        .state
        .store
        .find_people(query, &normalize_query(query), MAX_MATCHES)
        .await?;
    Ok(match people.len() {
        0 => Found::None,
        1 => Found::One(people.remove(0)),
        _ => Found::Several(people),
    })
}

fn choose_from(people: &[PersonRecord], query: &str, action: &str, label: &str) -> Reply {
    let mut blocks = vec![section(&format!(
        "{} people match “{}”. Choose one:",
        people.len(),
        escape(query)
    ))];
    for person in people {
        blocks.push(
            SlackSectionBlock::new()
                .with_text(md(&escape(&person_label(person))))
                .with_accessory(
                    SlackBlockButtonElement::new(pt(label))
                        .with_action_id(action.into())
                        .with_value(person.id.to_string())
                        .into(),
                )
                .into(),
        );
    }
    Reply::Ephemeral(
        SlackMessageContent::new()
            .with_text(format!("{} people match", people.len()))
            .with_blocks(blocks),
    )
}

fn no_match(query: &str) -> Reply {
    text(&format!(
        "No one on record matches “{}”. Check the spelling or try a phone number, email or case reference.",
        escape(query)
    ))
}

fn usage(command: &str) -> Reply {
    text(&format!(
        "Usage: `/contact {command} <name | phone | email | case ref>`"
    ))
}

// ---------------------------------------------------------------------------------------
// /contact check (R-RPT-5)
// ---------------------------------------------------------------------------------------

pub async fn check(ctx: &Ctx<'_>, query: &str) -> Result<Reply, ApiError> {
    if query.trim().is_empty() {
        return Ok(usage("check"));
    }
    Ok(match find(ctx, query).await? {
        Found::None => no_match(query),
        Found::One(person) => Reply::Ephemeral(check_card(ctx, &person).await?),
        Found::Several(people) => choose_from(&people, query, CHECK_PERSON, "Check"),
    })
}

/// What a member of staff must know before engaging with `person`, right now.
pub async fn check_card(
    ctx: &Ctx<'_>,
    person: &PersonRecord,
) -> Result<SlackMessageContent, ApiError> {
    let store = ctx.state.store.as_ref();
    let restrictions = store.active_restrictions(person.id, ctx.today()).await?;
    let disputes = store.open_disputes(person.id).await?;
    let now_local = ctx.now.with_timezone(&ctx.tz());
    let mut blocks = vec![section(&format!("*{}*", escape(&person_label(person))))];
    if restrictions.is_empty() {
        blocks.push(section(
            ":white_check_mark: *No restrictions: handle as normal.*",
        ));
    }
    for restriction in &restrictions {
        let until = restriction
            .ends_on
            .map(|d| format!("until {}", d.format("%-d %b %Y")))
            .unwrap_or_else(|| "open-ended".to_owned());
        let lines: Vec<String> = instructions(&restriction.measures, now_local)
            .into_iter()
            .map(|l| format!("• {}", escape(&l)))
            .collect();
        blocks.push(section(&format!(
            ":warning: *Restriction {}* ({}, {until}; next review {})\n{}",
            restriction.reference,
            escape(&restriction.function_name),
            restriction.next_review_on.format("%-d %b %Y"),
            lines.join("\n")
        )));
        for measure in &restriction.measures {
            if let Measure::SinglePointOfContact {
                staff_user_id,
                staff_name,
            } = measure
            {
                blocks.push(section(&format!(
                    "*Single point of contact:* {} (<@{}>)",
                    escape(staff_name),
                    staff_user_id
                )));
            }
        }
    }
    let access = person.access.summary();
    if !access.is_empty() {
        let lines: Vec<String> = access.iter().map(|l| format!("• {}", escape(l))).collect();
        blocks.push(section(&format!(
            "*Access requirements to respect*\n{}",
            lines.join("\n")
        )));
    }
    if !disputes.is_empty() {
        let lines: Vec<String> = disputes
            .iter()
            .map(|d| {
                format!(
                    "• {} against {} (received {}, due {})",
                    d.reference,
                    d.restriction_reference,
                    d.received_on.format("%-d %b %Y"),
                    d.due_on.format("%-d %b %Y")
                )
            })
            .collect();
        blocks.push(section(&format!("*Open disputes*\n{}", lines.join("\n"))));
    }
    let fallback = if restrictions.is_empty() {
        "No restrictions: handle as normal."
    } else {
        "Restrictions in force: see details."
    };
    Ok(SlackMessageContent::new()
        .with_text(fallback.to_owned())
        .with_blocks(blocks))
}

// ---------------------------------------------------------------------------------------
// /contact history (R-RPT-6) and /contact foi (R-DP-4)
// ---------------------------------------------------------------------------------------

pub async fn history(ctx: &Ctx<'_>, query: &str) -> Result<Reply, ApiError> {
    if let Err(denied) =
        access::require_case_file_reader(ctx.state.store.as_ref(), &ctx.user).await?
    {
        return Err(ApiError::Refused(denied.0));
    }
    if query.trim().is_empty() {
        return Ok(usage("history"));
    }
    Ok(match find(ctx, query).await? {
        Found::None => no_match(query),
        Found::One(person) => Reply::Ephemeral(history_page(ctx, &person, 0).await?),
        Found::Several(people) => choose_from(&people, query, HISTORY_PERSON, "Case file"),
    })
}

pub async fn history_page(
    ctx: &Ctx<'_>,
    person: &PersonRecord,
    offset: usize,
) -> Result<SlackMessageContent, ApiError> {
    let entries = ctx.state.store.history(person.id).await?;
    let total = entries.len();
    // A crafted button value cannot page past the end.
    let offset = offset.min(total);
    let mut blocks = vec![section(&format!(
        "*Case file: {}* ({total} entries, newest first)",
        escape(&person_label(person))
    ))];
    if total == 0 {
        blocks.push(section("Nothing recorded yet."));
    }
    for entry in entries.iter().skip(offset).take(HISTORY_PAGE) {
        let reference = entry
            .reference
            .as_deref()
            .map(|r| format!(" {r}"))
            .unwrap_or_default();
        blocks.push(section(&format!(
            "*{}* · {}{reference}\n{}\n_by <@{}>_",
            ctx.local(entry.at),
            history_kind_label(entry.kind),
            escape(&humanise(&entry.summary)),
            entry.by
        )));
    }
    let mut buttons = Vec::new();
    if offset > 0 {
        buttons.push(button(
            "Newer",
            HISTORY_PERSON,
            format!("{}:{}", person.id, offset.saturating_sub(HISTORY_PAGE)),
        ));
    }
    if offset + HISTORY_PAGE < total {
        buttons.push(button(
            "Older",
            HISTORY_PERSON,
            format!("{}:{}", person.id, offset + HISTORY_PAGE),
        ));
    }
    if !buttons.is_empty() {
        blocks.push(context(&format!(
            "Entries {}–{} of {total}",
            offset + 1,
            (offset + HISTORY_PAGE).min(total)
        )));
        blocks.push(actions(buttons));
    }
    Ok(SlackMessageContent::new()
        .with_text(format!("Case file ({total} entries)"))
        .with_blocks(blocks))
}

fn history_kind_label(kind: &str) -> &'static str {
    match kind {
        "incident" => "Incident reported",
        "police_report" => "Police report",
        "call_ended" => "Call ended or held",
        "warning" => "Warning",
        "request" => "Restriction requested",
        "decision" => "Decision",
        "restriction" => "Restriction",
        "breach" => "Breach",
        "dispute" => "Dispute",
        "review" => "Review",
        "foi_refusal" => "FOI refusal (s.14)",
        _ => "Record",
    }
}

/// Stored codes in case-file lines, in words.
fn humanise(summary: &str) -> String {
    let mut out = summary.to_owned();
    for category in Category::ALL {
        out = out.replace(category.as_str(), category.label());
    }
    for channel in Channel::ALL {
        out = out.replace(
            &format!("via {}", channel.as_str()),
            &format!("via {}", channel.label().to_lowercase()),
        );
    }
    out
}

pub async fn open_foi(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    if access::managed_functions(store, &ctx.user)
        .await?
        .is_empty()
    {
        return Ok(text(
            "Only a manager, head or deputy of a function can record an FOI refusal.",
        ));
    }
    if query.trim().is_empty() {
        return Ok(usage("foi"));
    }
    match find(ctx, query).await? {
        Found::None => Ok(no_match(query)),
        Found::Several(people) => Ok(choose_from(
            &people,
            query,
            FOI_PERSON,
            "Record FOI refusal",
        )),
        Found::One(person) => open_foi_for(ctx, trigger_id, &person).await,
    }
}

pub async fn open_foi_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    let mut metadata = Metadata {
        person_id: Some(person.id),
        ..Metadata::default()
    };
    let mut blocks = match function_field(ctx, &mut metadata, true).await? {
        Ok(blocks) => blocks,
        Err(reply) => return Ok(reply),
    };
    blocks.insert(
        0,
        section(&format!(
            "*Service user:* {}",
            escape(&person_label(person))
        )),
    );
    blocks.push(text_input(
        "reference",
        "FOI request reference",
        false,
        false,
        64,
    ));
    blocks.push(date_input("refused_on", "Refused on", ctx.today(), false));
    blocks.push(radio(
        "ground",
        "Ground (Freedom of Information Act, section 14)",
        FoiGround::ALL
            .iter()
            .map(|g| (g.as_str().to_owned(), g.label().to_owned()))
            .collect(),
        None,
    ));
    blocks.push(text_input("note", "Note", true, true, 1000));
    let view = modal("FOI refusal", FOI, "Record", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_foi(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let function_id = read_function(ctx, form, metadata, &mut errors).await?;
    let reference = form.text("reference");
    let refused_on = form.date("refused_on");
    let ground = form
        .selected("ground")
        .and_then(|g| g.parse::<FoiGround>().ok());
    if reference.is_none() {
        errors.add("reference", "Enter the FOI request's reference.");
    }
    match refused_on {
        None => errors.add("refused_on", "Choose the date it was refused."),
        Some(day) if day > ctx.today() => errors.add("refused_on", "This is in the future."),
        Some(_) => {}
    }
    if ground.is_none() {
        errors.add("ground", "Choose vexatious or repeated.");
    }
    let (Some(person_id), Some(function_id), Some(reference), Some(refused_on), Some(ground), true) = (
        metadata.person_id,
        function_id,
        reference,
        refused_on,
        ground,
        errors.is_empty(),
    ) else {
        return Err(ApiError::Invalid(errors));
    };
    if let Err(denied) = access::require_manager_of(store, &ctx.user, function_id).await? {
        errors.add(FUNCTION, denied.0);
        return Err(ApiError::Invalid(errors));
    }
    let refusal = NewFoiRefusal {
        person_id,
        function_id,
        reference,
        refused_on,
        ground,
        note: form.text("note").unwrap_or_default(),
    };
    let user = ctx.user.clone();
    let announce = |recorded: &Recorded| {
        let confirm = format!(
            "FOI refusal {} recorded; it shows in the person's case file.",
            escape(&recorded.reference)
        );
        vec![send::dm(
            &user,
            SlackMessageContent::new().with_text(confirm),
            format!("foi:{}:confirm", recorded.id),
        )]
    };
    store
        .record_foi_refusal(&refusal, &ctx.actor(), ctx.now, &announce)
        .await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

// ---------------------------------------------------------------------------------------
// /contact breach (R-RPT-4)
// ---------------------------------------------------------------------------------------

pub async fn breach(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    if query.trim().is_empty() {
        return Ok(usage("breach"));
    }
    match find(ctx, query).await? {
        Found::None => Ok(no_match(query)),
        Found::Several(people) => Ok(choose_from(&people, query, BREACH_PERSON, "Log breach")),
        Found::One(person) => open_breach_for(ctx, trigger_id, &person).await,
    }
}

pub async fn open_breach_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    let restrictions = ctx
        .state
        .store
        .active_restrictions(person.id, ctx.today())
        .await?;
    if restrictions.is_empty() {
        let blocks = vec![
            section(&format!(
                "*{}* has no active restriction, so there is nothing to breach. If their behaviour was unacceptable, report it instead.",
                escape(&person.name)
            )),
            actions(vec![button("Report behaviour instead", REPORT_INSTEAD, person.id.to_string())]),
        ];
        return Ok(Reply::Ephemeral(
            SlackMessageContent::new()
                .with_text("No active restriction".to_owned())
                .with_blocks(blocks),
        ));
    }
    let metadata = Metadata {
        person_id: Some(person.id),
        ..Metadata::default()
    };
    let choices = restrictions
        .iter()
        .map(|r| {
            (
                r.id.to_string(),
                format!("{} ({})", r.reference, r.function_name),
            )
        })
        .collect();
    let initial = restrictions.first().map(|r| r.id.to_string());
    let blocks = vec![
        section(&format!(
            "*Service user:* {}",
            escape(&person_label(person))
        )),
        static_select(
            "restriction",
            "Which restriction was breached?",
            choices,
            initial.as_deref(),
        ),
        static_select(
            "channel",
            "How did they make contact?",
            Channel::ALL
                .iter()
                .map(|c| (c.as_str().to_owned(), c.label().to_owned()))
                .collect(),
            None,
        ),
        date_time_input("occurred_at", "When?", ctx.now),
        text_input("description", "What happened", true, false, 2000),
    ];
    let view = modal("Log a breach", BREACH, "Log breach", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_breach(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let restriction_id = form
        .selected("restriction")
        .and_then(|r| r.parse::<i64>().ok());
    let channel = form
        .selected("channel")
        .and_then(|c| c.parse::<Channel>().ok());
    let occurred_at = form.date_time("occurred_at").unwrap_or(ctx.now);
    let description = form.text("description");
    if restriction_id.is_none() {
        errors.add("restriction", "Choose the restriction.");
    }
    if channel.is_none() {
        errors.add("channel", "Choose how they made contact.");
    }
    if occurred_at > ctx.now + Duration::minutes(5) {
        errors.add("occurred_at", "This is in the future: when did it happen?");
    }
    if description.is_none() {
        errors.add("description", "Describe what happened.");
    }
    let (Some(restriction_id), Some(channel), Some(description), true) =
        (restriction_id, channel, description, errors.is_empty())
    else {
        return Err(ApiError::Invalid(errors));
    };
    let in_force = match metadata.person_id {
        Some(person_id) => store.active_restrictions(person_id, ctx.today()).await?,
        None => Vec::new(),
    };
    let Some(restriction) = in_force.into_iter().find(|r| r.id == restriction_id) else {
        errors.add("restriction", "This restriction is no longer active.");
        return Err(ApiError::Invalid(errors));
    };
    let recipients = store.report_recipients(restriction.function_id).await?;
    let reporter = ctx.user.clone();
    let breach = NewBreach {
        restriction_id,
        channel,
        occurred_at,
        description: description.clone(),
        today: ctx.today(),
    };
    let when = ctx.local(occurred_at);
    let announce = |recorded: &Recorded| {
        let body = format!(
            "*Breach of restriction {}* logged by <@{reporter}>: contact via {} on {when}.\n*What happened:* {}",
            recorded.reference,
            channel.label().to_lowercase(),
            escape(&description)
        );
        recipients
            .iter()
            .map(|m| {
                send::dm(
                    m,
                    SlackMessageContent::new().with_text(body.clone()),
                    format!("breach:{}:notify:{m}", recorded.id),
                )
            })
            .collect()
    };
    match store
        .record_breach(&breach, &ctx.actor(), ctx.now, &announce)
        .await
    {
        Ok(_) => {}
        Err(StoreError::NotFound { .. }) => {
            errors.add("restriction", "This restriction is no longer active.");
            return Err(ApiError::Invalid(errors));
        }
        Err(other) => return Err(other.into()),
    }
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

// ---------------------------------------------------------------------------------------
// Police reports (R-RPT-3) and /contact open
// ---------------------------------------------------------------------------------------

pub async fn open_items(ctx: &Ctx<'_>) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    if access::managed_functions(store, &ctx.user)
        .await?
        .is_empty()
    {
        return Ok(text(
            "You have no open items: open items are for managers, heads of function and deputies.",
        ));
    }
    let outstanding = store.outstanding_police_reports(&ctx.user).await?;
    if outstanding.is_empty() {
        return Ok(text(
            "Nothing open: no incidents are waiting for a police report.",
        ));
    }
    let mut blocks = vec![section(&format!(
        "*Police reports still to record ({})*",
        outstanding.len()
    ))];
    for item in &outstanding {
        blocks.push(
            SlackSectionBlock::new()
                .with_text(md(&format!(
                    "*{}* · {} · {}\n{}",
                    item.reference,
                    escape(&item.function_name),
                    ctx.local(item.occurred_at),
                    escape(&item.person_name)
                )))
                .with_accessory(
                    SlackBlockButtonElement::new(pt("Record police report"))
                        .with_action_id(RECORD_POLICE_REPORT.into())
                        .with_value(item.incident_id.to_string())
                        .into(),
                )
                .into(),
        );
    }
    Ok(Reply::Ephemeral(
        SlackMessageContent::new()
            .with_text(format!("{} police reports to record", outstanding.len()))
            .with_blocks(blocks),
    ))
}

pub async fn open_police_report(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    incident_id: i64,
) -> Result<Option<String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(incident) = store.incident(incident_id).await? else {
        return Ok(Some("That incident no longer exists.".to_owned()));
    };
    if let Err(denied) = access::require_manager_of(store, &ctx.user, incident.function_id).await? {
        return Ok(Some(denied.0));
    }
    if incident.police_report_recorded {
        return Ok(Some(format!(
            "A police report for {} is already recorded.",
            incident.reference
        )));
    }
    let metadata = Metadata {
        incident_id: Some(incident_id),
        ..Metadata::default()
    };
    let blocks = vec![
        section(&format!(
            "*Incident {}* · {}",
            incident.reference,
            ctx.local(incident.occurred_at)
        )),
        radio(
            "reported",
            "Was it reported to the police?",
            vec![
                ("yes".to_owned(), "Yes, reported".to_owned()),
                ("no".to_owned(), "No, not reported".to_owned()),
            ],
            Some("yes"),
        ),
        date_input("reported_on", "Date reported", ctx.today(), true),
        text_input("police_reference", "Police reference", false, true, 64),
        text_input(
            "not_reported_reason",
            "If not reported: why not",
            true,
            true,
            1000,
        ),
        text_input("note", "Note", true, true, 1000),
    ];
    let view = modal("Police report", POLICE_REPORT, "Record", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(None)
}

pub async fn submit_police_report(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let Some(incident_id) = metadata.incident_id else {
        return Err(ApiError::BadRequest(
            "police report modal without an incident".into(),
        ));
    };
    let Some(incident) = store.incident(incident_id).await? else {
        errors.add("reported", "That incident no longer exists.");
        return Err(ApiError::Invalid(errors));
    };
    if let Err(denied) = access::require_manager_of(store, &ctx.user, incident.function_id).await? {
        errors.add("reported", denied.0);
        return Err(ApiError::Invalid(errors));
    }
    let note = form.text("note").unwrap_or_default();
    let report = if form.selected("reported").as_deref() == Some("no") {
        match form.text("not_reported_reason") {
            Some(reason) => Some(PoliceReport::NotReported { reason, note }),
            None => {
                errors.add("not_reported_reason", "Say why it was not reported.");
                None
            }
        }
    } else {
        let on = form.date("reported_on");
        let reference = form.text("police_reference");
        match on {
            None => errors.add("reported_on", "Choose the date it was reported."),
            Some(day) if day > ctx.today() => errors.add("reported_on", "This is in the future."),
            Some(_) => {}
        }
        if reference.is_none() {
            errors.add("police_reference", "Enter the police reference.");
        }
        match (on, reference) {
            (Some(on), Some(police_reference)) => Some(PoliceReport::Reported {
                on,
                police_reference,
                note,
            }),
            _ => None,
        }
    };
    let (Some(report), true) = (report, errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let user = ctx.user.clone();
    let announce = |recorded: &Recorded| {
        vec![send::dm(
            &user,
            SlackMessageContent::new().with_text(format!(
                "Police report recorded for {}.",
                recorded.reference
            )),
            format!("police_report:{}:confirm", recorded.id),
        )]
    };
    match store
        .record_police_report(incident_id, &report, &ctx.actor(), ctx.now, &announce)
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict { .. }) => {
            errors.add(
                "reported",
                "A police report for this incident was already recorded.",
            );
            return Err(ApiError::Invalid(errors));
        }
        Err(other) => return Err(other.into()),
    }
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

pub use people::person_options;

// ---------------------------------------------------------------------------------------
// /contact access: a person's access requirements (§1, R-REC-1)
// ---------------------------------------------------------------------------------------

pub const ACCESS: &str = crate::slack::ids::Callback::Access.as_str();
pub const ACCESS_PERSON: &str = crate::slack::ids::Action::AccessPerson.as_str();

pub async fn access(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    if query.trim().is_empty() {
        return Ok(usage("access"));
    }
    match find(ctx, query).await? {
        Found::None => Ok(no_match(query)),
        Found::Several(people) => Ok(choose_from(
            &people,
            query,
            ACCESS_PERSON,
            "Access requirements",
        )),
        Found::One(person) => open_access_for(ctx, trigger_id, &person).await,
    }
}

pub async fn open_access_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    let metadata = Metadata {
        person_id: Some(person.id),
        ..Metadata::default()
    };
    let mut blocks = vec![section(&format!(
        "*Service user:* {}\nRecord how they need us to communicate (policy §1): letters are drafted in this format and language.",
        escape(&person_label(person))
    ))];
    blocks.extend(people::access_blocks(Some(&person.access), false));
    blocks.extend(people::identifier_blocks(
        "Add a phone number",
        "Add an email address",
        "Add a case reference",
    ));
    let view = modal("Person's details", ACCESS, "Save", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_access(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let Some(person) = (match metadata.person_id {
        Some(id) => store.person(id).await?,
        None => None,
    }) else {
        let mut errors = FieldErrors::default();
        errors.add(people::FORMAT, "That person is no longer on record.");
        return Err(ApiError::Invalid(errors));
    };
    let mut errors = FieldErrors::default();
    let identifiers = people::read_identifiers(form, &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let access = people::read_access(form, &person.access);
    store
        .update_access(person.id, &access, &ctx.actor(), ctx.now)
        .await?;
    if !identifiers.is_empty() {
        store
            .add_identifiers(person.id, &identifiers, &ctx.actor(), ctx.now)
            .await?;
    }
    Ok(Reply::Ack)
}
