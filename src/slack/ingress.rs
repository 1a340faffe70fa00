//! HTTP ingress for Slack: every request is size-limited, its signature verified against
//! the raw body, then decoded and handed to `dispatch`, which Socket Mode shares: the
//! workspace check, the staff check, the router and the 3-second budget are the same
//! whichever way a request came. Handlers only decide and write (store + outbox in one
//! transaction) before answering, so Slack gets its ack well inside three seconds;
//! anything sent to Slack afterwards leaves through the outbox.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use slack_morphism::prelude::*;

use super::dispatch;
use super::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use crate::slack::error::ApiError;
use crate::slack::state::AppState;

pub use super::dispatch::{ACK_BUDGET, TRY_AGAIN};

type Shared = State<Arc<AppState>>;

/// Verifies the Slack signature over the raw body before anything is parsed.
fn verify(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<(), ApiError> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    state.verifier.verify(
        header(TIMESTAMP_HEADER),
        header(SIGNATURE_HEADER),
        body,
        state.clock.now(),
    )?;
    Ok(())
}

/// `POST /slack/commands`: the `/contact` slash command.
pub async fn commands(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let read = verify(&state, &headers, &body).and_then(|()| {
        serde_urlencoded::from_bytes::<SlackCommandEvent>(&body)
            .map_err(|_| ApiError::BadRequest("not a slash command payload".to_owned()))
    });
    match read {
        Ok(event) => dispatch::command(&state, event).await,
        Err(err) => dispatch::refused(&state, "commands", err),
    }
}

/// `POST /slack/interactions`: button clicks and modal submissions.
pub async fn interactions(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    interaction(&state, "interactions", &headers, &body).await
}

/// `POST /slack/options`: searches for external selects (Slack's "options load URL").
pub async fn options(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    interaction(&state, "options", &headers, &body).await
}

#[derive(serde::Deserialize)]
struct InteractionForm {
    payload: String,
}

/// Verifies and reads the payload (quick), then hands it to `dispatch`.
async fn interaction(
    state: &AppState,
    endpoint: &'static str,
    headers: &HeaderMap,
    body: &[u8],
) -> Response {
    let read = verify(state, headers, body).and_then(|()| {
        let form: InteractionForm = serde_urlencoded::from_bytes(body)
            .map_err(|_| ApiError::BadRequest("expected a form with a payload field".into()))?;
        dispatch::read_interaction(state, &form.payload)
    });
    match read {
        Ok(interaction) => dispatch::interaction(state, endpoint, &interaction).await,
        Err(err) => dispatch::refused(state, endpoint, err),
    }
}

/// `POST /slack/events`: the Events API.
pub async fn events(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let read = verify(&state, &headers, &body).and_then(|()| {
        serde_json::from_slice::<SlackPushEvent>(&body)
            .map_err(|e| ApiError::BadRequest(dispatch::json_problem("an Events API payload", &e)))
    });
    match read {
        Ok(event) => dispatch::push_event(&state, event).await,
        Err(err) => dispatch::refused(&state, "events", err),
    }
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers, at the schema this binary needs; in Socket Mode,
/// a connection to Slack is open too (else Slack has no way to reach this instance).
pub async fn readyz(State(state): Shared) -> Response {
    match state.store.ping().await {
        Ok(()) if state.socket.as_ref().is_some_and(|s| !s.connected()) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "not connected to Slack (Socket Mode)",
        )
            .into_response(),
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(err @ crate::store::StoreError::SchemaNotCurrent { .. }) => {
            tracing::error!(error = %err, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "database schema is not at this version's migrations",
            )
                .into_response()
        }
        Err(err) => {
            tracing::error!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text format (see `observability`).
pub async fn metrics(State(state): Shared) -> Response {
    crate::observability::metrics_response(&state).await
}
