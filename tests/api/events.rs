//! The Events API: url_verification, and each event handled once however often Slack
//! retries it.

use std::time::Duration;

use serde_json::json;

use crate::helpers::*;

async fn url_verification_echoes_the_challenge(backend: Backend) {
    let Some(app) = spawn_app(backend, "url_verification").await else {
        return;
    };
    let body = json!({ "token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification" });
    let response = app.post_event(&body).await;
    assert_eq!(response.status(), 200);
    let reply: serde_json::Value = response.json().await.expect("json");
    assert_eq!(
        reply["challenge"],
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    app.stop().await.expect("stops cleanly");
}

async fn event_retries_are_handled_once(backend: Backend) {
    let Some(app) = spawn_app(backend, "event_retries").await else {
        return;
    };
    let event = app_home_opened("Ev0RETRY1", "U0STAFF", TEAM_ID);
    for _ in 0..3 {
        // Slack marks retries with headers; the body (and event_id) is the same.
        let response = app.post_event(&event).await;
        assert_eq!(response.status(), 200);
    }
    let calls = app
        .slack
        .wait_for_calls("views.publish", 1, Duration::from_secs(5))
        .await;
    assert_eq!(calls[0].body["user_id"], "U0STAFF");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.slack.calls_to("views.publish").len(),
        1,
        "published more than once"
    );
    assert_eq!(app.store.outbox_messages().await.expect("outbox").len(), 1);
    assert!(app.store.event_seen("Ev0RETRY1").await.expect("seen"));
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    url_verification_echoes_the_challenge,
    event_retries_are_handled_once
);
