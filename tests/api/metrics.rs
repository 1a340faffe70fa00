//! Prometheus metrics an operator needs (issue 11, item 12; R-OPS-4): the outbox's depth by
//! state and its oldest pending message's age, Slack errors by method and error code, the
//! reminder sweep's duration and request latency by endpoint, scraped after driving
//! traffic; and `METRICS_ADDR`, which moves `/metrics` to a listener of its own.

use std::sync::Arc;
use std::time::Duration;

use contact_policy_bot::app::Application;
use contact_policy_bot::store::OutboxStatus;

use crate::fake_slack::{FakeSlack, Scripted};
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(10);

/// The value of the sample `name` (with its labels, as printed), if present.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .and_then(|value| value.trim().parse().ok())
}

async fn r_ops_4_metrics_show_the_outbox_slack_errors_sweeps_and_latency(backend: Backend) {
    let Some(app) = spawn_app_on_manual_clock(backend, "metrics").await else {
        return;
    };
    // Slack refuses the App Home view for good: a failed message, and a Slack error.
    app.slack.push_response(
        "views.publish",
        Scripted::SlackError("channel_not_found".into()),
    );
    app.post_event(&app_home_opened("EvMetrics1", "U0STAFF", TEAM_ID))
        .await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while !app
        .store
        .outbox_messages()
        .await
        .expect("outbox")
        .iter()
        .any(|m| m.status == OutboxStatus::Failed)
    {
        assert!(tokio::time::Instant::now() < deadline, "never failed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // A message queued an hour ago and not yet due: the oldest pending one.
    let clock = app.clock.clone().expect("manual clock");
    let queued = contact_policy_bot::clock::Clock::now(&clock) - chrono::Duration::hours(1);
    run_sql(
        app.db.url(),
        &format!(
            "INSERT INTO outbox (idempotency_key, method, payload, status, attempts, next_attempt_at, created_at) \
             VALUES ('later', 'chat.postMessage', '{{}}', 'pending', 0, '2999-01-01T00:00:00+00:00', '{}')",
            queued.to_rfc3339()
        ),
    )
    .await;
    app.scheduler
        .clone()
        .expect("scheduler")
        .sweep_now()
        .await
        .expect("sweep");
    app.slash_command("U0STAFF", "help").await;

    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.expect("body");
    let at = |name: &str| sample(&text, name).unwrap_or_else(|| panic!("no {name} in:\n{text}"));
    assert_eq!(
        at("contact_policy_bot_slack_errors_total{method=\"views.publish\",error=\"channel_not_found\"}"),
        1.0
    );
    assert_eq!(
        at("contact_policy_bot_outbox_messages{state=\"failed\"}"),
        1.0
    );
    assert_eq!(
        at("contact_policy_bot_outbox_messages{state=\"pending\"}"),
        1.0
    );
    // An hour on the test's clock (PostgreSQL keeps microseconds, the clock nanoseconds).
    let age = at("contact_policy_bot_outbox_oldest_pending_age_seconds");
    assert!((age - 3600.0).abs() < 0.01, "oldest pending age {age}");
    assert_eq!(
        at("contact_policy_bot_reminder_sweep_duration_seconds_count"),
        1.0
    );
    assert_eq!(
        at("contact_policy_bot_http_request_duration_seconds_count{endpoint=\"/slack/commands\"}"),
        1.0
    );
    assert_eq!(
        at("contact_policy_bot_http_request_duration_seconds_count{endpoint=\"/slack/events\"}"),
        1.0
    );
    assert!(
        text.contains("contact_policy_bot_http_request_duration_seconds_bucket{le=\"0.005\",endpoint=\"/slack/commands\"}")
            || text.contains("contact_policy_bot_http_request_duration_seconds_bucket{endpoint=\"/slack/commands\",le=\"0.005\"}"),
        "latency buckets: {text}"
    );
    assert!(!text.contains("U0STAFF"), "metrics must not carry user ids");
    app.stop().await.expect("stops cleanly");
}

async fn r_ops_4_metrics_addr_serves_metrics_apart_from_the_slack_listener(backend: Backend) {
    let Some(db) = fresh_db(backend, "metrics_addr").await else {
        return;
    };
    let slack = Arc::new(FakeSlack::start().await);
    seed_standard_staff(&slack);
    let mut config = test_config(db.url(), &slack.api_url());
    config.metrics_addr = Some("127.0.0.1:0".parse().expect("address"));
    let app = Application::build(config).await.expect("builds");
    let main = format!("http://{}", app.local_addr().expect("bound"));
    let metrics = format!("http://{}", app.metrics_addr().expect("metrics bound"));
    assert_ne!(main, metrics);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        let _ = stopped.await;
    }));
    let http = reqwest::Client::new();
    let on_main = http
        .get(format!("{main}/metrics"))
        .send()
        .await
        .expect("main");
    assert_eq!(on_main.status(), 404, "not on the Slack listener");
    assert_eq!(
        http.get(format!("{main}/healthz"))
            .send()
            .await
            .expect("health")
            .status(),
        200
    );
    let scraped = http
        .get(format!("{metrics}/metrics"))
        .send()
        .await
        .expect("metrics");
    assert_eq!(scraped.status(), 200);
    let text = scraped.text().await.expect("body");
    assert!(
        text.contains("contact_policy_bot_outbox_messages{state=\"pending\"} 0"),
        "{text}"
    );
    assert!(
        text.contains(
            "contact_policy_bot_http_request_duration_seconds_count{endpoint=\"/healthz\"} 1"
        ),
        "the main listener's requests are timed: {text}"
    );
    let _ = stop.send(());
    task.await.expect("joins").expect("stops cleanly");
}

on_both_backends!(
    r_ops_4_metrics_show_the_outbox_slack_errors_sweeps_and_latency,
    r_ops_4_metrics_addr_serves_metrics_apart_from_the_slack_listener,
);
