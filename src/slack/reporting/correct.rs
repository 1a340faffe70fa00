//! `/contact correct` (R-REC-1): records of what happened are never rewritten. A manager
//! of a record's function adds a correction note to one of the person's incidents, ended
//! calls, warnings or breaches; the note is shown with the record in the case file and in
//! any letter drafted later that cites it. Anyone else is told whose it is to correct.

use slack_morphism::prelude::*;

use super::{modal, CORRECTION_NOTE, CORRECT_PERSON};
use crate::access::Authority;
use crate::domain::correction::{CorrectionText, RecordRef, MAX_NOTE_CHARS};
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::find::pick;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::ids::correction_fields::{NOTE, RECORD};
use crate::slack::metadata::Metadata;
use crate::slack::people::person_label;
use crate::slack::send;
use crate::store::corrections::{CorrectableRecord, NewCorrectionNote};
use crate::store::records::*;
use crate::store::{FunctionSummary, StoreError};

/// What `/contact correct` is, in a refusal to someone who manages no function.
const ADD_A_NOTE: &str = "add a correction note to a record";
const NOT_ON_RECORD: &str = "That person is no longer on record.";

pub async fn correct(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    ctx.managers_only(ADD_A_NOTE).await?;
    match pick(ctx, query, "correct", CORRECT_PERSON, "Correct the record").await? {
        Ok(person) => open_correct_for(ctx, trigger_id, &person).await,
        Err(reply) => Ok(reply),
    }
}

/// The correction note form for `person`, listing the records the user may add a note
/// to: those in the functions they manage, newest first.
pub async fn open_correct_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    ctx.managers_only(ADD_A_NOTE).await?;
    let store = ctx.state.store.as_ref();
    let authority = Authority::load(store, &ctx.user).await?;
    let records = store.correctable_records(person.id).await?;
    if records.is_empty() {
        return Err(ApiError::Refused(
            "There is no incident, ended call, warning or breach on this person's record to add a correction note to. To correct their name, identifiers or access requirements, use `/contact access`.".to_owned(),
        ));
    }
    let (mine, others): (Vec<&CorrectableRecord>, Vec<&CorrectableRecord>) = records
        .iter()
        .partition(|r| authority.manages(r.function_id).is_ok());
    if mine.is_empty() {
        let functions: Vec<i64> = others.iter().map(|r| r.function_id).collect();
        return Err(ApiError::Refused(format!(
            "Only a manager, head or deputy of the function that holds a record can add a correction note to it, and you manage none of the functions holding this person's records. {}",
            who_may(ctx, &functions).await?
        )));
    }
    let choices: Vec<(String, String)> = mine
        .iter()
        .take(limits::SELECT_OPTIONS)
        .map(|r| (r.record.encode(), record_label(ctx, r)))
        .collect();
    let mut blocks = vec![section(&format!(
        "*Service user:* {}\nRecords of what happened are never rewritten. Add a note saying what was wrong and what is right: it is kept with the record, shown with it in the case file and in any letter drafted later that cites it.",
        escape(&person_label(person))
    ))];
    if mine.len() > limits::SELECT_OPTIONS {
        blocks.push(context(&format!(
            "Listing the newest {} of the {} records you can add a note to.",
            limits::SELECT_OPTIONS,
            mine.len()
        )));
    }
    if !others.is_empty() {
        blocks.push(context(&format!(
            "{} of this person's records are in functions you do not manage and are not listed: their managers add notes to them.",
            others.len()
        )));
    }
    blocks.push(static_select(RECORD, "Record to correct", choices, None));
    blocks.push(field(
        NOTE,
        "Correction note",
        SlackBlockPlainTextInputElement::new()
            .with_action_id(NOTE.into())
            .with_multiline(true)
            .with_max_length(MAX_NOTE_CHARS as u64)
            .into(),
        false,
        Some("What was wrong, and what is right. Staff and the person may read it: it goes in later letters that cite this record."),
    ));
    let metadata = Metadata {
        person_id: Some(person.id),
        ..Metadata::default()
    };
    let view = modal(
        "Correct the record",
        CORRECTION_NOTE,
        "Add note",
        &metadata,
        blocks,
    );
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

pub async fn submit_correction(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let mut errors = FieldErrors::default();
    let person = match metadata.person_id {
        Some(id) => store.person(id).await?,
        None => None,
    };
    let Some(person) = person else {
        errors.add(RECORD, NOT_ON_RECORD);
        return Err(ApiError::Invalid(errors));
    };
    let chosen = form.selected(RECORD).as_deref().and_then(RecordRef::parse);
    let note = CorrectionText::parse(&form.text(NOTE).unwrap_or_default());
    if chosen.is_none() {
        errors.add(RECORD, "Choose the record the note corrects.");
    }
    if let Err(e) = &note {
        errors.add(NOTE, e.to_string());
    }
    let (Some(chosen), Ok(note)) = (chosen, note) else {
        return Err(ApiError::Invalid(errors));
    };
    let records = store.correctable_records(person.id).await?;
    let Some(record) = records.iter().find(|r| r.record == chosen) else {
        errors.add(RECORD, "That record is no longer on this person's file.");
        return Err(ApiError::Invalid(errors));
    };
    let authority = Authority::load(store, &ctx.user).await?;
    let manager = match authority.manages(record.function_id) {
        Ok(manager) => manager,
        Err(_) => {
            errors.add(
                RECORD,
                format!(
                    "Only a manager, head or deputy of the function that holds this record can add a note to it. {}",
                    who_may(ctx, &[record.function_id]).await?
                ),
            );
            return Err(ApiError::Invalid(errors));
        }
    };
    let new = NewCorrectionNote {
        person_id: person.id,
        record: chosen,
        note,
    };
    let mut tx = store.begin_write().await?;
    match tx.add_correction_note(&new, &manager, ctx.now).await {
        Ok(id) => {
            tx.commit().await?;
            tracing::info!(note_id = id, record = %chosen.kind, record_id = chosen.id, "correction note added");
            Ok(Reply::Ack)
        }
        Err(StoreError::NotFound { .. } | StoreError::WrongFunction { .. }) => {
            errors.add(
                RECORD,
                "That record is no longer on this person's file in a function you manage.",
            );
            Err(ApiError::Invalid(errors))
        }
        Err(e) => Err(e.into()),
    }
}

/// A record as the form's select offers it: reference, local date and kind, within
/// Slack's 75 characters.
fn record_label(ctx: &Ctx<'_>, record: &CorrectableRecord) -> String {
    let day = record.at.with_timezone(&ctx.tz()).format("%-d %b %Y");
    let kind = record.record.kind.label();
    match record.record.kind {
        crate::domain::correction::CorrectedRecord::Breach => {
            format!("{kind} of {} · {day}", record.reference)
        }
        _ => format!("{} · {day} · {kind}", record.reference),
    }
}

/// Who may add a note to records in `functions`: each function's managers, head and
/// deputies, by Slack mention (R-DP-3 refusals say who may instead).
async fn who_may(ctx: &Ctx<'_>, functions: &[i64]) -> Result<String, ApiError> {
    let all = ctx.state.store.list_functions().await?;
    let mut parts = Vec::new();
    for function in all.iter().filter(|f| functions.contains(&f.id)) {
        parts.push(format!("{}: ask {}", function.name, managers_of(function)));
    }
    Ok(if parts.is_empty() {
        "Ask an admin who manages the function that holds it.".to_owned()
    } else {
        format!("{}.", parts.join("; "))
    })
}

fn managers_of(function: &FunctionSummary) -> String {
    let mut people: Vec<String> = function
        .managers
        .iter()
        .chain(function.head.iter())
        .chain(function.deputies.iter())
        .map(|u| format!("<@{u}>"))
        .collect();
    people.dedup();
    match people.len() {
        0 => "an admin (it has no manager or head yet)".to_owned(),
        1 => people.remove(0),
        n => {
            let last = people.remove(n - 1);
            format!("{} or {last}", people.join(", "))
        }
    }
}
