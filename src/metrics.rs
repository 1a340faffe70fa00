//! Prometheus metrics, one registry per running app (so tests can run several apps in
//! one process). Labels never carry personal data: only endpoints, outcomes and methods.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::registry::Registry;

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

#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub slack_requests: Family<RequestLabels, Counter>,
    pub outbox_deliveries: Family<OutboxLabels, Counter>,
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
        Self {
            registry,
            slack_requests,
            outbox_deliveries,
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

    /// The registry in Prometheus text exposition format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        out
    }
}
