//! TEMPORARY — delete at merge. `request_variation` moves to `slack/restricting/` (which
//! routes REQUEST_VARIATION) and `variation_letter` to `slack/letters.rs`, both in the
//! restricting helper's branch. They stay here, unchanged, only so this branch compiles;
//! this is the one file in `disputes/` that reaches into `restricting`.

use crate::access;
use crate::domain::dispute::DisputeOutcome;
use crate::domain::review::ReviewOutcome;
use crate::letters::{LetterContext, LetterKind};
use crate::slack::ctx::{text, Ctx, Reply};
use crate::slack::error::ApiError;
use crate::store::records::*;

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
    if restriction.status != "active" {
        return Ok(text(&format!(
            "{} is no longer in force ({}), so there is nothing to vary.",
            restriction.reference, restriction.status
        )));
    }
    if let Err(denied) =
        access::require_manager_of(store, &ctx.user, restriction.function_id).await?
    {
        return Err(ApiError::Refused(denied.0));
    }
    let Some(person) = store.person(restriction.person_id).await? else {
        return Ok(text("That person is no longer on record."));
    };
    crate::slack::restricting::open_restrict_for(ctx, trigger_id, &person, Some(restriction_id))
        .await
}

/// The outcome letter for an approved variation (R-LET-3): when the request answers a
/// review or a dispute, that outcome letter with the new measures, else the restriction
/// notice (R-LET-2). Used by the approval in `restricting`.
pub(in crate::slack) fn variation_letter(
    origin: Option<&VariationOrigin>,
    letter: &mut LetterContext,
) -> LetterKind {
    let Some(origin) = origin else {
        return LetterKind::RestrictionNotice;
    };
    letter.reference = origin.reference.clone();
    letter.reasons = origin.reasons.clone();
    let (kind, outcome) = match origin.of {
        VariationOf::Review => (LetterKind::ReviewOutcome, ReviewOutcome::Vary.as_str()),
        VariationOf::Dispute => (LetterKind::DisputeOutcome, DisputeOutcome::Varied.as_str()),
    };
    letter.outcome = Some(outcome.to_owned());
    kind
}
