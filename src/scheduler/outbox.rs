//! The outbox sender. Rows are claimed (so two senders never take the same row), sent
//! through slack-morphism, and the result recorded against the claim: the Slack `ts` on
//! success; a wait that uses no attempt on 429 (Slack's Retry-After); a counted attempt and
//! capped exponential backoff with jitter on 5xx, timeouts and unreadable replies; failure
//! only when Slack refuses the call itself (a named error such as `channel_not_found`, or a
//! 4xx other than 408 and 429). An outage, however long, never gives a message up: a row
//! still undelivered after `alert_after_attempts` is reported in the log and keeps being
//! tried every `max_backoff`. Rows are never deleted, so a restart picks up exactly what
//! was left undelivered.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::Rng;
use tokio::sync::{watch, Notify};

use crate::clock::Clock;
use crate::config::OutboxConfig;
use crate::metrics::Metrics;
use crate::slack::outbound::{CallFailure, SlackApi, SlackCall};
use slack_morphism::prelude::SlackApiChatUpdateRequest;

use crate::store::{DeliveryOutcome, OutboxMessage, OutboxStatus, Store, StoreResult};

/// How many rows one claim takes.
const BATCH: i64 = 20;
/// How soon an update of a message not yet delivered is tried again.
const WAIT_FOR_ORIGINAL: Duration = Duration::from_secs(5);
/// Used when Slack answers 429 without a usable Retry-After header.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct OutboxSender {
    pub store: Arc<dyn Store>,
    pub api: Arc<SlackApi>,
    pub clock: Arc<dyn Clock>,
    pub config: OutboxConfig,
    pub metrics: Arc<Metrics>,
    pub wake: Arc<Notify>,
    pub worker_id: String,
}

impl OutboxSender {
    /// Runs until `shutdown` turns true, finishing the row being sent before returning.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        tracing::info!(worker = %self.worker_id, "outbox sender started");
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Err(err) = self.send_due(&shutdown).await {
                tracing::error!(error = %err, "outbox sweep failed");
            }
            let pause = self.pause().await;
            tokio::select! {
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
                _ = shutdown.changed() => {}
            }
        }
        tracing::info!(worker = %self.worker_id, "outbox sender stopped");
    }

    /// How long to sleep: until the next row is due, but never longer than the poll interval.
    async fn pause(&self) -> Duration {
        let poll = self.config.poll_interval;
        match self.store.next_outbox_due().await {
            Ok(Some(due)) => (due - self.clock.now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(poll),
            Ok(None) => poll,
            Err(_) => poll,
        }
    }

    /// Claims and sends every due row; returns how many were attempted. Stops early (and
    /// hands unsent claims back) when shutdown is requested.
    pub async fn send_due(&self, shutdown: &watch::Receiver<bool>) -> StoreResult<usize> {
        let mut attempted = 0;
        loop {
            let now = self.clock.now();
            let claim_until =
                now + chrono::Duration::from_std(self.config.claim_timeout).unwrap_or_default();
            let batch = self
                .store
                .claim_outbox(&self.worker_id, now, claim_until, BATCH)
                .await?;
            if batch.is_empty() {
                return Ok(attempted);
            }
            for message in batch {
                if *shutdown.borrow() {
                    self.store
                        .release_outbox_claim(message.id, &self.worker_id)
                        .await?;
                    continue;
                }
                self.deliver(&message).await?;
                attempted += 1;
            }
            if *shutdown.borrow() {
                return Ok(attempted);
            }
        }
    }

    async fn deliver(&self, message: &OutboxMessage) -> StoreResult<()> {
        // Rows in a batch are sent one after another; each claim is renewed just before its
        // send, so a row whose claim lapsed meanwhile (and that another instance may now
        // hold) is never sent by both.
        let until = self.clock.now()
            + chrono::Duration::from_std(self.config.claim_timeout).unwrap_or_default();
        if !self
            .store
            .renew_outbox_claim(message.id, &self.worker_id, until)
            .await?
        {
            tracing::warn!(
                outbox_id = message.id,
                "claim lapsed before sending; left to its new holder"
            );
            return Ok(());
        }
        let outcome = match SlackCall::from_outbox(&message.method, &message.payload) {
            Ok(call) => match self.resolve(call.tagged(&message.idempotency_key)).await? {
                Ok(call) => match self.send_once(message, &call).await {
                    Ok(delivered) => DeliveryOutcome::Sent {
                        channel: delivered.channel,
                        ts: delivered.ts,
                    },
                    Err(failure) => self.after_failure(message, failure),
                },
                Err(failure) => self.after_failure(message, failure),
            },
            Err(err) => DeliveryOutcome::Failed {
                error: err.to_string(),
            },
        };
        let label = match &outcome {
            DeliveryOutcome::Sent { .. } => "sent",
            DeliveryOutcome::Retry { .. } => "retry",
            DeliveryOutcome::Deferred { .. } => "deferred",
            DeliveryOutcome::Failed { .. } => "failed",
        };
        self.metrics.delivery(&message.method, label);
        match &outcome {
            DeliveryOutcome::Sent { .. } => {
                tracing::info!(outbox_id = message.id, method = %message.method, "delivered to slack")
            }
            DeliveryOutcome::Retry {
                next_attempt_at,
                error,
            } => {
                let attempt = message.attempts + 1;
                if attempt == self.config.alert_after_attempts {
                    tracing::error!(outbox_id = message.id, method = %message.method, attempt, %error, retry_at = %next_attempt_at, "slack delivery still failing; it keeps being retried")
                } else {
                    tracing::warn!(outbox_id = message.id, method = %message.method, attempt, %error, retry_at = %next_attempt_at, "slack delivery will be retried")
                }
            }
            DeliveryOutcome::Deferred {
                next_attempt_at,
                error,
            } => {
                tracing::info!(outbox_id = message.id, method = %message.method, %error, retry_at = %next_attempt_at, "slack delivery deferred")
            }
            DeliveryOutcome::Failed { error } => {
                tracing::error!(outbox_id = message.id, method = %message.method, attempt = message.attempts, %error, "slack delivery failed for good")
            }
        }
        let recorded = self
            .store
            .record_delivery(message.id, &self.worker_id, &outcome, self.clock.now())
            .await?;
        if !recorded {
            tracing::warn!(
                outbox_id = message.id,
                "claim lapsed before the result was recorded"
            );
        }
        Ok(())
    }

    /// Sends the call, unless an earlier attempt that died mid-send already delivered it.
    async fn send_once(
        &self,
        message: &OutboxMessage,
        call: &SlackCall,
    ) -> Result<crate::slack::outbound::Delivered, CallFailure> {
        // A failed attempt may have reached Slack without us knowing (a timeout or 5xx after
        // Slack accepted it, an unreadable reply, or a sender that died): look first, from
        // the row's first attempt on. A 429 is Slack saying it took nothing, so it is not
        // counted and needs no look.
        if message.in_doubt || message.attempts > 0 {
            let since = message.first_attempted_at.unwrap_or(message.created_at);
            if let Some(found) = self
                .api
                .find_posted(call, &message.idempotency_key, since)
                .await?
            {
                tracing::info!(
                    outbox_id = message.id,
                    "an earlier attempt had delivered it; not sent again"
                );
                return Ok(found);
            }
        }
        self.api.call(call).await
    }

    /// Turns an update of one of our own messages into a `chat.update` with its channel
    /// and `ts`, once the original was delivered; until then it waits like a retry.
    async fn resolve(&self, call: SlackCall) -> StoreResult<Result<SlackCall, CallFailure>> {
        let SlackCall::UpdateSent {
            of_outbox_id,
            content,
        } = call
        else {
            return Ok(Ok(call));
        };
        let original = self.store.outbox_message(of_outbox_id).await?;
        Ok(match original {
            Some(OutboxMessage {
                status: OutboxStatus::Sent,
                slack_channel: Some(channel),
                slack_ts: Some(ts),
                ..
            }) => Ok(SlackCall::Update(SlackApiChatUpdateRequest::new(
                channel.into(),
                content,
                ts.into(),
            ))),
            Some(OutboxMessage {
                status: OutboxStatus::Pending,
                ..
            }) => Err(CallFailure::Waiting),
            _ => Err(CallFailure::Permanent(
                "the message to update was never delivered".to_owned(),
            )),
        })
    }

    fn after_failure(&self, message: &OutboxMessage, failure: CallFailure) -> DeliveryOutcome {
        let now = self.clock.now();
        if let Some(code) = failure.code() {
            self.metrics.slack_error(&message.method, &code);
        }
        match failure {
            CallFailure::Permanent(error) => DeliveryOutcome::Failed { error },
            // Waiting for the original to be delivered is not a failed attempt: it is tried
            // again shortly, however long the original takes.
            CallFailure::Waiting => DeliveryOutcome::Deferred {
                next_attempt_at: later(now, WAIT_FOR_ORIGINAL),
                error: "waiting for the message it updates to be delivered".to_owned(),
            },
            // Slack's Retry-After is honoured as given and uses no attempt: Slack took nothing.
            CallFailure::RateLimited { retry_after } => {
                let wait = retry_after.unwrap_or(DEFAULT_RETRY_AFTER);
                DeliveryOutcome::Deferred {
                    next_attempt_at: later(now, wait),
                    error: format!("rate limited, retry after {}s", wait.as_secs()),
                }
            }
            // Never given up on: an outage ends, and a message dropped is lost for good.
            CallFailure::Transient(error) => DeliveryOutcome::Retry {
                next_attempt_at: later(now, backoff(&self.config, message.attempts + 1)),
                error,
            },
        }
    }
}

fn later(now: DateTime<Utc>, wait: Duration) -> DateTime<Utc> {
    now + chrono::Duration::from_std(wait).unwrap_or_else(|_| chrono::Duration::seconds(60))
}

/// Exponential backoff from `base_backoff` after the `attempts`-th failed attempt,
/// doubling per attempt, with jitter so many rows failing together do not retry in
/// lockstep, and never longer than `max_backoff` (jitter included).
pub fn backoff(config: &OutboxConfig, attempts: i32) -> Duration {
    let exponent = attempts.saturating_sub(1).clamp(0, 20) as u32;
    let raw = config
        .base_backoff
        .saturating_mul(2u32.saturating_pow(exponent));
    let mut rng = rand::rng();
    let wait = raw.mul_f64(rng.random_range(0.8..=1.2));
    if wait <= config.max_backoff {
        wait
    } else {
        // At the cap, jitter only downwards, so rows of a long outage still spread out.
        config.max_backoff.mul_f64(rng.random_range(0.8..=1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        let config = OutboxConfig {
            base_backoff: Duration::from_secs(2),
            max_backoff: Duration::from_secs(60),
            ..OutboxConfig::default()
        };
        let first = backoff(&config, 1);
        assert!(
            first >= Duration::from_millis(1600) && first <= Duration::from_millis(2400),
            "{first:?}"
        );
        let third = backoff(&config, 3);
        assert!(
            third >= Duration::from_millis(6400) && third <= Duration::from_millis(9600),
            "{third:?}"
        );
        for attempts in [7, 30, i32::MAX] {
            let late = backoff(&config, attempts);
            assert!(
                late <= Duration::from_secs(60) && late >= Duration::from_secs(48),
                "{late:?}"
            );
        }
    }
}
