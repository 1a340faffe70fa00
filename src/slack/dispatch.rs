//! What happens to a Slack request once its transport has vouched for it: HTTP
//! (`ingress`, which verifies the signature over the raw body) and Socket Mode
//! (`socket_mode`, whose envelopes arrive on a connection opened with the app-level token)
//! both hand over the decoded payload here. The workspace is checked, the user's staff
//! membership is decided, and the payload goes to the router, all within [`ACK_BUDGET`].
//! Each function answers with the HTTP response Slack expects; Socket Mode turns that
//! response into the envelope's acknowledgement.
//!
//! Slack always hears from us within its 3 seconds: a handler still working after
//! [`ACK_BUDGET`] (a database that does not answer) is dropped, which rolls back whatever
//! it had begun, and the user is told plainly to try again: an ephemeral reply to a
//! command, an inline error in a modal (their input kept), a reply through the button's
//! `response_url`, or no options for a search.

use std::time::Duration;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;
use slack_morphism::prelude::*;

use super::commands::{self, ParsedCommand};
use super::ctx::Ctx;
use super::forms::OpenModal;
use super::router;
use crate::domain::UserId;
use crate::slack::error::ApiError;
use crate::slack::state::AppState;

/// How long a handler may take before Slack is answered without it: Slack gives up at 3 s.
pub const ACK_BUDGET: Duration = Duration::from_millis(2500);

/// What a user is told when the register did not answer in time. Nothing was changed.
pub const TRY_AGAIN: &str = "The contact register is not answering just now, so nothing was changed. Please try again in a minute.";

fn ephemeral(text: &str) -> Response {
    let content = SlackMessageContent::new().with_text(text.to_owned());
    Json(
        SlackCommandEventResponse::new(content)
            .with_response_type(SlackMessageResponseType::Ephemeral),
    )
    .into_response()
}

/// Runs `handler` within [`ACK_BUDGET`]; past it, answers with `late()` instead.
async fn in_time(
    state: &AppState,
    endpoint: &'static str,
    handler: impl std::future::Future<Output = Result<Response, ApiError>>,
    late: impl FnOnce() -> Response,
) -> Response {
    match tokio::time::timeout(ACK_BUDGET, handler).await {
        Ok(result) => counted(state, endpoint, result),
        Err(_) => {
            tracing::warn!(
                endpoint,
                budget_ms = ACK_BUDGET.as_millis() as u64,
                "handler too slow; answered without it"
            );
            state.metrics.request(endpoint, "timeout");
            late()
        }
    }
}

/// A request refused before it reached a handler (a bad signature, a payload that is not
/// one), counted under `endpoint` and answered as the error says.
pub fn refused(state: &AppState, endpoint: &'static str, err: ApiError) -> Response {
    counted(state, endpoint, Err(err))
}

/// What was wrong with a JSON payload, without quoting any of it: serde's messages can
/// echo values, and values may be personal data (they would reach logs and the answer).
pub fn json_problem(expected: &str, err: &serde_json::Error) -> String {
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

/// The `/contact` slash command, counted as endpoint `commands`.
pub async fn command(state: &AppState, event: SlackCommandEvent) -> Response {
    in_time(state, "commands", handle_command(state, event), || {
        ephemeral(TRY_AGAIN)
    })
    .await
}

async fn handle_command(state: &AppState, event: SlackCommandEvent) -> Result<Response, ApiError> {
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
    if let Err(refused) = staff_only(state, &ctx.user).await? {
        return Ok(ephemeral(&refused.0));
    }
    let trigger = event.trigger_id.to_string();
    let reply = router::command(&ctx, &trigger, commands::parse(text)).await?;
    Ok(router::into_response(reply))
}

/// An interaction, with the modal it came from when it is an action inside one.
pub struct Interaction {
    event: SlackInteractionEvent,
    modal: Option<OpenModal>,
}

impl Interaction {
    /// The endpoint it is counted under, as over HTTP: searches come to `options` (Slack's
    /// options load URL), everything else to `interactions`.
    pub fn endpoint(&self) -> &'static str {
        match self.event {
            SlackInteractionEvent::BlockSuggestion(_) => "options",
            _ => "interactions",
        }
    }
}

/// The view of a `block_actions` payload with its id, hash and state: slack-morphism's
/// action event keeps only the view's content, and a form that shows fields as choices are
/// made needs all three.
#[derive(serde::Deserialize)]
struct ActionView {
    view: Option<SlackStatefulView>,
}

/// Reads an interaction payload (the JSON Slack sends as the `payload` form field over
/// HTTP, or as the envelope's payload in Socket Mode) and checks its workspace.
pub fn read_interaction(state: &AppState, payload: &str) -> Result<Interaction, ApiError> {
    let event: SlackInteractionEvent = serde_json::from_str(payload)
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
    let modal = match &event {
        SlackInteractionEvent::BlockActions(_) => serde_json::from_str::<ActionView>(payload)
            .ok()
            .and_then(|v| v.view)
            .and_then(OpenModal::new),
        _ => None,
    };
    Ok(Interaction { event, modal })
}

/// Runs an interaction's handler within the budget, counted under `endpoint`, with the
/// late answer that fits the kind of interaction.
pub async fn interaction(
    state: &AppState,
    endpoint: &'static str,
    interaction: &Interaction,
) -> Response {
    in_time(
        state,
        endpoint,
        dispatch_interaction(state, interaction),
        || late_interaction_answer(state, &interaction.event),
    )
    .await
}

/// The answer to an interaction whose handler ran out of time.
fn late_interaction_answer(state: &AppState, event: &SlackInteractionEvent) -> Response {
    match event {
        SlackInteractionEvent::ViewSubmission(submission) => {
            error_under_first_field(submission, TRY_AGAIN)
        }
        SlackInteractionEvent::BlockActions(actions) => {
            answer_on_response_url(state, actions, TRY_AGAIN, "late");
            StatusCode::OK.into_response()
        }
        SlackInteractionEvent::BlockSuggestion(_) => Json(json!({ "options": [] })).into_response(),
        _ => StatusCode::OK.into_response(),
    }
}

/// A modal answered with `text` under its first field, everything the user typed kept.
fn error_under_first_field(
    submission: &SlackInteractionViewSubmissionEvent,
    text: &str,
) -> Response {
    let first_field = match &submission.view.view {
        SlackView::Modal(modal) => modal.blocks.iter().find_map(|block| match block {
            SlackBlock::Input(input) => input.block_id.as_ref().map(|id| id.to_string()),
            _ => None,
        }),
        SlackView::Home(_) => None,
    };
    match first_field {
        Some(field) => {
            let mut errors = super::forms::FieldErrors::default();
            errors.add(&field, text);
            Json(errors.into_response()).into_response()
        }
        None => StatusCode::OK.into_response(),
    }
}

/// A button answered with `text` through its `response_url`, at once and without
/// storing anything.
fn answer_on_response_url(
    state: &AppState,
    actions: &SlackInteractionBlockActionsEvent,
    text: &str,
    why: &str,
) {
    if let Some(url) = &actions.response_url {
        let content = SlackMessageContent::new().with_text(text.to_owned());
        let key = format!("{why}:{}", actions.trigger_id);
        state
            .interactive
            .send(&super::send::respond(url.0.as_ref(), content, false, key));
    }
}

/// Whether `user` is staff (R-DP-3): asked of Slack (`slack::staff`), decided by the
/// permission layer. Every command, interaction and search is checked before anything
/// else is read or written.
async fn staff_only(
    state: &AppState,
    user: &UserId,
) -> Result<Result<(), crate::access::Denied>, ApiError> {
    let membership = state.staff.membership(user).await;
    let decided =
        crate::access::require_staff(state.store.as_ref(), user, membership, state.staff_scope)
            .await?;
    if decided.is_err() {
        tracing::info!(?membership, "request from someone who is not staff refused");
    }
    Ok(decided)
}

async fn dispatch_interaction(
    state: &AppState,
    interaction: &Interaction,
) -> Result<Response, ApiError> {
    if let Some(user) = interaction_user(&interaction.event) {
        if let Err(refused) = staff_only(state, &user).await? {
            return Ok(refusal_answer(state, &interaction.event, &refused.0));
        }
    }
    match &interaction.event {
        SlackInteractionEvent::ViewSubmission(submission) => {
            router::view_submission(state, submission).await
        }
        SlackInteractionEvent::BlockActions(actions) => {
            router::block_actions(state, actions, interaction.modal.as_ref()).await
        }
        SlackInteractionEvent::BlockSuggestion(suggestion) => {
            router::block_suggestion(state, suggestion).await
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

/// Who acted, for the interactions the bot handles.
fn interaction_user(event: &SlackInteractionEvent) -> Option<UserId> {
    let id = match event {
        SlackInteractionEvent::ViewSubmission(e) => e.user.id.to_string(),
        SlackInteractionEvent::BlockActions(e) => e.user.as_ref()?.id.to_string(),
        SlackInteractionEvent::BlockSuggestion(e) => e.user.id.to_string(),
        _ => return None,
    };
    Some(UserId::from_slack(id))
}

/// The answer to an interaction from someone who is not staff: the refusal where the
/// user will see it (under the form's first field, or in place of the button's answer);
/// a search finds nothing.
fn refusal_answer(state: &AppState, event: &SlackInteractionEvent, text: &str) -> Response {
    match event {
        SlackInteractionEvent::ViewSubmission(submission) => {
            error_under_first_field(submission, text)
        }
        SlackInteractionEvent::BlockActions(actions) => {
            answer_on_response_url(state, actions, text, "not_staff");
            StatusCode::OK.into_response()
        }
        _ => Json(json!({ "options": [] })).into_response(),
    }
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

/// An Events API payload, counted as endpoint `events`: answers `url_verification`;
/// handles each `event_id` once, however often Slack retries it. Past the budget the
/// answer is 503, which lets Slack retry the event (over HTTP the status does it; in
/// Socket Mode the envelope is left unacknowledged).
pub async fn push_event(state: &AppState, event: SlackPushEvent) -> Response {
    in_time(state, "events", handle_event(state, event), || {
        StatusCode::SERVICE_UNAVAILABLE.into_response()
    })
    .await
}

async fn handle_event(state: &AppState, event: SlackPushEvent) -> Result<Response, ApiError> {
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
            let key = format!("home:{event_id}");
            // App Home is staff-only like everything else (R-DP-3): a guest or an app sees
            // why, and nothing of the register.
            match staff_only(state, &user).await? {
                Ok(()) => super::home::publish_home(state, &user, &key).await,
                Err(denied) => super::home::publish_refusal(state, &user, &denied.0, &key).await,
            }
        }
        _ => {
            tracing::debug!(%event_id, "event with no handler ignored");
            Ok(())
        }
    }
}
