//! Who is acting and when (`Ctx`), what a handler answers Slack with (`Reply`), and the
//! local-time helpers every surface shares.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde_json::Value;
use slack_morphism::prelude::*;

use crate::domain::{Actor, UserId};
use crate::slack::error::ApiError;
use crate::slack::state::AppState;

/// Who is acting, and when.
pub struct Ctx<'a> {
    pub state: &'a AppState,
    pub user: UserId,
    pub now: DateTime<Utc>,
}

impl Ctx<'_> {
    /// Refuses, saying who may instead, unless the user manages a function (R-DP-3):
    /// the gate of every manager's command. `doing` completes "Only a manager … can".
    pub async fn managers_only(&self, doing: &str) -> Result<(), ApiError> {
        crate::access::require_any_manager(self.state.store.as_ref(), &self.user, doing)
            .await?
            .map_err(|denied| ApiError::Refused(denied.0))
    }

    pub fn actor(&self) -> Actor {
        Actor::user(&self.user)
    }
    pub fn tz(&self) -> Tz {
        self.state.timezone
    }
    pub fn local_time(&self, at: DateTime<Utc>) -> String {
        self.local(at)
    }
    pub fn local(&self, at: DateTime<Utc>) -> String {
        local_time(self.tz(), at)
    }
    pub fn today(&self) -> NaiveDate {
        self.now.with_timezone(&self.tz()).date_naive()
    }
}

/// A moment as people in `zone` read it: "Tue 3 Mar 2026, 09:30".
pub fn local_time(zone: Tz, at: DateTime<Utc>) -> String {
    at.with_timezone(&zone)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

/// What a handler answers Slack with.
pub enum Reply {
    /// A private message in the HTTP response.
    Ephemeral(SlackMessageContent),
    /// An empty 200 (a modal was queued, or the modal closes).
    Ack,
    /// A view_submission answer such as inline errors.
    Json(Value),
}

impl Reply {
    /// Turns a refusal or inline form errors back into the answer they stand for, where
    /// the answer does not travel as the HTTP response (buttons answer through the
    /// response_url).
    pub fn recover(result: Result<Option<Reply>, ApiError>) -> Result<Option<Reply>, ApiError> {
        match result {
            Err(ApiError::Refused(message)) => Ok(Some(text(&message))),
            Err(ApiError::Invalid(errors)) => Ok(Some(Reply::Json(errors.into_response()))),
            other => other,
        }
    }
}

pub fn text(message: &str) -> Reply {
    Reply::Ephemeral(SlackMessageContent::new().with_text(message.to_owned()))
}
