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

/// Issue 11 (R-OPS-4): ready only at the schema this binary carries. A database that
/// answers but lost its newest migration (emptied, restored from an older backup) is not
/// ready, so a load balancer sends it nothing.
async fn readyz_is_ready_only_at_the_binarys_migration(backend: Backend) {
    let Some(app) = spawn_app(backend, "readyz_schema").await else {
        return;
    };
    assert_eq!(app.get("/readyz").await.status(), 200);
    run_sql(
        app.db.url(),
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    assert_eq!(
        ready.text().await.expect("body"),
        "database schema is not at this version's migrations"
    );
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    health_readiness_and_metrics_answer,
    readyz_is_ready_only_at_the_binarys_migration,
);
