//! App Home (Slack `app_home_opened`): each user's own to-do list. Heads and deputies see
//! approvals waiting; managers reviews due, disputes to resolve, police reports still
//! required and letters to send; everyone their own recent reports. Published when the
//! tab is opened and after each change the user makes. Items are named by reference.

use chrono::Duration;
use slack_morphism::prelude::*;

use super::blocks::{section, sections};
use super::outbound::SlackCall;
use super::views::home_view;
use crate::domain::UserId;
use crate::slack::error::ApiError;
use crate::slack::state::AppState;
use crate::store::schedule::{HomeItems, Listed};

/// How far ahead App Home lists reviews.
const REVIEW_HORIZON_DAYS: i64 = 30;

/// Queues an App Home that says only why the register is not available to `user` (a
/// guest, an app, or not enrolled under `STAFF=enrolled`): nothing of the register shows.
pub async fn publish_refusal(
    state: &AppState,
    user: &UserId,
    why: &str,
    key: &str,
) -> Result<(), ApiError> {
    let view = SlackHomeView::new(vec![section(why)]);
    publish(state, user, SlackView::Home(view), key).await
}

/// Queues a fresh App Home for `user`; `key` makes a retried trigger publish once.
pub async fn publish_home(state: &AppState, user: &UserId, key: &str) -> Result<(), ApiError> {
    let today = state
        .clock
        .now()
        .with_timezone(&state.timezone)
        .date_naive();
    let roles = state.store.roles_of(user).await?;
    let items = state
        .store
        .home_items(user, today, today + Duration::days(REVIEW_HORIZON_DAYS))
        .await?;
    let SlackView::Home(mut home) = home_view(&roles) else {
        return Ok(());
    };
    home.blocks.extend(todo_blocks(state, &items));
    publish(state, user, SlackView::Home(home), key).await
}

async fn publish(
    state: &AppState,
    user: &UserId,
    view: SlackView,
    key: &str,
) -> Result<(), ApiError> {
    let call = SlackCall::PublishView(SlackApiViewsPublishRequest::new(user.as_str().into(), view));
    let message = call
        .into_outbox(key, Some(("user", user.to_string())))
        .map_err(|e| ApiError::Internal(e.into()))?;
    state
        .store
        .enqueue(&[message], None, state.clock.now())
        .await?;
    state.outbox_wake.notify_one();
    Ok(())
}

/// After a change a user made: their Home reflects it.
pub async fn refresh_after_change(state: &AppState, user: &UserId) {
    let key = format!("home:{user}:{}", state.clock.now().timestamp_micros());
    if let Err(err) = publish_home(state, user, &key).await {
        tracing::warn!(error = %err, "App Home refresh failed");
    }
}

/// One to-do list: its true count, the first items, and how many more there are.
fn list<T>(
    title: &str,
    listed: &Listed<T>,
    line: impl Fn(&T) -> String,
) -> Option<Vec<SlackBlock>> {
    if listed.is_empty() {
        return None;
    }
    let mut lines: Vec<String> = listed
        .items
        .iter()
        .map(|i| format!("• {}", line(i)))
        .collect();
    if listed.more() > 0 {
        lines.push(format!("…and {} more.", listed.more()));
    }
    Some(sections(&format!(
        "*{title}* ({})\n{}",
        listed.total,
        lines.join("\n")
    )))
}

fn todo_blocks(state: &AppState, items: &HomeItems) -> Vec<SlackBlock> {
    let tz = state.timezone;
    let day = |d: chrono::NaiveDate| d.format("%a %-d %b %Y").to_string();
    let when =
        |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&tz).format("%a %-d %b %Y").to_string();
    let mut blocks: Vec<SlackBlock> = vec![SlackDividerBlock::new().into()];
    let sections = [
        list(
            "Approvals waiting for your decision",
            &items.approvals_waiting,
            |(_, r, at)| {
                format!(
                    "{r}, requested {}: the checklist is in your messages",
                    when(*at)
                )
            },
        ),
        list(
            "Continuing at review: waiting for your authorisation",
            &items.continuations_waiting,
            |(_, review, restriction, at)| {
                format!(
                    "{restriction} at review {review}, proposed {}: the checklist is in your messages",
                    when(*at)
                )
            },
        ),
        list(
            "Waiting on the head of function",
            &items.waiting_on_head,
            |(r, at)| format!("{r}, since {}", when(*at)),
        ),
        list("Reviews due", &items.reviews_due, |(_, r, on)| {
            format!("{r}, review by {}", day(*on))
        }),
        list(
            "Disputes to resolve",
            &items.disputes_to_resolve,
            |(_, r, on)| format!("{r}, due {}", day(*on)),
        ),
        list(
            "Police reports still required",
            &items.police_reports,
            |(_, r, at)| format!("{r}, incident on {}: `/contact open`", when(*at)),
        ),
        list(
            "Letters to send",
            &items.letters_to_send,
            |(_, kind, r, waits)| {
                let mut line = format!("{} for {r}", kind.replace('_', " "));
                if *waits {
                    line.push_str(
                        ": the restriction is approved but not in force until you mark this sent",
                    );
                }
                line
            },
        ),
        list(
            "Your recent reports",
            &items.my_reports,
            |(r, at, category)| format!("{r}, {} ({})", when(*at), category.replace('_', " ")),
        ),
    ];
    let mut any = false;
    for block in sections.into_iter().flatten() {
        blocks.extend(block);
        any = true;
    }
    if !any {
        blocks.push(section("Nothing is waiting for you."));
    }
    blocks
}
