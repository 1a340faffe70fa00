//! One Socket Mode envelope: its payload handed to `dispatch` exactly as the HTTP ingress
//! hands over a verified body, and the answer `dispatch` gives (the HTTP response Slack
//! would read) turned into the envelope's acknowledgement,
//! `{"envelope_id": …, "payload": …}`.
//!
//! A retried envelope (the same `envelope_id`, `retry_attempt` one more) is handled once:
//! one already answered gets the same acknowledgement again, one still being handled is
//! left to its first delivery. Beyond this instance's memory, the store's keys (event ids,
//! view submissions, each handler's outbox keys) keep a delivery to another instance, or
//! after a restart, from doing anything twice, as they do for HTTP retries.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use slack_morphism::prelude::*;

use crate::slack::dispatch;
use crate::slack::error::ApiError;
use crate::slack::state::AppState;

/// A frame Slack sends on a Socket Mode connection, as far as the bot reads it: `hello`,
/// `disconnect`, or an envelope (`slash_commands`, `interactive`, `events_api`).
#[derive(Debug, Deserialize)]
pub(super) struct Frame {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub envelope_id: Option<String>,
    #[serde(default)]
    pub payload: Option<Value>,
    #[serde(default)]
    pub accepts_response_payload: bool,
    #[serde(default)]
    pub retry_attempt: Option<u32>,
    /// `disconnect`: `warning`, `refresh_requested`, `link_disabled`, …
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub debug_info: Option<DebugInfo>,
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct DebugInfo {
    /// `hello`: roughly how many seconds Slack will keep this connection open.
    #[serde(default)]
    pub approximate_connection_time: Option<u64>,
}

/// An envelope to answer.
#[derive(Debug)]
pub(super) struct Envelope {
    pub id: String,
    pub kind: String,
    pub payload: Value,
    pub accepts_response_payload: bool,
    pub retry_attempt: u32,
}

impl Frame {
    /// The envelope this frame carries, if it is one.
    pub fn into_envelope(self) -> Option<Envelope> {
        Some(Envelope {
            id: self.envelope_id?,
            kind: self.kind,
            payload: self.payload.unwrap_or(Value::Null),
            accepts_response_payload: self.accepts_response_payload,
            retry_attempt: self.retry_attempt.unwrap_or(0),
        })
    }
}

/// How long an envelope id is remembered: well past Slack's last retry.
const REMEMBERED_FOR: Duration = Duration::from_secs(3600);
/// Above this many remembered ids, those older than [`REMEMBERED_FOR`] are forgotten.
const PRUNE_ABOVE: usize = 2048;
/// Largest answer read back from a handler (Slack's own limits are far below it).
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

#[derive(Debug)]
enum Seen {
    Handling,
    /// Answered with this acknowledgement.
    Answered(String),
}

/// The envelope ids this instance has seen, shared by all its connections.
#[derive(Debug, Default)]
pub(super) struct Envelopes {
    seen: Mutex<HashMap<String, (Seen, Instant)>>,
}

enum Begin {
    New,
    Handling,
    Answered(String),
}

impl Envelopes {
    fn seen(&self) -> MutexGuard<'_, HashMap<String, (Seen, Instant)>> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn begin(&self, id: &str) -> Begin {
        let mut seen = self.seen();
        match seen.get(id) {
            Some((Seen::Handling, _)) => return Begin::Handling,
            Some((Seen::Answered(ack), _)) => return Begin::Answered(ack.clone()),
            None => {}
        }
        if seen.len() > PRUNE_ABOVE {
            seen.retain(|_, (_, at)| at.elapsed() < REMEMBERED_FOR);
        }
        seen.insert(id.to_owned(), (Seen::Handling, Instant::now()));
        Begin::New
    }

    fn answered(&self, id: &str, ack: &str) {
        self.seen().insert(
            id.to_owned(),
            (Seen::Answered(ack.to_owned()), Instant::now()),
        );
    }

    /// Not acknowledged (a failure Slack should retry): its retry is handled afresh.
    fn unanswered(&self, id: &str) {
        self.seen().remove(id);
    }
}

/// The acknowledgement for `envelope`, or `None` to leave it unacknowledged so Slack
/// delivers it again (a failure a retry may get past, as a 5xx would over HTTP).
pub(super) async fn answer(
    state: &AppState,
    envelopes: &Envelopes,
    envelope: Envelope,
) -> Option<String> {
    let retry_attempt = envelope.retry_attempt;
    match envelopes.begin(&envelope.id) {
        Begin::New => {}
        Begin::Handling => {
            tracing::info!(
                retry_attempt,
                "retried envelope still being handled; left to its first delivery"
            );
            return None;
        }
        Begin::Answered(ack) => {
            tracing::info!(
                retry_attempt,
                "retried envelope already answered; acknowledged as before"
            );
            return Some(ack);
        }
    }
    let id = envelope.id.clone();
    let accepts_payload = envelope.accepts_response_payload;
    let response = handle(state, &envelope.kind, envelope.payload).await;
    let ack = acknowledgement(&id, accepts_payload, response).await;
    match &ack {
        Some(ack) => envelopes.answered(&id, ack),
        None => envelopes.unanswered(&id),
    }
    ack
}

/// The payload to `dispatch`, as HTTP hands it over once the signature is verified.
async fn handle(state: &AppState, kind: &str, payload: Value) -> Response {
    match kind {
        "slash_commands" => match serde_json::from_value::<SlackCommandEvent>(payload) {
            Ok(event) => dispatch::command(state, event).await,
            Err(_) => dispatch::refused(
                state,
                "commands",
                ApiError::BadRequest("not a slash command payload".to_owned()),
            ),
        },
        "interactive" => match dispatch::read_interaction(state, &payload.to_string()) {
            Ok(interaction) => {
                dispatch::interaction(state, interaction.endpoint(), &interaction).await
            }
            Err(err) => dispatch::refused(state, "interactions", err),
        },
        "events_api" => match serde_json::from_value::<SlackPushEvent>(payload) {
            Ok(event) => dispatch::push_event(state, event).await,
            Err(e) => dispatch::refused(
                state,
                "events",
                ApiError::BadRequest(dispatch::json_problem("an Events API payload", &e)),
            ),
        },
        other => {
            tracing::info!(
                kind = other,
                "envelope of a kind with no handler acknowledged"
            );
            StatusCode::OK.into_response()
        }
    }
}

/// `{"envelope_id": …}`, with the answer's JSON as `payload` when there is one and Slack
/// takes one for this envelope. A refusal (4xx: another workspace, a payload that is not
/// one) is acknowledged bare, since a retry would be refused again; a 5xx is not
/// acknowledged at all.
async fn acknowledgement(id: &str, accepts_payload: bool, response: Response) -> Option<String> {
    let status = response.status();
    if status.is_server_error() {
        tracing::warn!(
            status = status.as_u16(),
            "envelope left unacknowledged so that Slack delivers it again"
        );
        return None;
    }
    let payload = if status.is_success() {
        match axum::body::to_bytes(response.into_body(), MAX_ANSWER_BYTES).await {
            Ok(bytes) if bytes.is_empty() => None,
            Ok(bytes) => serde_json::from_slice::<Value>(&bytes).ok(),
            Err(_) => {
                tracing::error!("the answer to an envelope could not be read");
                return None;
            }
        }
    } else {
        None
    };
    let ack = match payload {
        Some(payload) if accepts_payload => json!({ "envelope_id": id, "payload": payload }),
        Some(_) => {
            tracing::warn!("an answer to an envelope that takes none was dropped");
            json!({ "envelope_id": id })
        }
        None => json!({ "envelope_id": id }),
    };
    Some(ack.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_envelope_is_answered_once_and_a_failure_is_tried_again() {
        let envelopes = Envelopes::default();
        assert!(matches!(envelopes.begin("e1"), Begin::New));
        assert!(matches!(envelopes.begin("e1"), Begin::Handling));
        envelopes.answered("e1", "{\"envelope_id\":\"e1\"}");
        assert!(matches!(envelopes.begin("e1"), Begin::Answered(a) if a.contains("e1")));
        assert!(matches!(envelopes.begin("e2"), Begin::New));
        envelopes.unanswered("e2");
        assert!(matches!(envelopes.begin("e2"), Begin::New));
    }

    #[tokio::test]
    async fn acknowledgements_carry_the_answer_only_where_slack_takes_one() {
        let json = || axum::Json(json!({ "response_action": "clear" })).into_response();
        let with: Value = serde_json::from_str(
            &acknowledgement("e1", true, json())
                .await
                .expect("acknowledged"),
        )
        .expect("json");
        assert_eq!(
            with,
            json!({ "envelope_id": "e1", "payload": { "response_action": "clear" } })
        );
        let without = acknowledgement("e2", false, json()).await;
        assert_eq!(without.as_deref(), Some("{\"envelope_id\":\"e2\"}"));
        let empty = acknowledgement("e3", true, StatusCode::OK.into_response()).await;
        assert_eq!(empty.as_deref(), Some("{\"envelope_id\":\"e3\"}"));
        let refused = acknowledgement("e4", true, StatusCode::FORBIDDEN.into_response()).await;
        assert_eq!(refused.as_deref(), Some("{\"envelope_id\":\"e4\"}"));
        let failed =
            acknowledgement("e5", true, StatusCode::SERVICE_UNAVAILABLE.into_response()).await;
        assert_eq!(failed, None);
    }
}
