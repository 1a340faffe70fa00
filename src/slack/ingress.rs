//! HTTP ingress for Slack: every request is size-limited, its signature verified against
//! the raw body, its workspace checked, then routed. Handlers only decide and write
//! (store + outbox in one transaction) before answering, so Slack gets its ack well
//! inside three seconds; anything sent to Slack afterwards leaves through the outbox.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use slack_morphism::prelude::*;

use super::commands::{self, ParsedCommand, Subcommand};
use super::ctx::{Ctx, Reply};
use super::disputes;
use super::interactions;
use super::reporting;
use super::restricting;
use super::signature::{SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::views;
use crate::domain::UserId;
use crate::slack::error::ApiError;
use crate::slack::state::AppState;

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

/// What was wrong with a JSON payload, without quoting any of it: serde's messages can
/// echo values, and values may be personal data (they would reach logs and the answer).
fn json_problem(expected: &str, err: &serde_json::Error) -> String {
    format!(
        "not {expected} ({:?} error at line {}, column {})",
        err.classify(),
        err.line(),
        err.column()
    )
}

fn check_team(state: &AppState, team_id: &str) -> Result<(), ApiError> {
    if team_id == state.team_id {
        Ok(())
    } else {
        Err(ApiError::ForeignWorkspace)
    }
}

fn counted(
    state: &AppState,
    endpoint: &'static str,
    result: Result<Response, ApiError>,
) -> Response {
    let outcome = match &result {
        // A refusal or inline form errors are answers, not failures.
        Ok(_) | Err(ApiError::Refused(_)) | Err(ApiError::Invalid(_)) => "ok",
        Err(ApiError::Unauthorized(_)) => "unauthorized",
        Err(ApiError::ForeignWorkspace) => "foreign_workspace",
        Err(ApiError::BadRequest(_)) => "bad_request",
        Err(_) => "error",
    };
    state.metrics.request(endpoint, outcome);
    result.unwrap_or_else(IntoResponse::into_response)
}

/// `POST /slack/commands`: the `/contact` slash command.
pub async fn commands(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let result = handle_command(&state, &headers, &body).await;
    counted(&state, "commands", result)
}

async fn handle_command(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    verify(state, headers, body)?;
    let event: SlackCommandEvent = serde_urlencoded::from_bytes(body)
        .map_err(|_| ApiError::BadRequest("not a slash command payload".to_owned()))?;
    check_team(state, event.team_id.as_ref())?;
    let text = event.text.as_deref().unwrap_or_default();
    // Only a known subcommand's name is logged: what follows it, or an unknown word, may
    // be a person's name or number.
    let logged = match commands::parse(text) {
        ParsedCommand::Known { subcommand, .. } => format!("{subcommand:?}"),
        ParsedCommand::Unknown { .. } => "unknown".to_owned(),
    };
    tracing::info!(command = %event.command, subcommand = %logged, "slash command");
    let ctx = Ctx {
        state,
        user: UserId::from_slack(event.user_id.to_string()),
        now: state.clock.now(),
    };
    let trigger = event.trigger_id.to_string();
    let reply = match commands::parse(text) {
        ParsedCommand::Known {
            subcommand,
            argument,
        } => match subcommand {
            Subcommand::Help => Reply::Ephemeral(views::help_message(None)),
            Subcommand::Report => reporting::open_report(&ctx, &trigger, None).await?,
            Subcommand::CallEnded => reporting::open_call_ended(&ctx, &trigger).await?,
            Subcommand::Breach => reporting::breach(&ctx, &trigger, &argument).await?,
            Subcommand::Check => reporting::check(&ctx, &argument).await?,
            Subcommand::History => reporting::history(&ctx, &argument).await?,
            Subcommand::Open => reporting::open_items(&ctx).await?,
            Subcommand::Foi => reporting::open_foi(&ctx, &trigger, &argument).await?,
            Subcommand::Warn => restricting::warn(&ctx, &trigger, &argument).await?,
            Subcommand::Restrict => restricting::restrict(&ctx, &trigger, &argument).await?,
            Subcommand::Access => reporting::access(&ctx, &trigger, &argument).await?,
            Subcommand::Dispute => disputes::dispute(&ctx, &trigger, &argument).await?,
            Subcommand::Review => disputes::review(&ctx, &trigger, &argument).await?,
        },
        ParsedCommand::Unknown { typed } => Reply::Ephemeral(views::help_message(Some(&format!(
            "I don't know `/contact {}`. Here is what I can do:",
            typed.replace('`', "'")
        )))),
    };
    Ok(interactions::into_response(reply))
}

/// `POST /slack/interactions`: button clicks and modal submissions.
pub async fn interactions(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let result = handle_interaction(&state, &headers, &body).await;
    counted(&state, "interactions", result)
}

#[derive(serde::Deserialize)]
struct InteractionForm {
    payload: String,
}

async fn handle_interaction(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    verify(state, headers, body)?;
    let form: InteractionForm = serde_urlencoded::from_bytes(body)
        .map_err(|_| ApiError::BadRequest("expected a form with a payload field".into()))?;
    let event: SlackInteractionEvent = serde_json::from_str(&form.payload)
        .map_err(|e| ApiError::BadRequest(json_problem("an interaction payload", &e)))?;
    let team_id = match &event {
        SlackInteractionEvent::BlockActions(e) => e.team.id.to_string(),
        SlackInteractionEvent::BlockSuggestion(e) => e.team.id.to_string(),
        SlackInteractionEvent::DialogSubmission(e) => e.team.id.to_string(),
        SlackInteractionEvent::MessageAction(e) => e.team.id.to_string(),
        SlackInteractionEvent::Shortcut(e) => e.team.id.to_string(),
        SlackInteractionEvent::ViewSubmission(e) => e.team.id.to_string(),
        SlackInteractionEvent::ViewClosed(e) => e.team.id.to_string(),
    };
    check_team(state, &team_id)?;
    match &event {
        SlackInteractionEvent::ViewSubmission(submission) => {
            interactions::view_submission(state, submission).await
        }
        SlackInteractionEvent::BlockActions(actions) => {
            interactions::block_actions(state, actions).await
        }
        SlackInteractionEvent::BlockSuggestion(suggestion) => {
            interactions::block_suggestion(state, suggestion).await
        }
        other => {
            tracing::info!(
                kind = interaction_kind(other),
                "interaction with no handler acknowledged"
            );
            Ok(StatusCode::OK.into_response())
        }
    }
}

/// `POST /slack/options`: searches for external selects (Slack's "options load URL").
pub async fn options(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let result = handle_interaction(&state, &headers, &body).await;
    counted(&state, "options", result)
}

fn interaction_kind(event: &SlackInteractionEvent) -> &'static str {
    match event {
        SlackInteractionEvent::BlockActions(_) => "block_actions",
        SlackInteractionEvent::BlockSuggestion(_) => "block_suggestion",
        SlackInteractionEvent::DialogSubmission(_) => "dialog_submission",
        SlackInteractionEvent::MessageAction(_) => "message_action",
        SlackInteractionEvent::Shortcut(_) => "shortcut",
        SlackInteractionEvent::ViewSubmission(_) => "view_submission",
        SlackInteractionEvent::ViewClosed(_) => "view_closed",
    }
}

/// `POST /slack/events`: the Events API. Answers `url_verification`; handles each
/// `event_id` once, however often Slack retries it.
pub async fn events(State(state): Shared, headers: HeaderMap, body: Bytes) -> Response {
    let result = handle_event(&state, &headers, &body).await;
    counted(&state, "events", result)
}

async fn handle_event(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    verify(state, headers, body)?;
    let event: SlackPushEvent = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(json_problem("an Events API payload", &e)))?;
    match event {
        SlackPushEvent::UrlVerification(v) => {
            Ok(Json(json!({ "challenge": v.challenge })).into_response())
        }
        SlackPushEvent::AppRateLimited(_) => {
            tracing::warn!("slack reports this app is rate limited for events");
            Ok(StatusCode::OK.into_response())
        }
        SlackPushEvent::EventCallback(callback) => {
            check_team(state, callback.team_id.as_ref())?;
            let now = state.clock.now();
            let event_id = callback.event_id.to_string();
            if state.store.event_seen(&event_id).await? {
                tracing::info!(%event_id, "duplicate event ignored (slack retry)");
                return Ok(StatusCode::OK.into_response());
            }
            // Handlers key their outbox rows on the event id, so a retry racing this one
            // stores nothing twice; the event is marked seen only once it was handled, so
            // a failure here lets Slack's retry try again rather than losing the event.
            dispatch_event(state, &event_id, callback.event).await?;
            state.store.first_sighting_of_event(&event_id, now).await?;
            Ok(StatusCode::OK.into_response())
        }
    }
}

async fn dispatch_event(
    state: &AppState,
    event_id: &str,
    body: SlackEventCallbackBody,
) -> Result<(), ApiError> {
    match body {
        SlackEventCallbackBody::AppHomeOpened(opened)
            if opened.tab.as_deref() != Some("messages") =>
        {
            let user = UserId::from_slack(opened.user.to_string());
            super::home::publish_home(state, &user, &format!("home:{event_id}")).await
        }
        _ => {
            tracing::debug!(%event_id, "event with no handler ignored");
            Ok(())
        }
    }
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `GET /readyz`: the database answers.
pub async fn readyz(State(state): Shared) -> Response {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(err) => {
            tracing::error!(error = %err, "readiness check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable").into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): Shared) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}
