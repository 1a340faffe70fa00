//! `/contact report` (R-RPT-1, R-REC-2, R-RPT-3): the report modal, its submission, and
//! the managers' DM about the new incident (police first when the policy requires it).

use slack_morphism::prelude::*;

use super::{modal, HISTORY_PERSON, RECORD_POLICE_REPORT, REPORT};
use crate::access::Authority;
use crate::domain::correction::{CorrectedRecord, RecordRef};
use crate::domain::incident::{
    BehaviourKind, Category, Channel, IncidentField, IncidentReport, ANGER_ALONE_NOTE,
};
use crate::domain::UserId;
use crate::slack::blocks::*;
use crate::slack::ctx::{text, Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::forms::{FieldErrors, Form, OpenModal};
use crate::slack::functions::{function_field, function_name_of, read_function, FUNCTION};
use crate::slack::ids::{Action, THREAT_OF_VIOLENCE};
use crate::slack::metadata::Metadata;
use crate::slack::people::{
    new_person_chosen, person_label, read_person, report_person_blocks, with_new_person_fields,
    NEW_PHONE, PERSON,
};
use crate::slack::send;
use crate::store::records::*;
use crate::store::NewOutboxMessage;

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
        // The new person's fields appear once “New person: …” is chosen (report_choices_changed).
        None => blocks.extend(report_person_blocks(false)),
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

/// The person picker or the kinds in an open report form changed: show the new person's
/// fields if “New person: …” was chosen (take them out if someone on record was), and the
/// threat question if threats are among the kinds, keeping everything typed so far.
pub async fn report_choices_changed(ctx: &Ctx<'_>, modal: &OpenModal) -> Result<(), ApiError> {
    if let Some(update) =
        report_fields_to_show(modal).and_then(|blocks| send::update_open_modal(modal, blocks))
    {
        send::queue(ctx.state, vec![update]).await?;
    }
    Ok(())
}

/// What the report form's choices ask it to show: the new person's fields, the threat
/// question.
fn wanted_fields(form: &Form) -> (bool, bool) {
    (new_person_chosen(form), threats_chosen(form))
}

/// What the report form shows now, in the same order as [`wanted_fields`].
fn shown_fields(modal: &OpenModal) -> (bool, bool) {
    (modal.shows(NEW_PHONE), modal.shows(THREAT_OF_VIOLENCE))
}

/// The report form's blocks with exactly the fields its choices ask for.
fn report_blocks_for(
    blocks: Vec<SlackBlock>,
    (new_person, threats): (bool, bool),
) -> Vec<SlackBlock> {
    with_threat_question(with_new_person_fields(blocks, new_person), threats)
}

/// The report form's blocks as they should be for the choices made in it, or `None`
/// when it already shows the right fields. Also asked when the form is submitted: a
/// choice whose `views.update` was lost (two quick choices race, and Slack refuses the
/// second) leaves fields missing or left over, and the form is then shown again as it
/// should be rather than read from fields the user never saw.
pub fn report_fields_to_show(modal: &OpenModal) -> Option<Vec<SlackBlock>> {
    let form = modal.form();
    let shown = shown_fields(modal);
    let (new_person, threats) = wanted_fields(&form);
    // With nobody chosen the person's part stays as it is: the picker's own error says
    // what to do.
    let new_person = if form.selected(PERSON).is_some() {
        new_person
    } else {
        shown.0
    };
    let wanted = (new_person, threats);
    (wanted != shown).then(|| report_blocks_for(modal.blocks(), wanted))
}

/// The kinds multi-select's block and action id (a wire string: forms already open carry it).
const KINDS: &str = Action::Kinds.as_str();

fn threats_chosen(form: &Form) -> bool {
    form.selected_many(KINDS)
        .iter()
        .any(|k| k.as_str() == BehaviourKind::Threats.as_str())
}

/// R-RPT-3, §4: whether a threat was of physical violence decides whether it must be
/// reported to the police, so staff answer it whenever threats are chosen.
fn threat_question() -> SlackBlock {
    let element = radio_element(
        THREAT_OF_VIOLENCE,
        &[
            ("yes", "Yes: a threat of physical violence"),
            ("no", "No: another kind of threat"),
        ],
    );
    SlackInputBlock::new(pt("Was the threat one of physical violence?"), element)
        .with_block_id(THREAT_OF_VIOLENCE.into())
        .with_hint(pt("Physical violence used or threatened is always reported to the police (policy §4); other threats may be."))
        .into()
}

/// A report form's `blocks` with the threat question just below the kinds, or taken out;
/// everything else stays where it is.
fn with_threat_question(blocks: Vec<SlackBlock>, show: bool) -> Vec<SlackBlock> {
    let id_of = |block: &SlackBlock| match block {
        SlackBlock::Input(input) => input.block_id.as_ref().map(|id| id.to_string()),
        _ => None,
    };
    let mut out = Vec::with_capacity(blocks.len() + 1);
    for block in blocks {
        let id = id_of(&block);
        if id.as_deref() == Some(THREAT_OF_VIOLENCE) {
            continue;
        }
        out.push(block);
        if show && id.as_deref() == Some(KINDS) {
            out.push(threat_question());
        }
    }
    out
}

/// The answer to the threat question, if it is shown and answered.
fn read_threat_of_violence(form: &Form) -> Option<bool> {
    match form.selected(THREAT_OF_VIOLENCE).as_deref() {
        Some("yes") => Some(true),
        Some("no") => Some(false),
        _ => None,
    }
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
                .map(|k| option(k.as_str(), k.label()))
                .collect();
            SlackBlockOptionGroup::new(pt(category.label()), options)
        })
        .collect();
    groups.push(SlackBlockOptionGroup::new(
        pt("Other"),
        vec![option(
            BehaviourKind::Other.as_str(),
            BehaviourKind::Other.label(),
        )],
    ));
    let element = SlackBlockMultiStaticSelectElement::new()
        .with_action_id(KINDS.into())
        .with_option_groups(groups)
        .with_placeholder(pt("Choose the examples that fit"));
    // Choosing tells the bot at once, so the threat question shows when threats are chosen.
    SlackInputBlock::new(pt("Kinds of behaviour"), element.into())
        .with_block_id(KINDS.into())
        .with_dispatch_action(true)
        .into()
}

fn incident_field_block(field: IncidentField) -> &'static str {
    match field {
        IncidentField::Category => "category",
        IncidentField::Kinds => KINDS,
        IncidentField::ThreatOfViolence => THREAT_OF_VIOLENCE,
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
        .selected_many(KINDS)
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
        threat_of_violence: read_threat_of_violence(form),
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
    let reporter_proof = match Authority::load(store, &ctx.user)
        .await?
        .reports_in(function_id)
    {
        Ok(proof) => proof,
        Err(denied) => {
            errors.add(FUNCTION, denied.0);
            return Err(ApiError::Invalid(errors));
        }
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
            if recipients.is_empty() {
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
    let mut tx = store.begin_write().await?;
    let recorded = tx.record_incident(&new, &reporter_proof, ctx.now).await?;
    let about = tx
        .person_of(RecordRef::new(CorrectedRecord::Incident, recorded.id))
        .await?;
    tx.enqueue(about, &announce(&recorded), ctx.now).await?;
    tx.commit().await?;
    ctx.state.outbox_wake.notify_one();
    Ok(Reply::Ack)
}

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
    let kinds: Vec<String> = incident
        .kinds()
        .iter()
        .map(|k| match (k, incident.threat_of_violence()) {
            (BehaviourKind::Threats, Some(true)) => "Threats (of physical violence)".to_owned(),
            (BehaviourKind::Threats, Some(false)) => {
                "Threats (not of physical violence)".to_owned()
            }
            _ => k.label().to_owned(),
        })
        .collect();
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
    // The description may be as long as the form allows: split over sections so the
    // manager reads all of it here.
    blocks.extend(sections(&body));
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
        format!("Police report required: new report {reference} in {function_name}. Open it to record the police report.")
    } else {
        format!("New report {reference} in {function_name}: open it to read the report.")
    };
    message(&fallback, blocks)
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
