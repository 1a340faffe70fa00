//! The outbox sender against a misbehaving Slack: 429 with Retry-After, 5xx, and rows that
//! outlive the process that queued them.

use std::sync::Arc;
use std::time::Duration;

use contact_policy_bot::store::OutboxStatus;

use crate::fake_slack::{FakeSlack, Scripted};
use crate::helpers::*;

const WAIT: Duration = Duration::from_secs(10);

async fn wait_until_sent(
    app: &TestApp,
    count: usize,
) -> Vec<contact_policy_bot::store::OutboxMessage> {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = app.store.outbox_messages().await.expect("outbox");
        if rows.len() >= count && rows.iter().all(|r| r.status == OutboxStatus::Sent) {
            return rows;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "rows not sent in time: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn r_rem_3_rate_limited_call_waits_out_retry_after_then_sends_once(backend: Backend) {
    let Some(app) = spawn_app(backend, "outbox_429").await else {
        return;
    };
    app.slack.push_response(
        "views.publish",
        Scripted::RateLimited {
            retry_after_secs: 1,
        },
    );
    app.post_event(&app_home_opened("Ev0429", "U0STAFF", TEAM_ID))
        .await;
    let calls = app.slack.wait_for_calls("views.publish", 2, WAIT).await;
    assert_eq!(calls[0].status, 429);
    assert_eq!(calls[1].status, 200);
    let waited = calls[1].received_at - calls[0].received_at;
    assert!(
        waited >= Duration::from_millis(950),
        "Retry-After not honoured: retried after {waited:?}"
    );
    let rows = wait_until_sent(&app, 1).await;
    assert_eq!(rows[0].attempts, 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.slack.calls_to("views.publish").len(),
        2,
        "sent again after success"
    );
    app.stop().await.expect("stops cleanly");
}

async fn r_rem_3_server_error_is_retried_with_backoff_then_sends_once(backend: Backend) {
    let Some(app) = spawn_app(backend, "outbox_500").await else {
        return;
    };
    app.slack
        .push_response("views.publish", Scripted::ServerError(500));
    app.slack
        .push_response("views.publish", Scripted::ServerError(503));
    app.post_event(&app_home_opened("Ev0500", "U0STAFF", TEAM_ID))
        .await;
    let calls = app.slack.wait_for_calls("views.publish", 3, WAIT).await;
    assert_eq!(
        calls.iter().map(|c| c.status).collect::<Vec<_>>(),
        vec![500, 503, 200]
    );
    let rows = wait_until_sent(&app, 1).await;
    assert_eq!(rows[0].attempts, 3);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.slack.calls_to("views.publish").len(),
        3,
        "sent again after success"
    );
    app.stop().await.expect("stops cleanly");
}

async fn slack_refusal_marks_the_row_failed_without_retrying(backend: Backend) {
    let Some(app) = spawn_app(backend, "outbox_refused").await else {
        return;
    };
    app.slack.push_response(
        "views.publish",
        Scripted::SlackError("invalid_arguments".into()),
    );
    app.post_event(&app_home_opened("Ev0BADARGS", "U0STAFF", TEAM_ID))
        .await;
    app.slack.wait_for_calls("views.publish", 1, WAIT).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = app.store.outbox_messages().await.expect("outbox");
        if rows[0].status == OutboxStatus::Failed {
            assert_eq!(
                rows[0].last_error.as_deref(),
                Some("slack error invalid_arguments")
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "row not failed: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.slack.calls_to("views.publish").len(), 1);
    app.stop().await.expect("stops cleanly");
}

async fn undelivered_rows_survive_a_restart_and_are_sent_once(backend: Backend) {
    let Some(first) = spawn_app(backend, "outbox_restart").await else {
        return;
    };
    // Slack is down for the first run: every attempt fails with 503.
    for _ in 0..100 {
        first
            .slack
            .push_response("views.publish", Scripted::ServerError(503));
    }
    for n in 0..3 {
        first
            .post_event(&app_home_opened(&format!("Ev0DOWN{n}"), "U0STAFF", TEAM_ID))
            .await;
    }
    first.slack.wait_for_calls("views.publish", 3, WAIT).await;
    let db = first.db.clone();
    first.stop().await.expect("first run stops cleanly");

    let rows = {
        let store = contact_policy_bot::store::connect(db.url())
            .await
            .expect("reopen");
        store.outbox_messages().await.expect("outbox")
    };
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r.status == OutboxStatus::Pending && r.attempts >= 1),
        "{rows:?}"
    );

    // The bot comes back, Slack is healthy again: each row is delivered exactly once.
    let healthy = Arc::new(FakeSlack::start().await);
    let second = spawn_app_on(db, healthy.clone()).await;
    healthy.wait_for_calls("views.publish", 3, WAIT).await;
    let rows = wait_until_sent(&second, 3).await;
    assert!(rows.iter().all(|r| r.sent_at.is_some()));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        healthy.calls_to("views.publish").len(),
        3,
        "a row was sent twice"
    );
    second.stop().await.expect("second run stops cleanly");
}

async fn shutdown_finishes_the_send_under_way(backend: Backend) {
    let Some(app) = spawn_app(backend, "outbox_shutdown").await else {
        return;
    };
    app.slack
        .push_response("views.publish", Scripted::Delay(Duration::from_millis(800)));
    app.post_event(&app_home_opened("Ev0SLOW", "U0STAFF", TEAM_ID))
        .await;
    app.slack.wait_for_calls("views.publish", 1, WAIT).await;
    let store = app.store.clone();
    let started = std::time::Instant::now();
    app.stop().await.expect("stops cleanly");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let rows = store.outbox_messages().await.expect("outbox");
    assert_eq!(
        rows[0].status,
        OutboxStatus::Sent,
        "the send under way was abandoned: {rows:?}"
    );
}

on_both_backends!(
    r_rem_3_rate_limited_call_waits_out_retry_after_then_sends_once,
    r_rem_3_server_error_is_retried_with_backoff_then_sends_once,
    slack_refusal_marks_the_row_failed_without_retrying,
    undelivered_rows_survive_a_restart_and_are_sent_once,
    shutdown_finishes_the_send_under_way,
);

/// A row whose sender died mid-send: claimed by a worker whose claim lapsed with no
/// result recorded. Returns the row's key.
async fn row_left_in_doubt(db: &crate::db::TestDb, key: &str) -> String {
    use contact_policy_bot::slack::outbound::SlackCall;
    use slack_morphism::prelude::*;
    let store = contact_policy_bot::store::connect(db.url())
        .await
        .expect("store");
    let call = SlackCall::PostMessage(SlackApiChatPostMessageRequest::new(
        "U0STAFF".into(),
        SlackMessageContent::new().with_text("Review due: RES-00001".to_owned()),
    ));
    let row = call.into_outbox(key, None).expect("row");
    store
        .enqueue(&[row], None, chrono::Utc::now())
        .await
        .expect("enqueue");
    let now = chrono::Utc::now();
    let claimed = store
        .claim_outbox("dead-worker", now, now - chrono::Duration::seconds(1), 10)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    key.to_owned()
}

async fn r_rem_3_message_delivered_before_a_crash_is_not_sent_again(backend: Backend) {
    let Some(db) = fresh_db(backend, "outbox_in_doubt").await else {
        return;
    };
    let key = row_left_in_doubt(&db, "reminder:review_due:restriction:1:2026-11-05:U0STAFF").await;
    // Slack had accepted the dead worker's message: it is in the DM's history.
    let slack = Arc::new(FakeSlack::start().await);
    slack.seed_history(
        "DU0STAFF",
        serde_json::json!({
            "type": "message", "ts": "1699999999.000001", "user": "U0FAKEBOT", "text": "Review due: RES-00001",
            "metadata": { "event_type": "contact_policy_bot_outbox", "event_payload": { "outbox_key": key } }
        }),
    );
    let app = spawn_app_on(Arc::new(db), slack.clone()).await;
    let rows = wait_until_sent(&app, 1).await;
    assert_eq!(
        rows[0].slack_ts.as_deref(),
        Some("1699999999.000001"),
        "the ts Slack already had is kept"
    );
    assert!(slack.calls_to("conversations.history").len() == 1);
    assert!(slack.calls_to("chat.postMessage").is_empty(), "sent twice");
    app.stop().await.expect("stops cleanly");
}

async fn r_rem_3_message_lost_in_a_crash_is_sent_once_with_its_key(backend: Backend) {
    let Some(db) = fresh_db(backend, "outbox_in_doubt_lost").await else {
        return;
    };
    let key = row_left_in_doubt(&db, "reminder:review_due:restriction:2:2026-11-05:U0STAFF").await;
    let slack = Arc::new(FakeSlack::start().await);
    let app = spawn_app_on(Arc::new(db), slack.clone()).await;
    let rows = wait_until_sent(&app, 1).await;
    let posted = slack.calls_to("chat.postMessage");
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0].body["metadata"]["event_payload"]["outbox_key"],
        key.as_str()
    );
    assert!(rows[0].slack_ts.is_some());
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    r_rem_3_message_delivered_before_a_crash_is_not_sent_again,
    r_rem_3_message_lost_in_a_crash_is_sent_once_with_its_key,
);
