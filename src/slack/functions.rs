//! Which function (team) a record belongs to (R-REC-3): the reporter's own function when
//! they belong to exactly one, otherwise a field to pick one, and the function's name for
//! messages.

use slack_morphism::prelude::*;

use super::blocks::static_select;
use super::ctx::{text, Ctx, Reply};
use super::forms::{FieldErrors, Form};
use super::metadata::Metadata;
use crate::access;
use crate::slack::error::ApiError;
use crate::store::StoreError;

/// The block id of the function picker.
pub const FUNCTION: &str = crate::slack::ids::FUNCTION;

/// The reporter's function if they belong to exactly one (kept in `metadata`); otherwise
/// a field to pick one. `only_managed` limits the choice to functions the user manages.
pub async fn function_field(
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
        // A retired function takes no new records (issue 11, item 13): never offered.
        let retired = store.retired_functions().await?;
        store
            .list_functions()
            .await?
            .into_iter()
            .filter(|f| !retired.contains(&f.id))
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
pub async fn read_function(
    ctx: &Ctx<'_>,
    form: &Form,
    metadata: &Metadata,
    errors: &mut FieldErrors,
) -> Result<Option<i64>, ApiError> {
    let store = ctx.state.store.as_ref();
    let mine = access::functions_of(store, &ctx.user).await?;
    // The function the form was opened with is checked again now (R-DP-3): metadata can
    // be stale (the reporter has left the function since) or forged, and must never file
    // a record into a function the reporter does not belong to.
    if let Some(id) = metadata.function_id {
        if mine.iter().any(|(mine, _)| *mine == id) {
            return Ok(Some(id));
        }
        errors.add(
            FUNCTION,
            "This form was opened for a function you are not a member of now. Close it and start again; an admin can add you to the function if you should be in it.",
        );
        return Ok(None);
    }
    let Some(picked) = form.selected(FUNCTION).and_then(|v| v.parse::<i64>().ok()) else {
        errors.add(FUNCTION, "Choose the function this belongs to.");
        return Ok(None);
    };
    let allowed = if mine.is_empty() {
        !store.retired_functions().await?.contains(&picked)
            && store.list_functions().await?.iter().any(|f| f.id == picked)
    } else {
        mine.iter().any(|(id, _)| *id == picked)
    };
    if !allowed {
        errors.add(FUNCTION, "Choose one of your functions.");
        return Ok(None);
    }
    Ok(Some(picked))
}

/// A function's name, for messages about its records.
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
