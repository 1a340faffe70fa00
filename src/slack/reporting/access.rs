//! `/contact access` (§1, R-REC-1): a person's details as a manager corrects them: their
//! name, access requirements (the format and language letters are drafted in,
//! communication needs) and identifiers, added (a postal address too, so a letter can be
//! posted) or removed. A form opened before someone else saved a change is refused
//! rather than put the old values back (`domain::correction::saves_over_another_change`).

use slack_morphism::prelude::*;

use super::{modal, ACCESS, ACCESS_PERSON};
use crate::access::{for_managers_only, managed_functions, may_read_case_file, Authority};
use crate::domain::authority::Manager;
use crate::domain::person::{AccessRequirements, PersonName};
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::find::pick;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::ids::person_fields::{NAME, NEW_POSTAL_ADDRESS, REMOVE_IDENTIFIERS};
use crate::slack::metadata::Metadata;
use crate::slack::people::{self, person_label};
use crate::slack::send;
use crate::store::corrections::{CorrectionOutcome, HeldIdentifier, PersonCorrection};
use crate::store::records::*;
use crate::store::StoreError;

/// The longest name the form takes (`PersonName`'s bound).
const NAME_MAX: u64 = 120;
/// The longest postal address the form takes (`Identifier::postal_address`'s bound).
const POSTAL_ADDRESS_MAX: u64 = 500;

/// What `/contact access` is, in a refusal to someone who manages no function.
const CHANGE_DETAILS: &str = "change a person's access requirements or identifiers";
const NOT_ON_RECORD: &str = "That person is no longer on record.";
const CHANGED_MEANWHILE: &str = "Someone else changed this person's name or access requirements while this form was open, so nothing was saved. What you typed is still here: note what you need, close this form and open `/contact access` again to see their change.";
const ALREADY_REMOVED: &str = "Someone else removed one of these while this form was open, so nothing was saved: take it out of this list and save again.";

pub async fn access(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    ctx.managers_only(CHANGE_DETAILS).await?;
    match pick(ctx, query, "access", ACCESS_PERSON, "Access requirements").await? {
        Ok(person) => open_access_for(ctx, trigger_id, &person).await,
        Err(reply) => Ok(reply),
    }
}

pub async fn open_access_for(
    ctx: &Ctx<'_>,
    trigger_id: &str,
    person: &PersonRecord,
) -> Result<Reply, ApiError> {
    ctx.managers_only(CHANGE_DETAILS).await?;
    let Some(details) = ctx.state.store.person_details(person.id).await? else {
        return Err(ApiError::Refused(NOT_ON_RECORD.to_owned()));
    };
    let person = &details.person;
    // The version the form is opened at: a save after someone else's is checked against it.
    let metadata = Metadata {
        person_id: Some(person.id),
        extra: Some(details.version.to_string()),
        ..Metadata::default()
    };
    let mut blocks = vec![
        section(&format!(
            "*Service user:* {}\nCorrect their details, and record how they need us to communicate (policy §1): letters are drafted in this format and language, and posted to their latest postal address.",
            escape(&person_label(person))
        )),
        name_block(&person.name),
    ];
    blocks.extend(people::access_blocks(Some(&person.access), false));
    blocks.extend(people::identifier_blocks(
        "Add a phone number",
        "Add an email address",
        "Add a case reference",
    ));
    blocks.push(postal_address_block());
    // The identifiers held are the case file's to show (R-DP-3, R-DP-6): only a reader of
    // this person's case file sees them to remove one, and their opening is recorded as a
    // reading. Any other manager may still correct the name and access requirements and
    // add identifiers.
    let store = ctx.state.store.as_ref();
    if !details.identifiers.is_empty()
        && may_read_case_file(store, &ctx.user, person.id)
            .await?
            .is_ok()
    {
        store
            .record_reading(&ctx.actor(), "person_details_read", person.id, ctx.now)
            .await?;
        if let Some(remove) = removal_block(&details.identifiers) {
            blocks.push(remove);
        }
    }
    blocks.push(people::different_person_block("this person"));
    let view = modal("Person's details", ACCESS, "Save", &metadata, blocks);
    send::queue(ctx.state, vec![send::open_modal(trigger_id, view)]).await?;
    Ok(Reply::Ack)
}

fn name_block(current: &str) -> SlackBlock {
    let element = SlackBlockPlainTextInputElement::new()
        .with_action_id(NAME.into())
        .with_initial_value(current.to_owned())
        .with_max_length(NAME_MAX);
    SlackInputBlock::new(pt("Name"), element.into())
        .with_block_id(NAME.into())
        .with_hint(pt("Correct the name if it is wrong. The records of what happened keep their own words; add a note to them with `/contact correct`."))
        .into()
}

fn postal_address_block() -> SlackBlock {
    let element = SlackBlockPlainTextInputElement::new()
        .with_action_id(NEW_POSTAL_ADDRESS.into())
        .with_multiline(true)
        .with_max_length(POSTAL_ADDRESS_MAX);
    SlackInputBlock::new(pt("Add a postal address"), element.into())
        .with_block_id(NEW_POSTAL_ADDRESS.into())
        .with_optional(true)
        .with_hint(pt(
            "One line of the address a line, as it goes on an envelope, postcode last.",
        ))
        .into()
}

/// The identifiers on record to choose from for removal, or none when there are none.
/// A multi-select holds at most 100 options; nobody has that many identifiers, and any
/// beyond are left out of the list rather than breaking the form.
fn removal_block(held: &[HeldIdentifier]) -> Option<SlackBlock> {
    if held.is_empty() {
        return None;
    }
    let options: Vec<_> = held
        .iter()
        .take(limits::SELECT_OPTIONS)
        .map(|h| {
            let value = h.identifier.value().split_whitespace().collect::<Vec<_>>();
            option(
                &h.id.to_string(),
                &format!("{}: {}", h.identifier.kind().label(), value.join(" ")),
            )
        })
        .collect();
    let element = SlackBlockMultiStaticSelectElement::new()
        .with_action_id(REMOVE_IDENTIFIERS.into())
        .with_options(options)
        .with_placeholder(pt("Choose any that are wrong or no longer theirs"));
    Some(
        SlackInputBlock::new(pt("Remove these identifiers"), element.into())
            .with_block_id(REMOVE_IDENTIFIERS.into())
            .with_optional(true)
            .into(),
    )
}

pub async fn submit_access(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
) -> Result<Reply, ApiError> {
    let store = ctx.state.store.as_ref();
    let manager = match any_manager_proof(ctx).await? {
        Ok(manager) => manager,
        Err(denied) => {
            let mut errors = FieldErrors::default();
            errors.add(people::FORMAT, denied);
            return Err(ApiError::Invalid(errors));
        }
    };
    let details = match metadata.person_id {
        Some(id) => store.person_details(id).await?,
        None => None,
    };
    let Some(details) = details else {
        let mut errors = FieldErrors::default();
        errors.add(people::FORMAT, NOT_ON_RECORD);
        return Err(ApiError::Invalid(errors));
    };
    let person = &details.person;
    let mut errors = FieldErrors::default();
    let name = read_name(form, &person.name, &mut errors);
    let add = people::read_identifiers(form, &mut errors);
    people::identifiers_held_by_others(store, form, &add, person.id, &mut errors).await?;
    let mut remove = read_removals(form, &details.identifiers, &mut errors);
    // Only a case-file reader was shown the identifiers to remove; a crafted submission
    // from anyone else removes nothing.
    if !remove.is_empty()
        && may_read_case_file(store, &ctx.user, person.id)
            .await?
            .is_err()
    {
        remove.clear();
    }
    let Some(name) = name.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let correction = PersonCorrection {
        person_id: person.id,
        // A form opened before the version was kept is taken as opened now, as before.
        opened_at_version: metadata.extra_id().unwrap_or(details.version),
        name,
        access: read_access(form, &person.access),
        add,
        remove,
    };
    let mut tx = store.begin_write().await?;
    let outcome = match tx.correct_person(&correction, &manager, ctx.now).await {
        Ok(outcome) => outcome,
        Err(StoreError::NotFound { .. }) => {
            errors.add(people::FORMAT, NOT_ON_RECORD);
            return Err(ApiError::Invalid(errors));
        }
        Err(e) => return Err(e.into()),
    };
    match outcome {
        CorrectionOutcome::Corrected { fields_changed } => {
            tx.commit().await?;
            tracing::info!(person_id = person.id, fields = ?fields_changed, "person's details corrected");
            Ok(Reply::Ack)
        }
        // Dropping the handle keeps nothing of the correction.
        CorrectionOutcome::ChangedMeanwhile => {
            let field = if form.has(NAME) { NAME } else { people::FORMAT };
            errors.add(field, CHANGED_MEANWHILE);
            Err(ApiError::Invalid(errors))
        }
        CorrectionOutcome::IdentifiersGone(_) => {
            errors.add(REMOVE_IDENTIFIERS, ALREADY_REMOVED);
            Err(ApiError::Invalid(errors))
        }
    }
}

/// The name as the form holds it: the one on record when the form has no name field (a
/// form opened by an earlier version); an inline error when it is emptied or too long.
fn read_name(form: &Form, current: &str, errors: &mut FieldErrors) -> Option<PersonName> {
    if !form.has(NAME) {
        return PersonName::parse(current).ok().or_else(|| {
            errors.add(people::FORMAT, NOT_ON_RECORD);
            None
        });
    }
    match PersonName::parse(&form.text(NAME).unwrap_or_default()) {
        Ok(name) => Some(name),
        Err(e) => {
            errors.add(
                NAME,
                format!("Type the person's name: it cannot be left empty. {e}."),
            );
            None
        }
    }
}

/// The ids of the identifiers chosen for removal; one no longer on record (removed by
/// someone else since the form opened) is an inline error.
fn read_removals(form: &Form, held: &[HeldIdentifier], errors: &mut FieldErrors) -> Vec<i64> {
    let chosen: Vec<Option<i64>> = form
        .selected_many(REMOVE_IDENTIFIERS)
        .iter()
        .map(|v| v.parse::<i64>().ok())
        .collect();
    let ids: Vec<i64> = chosen
        .iter()
        .flatten()
        .copied()
        .filter(|id| held.iter().any(|h| h.id == *id))
        .collect();
    if ids.len() != chosen.len() {
        errors.add(REMOVE_IDENTIFIERS, ALREADY_REMOVED);
    }
    ids
}

/// The access requirements as the form holds them. A field the form does not have keeps
/// what is on record; communication needs emptied on the form are cleared.
fn read_access(form: &Form, current: &AccessRequirements) -> AccessRequirements {
    let mut access = people::read_access(form, current);
    if form.has(people::NEEDS) {
        access.communication_needs = form.text(people::NEEDS).unwrap_or_default();
    }
    access
}

/// A manager's proof for correcting a person's details: any manager, head or deputy
/// may (R-DP-3), so the proof of the first function they manage.
async fn any_manager_proof(ctx: &Ctx<'_>) -> Result<Result<Manager, String>, ApiError> {
    let store = ctx.state.store.as_ref();
    let authority = Authority::load(store, &ctx.user).await?;
    let proof = managed_functions(store, &ctx.user)
        .await?
        .iter()
        .find_map(|(id, _)| authority.manages(*id).ok());
    Ok(proof.ok_or_else(|| for_managers_only(CHANGE_DETAILS).0))
}
