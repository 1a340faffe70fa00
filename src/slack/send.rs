//! Building outbox rows for the usual kinds of message, and queuing them.

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

/// Queues messages that no change depends on and wakes the sender.
pub async fn queue(state: &AppState, messages: Vec<NewOutboxMessage>) -> Result<(), ApiError> {
    state
        .store
        .enqueue(&messages, None, state.clock.now())
        .await?;
    state.outbox_wake.notify_one();
    Ok(())
}
