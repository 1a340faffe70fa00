//! Building outbox rows for the usual kinds of message, and queuing them.
//!
//! Two lanes leave from here. Messages (DMs, replies, App Home) go through the outbox, first
//! in first out, with its exactly-once guarantees. Views that answer a user's action
//! (`views.open`, `views.push`, `views.update`) go out at once through [`Interactive`](super::interactive::Interactive): their
//! `trigger_id` dies 3 seconds after the action, so waiting behind a sweep of thousands of
//! reminders would fail every modal, and storing them would keep nothing worth retrying later.

use slack_morphism::prelude::*;

use super::outbound::SlackCall;
use crate::domain::UserId;
use crate::slack::error::ApiError;
use crate::slack::state::AppState;
use crate::store::NewOutboxMessage;

fn row(call: SlackCall, key: String) -> NewOutboxMessage {
    let method = call.method().to_owned();
    // Serialising a slack-morphism request cannot fail; keep the row even if it somehow did.
    call.into_outbox(key.clone(), None)
        .unwrap_or(NewOutboxMessage {
            idempotency_key: key,
            method,
            payload: serde_json::Value::Null,
            subject_type: None,
            subject_id: None,
            service_user_id: None,
        })
}

/// A direct message to `user` (posted to the app's DM with them).
pub fn dm(user: &UserId, content: SlackMessageContent, key: impl Into<String>) -> NewOutboxMessage {
    row(
        SlackCall::PostMessage(SlackApiChatPostMessageRequest::new(
            user.as_str().into(),
            content,
        )),
        key.into(),
    )
}

/// Opens a modal; Slack's trigger ids are single-use, so the key is the trigger id.
pub fn open_modal(trigger_id: &str, view: SlackView) -> NewOutboxMessage {
    row(
        SlackCall::OpenView(SlackApiViewsOpenRequest::new(trigger_id.into(), view)),
        format!("views.open:{trigger_id}"),
    )
}

/// Pushes a modal on top of the one the user is in (an action inside a modal).
pub fn push_modal(trigger_id: &str, view: SlackView) -> NewOutboxMessage {
    row(
        SlackCall::PushView(SlackApiViewsPushRequest::new(trigger_id.into(), view)),
        format!("views.push:{trigger_id}"),
    )
}

/// Replaces the modal `view_id` (e.g. showing fields once a choice makes them apply).
/// `hash` is the view's hash from the action payload, so a stale update is refused by
/// Slack rather than overwriting a newer view.
pub fn update_modal(view_id: &str, hash: Option<&str>, view: SlackView) -> NewOutboxMessage {
    let mut request = SlackApiViewsUpdateRequest::new(view).with_view_id(view_id.into());
    if let Some(hash) = hash {
        request = request.with_hash(hash.to_owned());
    }
    row(
        SlackCall::UpdateView(request),
        format!("views.update:{view_id}:{}", hash.unwrap_or_default()),
    )
}

/// A private reply through a `response_url`.
pub fn respond(
    response_url: &str,
    content: SlackMessageContent,
    replace_original: bool,
    key: impl Into<String>,
) -> NewOutboxMessage {
    let message =
        SlackApiPostWebhookMessageRequest::new(content).with_replace_original(replace_original);
    row(
        SlackCall::Respond {
            url: response_url.to_owned(),
            message,
        },
        key.into(),
    )
}

/// Queues messages that no change depends on and wakes the sender. Views answering the
/// user's action are handed to the interactive lane instead, first, so the modal opens
/// even while the database is slow.
pub async fn queue(state: &AppState, messages: Vec<NewOutboxMessage>) -> Result<(), ApiError> {
    let (at_once, bulk): (Vec<_>, Vec<_>) = messages
        .into_iter()
        .partition(|message| answers_user_action(&message.method));
    for message in &at_once {
        state.interactive.send(message);
    }
    if bulk.is_empty() {
        return Ok(());
    }
    state.store.enqueue(&bulk, None, state.clock.now()).await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// The methods that carry a `trigger_id` or change the view the user is looking at.
/// `views.publish` (App Home) is not among them: nobody waits on it with a trigger, and it
/// stays in the outbox.
fn answers_user_action(method: &str) -> bool {
    matches!(method, "views.open" | "views.push" | "views.update")
}

/// The `views.update` that replaces an open modal's blocks with `blocks`, keeping its
/// title, buttons, callback and metadata, and everything typed so far. It quotes the
/// view's hash, so Slack refuses it if the user has moved on since.
pub fn update_open_modal(
    modal: &super::forms::OpenModal,
    blocks: Vec<SlackBlock>,
) -> Option<NewOutboxMessage> {
    let view = modal.with_blocks(blocks)?;
    let (id, hash) = modal.id_and_hash();
    Some(update_modal(id, Some(hash), view))
}
