//! The scheduler's fresh copy of a waiting proposal to continue a restriction at review
//! (finding 12: stalled authorisations are nudged to the head, then the deputies, like
//! requests). Built from the records as they stand; `None` once the proposal is decided.

use slack_morphism::prelude::SlackMessageContent;

use crate::domain::review::ContinuationStatus;
use crate::domain::UserId;
use crate::slack::messages::continuation::{reminder_copy, ContinuationAuthorisation};
use crate::slack::people::person_label;
use crate::store::{Store, StoreResult};

/// The authorisation message again, led by how long it has waited.
pub async fn continuation_reminder(
    store: &dyn Store,
    zone: chrono_tz::Tz,
    continuation_id: i64,
) -> StoreResult<Option<SlackMessageContent>> {
    let Some(c) = store.continuation(continuation_id).await? else {
        return Ok(None);
    };
    if c.status != ContinuationStatus::Pending {
        return Ok(None);
    }
    let (Some(restriction), Some(person)) = (
        store.restriction(c.restriction_id).await?,
        store.person(c.person_id).await?,
    ) else {
        return Ok(None);
    };
    let function_name = store
        .list_functions()
        .await?
        .into_iter()
        .find(|f| f.id == c.function_id)
        .map(|f| f.name)
        .unwrap_or_default();
    let proposer = UserId::from_slack(c.proposed_by.clone());
    let label = person_label(&person);
    let waited = crate::slack::ctx::local_time(zone, c.proposed_at);
    Ok(Some(reminder_copy(
        &ContinuationAuthorisation {
            continuation_id: c.id,
            review_reference: &c.review_reference,
            restriction_reference: &c.restriction_reference,
            proposer: &proposer,
            function_name: &function_name,
            person_label: &label,
            measures: &restriction.measures,
            in_force_since: restriction.starts_on,
            ends_on: restriction.ends_on,
            reasons: &c.reasons,
            next_review_on: c.next_review_on,
        },
        &waited,
    )))
}
