//! Prometheus metrics, one registry per running app (so tests can run several apps in
//! one process). Labels never carry personal data: only endpoints (route templates),
//! outcomes, outbox states, Slack methods and Slack's error codes.

use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::{Registry, Unit};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub endpoint: &'static str,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutboxLabels {
    pub method: String,
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct StateLabels {
    pub state: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SlackErrorLabels {
    pub method: String,
    pub error: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    /// The route's template (e.g. `/slack/commands`), never the requested path itself.
    pub endpoint: String,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

/// Request latencies, from 5 ms to about 20 s: Slack's 3-second budget falls inside.
fn latency_histogram() -> Histogram {
    Histogram::new(exponential_buckets(0.005, 2.0, 13))
}

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub slack_requests: Family<RequestLabels, Counter>,
    pub outbox_deliveries: Family<OutboxLabels, Counter>,
    pub outbox_messages: Family<StateLabels, Gauge>,
    pub outbox_oldest_pending: Gauge<f64, AtomicU64>,
    pub slack_errors: Family<SlackErrorLabels, Counter>,
    pub reminder_sweep: Histogram,
    pub request_duration: HistogramFamily<EndpointLabels>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("contact_policy_bot");
        let slack_requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "slack_requests",
            "Requests received from Slack, by endpoint and outcome",
            slack_requests.clone(),
        );
        let outbox_deliveries = Family::<OutboxLabels, Counter>::default();
        registry.register(
            "outbox_deliveries",
            "Outbox delivery attempts, by Slack method and outcome",
            outbox_deliveries.clone(),
        );
        let outbox_messages = Family::<StateLabels, Gauge>::default();
        registry.register(
            "outbox_messages",
            "Messages in the outbox, by state (pending, sent, failed), read when scraped",
            outbox_messages.clone(),
        );
        let outbox_oldest_pending = Gauge::<f64, AtomicU64>::default();
        registry.register_with_unit(
            "outbox_oldest_pending_age",
            "Age of the oldest message still waiting to be sent (0 when none waits)",
            Unit::Seconds,
            outbox_oldest_pending.clone(),
        );
        let slack_errors = Family::<SlackErrorLabels, Counter>::default();
        registry.register(
            "slack_errors",
            "Slack Web API calls that failed, by method and Slack's error code (or http_<status>, timeout, ratelimited)",
            slack_errors.clone(),
        );
        let reminder_sweep = Histogram::new(exponential_buckets(0.01, 2.0, 14));
        registry.register_with_unit(
            "reminder_sweep_duration",
            "How long each reminder sweep took",
            Unit::Seconds,
            reminder_sweep.clone(),
        );
        let request_duration: HistogramFamily<EndpointLabels> =
            Family::new_with_constructor(latency_histogram);
        registry.register_with_unit(
            "http_request_duration",
            "Time to answer an HTTP request, by endpoint (route template)",
            Unit::Seconds,
            request_duration.clone(),
        );
        Self {
            registry,
            slack_requests,
            outbox_deliveries,
            outbox_messages,
            outbox_oldest_pending,
            slack_errors,
            reminder_sweep,
            request_duration,
        }
    }

    pub fn request(&self, endpoint: &'static str, outcome: &'static str) {
        self.slack_requests
            .get_or_create(&RequestLabels { endpoint, outcome })
            .inc();
    }

    pub fn delivery(&self, method: &str, outcome: &'static str) {
        self.outbox_deliveries
            .get_or_create(&OutboxLabels {
                method: method.to_owned(),
                outcome,
            })
            .inc();
    }

    /// A failed Slack call; `code` is a short code such as `CallFailure::code` gives.
    pub fn slack_error(&self, method: &str, code: &str) {
        self.slack_errors
            .get_or_create(&SlackErrorLabels {
                method: method.to_owned(),
                error: code.to_owned(),
            })
            .inc();
    }

    pub fn sweep_took(&self, seconds: f64) {
        self.reminder_sweep.observe(seconds);
    }

    pub fn request_took(&self, endpoint: &str, seconds: f64) {
        self.request_duration
            .get_or_create(&EndpointLabels {
                endpoint: endpoint.to_owned(),
            })
            .observe(seconds);
    }

    /// The outbox gauges, from the store's counts when scraped.
    pub fn outbox_state(&self, by_state: &[(&'static str, i64)], oldest_pending_age: f64) {
        for (state, count) in by_state {
            self.outbox_messages
                .get_or_create(&StateLabels { state })
                .set(*count);
        }
        self.outbox_oldest_pending.set(oldest_pending_age);
    }

    /// The registry in Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
