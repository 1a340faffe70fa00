//! Finding a person from what staff typed after a subcommand (`/contact check jane`,
//! R-RPT-5): the text is checked as a [`PersonQuery`] first, so an empty, over-long or
//! control-character search gets a plain answer instead of a failure or a list of
//! everyone; several matches are listed to choose from, with the true number that match.

use super::blocks::{escape, message, section, section_with_button};
use super::ctx::{text, Ctx, Reply};
use super::people::person_choice_label;
use crate::domain::person::{IdentifierKind, PersonQuery, QueryError};
use crate::slack::error::ApiError;
use crate::store::records::PersonRecord;

/// The most people listed to choose from.
pub const MAX_MATCHES: i64 = 10;

/// What a search found.
pub enum Found {
    /// The text cannot be searched for; the error says why.
    Invalid(QueryError),
    None,
    One(PersonRecord),
    /// The first [`MAX_MATCHES`] matches, and how many match in all.
    Several(Vec<PersonRecord>, i64),
}

/// Searches for `query` by name and by every identifier it could be.
pub async fn find(ctx: &Ctx<'_>, query: &str) -> Result<Found, ApiError> {
    Ok(find_with_readings(ctx, query).await?.0)
}

/// [`find`], with the identifier readings of `query` it looked up (none for a text that
/// cannot be searched for): a phone number is parsed once per search.
async fn find_with_readings(
    ctx: &Ctx<'_>,
    query: &str,
) -> Result<(Found, Vec<(IdentifierKind, String)>), ApiError> {
    let query = match PersonQuery::parse(query) {
        Ok(query) => query,
        Err(error) => return Ok((Found::Invalid(error), Vec::new())),
    };
    let store = ctx.state.store.as_ref();
    let identifiers = query.identifiers();
    let mut people = store
        .find_people(query.name(), &identifiers, MAX_MATCHES)
        .await?;
    let found = match people.len() {
        0 if query.name().is_empty() => Found::Invalid(QueryError::NameTooShort),
        0 => Found::None,
        1 => Found::One(people.remove(0)),
        shown => {
            let shown = i64::try_from(shown).unwrap_or(MAX_MATCHES);
            // Only a full list can hide more matches; a shorter one is the true count.
            let total = if shown >= MAX_MATCHES {
                store
                    .count_people(query.name(), &identifiers)
                    .await?
                    .max(shown)
            } else {
                shown
            };
            Found::Several(people, total)
        }
    };
    Ok((found, identifiers))
}

/// The person `query` names for `/contact <command>`, or the answer to give instead:
/// usage, a plain refusal of the text, "no one matches", or a list to choose from whose
/// buttons carry `action` and read `label`.
pub async fn pick(
    ctx: &Ctx<'_>,
    query: &str,
    command: &str,
    action: &str,
    label: &str,
) -> Result<Result<PersonRecord, Reply>, ApiError> {
    Ok(pick_with_readings(ctx, query, command, action, label)
        .await?
        .0)
}

/// [`pick`], with the identifier readings of `query` it looked up.
pub async fn pick_with_readings(
    ctx: &Ctx<'_>,
    query: &str,
    command: &str,
    action: &str,
    label: &str,
) -> Result<(Result<PersonRecord, Reply>, Vec<(IdentifierKind, String)>), ApiError> {
    let (found, readings) = find_with_readings(ctx, query).await?;
    let picked = match found {
        Found::Invalid(QueryError::Empty) => Err(usage(command)),
        Found::Invalid(error) => Err(text(&error.to_string())),
        Found::None => Err(no_match(query)),
        Found::One(person) => Ok(person),
        Found::Several(people, total) => Err(choose_from_read(
            &people, total, query, &readings, action, label,
        )),
    };
    Ok((picked, readings))
}

/// [`pick`] with "Choose" on each button, for the warn, restrict, dispute and review
/// lookups.
pub async fn one_person(
    ctx: &Ctx<'_>,
    query: &str,
    command: &str,
    action: &str,
) -> Result<Result<PersonRecord, Reply>, ApiError> {
    pick(ctx, query, command, action, "Choose").await
}

/// The matches to choose from; `total` is how many match in all, said plainly when only
/// the first are listed.
pub fn choose_from(
    people: &[PersonRecord],
    total: i64,
    query: &str,
    action: &str,
    label: &str,
) -> Reply {
    let matched = PersonQuery::parse(query)
        .map(|q| q.identifiers())
        .unwrap_or_default();
    choose_from_read(people, total, query, &matched, action, label)
}

/// [`choose_from`], given the identifier readings of `query` (`matched`).
fn choose_from_read(
    people: &[PersonRecord],
    total: i64,
    query: &str,
    matched: &[(IdentifierKind, String)],
    action: &str,
    label: &str,
) -> Reply {
    let listed = people.len();
    let heading = if usize::try_from(total).unwrap_or(usize::MAX) > listed {
        format!(
            "{total} people match “{}”; showing the first {listed} — add more of the name, or use a phone number, email or case reference. Choose one:",
            escape(query.trim())
        )
    } else {
        format!(
            "{total} people match “{}”. Choose one:",
            escape(query.trim())
        )
    };
    let mut blocks = vec![section(&heading)];
    for person in people {
        blocks.push(section_with_button(
            &escape(&person_choice_label(person, matched)),
            label,
            action,
            person.id.to_string(),
        ));
    }
    Reply::Ephemeral(message(
        &format!("{total} people match: choose one"),
        blocks,
    ))
}

pub fn no_match(query: &str) -> Reply {
    text(&format!(
        "No one on record matches “{}”. Check the spelling or try a phone number, email or case reference.",
        escape(query.trim())
    ))
}

pub fn usage(command: &str) -> Reply {
    text(&format!(
        "Usage: `/contact {command} <name | phone | email | case ref>`"
    ))
}
