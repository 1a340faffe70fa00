//! The "person" field every form shares (R-REC-1): an external select that searches
//! people by name or any identifier as staff type, offering "New person: …" as the last
//! choice, plus optional identifiers for a new person. Two people are never merged
//! silently: a new person whose identifier is already on record is an inline error until
//! staff pick the existing record or confirm that this is someone else.

use serde_json::json;
use slack_morphism::prelude::*;

use super::blocks::{md, pt};
use super::forms::{FieldErrors, Form};
use crate::domain::person::{
    AccessRequirements, Identifier, IdentifierKind, Language, PersonName, PersonQuery,
    PreferredFormat,
};
use crate::store::records::{NewPerson, PersonChoice, PersonRecord};
use crate::store::{Store, StoreResult};

pub const PERSON: &str = crate::slack::ids::Action::Person.as_str();
pub const NEW_PHONE: &str = crate::slack::ids::person_fields::NEW_PHONE;
pub const NEW_EMAIL: &str = crate::slack::ids::person_fields::NEW_EMAIL;
pub const NEW_CASE_REF: &str = crate::slack::ids::person_fields::NEW_CASE_REF;
pub const DIFFERENT_PERSON: &str = crate::slack::ids::person_fields::DIFFERENT_PERSON;
pub const FORMAT: &str = crate::slack::ids::person_fields::FORMAT;
pub const LANGUAGE: &str = crate::slack::ids::person_fields::LANGUAGE;
pub const NEEDS: &str = crate::slack::ids::person_fields::NEEDS;
pub const NEW_POSTAL_ADDRESS: &str = crate::slack::ids::person_fields::NEW_POSTAL_ADDRESS;

const NEW_PREFIX: &str = "new:";
const EXISTING_PREFIX: &str = "p:";
/// Slack allows 75 characters in an option's text.
const OPTION_TEXT_MAX: usize = 75;
const MAX_OPTIONS: i64 = 20;

/// One line naming a person for staff: name and their first identifiers.
pub fn person_label(person: &PersonRecord) -> String {
    let identifiers: Vec<&str> = person
        .identifiers
        .iter()
        .take(2)
        .map(Identifier::value)
        .collect();
    if identifiers.is_empty() {
        person.name.clone()
    } else {
        format!("{} · {}", person.name, identifiers.join(" · "))
    }
}

/// A person named for `/contact check` (R-DP-3): the name and only the identifiers the
/// search matched, not everything on record.
pub fn person_label_matching(
    person: &PersonRecord,
    matched: &[(crate::domain::person::IdentifierKind, String)],
) -> String {
    let shown: Vec<&str> = person
        .identifiers
        .iter()
        .filter(|i| {
            matched
                .iter()
                .any(|(kind, normalized)| *kind == i.kind() && normalized == i.normalized())
        })
        .map(Identifier::value)
        .collect();
    if shown.is_empty() {
        person.name.clone()
    } else {
        format!("{} · {}", person.name, shown.join(" · "))
    }
}

/// A person offered as a choice in a search (the person picker, or several matches): the
/// name, only the identifiers the search matched (R-DP-3: a search by name shows no
/// phone, email or address), and the register's number for the person, so two people
/// of the same name can be told apart.
pub fn person_choice_label(
    person: &PersonRecord,
    matched: &[(crate::domain::person::IdentifierKind, String)],
) -> String {
    format!(
        "{} · no. {}",
        person_label_matching(person, matched),
        person.id
    )
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
        cut.push('…');
        cut
    }
}

fn option(text: &str, value: String) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    SlackBlockChoiceItem::new(pt(&truncate(text, OPTION_TEXT_MAX)), value)
}

fn picker(optional: bool, dispatch: bool) -> SlackInputBlock {
    let select = SlackBlockExternalSelectElement::new()
        .with_action_id(PERSON.into())
        .with_placeholder(pt("Search by name, phone, email or case ref"))
        .with_min_query_length(2);
    let mut input = SlackInputBlock::new(pt("Service user"), select.into())
        .with_block_id(PERSON.into())
        .with_hint(pt("Type a name, phone number, email or case reference. Not on record? Choose “New person: …”."));
    if optional {
        input = input.with_optional(true);
    }
    if dispatch {
        input = input.with_dispatch_action(true);
    }
    input
}

/// The person picker alone, for quick forms.
pub fn person_blocks(optional: bool) -> Vec<SlackBlock> {
    vec![picker(optional, false).into()]
}

/// The report form's person picker. Choosing a person tells the bot at once
/// (`dispatch_action`), so the new person's fields are shown only once “New person: …”
/// is chosen ([`with_new_person_fields`]).
pub fn report_person_blocks(new_person: bool) -> Vec<SlackBlock> {
    let mut blocks: Vec<SlackBlock> = vec![picker(false, true).into()];
    if new_person {
        blocks.extend(new_person_blocks());
    }
    blocks
}

/// Whether the picker's choice is “New person: …”.
pub fn new_person_chosen(form: &Form) -> bool {
    form.selected(PERSON)
        .is_some_and(|value| value.starts_with(NEW_PREFIX))
}

/// The block ids of the new person's fields.
const NEW_PERSON_FIELDS: [&str; 7] = [
    NEW_PHONE,
    NEW_EMAIL,
    NEW_CASE_REF,
    DIFFERENT_PERSON,
    FORMAT,
    LANGUAGE,
    NEEDS,
];

/// A form's `blocks` with the new person's fields shown just below the picker, or taken
/// out; everything else stays where it is.
pub fn with_new_person_fields(blocks: Vec<SlackBlock>, show: bool) -> Vec<SlackBlock> {
    let is_new_person_field = |block: &SlackBlock| match block {
        SlackBlock::Input(input) => input
            .block_id
            .as_ref()
            .is_some_and(|id| NEW_PERSON_FIELDS.contains(&id.as_ref())),
        _ => false,
    };
    let mut out = Vec::with_capacity(blocks.len() + NEW_PERSON_FIELDS.len());
    for block in blocks {
        if is_new_person_field(&block) {
            continue;
        }
        let is_picker = matches!(&block, SlackBlock::Input(input)
            if input.block_id.as_ref().map(|id| id.as_ref()) == Some(PERSON));
        out.push(block);
        if is_picker && show {
            out.extend(new_person_blocks());
        }
    }
    out
}

/// The new person's phone, email and case reference, the "different person" tick, and
/// their access requirements.
fn new_person_blocks() -> Vec<SlackBlock> {
    let mut blocks = identifier_blocks(
        "New person's phone number",
        "New person's email",
        "New person's case reference",
    );
    blocks.push(different_person_block("the new person"));
    blocks.extend(access_blocks(None, true));
    blocks
}

/// The "different person?" tick (R-REC-1): two people are never merged silently, so an
/// identifier someone else on record holds is refused until staff confirm that `whom`
/// is not them. Slack allows 75 characters in an option: the tick says what it means,
/// the hint says when to tick it.
pub fn different_person_block(whom: &str) -> SlackBlock {
    let confirm = SlackBlockCheckboxesElement::new(vec![SlackBlockChoiceItem::new(
        md("This is a *different person* from the one on record"),
        "yes".to_owned(),
    )])
    .with_action_id(DIFFERENT_PERSON.into());
    SlackInputBlock::new(pt("Different person?"), confirm.into())
        .with_block_id(DIFFERENT_PERSON.into())
        .with_optional(true)
        .with_hint(pt(&format!("Tick only if someone on record already has the phone number, email or case reference you typed, and {whom} is not them.")))
        .into()
}

/// Whether staff ticked "different person".
pub fn different_person_confirmed(form: &Form) -> bool {
    !form.selected_many(DIFFERENT_PERSON).is_empty()
}

/// The identifiers among `identifiers` that someone on record other than `person` holds,
/// each as the inline error the "different person?" question asks on its field, unless
/// staff confirmed it. Adding an identifier to one person asks what creating a new person
/// with it asks.
pub async fn identifiers_held_by_others(
    store: &dyn Store,
    form: &Form,
    identifiers: &[Identifier],
    person: i64,
    errors: &mut FieldErrors,
) -> StoreResult<()> {
    if different_person_confirmed(form) {
        return Ok(());
    }
    for identifier in identifiers {
        if let Some(kind) = held_by_someone_else(store, identifier, Some(person)).await? {
            let field = IDENTIFIER_FIELDS
                .iter()
                .find(|(_, k)| *k == kind)
                .map_or(NEW_PHONE, |(field, _)| *field);
            errors.add(
                field,
                format!(
                    "Someone else on record already has this {}: check it is this person's, and tick “different person” below if they are two people.",
                    kind.label().to_lowercase()
                ),
            );
        }
    }
    Ok(())
}

/// Optional phone, email and case reference fields, with the given labels.
pub fn identifier_blocks(phone: &str, email: &str, case_ref: &str) -> Vec<SlackBlock> {
    [
        (NEW_PHONE, phone),
        (NEW_EMAIL, email),
        (NEW_CASE_REF, case_ref),
    ]
    .into_iter()
    .map(|(field, label)| {
        SlackInputBlock::new(
            pt(label),
            SlackBlockPlainTextInputElement::new()
                .with_action_id(field.into())
                .into(),
        )
        .with_block_id(field.into())
        .with_optional(true)
        .into()
    })
    .collect()
}

/// Reads the identifier fields; a value that does not parse is an inline error on its field.
pub fn read_identifiers(form: &Form, errors: &mut FieldErrors) -> Vec<Identifier> {
    let mut identifiers = Vec::new();
    for (field, kind) in IDENTIFIER_FIELDS {
        if let Some(text) = form.text(field) {
            match Identifier::parse(kind, &text) {
                Ok(identifier) => identifiers.push(identifier),
                Err(err) => errors.add(field, err.to_string()),
            }
        }
    }
    identifiers
}

/// Every identifier field a form may show, and the kind it holds. The postal address is
/// only on the access form (a letter can then be posted, R-REC-1); a form without a
/// field simply has no value for it.
const IDENTIFIER_FIELDS: [(&str, IdentifierKind); 4] = [
    (NEW_PHONE, IdentifierKind::Phone),
    (NEW_EMAIL, IdentifierKind::Email),
    (NEW_CASE_REF, IdentifierKind::CaseRef),
    (NEW_POSTAL_ADDRESS, IdentifierKind::PostalAddress),
];

/// Access requirements and reasonable adjustments (§1, R-REC-1): the format and language
/// letters must be in, and communication needs staff should respect.
pub fn access_blocks(
    current: Option<&AccessRequirements>,
    for_new_person: bool,
) -> Vec<SlackBlock> {
    let prefix = if for_new_person { "New person's " } else { "" };
    let formats: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> = PreferredFormat::ALL
        .iter()
        .map(|f| SlackBlockChoiceItem::new(pt(f.label()), f.as_str().to_owned()))
        .collect();
    let languages: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> = Language::ALL
        .iter()
        .map(|l| SlackBlockChoiceItem::new(pt(l.label()), l.as_str().to_owned()))
        .collect();
    let mut format = SlackBlockStaticSelectElement::new()
        .with_action_id(FORMAT.into())
        .with_options(formats.clone());
    let mut language = SlackBlockStaticSelectElement::new()
        .with_action_id(LANGUAGE.into())
        .with_options(languages.clone());
    let mut needs = SlackBlockPlainTextInputElement::new()
        .with_action_id(NEEDS.into())
        .with_multiline(true)
        .with_max_length(1000);
    if let Some(current) = current {
        if let Some(o) = formats
            .into_iter()
            .find(|o| o.value == current.format.as_str())
        {
            format = format.with_initial_option(o);
        }
        if let Some(o) = languages
            .into_iter()
            .find(|o| o.value == current.language.as_str())
        {
            language = language.with_initial_option(o);
        }
        if !current.communication_needs.is_empty() {
            needs = needs.with_initial_value(current.communication_needs.clone());
        }
    }
    vec![
        SlackInputBlock::new(
            pt(&format!("{prefix}preferred format for letters")),
            format.into(),
        )
        .with_block_id(FORMAT.into())
        .with_optional(true)
        .into(),
        SlackInputBlock::new(pt(&format!("{prefix}language")), language.into())
            .with_block_id(LANGUAGE.into())
            .with_optional(true)
            .into(),
        SlackInputBlock::new(
            pt(&format!(
                "{prefix}communication needs or reasonable adjustments"
            )),
            needs.into(),
        )
        .with_block_id(NEEDS.into())
        .with_optional(true)
        .into(),
    ]
}

/// Reads the access requirement fields, keeping `base` for anything left empty.
pub fn read_access(form: &Form, base: &AccessRequirements) -> AccessRequirements {
    AccessRequirements {
        format: form
            .selected(FORMAT)
            .and_then(|f| f.parse().ok())
            .unwrap_or(base.format),
        language: form
            .selected(LANGUAGE)
            .and_then(|l| l.parse().ok())
            .unwrap_or(base.language),
        communication_needs: form
            .text(NEEDS)
            .unwrap_or_else(|| base.communication_needs.clone()),
    }
}

/// Options for the external select, as `/slack/options` answers them.
/// Text that cannot be searched for (empty, over-long, a NUL byte) gets no options rather
/// than a failure or a list of everyone.
pub async fn person_options(store: &dyn Store, typed: &str) -> StoreResult<serde_json::Value> {
    let Ok(query) = PersonQuery::parse(typed) else {
        return Ok(json!({ "options": [] }));
    };
    let typed = query.text();
    let matched = query.identifiers();
    let people = store
        .find_people(query.name(), &matched, MAX_OPTIONS)
        .await?;
    let mut options: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>> = people
        .iter()
        .map(|p| {
            option(
                &person_choice_label(p, &matched),
                format!("{EXISTING_PREFIX}{}", p.id),
            )
        })
        .collect();
    if PersonName::parse(typed).is_ok() {
        options.push(option(
            &format!("New person: {typed}"),
            format!("{NEW_PREFIX}{typed}"),
        ));
    }
    Ok(json!({ "options": options }))
}

/// Reads the person field. Errors are added to `errors` against the right fields.
pub async fn read_person(
    store: &dyn Store,
    form: &Form,
    errors: &mut FieldErrors,
    required: bool,
) -> StoreResult<Option<PersonChoice>> {
    let identifiers = read_identifiers(form, errors);
    let selected = form.selected(PERSON);
    match selected.as_deref() {
        Some(value) if value.starts_with(EXISTING_PREFIX) => {
            let id = value[EXISTING_PREFIX.len()..].parse::<i64>().ok();
            if !identifiers.is_empty() {
                for (field, _) in IDENTIFIER_FIELDS {
                    if form.text(field).is_some() {
                        errors.add(
                            field,
                            "Only for a new person: clear this, or choose “New person: …” above.",
                        );
                    }
                }
            }
            match id {
                Some(id) if store.person(id).await?.is_some() => {
                    Ok(Some(PersonChoice::Existing(id)))
                }
                _ => {
                    errors.add(PERSON, "That person is no longer on record; search again.");
                    Ok(None)
                }
            }
        }
        Some(value) if value.starts_with(NEW_PREFIX) => {
            let Ok(name) = PersonName::parse(&value[NEW_PREFIX.len()..]) else {
                errors.add(PERSON, "Type the new person's name.");
                return Ok(None);
            };
            let confirmed = different_person_confirmed(form);
            if !confirmed {
                if let Some(existing) = first_holder(store, &identifiers).await? {
                    errors.add(
                        PERSON,
                        format!(
                            "Someone on record already has this {}: search for it above, or tick “different person” below.",
                            existing.label().to_lowercase()
                        ),
                    );
                    return Ok(None);
                }
            }
            Ok(Some(PersonChoice::New(NewPerson {
                name,
                identifiers,
                access: read_access(form, &AccessRequirements::default()),
            })))
        }
        _ => {
            if required {
                errors.add(PERSON, "Choose who this is about, or “New person: …”.");
            }
            Ok(None)
        }
    }
}

/// The kind of the first identifier that someone already on record holds.
async fn first_holder(
    store: &dyn Store,
    identifiers: &[Identifier],
) -> StoreResult<Option<IdentifierKind>> {
    for identifier in identifiers {
        if let Some(kind) = held_by_someone_else(store, identifier, None).await? {
            return Ok(Some(kind));
        }
    }
    Ok(None)
}

/// The identifier's kind when someone on record other than `except` holds it.
async fn held_by_someone_else(
    store: &dyn Store,
    identifier: &Identifier,
    except: Option<i64>,
) -> StoreResult<Option<IdentifierKind>> {
    let lookup = [(identifier.kind(), identifier.normalized().to_owned())];
    let holders = store.find_people("", &lookup, 2).await?;
    Ok(holders
        .iter()
        .any(|p| Some(p.id) != except)
        .then(|| identifier.kind()))
}
