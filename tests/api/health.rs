//! Health, readiness and metrics endpoints (R-OPS-4).

use crate::helpers::*;

async fn health_readiness_and_metrics_answer(backend: Backend) {
    let Some(app) = spawn_app(backend, "health").await else {
        return;
    };
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    app.slash_command("U0STAFF", "help").await;
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status(), 200);
    let text = metrics.text().await.expect("metrics body");
    assert!(
        text.contains(
            "contact_policy_bot_slack_requests_total{endpoint=\"commands\",outcome=\"ok\"} 1"
        ),
        "{text}"
    );
    assert!(!text.contains("U0STAFF"), "metrics must not carry user ids");
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(health_readiness_and_metrics_answer);
