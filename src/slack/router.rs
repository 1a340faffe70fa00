//! The router: every `/contact` subcommand, modal submission (by `Callback`), button (by
//! `Action`) and external-select search (`block_suggestion`, sent to `/slack/options`) is
//! matched to its handler here, and only here. Ingress hands over parsed, verified
//! payloads; handlers live one per use case in the feature folders.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use slack_morphism::prelude::*;

use super::commands::{ParsedCommand, Subcommand};
use super::ctx::{Ctx, Reply};
use super::disputes as dsp;
use super::forms::{Form, OpenModal};
use super::ids::{Action, Callback};
use super::metadata::Metadata;
use super::reporting as rpt;
use super::restricting as res;
use super::send;
use super::views;
use crate::domain::UserId;
use crate::slack::error::ApiError;
use crate::slack::state::AppState;
use crate::store::once::once;
use crate::store::StoreError;

/// Answers a reply in the shape Slack expects for a slash command or interaction.
pub fn into_response(reply: Reply) -> Response {
    match reply {
        Reply::Ack => StatusCode::OK.into_response(),
        Reply::Json(value) => Json(value).into_response(),
        Reply::Ephemeral(content) => {
            let response = SlackCommandEventResponse::new(content)
                .with_response_type(SlackMessageResponseType::Ephemeral);
            Json(response).into_response()
        }
    }
}

/// A `/contact` subcommand, to its handler.
pub async fn command(
    ctx: &Ctx<'_>,
    trigger: &str,
    parsed: ParsedCommand,
) -> Result<Reply, ApiError> {
    let (subcommand, argument) = match parsed {
        ParsedCommand::Known {
            subcommand,
            argument,
        } => (subcommand, argument),
        ParsedCommand::Unknown { typed } => {
            return Ok(Reply::Ephemeral(views::help_message(Some(&format!(
                "I don't know `/contact {}`. Here is what I can do:",
                typed.replace('`', "'")
            )))))
        }
    };
    Ok(match subcommand {
        Subcommand::Help => Reply::Ephemeral(views::help_message(None)),
        Subcommand::Report => rpt::open_report(ctx, trigger, None).await?,
        Subcommand::CallEnded => rpt::open_call_ended(ctx, trigger).await?,
        Subcommand::Breach => rpt::breach(ctx, trigger, &argument).await?,
        Subcommand::Check => rpt::check(ctx, &argument).await?,
        Subcommand::History => rpt::history(ctx, &argument).await?,
        Subcommand::Open => rpt::open_items(ctx).await?,
        Subcommand::Foi => rpt::open_foi(ctx, trigger, &argument).await?,
        Subcommand::Warn => res::warn(ctx, trigger, &argument).await?,
        Subcommand::Restrict => res::restrict(ctx, trigger, &argument).await?,
        Subcommand::Access => rpt::access(ctx, trigger, &argument).await?,
        Subcommand::Correct => rpt::correct(ctx, trigger, &argument).await?,
        Subcommand::Dispute => dsp::dispute(ctx, trigger, &argument).await?,
        Subcommand::Review => dsp::review(ctx, trigger, &argument).await?,
        Subcommand::Export => super::subject_access::export(ctx, &argument).await?,
        Subcommand::Governance => super::governance::governance(ctx, &argument).await?,
    })
}

pub async fn view_submission(
    state: &AppState,
    event: &SlackInteractionViewSubmissionEvent,
) -> Result<Response, ApiError> {
    let SlackView::Modal(modal) = &event.view.view else {
        return Ok(StatusCode::OK.into_response());
    };
    let callback = modal
        .callback_id
        .as_ref()
        .map(|c| c.to_string())
        .unwrap_or_default();
    let form = Form::new(event.view.state_params.state.clone());
    let metadata = Metadata::parse(modal.private_metadata.as_deref());
    let ctx = Ctx {
        state,
        user: UserId::from_slack(event.user.id.to_string()),
        now: state.clock.now(),
    };
    // A form whose choices need other fields than it shows (their update lost a race)
    // is shown again as it should be, everything typed kept, instead of being read.
    let open = OpenModal::new(event.view.clone());
    let rebuilt = open.as_ref().and_then(|m| {
        let blocks = match m.callback() {
            Some(Callback::Report) => rpt::report_fields_to_show(m),
            Some(Callback::Restrict) => res::measure_fields_to_show(m),
            _ => None,
        }?;
        // Only if it changes what is shown: a form that cannot be put right is read as
        // it is, never bounced for ever.
        if input_ids(&blocks) == input_ids(&m.blocks()) {
            tracing::warn!(callback = %callback, "form fields could not be put right; read as submitted");
            return None;
        }
        m.rebuilt(blocks)
    });
    if let Some(rebuilt) = rebuilt {
        tracing::info!(callback = %callback, "form shown again with the fields its choices need");
        return Ok(Json(rebuilt).into_response());
    }
    // A submission answered 200 was stored, and stored once (store::once): its key is
    // written in the same transaction as the record, so a crash before the commit leaves
    // neither and the user's retry stores it, and a retry after it is answered as handled.
    let key = format!("view_submission:{}", event.view.state_params.id);
    if state.store.event_seen(&key).await? {
        return Ok(StatusCode::OK.into_response());
    }
    tracing::info!(callback = %callback, "modal submitted");
    let private_metadata = modal.private_metadata.as_deref();
    let result = once(key, async {
        Ok::<Reply, ApiError>(match Callback::parse(&callback) {
            Some(Callback::Report) => rpt::submit_report(&ctx, &form, &metadata).await?,
            Some(Callback::CallEnded) => rpt::submit_call_ended(&ctx, &form, &metadata).await?,
            Some(Callback::Breach) => rpt::submit_breach(&ctx, &form, &metadata).await?,
            Some(Callback::PoliceReport) => {
                rpt::submit_police_report(&ctx, &form, &metadata).await?
            }
            Some(Callback::Foi) => rpt::submit_foi(&ctx, &form, &metadata).await?,
            Some(Callback::Access) => rpt::submit_access(&ctx, &form, &metadata).await?,
            Some(Callback::CorrectionNote) => {
                rpt::submit_correction(&ctx, &form, &metadata).await?
            }
            Some(Callback::Warn) => res::submit_warn(&ctx, &form, &metadata).await?,
            Some(Callback::Restrict) => {
                res::submit_restrict(&ctx, &form, &metadata, private_metadata).await?
            }
            Some(Callback::Reject) => res::submit_reject(&ctx, &form, private_metadata).await?,
            Some(Callback::Withdraw) => res::submit_withdraw(&ctx, &form, private_metadata).await?,
            Some(Callback::LetterSent) => {
                res::submit_mark_sent(&ctx, &form, private_metadata).await?
            }
            Some(Callback::Dispute) => dsp::submit_dispute(&ctx, &form, &metadata).await?,
            Some(Callback::Resolve) => {
                let resolved = dsp::submit_resolve(&ctx, &form, private_metadata).await?;
                // "Vary" opens the variation request at once (§7): the restriction form,
                // as the modal closes; the DM's button opens it again if it is closed.
                if let (Some(restriction_id), Some(trigger)) = (resolved.vary, &event.trigger_id) {
                    res::request_variation(&ctx, trigger.as_ref(), restriction_id).await?;
                }
                resolved.reply
            }
            Some(Callback::Review) => {
                let reviewed = dsp::submit_review(&ctx, &form, private_metadata).await?;
                // "Vary" opens the variation request at once, as for a dispute (§7).
                if let (Some(restriction_id), Some(trigger)) = (reviewed.vary, &event.trigger_id) {
                    res::request_variation(&ctx, trigger.as_ref(), restriction_id).await?;
                }
                reviewed.reply
            }
            Some(Callback::RejectContinuation) => {
                dsp::submit_reject_continuation(&ctx, &form, private_metadata).await?
            }
            None => Reply::Ack,
        })
    })
    .await;
    match result {
        Ok(Reply::Ack) => {
            super::home::refresh_after_change(state, &ctx.user).await;
            Ok(StatusCode::OK.into_response())
        }
        // Stored by an earlier delivery of this same submission: the modal just closes.
        Err(ApiError::Store(StoreError::AlreadyHandled)) => Ok(StatusCode::OK.into_response()),
        Err(ApiError::Invalid(errors)) => Err(ApiError::Invalid(
            errors.shown_on(&input_ids(&modal.blocks)),
        )),
        other => Ok(into_response(other?)),
    }
}

/// The block ids of the input blocks among `blocks`, in order.
fn input_ids(blocks: &[SlackBlock]) -> Vec<String> {
    blocks
        .iter()
        .filter_map(|block| match block {
            SlackBlock::Input(input) => input.block_id.as_ref().map(|id| id.to_string()),
            _ => None,
        })
        .collect()
}

/// Buttons and inputs that dispatch at once. `modal` is the form the action came from, if
/// it came from one.
pub async fn block_actions(
    state: &AppState,
    event: &SlackInteractionBlockActionsEvent,
    modal: Option<&OpenModal>,
) -> Result<Response, ApiError> {
    let Some(user) = &event.user else {
        return Ok(StatusCode::OK.into_response());
    };
    let ctx = Ctx {
        state,
        user: UserId::from_slack(user.id.to_string()),
        now: state.clock.now(),
    };
    let trigger_id = event.trigger_id.to_string();
    let response_url = event.response_url.as_ref().map(|u| u.0.to_string());
    for action in event.actions.iter().flatten() {
        let value = action.value.clone().unwrap_or_default();
        let action_id = action.action_id.to_string();
        let block_id = action.block_id.as_ref().map(|b| b.to_string());
        let action = Action::parse(&action_id);
        tracing::info!(action = %action_id, "button clicked");
        let reply: Result<Option<Reply>, ApiError> = async {
            Ok(match action {
                Some(Action::RecordPoliceReport) => match value.parse::<i64>() {
                    Ok(id) => rpt::open_police_report(&ctx, &trigger_id, id)
                        .await?
                        .map(|m| rpt_text(&m)),
                    Err(_) => None,
                },
                Some(Action::CheckPerson) => match person(&ctx, &value).await? {
                    Some(p) => Some(Reply::Ephemeral(rpt::check_card(&ctx, &p, &[]).await?)),
                    None => Some(rpt_text("That person is no longer on record.")),
                },
                Some(Action::HistoryPerson)
                | Some(Action::HistoryNewer)
                | Some(Action::HistoryOlder) => history_button(&ctx, &value).await?,
                Some(Action::OpenItemsPrevious) | Some(Action::OpenItemsNext) => {
                    match value.parse::<usize>() {
                        Ok(offset) => Some(rpt::open_items_page(&ctx, offset).await?),
                        Err(_) => None,
                    }
                }
                Some(Action::BreachPerson) => match person(&ctx, &value).await? {
                    Some(p) => Some(rpt::open_breach_for(&ctx, &trigger_id, &p).await?),
                    None => Some(rpt_text("That person is no longer on record.")),
                },
                Some(Action::FoiPerson) => match person(&ctx, &value).await? {
                    Some(p) => Some(rpt::open_foi_for(&ctx, &trigger_id, &p).await?),
                    None => Some(rpt_text("That person is no longer on record.")),
                },
                Some(Action::ReportInstead) => {
                    Some(rpt::open_report(&ctx, &trigger_id, value.parse().ok()).await?)
                }
                Some(Action::AccessPerson) => match person(&ctx, &value).await? {
                    Some(p) => Some(rpt::open_access_for(&ctx, &trigger_id, &p).await?),
                    None => Some(rpt_text("That person is no longer on record.")),
                },
                Some(Action::CorrectPerson) => match person(&ctx, &value).await? {
                    Some(p) => Some(rpt::open_correct_for(&ctx, &trigger_id, &p).await?),
                    None => Some(rpt_text("That person is no longer on record.")),
                },
                Some(Action::WarnPerson) => match person(&ctx, &value).await? {
                    Some(p) => Some(res::open_warn_for(&ctx, &trigger_id, &p).await?),
                    None => Some(rpt_text("That person is no longer on record.")),
                },
                Some(Action::RestrictPerson) => match person(&ctx, &value).await? {
                    Some(p) => Some(res::open_restrict_for(&ctx, &trigger_id, &p, None).await?),
                    None => Some(rpt_text("That person is no longer on record.")),
                },
                Some(Action::ApproveRequest) => match value.parse::<i64>() {
                    Ok(id) => {
                        let (at_once, not_before) = takes_effect_choice(event, id);
                        Some(rpt_text(
                            &res::approve(&ctx, id, ticked(event, id), at_once, not_before).await?,
                        ))
                    }
                    Err(_) => None,
                },
                Some(Action::RejectRequest) => match value.parse::<i64>() {
                    Ok(id) => res::open_reject(&ctx, &trigger_id, id, ticked(event, id))
                        .await?
                        .map(|m| rpt_text(&m)),
                    Err(_) => None,
                },
                Some(Action::WithdrawRequest) => match value.parse::<i64>() {
                    Ok(id) => res::open_withdraw(&ctx, &trigger_id, id)
                        .await?
                        .map(|m| rpt_text(&m)),
                    Err(_) => None,
                },
                Some(Action::MarkLetterSent) => match value.parse::<i64>() {
                    Ok(id) => res::open_mark_sent(&ctx, &trigger_id, id)
                        .await?
                        .map(|m| rpt_text(&m)),
                    Err(_) => None,
                },
                Some(Action::DisputePerson) => match person(&ctx, &value).await? {
                    Some(p) => Some(dsp::open_dispute_for(&ctx, &trigger_id, &p).await?),
                    None => Some(rpt_text("That person is no longer on record.")),
                },
                Some(Action::ReviewPerson) => match person(&ctx, &value).await? {
                    Some(p) => Some(dsp::review_person(&ctx, &trigger_id, &p).await?),
                    None => Some(rpt_text("That person is no longer on record.")),
                },
                Some(Action::ExportPerson) => match person(&ctx, &value).await? {
                    Some(p) => Some(super::subject_access::export_person(&ctx, &p).await?),
                    None => Some(rpt_text("That person is no longer on record.")),
                },
                Some(Action::ResolveDispute) => match value.parse::<i64>() {
                    Ok(id) => dsp::open_resolve(&ctx, &trigger_id, id)
                        .await?
                        .map(|m| rpt_text(&m)),
                    Err(_) => None,
                },
                Some(Action::StartReview) => match value.parse::<i64>() {
                    Ok(id) => Some(dsp::open_review(&ctx, &trigger_id, id).await?),
                    Err(_) => None,
                },
                Some(Action::RequestVariation) => match value.parse::<i64>() {
                    Ok(id) => Some(res::request_variation(&ctx, &trigger_id, id).await?),
                    Err(_) => None,
                },
                Some(Action::AuthoriseContinuation) => match value.parse::<i64>() {
                    Ok(id) => Some(rpt_text(
                        &dsp::authorise_continuation(&ctx, id, continuation_ticked(event, id))
                            .await?,
                    )),
                    Err(_) => None,
                },
                Some(Action::RejectContinuation) => match value.parse::<i64>() {
                    Ok(id) => dsp::open_reject_continuation(&ctx, &trigger_id, id)
                        .await?
                        .map(|m| rpt_text(&m)),
                    Err(_) => None,
                },
                // A tick on a continuation's checklist (block `continuation_criteria:<id>`).
                Some(Action::ContinuationCriteria) => {
                    let prefix = format!("{}:", Action::ContinuationCriteria.as_str());
                    let id = block_id
                        .as_deref()
                        .and_then(|b| b.strip_prefix(&prefix))
                        .and_then(|id| id.parse::<i64>().ok());
                    if let Some(id) = id {
                        dsp::continuation_criteria_ticked(&ctx, id).await?;
                    }
                    None
                }
                Some(Action::ConfirmRetention) => match value.parse::<i64>() {
                    Ok(id) => Some(rpt_text(&super::retention::confirm(&ctx, id).await?)),
                    Err(_) => None,
                },
                Some(Action::CloseWarning) => match value.parse::<i64>() {
                    Ok(id) => Some(rpt_text(&res::close_warning(&ctx, id).await?)),
                    Err(_) => None,
                },
                // Choices inside a form that show or hide the fields that apply.
                Some(Action::Person) | Some(Action::Kinds) => {
                    if let Some(m) = modal.filter(|m| m.callback() == Some(Callback::Report)) {
                        rpt::report_choices_changed(&ctx, m).await?;
                    }
                    None
                }
                Some(Action::Measures) => {
                    if let Some(m) = modal.filter(|m| m.callback() == Some(Callback::Restrict)) {
                        res::measures_changed(&ctx, m).await?;
                    }
                    None
                }
                // A tick on an approval message's checklist (block `criteria:<request id>`).
                Some(Action::Criteria) => {
                    let request = block_id.as_deref().and_then(|b| {
                        b.strip_prefix(&format!("{}:", res::CRITERIA))
                            .and_then(|id| id.parse::<i64>().ok())
                    });
                    if let Some(id) = request {
                        res::criteria_ticked(&ctx, id).await?;
                    }
                    None
                }
                _ => None,
            })
        }
        .await;
        let reply = Reply::recover(reply)?;
        // Buttons answer through the response_url, replacing the message they were on.
        // A case file opened from a manager's notification comes as a new message, so the
        // notification and its buttons stay.
        // Answers to buttons on notifications and approval messages come as a new message,
        // so the original (and its buttons, or its update to the outcome) stays.
        let opened_from_notification =
            action == Some(Action::HistoryPerson) && value.starts_with("incident:");
        let on_a_decision_message = matches!(
            action,
            Some(
                Action::ApproveRequest
                    | Action::RejectRequest
                    | Action::WithdrawRequest
                    | Action::MarkLetterSent
                    | Action::RecordPoliceReport
                    | Action::ResolveDispute
                    | Action::StartReview
                    | Action::RequestVariation
                    | Action::CloseWarning
                    | Action::AuthoriseContinuation
                    | Action::RejectContinuation
                    | Action::ConfirmRetention
            )
        );
        let replace = !opened_from_notification && !on_a_decision_message;
        if matches!(
            action,
            Some(Action::ApproveRequest | Action::AuthoriseContinuation)
        ) {
            super::home::refresh_after_change(state, &ctx.user).await;
        }
        if let (Some(Reply::Ephemeral(content)), Some(url)) = (reply, response_url.as_deref()) {
            // Keyed on the click's trigger (unique per click) so no reply is ever mistaken
            // for another's.
            let key = format!("action:{trigger_id}:{action_id}:{value}");
            send::queue(state, vec![send::respond(url, content, replace, key)]).await?;
        }
    }
    Ok(StatusCode::OK.into_response())
}

/// The criteria ticked on the approval message the button was clicked on.
fn ticked(event: &SlackInteractionBlockActionsEvent, request_id: i64) -> Vec<String> {
    let block = SlackBlockId(format!("{}:{request_id}", res::CRITERIA));
    event
        .state
        .as_ref()
        .and_then(|state| state.values.get(&block))
        .and_then(|actions| actions.values().next())
        .and_then(|value| value.selected_options.as_ref())
        .map(|options| options.iter().map(|o| o.value.clone()).collect())
        .unwrap_or_default()
}

/// How the head chose, on the approval message, that the restriction takes effect: at
/// once for staff safety, and a start date no earlier than which (issue 9, finding 15).
fn takes_effect_choice(
    event: &SlackInteractionBlockActionsEvent,
    request_id: i64,
) -> (bool, Option<chrono::NaiveDate>) {
    let block = SlackBlockId(crate::slack::ids::takes_effect_block(request_id));
    let values = event
        .state
        .as_ref()
        .and_then(|state| state.values.get(&block));
    let at_once = values
        .and_then(|v| v.get(&SlackActionId(Action::AtOnce.as_str().to_owned())))
        .and_then(|value| value.selected_options.as_ref())
        .is_some_and(|options| {
            options
                .iter()
                .any(|o| o.value == crate::slack::ids::AT_ONCE_FOR_STAFF_SAFETY)
        });
    let not_before = values
        .and_then(|v| v.get(&SlackActionId(Action::StartsNotBefore.as_str().to_owned())))
        .and_then(|value| value.selected_date.as_deref())
        .and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    (at_once, not_before)
}

/// The criteria ticked on the continuation message the Authorise button was clicked on.
fn continuation_ticked(
    event: &SlackInteractionBlockActionsEvent,
    continuation_id: i64,
) -> Vec<String> {
    let block = SlackBlockId(super::ids::continuation_criteria_block(continuation_id));
    event
        .state
        .as_ref()
        .and_then(|state| state.values.get(&block))
        .and_then(|actions| actions.values().next())
        .and_then(|value| value.selected_options.as_ref())
        .map(|options| options.iter().map(|o| o.value.clone()).collect())
        .unwrap_or_default()
}

fn rpt_text(message: &str) -> Reply {
    Reply::Ephemeral(SlackMessageContent::new().with_text(message.to_owned()))
}

async fn person(
    ctx: &Ctx<'_>,
    value: &str,
) -> Result<Option<crate::store::records::PersonRecord>, ApiError> {
    match value.parse::<i64>() {
        Ok(id) => Ok(ctx.state.store.person(id).await?),
        Err(_) => Ok(None),
    }
}

/// `person:offset`, `person` or `incident:<id>` (from a manager's DM).
async fn history_button(ctx: &Ctx<'_>, value: &str) -> Result<Option<Reply>, ApiError> {
    let store = ctx.state.store.as_ref();
    if let Err(denied) = crate::access::require_case_file_reader(store, &ctx.user).await? {
        return Err(ApiError::Refused(denied.0));
    }
    let (person_id, offset) = if let Some(incident) = value.strip_prefix("incident:") {
        let incident = match incident.parse::<i64>() {
            Ok(id) => store.incident(id).await?,
            Err(_) => None,
        };
        (incident.map(|i| i.person_id), 0)
    } else {
        let mut parts = value.splitn(2, ':');
        let id = parts.next().and_then(|p| p.parse::<i64>().ok());
        let offset = parts
            .next()
            .and_then(|o| o.parse::<usize>().ok())
            .unwrap_or(0);
        (id, offset)
    };
    let Some(person) = (match person_id {
        Some(id) => store.person(id).await?,
        None => None,
    }) else {
        return Ok(Some(rpt_text("That person is no longer on record.")));
    };
    Ok(Some(Reply::Ephemeral(
        rpt::history_page(ctx, &person, offset).await?,
    )))
}

pub async fn block_suggestion(
    state: &AppState,
    event: &SlackInteractionBlockSuggestionEvent,
) -> Result<Response, ApiError> {
    if Action::parse(event.action_id.as_ref()) == Some(Action::Person) {
        let options = rpt::person_options(state.store.as_ref(), &event.value).await?;
        return Ok(Json(options).into_response());
    }
    Ok(Json(serde_json::json!({ "options": [] })).into_response())
}
