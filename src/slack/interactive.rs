//! The immediate lane for views answering a user's action (`views.open`, `views.push`,
//! `views.update`): a `trigger_id` dies 3 seconds after the action, and a form waiting
//! for its fields is a user waiting, so they go out at once, never behind the outbox's
//! bulk messages (see `send::queue`).

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

use super::outbound::{CallFailure, SlackApi, SlackCall};
use crate::metrics::Metrics;
use crate::store::NewOutboxMessage;

/// How long a `trigger_id` stays good after the user's action (Slack: 3 seconds).
const TRIGGER_WINDOW: Duration = Duration::from_secs(3);
/// How long a `views.update` is worth trying: it needs no trigger, only the view to be
/// still open, so it may ride out a short Slack hiccup.
const UPDATE_WINDOW: Duration = Duration::from_secs(20);
/// Interactive calls under way at once. Slack allows views.open at Tier 4 (100+ a minute
/// per workspace); more than this many at one moment wait for a place within the window.
const INTERACTIVE_PLACES: usize = 32;
/// Tries of one `views.update` at most: a form waiting for its fields is worth a few
/// tries, not a place held for its whole window while `views.open` calls wait.
const UPDATE_TRIES: u32 = 3;
/// Pause before trying again after a 5xx, a timeout or a 429 without Retry-After.
const INTERACTIVE_RETRY_PAUSE: Duration = Duration::from_millis(250);

/// The immediate sender for views answering a user's action. Nothing is stored: once the
/// trigger has expired the call cannot succeed, so a failure is logged (method and Slack's
/// error code only) and counted, and the user can simply act again.
#[derive(Debug, Clone)]
pub struct Interactive {
    api: Arc<SlackApi>,
    places: Arc<Semaphore>,
    metrics: Arc<Metrics>,
}

impl Interactive {
    pub fn new(api: Arc<SlackApi>, metrics: Arc<Metrics>) -> Self {
        Self {
            api,
            places: Arc::new(Semaphore::new(INTERACTIVE_PLACES)),
            metrics,
        }
    }

    /// Sends the call in a task of its own, so the HTTP answer to Slack is not held up.
    pub fn send(&self, message: &NewOutboxMessage) {
        let window = if message.method == "views.update" {
            UPDATE_WINDOW
        } else {
            TRIGGER_WINDOW
        };
        let deadline = Instant::now() + window;
        let call = match SlackCall::from_outbox(&message.method, &message.payload) {
            Ok(call) => call,
            Err(err) => {
                tracing::error!(method = %message.method, error = %err, "interactive call could not be built");
                self.metrics.delivery(&message.method, "failed");
                return;
            }
        };
        let lane = self.clone();
        tokio::spawn(async move { lane.deliver(call, deadline).await });
    }

    async fn deliver(&self, call: SlackCall, deadline: Instant) {
        let method = call.method();
        let Ok(Ok(_place)) =
            tokio::time::timeout_at(deadline, self.places.clone().acquire_owned()).await
        else {
            self.gave_up(method, 0, "no place free in time");
            return;
        };
        let mut tries = 0;
        loop {
            tries += 1;
            let result = tokio::time::timeout_at(deadline, self.api.call(&call))
                .await
                .unwrap_or_else(|_| Err(CallFailure::Transient("out of time".into())));
            if let Some(code) = result.as_ref().err().and_then(CallFailure::code) {
                self.metrics.slack_error(method, &code);
            }
            let (pause, error) = match result {
                Ok(_) => {
                    self.metrics.delivery(method, "sent");
                    tracing::debug!(method, tries, "interactive call sent");
                    return;
                }
                Err(CallFailure::RateLimited { retry_after }) => (
                    retry_after.unwrap_or(INTERACTIVE_RETRY_PAUSE),
                    "rate limited".to_owned(),
                ),
                Err(CallFailure::Transient(error)) => (INTERACTIVE_RETRY_PAUSE, error),
                Err(CallFailure::Permanent(error)) => {
                    self.gave_up(method, tries, &error);
                    return;
                }
                Err(CallFailure::Waiting) => {
                    self.gave_up(method, tries, "not an interactive call");
                    return;
                }
            };
            // Retrying is only worth it while the call can still do its job.
            if Instant::now() + pause >= deadline
                || (method == "views.update" && tries >= UPDATE_TRIES)
            {
                self.gave_up(method, tries, &error);
                return;
            }
            self.metrics.delivery(method, "retry");
            tokio::time::sleep(pause).await;
        }
    }

    fn gave_up(&self, method: &str, tries: u32, error: &str) {
        self.metrics.delivery(method, "failed");
        tracing::warn!(
            method,
            tries,
            error,
            "interactive call not delivered; the user can act again"
        );
    }
}
