//! `/contact access` (§1, R-REC-1): a person's access requirements (the format and
//! language letters are drafted in, communication needs) and further identifiers.

use super::{modal, ACCESS, ACCESS_PERSON};
use crate::access::require_any_manager;
use crate::slack::blocks::*;
use crate::slack::ctx::{Ctx, Reply};
use crate::slack::error::ApiError;
use crate::slack::find::pick;
use crate::slack::forms::{FieldErrors, Form};
use crate::slack::metadata::Metadata;
use crate::slack::people::{self, person_label};
use crate::slack::send;
use crate::store::records::*;

pub async fn access(ctx: &Ctx<'_>, trigger_id: &str, query: &str) -> Result<Reply, ApiError> {
    managers_only(ctx).await?;
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
    managers_only(ctx).await?;
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
    blocks.push(people::different_person_block("this person"));
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
    if let Err(denied) = require_any_manager(store, &ctx.user).await? {
        let mut errors = FieldErrors::default();
        errors.add(people::FORMAT, denied.0);
        return Err(ApiError::Invalid(errors));
    }
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
    people::identifiers_held_by_others(store, form, &identifiers, person.id, &mut errors).await?;
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

/// `/contact access` and its button are for managers, heads and deputies (R-DP-3);
/// anyone else is told who may.
async fn managers_only(ctx: &Ctx<'_>) -> Result<(), ApiError> {
    require_any_manager(ctx.state.store.as_ref(), &ctx.user)
        .await?
        .map_err(|denied| ApiError::Refused(denied.0))
}
