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
    assert_eq!(rows[0].attempts, 0, "waiting out a 429 used an attempt");
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
    assert_eq!(rows[0].attempts, 2, "each 5xx is one failed attempt");
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
    // Every row has been tried (and failed) at least once before the first run stops:
    // waiting for three calls is not enough, as one row may be retried before another's
    // first attempt has finished.
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let rows = first.store.outbox_messages().await.expect("outbox");
        if rows.len() == 3 && rows.iter().all(|r| r.attempts >= 1) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not every row was tried: {rows:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
/// result recorded. Returns the row's key and when it was claimed.
async fn row_left_in_doubt(
    db: &crate::db::TestDb,
    key: &str,
) -> (String, chrono::DateTime<chrono::Utc>) {
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
    (key.to_owned(), now)
}

/// A Slack `ts` for a moment `after` the given time.
fn ts_after(at: chrono::DateTime<chrono::Utc>, after: chrono::Duration) -> String {
    let at = at + after;
    format!("{}.{:06}", at.timestamp(), at.timestamp_subsec_micros())
}

async fn r_rem_3_message_delivered_before_a_crash_is_not_sent_again(backend: Backend) {
    let Some(db) = fresh_db(backend, "outbox_in_doubt").await else {
        return;
    };
    let (key, claimed_at) =
        row_left_in_doubt(&db, "reminder:review_due:restriction:1:2026-11-05:U0STAFF").await;
    // Slack had accepted the dead worker's message: it is in the DM's history.
    let slack = Arc::new(FakeSlack::start().await);
    let ts = ts_after(claimed_at, chrono::Duration::milliseconds(200));
    slack.seed_history(
        "DU0STAFF",
        serde_json::json!({
            "type": "message", "ts": ts, "user": "U0FAKEBOT", "text": "Review due: RES-00001",
            "metadata": { "event_type": "contact_policy_bot_outbox", "event_payload": { "outbox_key": key } }
        }),
    );
    let app = spawn_app_on(Arc::new(db), slack.clone()).await;
    let rows = wait_until_sent(&app, 1).await;
    assert_eq!(
        rows[0].slack_ts.as_deref(),
        Some(ts.as_str()),
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
    let (key, _) =
        row_left_in_doubt(&db, "reminder:review_due:restriction:2:2026-11-05:U0STAFF").await;
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

// --- A crash mid-send in a busy DM (issue 8, item 6). ---

/// Seeds `count` messages posted in the DM after `claimed_at`, some tagged with other
/// outbox keys, as a busy DM would have.
fn seed_busy_dm(slack: &FakeSlack, claimed_at: chrono::DateTime<chrono::Utc>, count: i64) {
    for n in 0..count {
        let mut message = serde_json::json!({
            "type": "message", "user": "U0FAKEBOT", "text": format!("Later message {n}"),
            "ts": ts_after(claimed_at, chrono::Duration::seconds(1) + chrono::Duration::milliseconds(n)),
        });
        if n % 2 == 0 {
            message["metadata"] = serde_json::json!({
                "event_type": "contact_policy_bot_outbox",
                "event_payload": { "outbox_key": format!("reminder:other:{n}") }
            });
        }
        slack.seed_history("DU0STAFF", message);
    }
}

/// Every history lookup searched from before the claim, with the metadata asked for.
fn assert_history_searched_from(slack: &FakeSlack, claimed_at: chrono::DateTime<chrono::Utc>) {
    let lookups = slack.calls_to("conversations.history");
    assert!(lookups.len() >= 3, "500 later messages need 3 pages of 200");
    for lookup in &lookups {
        assert_eq!(
            lookup.body["include_all_metadata"], "true",
            "{:?}",
            lookup.body
        );
        let oldest: f64 = lookup.body["oldest"]
            .as_str()
            .and_then(|o| o.parse().ok())
            .expect("oldest given");
        assert!(oldest <= claimed_at.timestamp() as f64, "{oldest}");
    }
}

async fn r_rem_3_message_delivered_before_a_crash_in_a_busy_dm_is_not_sent_again(backend: Backend) {
    let Some(db) = fresh_db(backend, "outbox_in_doubt_busy").await else {
        return;
    };
    let (key, claimed_at) =
        row_left_in_doubt(&db, "reminder:review_due:restriction:3:2026-11-05:U0STAFF").await;
    let slack = Arc::new(FakeSlack::start().await);
    let ts = ts_after(claimed_at, chrono::Duration::milliseconds(200));
    slack.seed_history(
        "DU0STAFF",
        serde_json::json!({
            "type": "message", "ts": ts, "user": "U0FAKEBOT", "text": "Review due: RES-00003",
            "metadata": { "event_type": "contact_policy_bot_outbox", "event_payload": { "outbox_key": key } }
        }),
    );
    // Then 500 more messages in the DM: the one sent is far below the newest 100.
    seed_busy_dm(&slack, claimed_at, 500);
    let app = spawn_app_on(Arc::new(db), slack.clone()).await;
    let rows = wait_until_sent(&app, 1).await;
    assert_eq!(rows[0].slack_ts.as_deref(), Some(ts.as_str()));
    assert!(slack.calls_to("chat.postMessage").is_empty(), "sent twice");
    assert_history_searched_from(&slack, claimed_at);
    app.stop().await.expect("stops cleanly");
}

async fn r_rem_3_message_lost_in_a_crash_in_a_busy_dm_is_sent_once(backend: Backend) {
    let Some(db) = fresh_db(backend, "outbox_in_doubt_busy_lost").await else {
        return;
    };
    let (key, claimed_at) =
        row_left_in_doubt(&db, "reminder:review_due:restriction:4:2026-11-05:U0STAFF").await;
    let slack = Arc::new(FakeSlack::start().await);
    seed_busy_dm(&slack, claimed_at, 500);
    let app = spawn_app_on(Arc::new(db), slack.clone()).await;
    wait_until_sent(&app, 1).await;
    let posted = slack.calls_to("chat.postMessage");
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0].body["metadata"]["event_payload"]["outbox_key"],
        key.as_str()
    );
    assert_history_searched_from(&slack, claimed_at);
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    r_rem_3_message_delivered_before_a_crash_in_a_busy_dm_is_not_sent_again,
    r_rem_3_message_lost_in_a_crash_in_a_busy_dm_is_sent_once,
);

// --- Modals open in time under load (issue 8, item 4). ---

/// A function with `user` as a member of staff, so `/contact report` opens its modal.
async fn staff_member(app: &TestApp, user: &str) {
    use contact_policy_bot::domain::roles::{FunctionName, Role};
    use contact_policy_bot::domain::{Actor, UserId};
    let actor = Actor::cli("test");
    let name = FunctionName::parse("Casework").expect("name");
    app.store
        .add_function(&name, &actor, chrono::Utc::now())
        .await
        .expect("function");
    app.store
        .grant_role(
            &name,
            &UserId::from_slack(user),
            Role::Member,
            &actor,
            chrono::Utc::now(),
        )
        .await
        .expect("role");
}

/// `count` reminder DMs, as a 09:00 sweep queues them, each to its own recipient.
fn reminder_dms(count: usize, prefix: &str) -> Vec<contact_policy_bot::store::NewOutboxMessage> {
    use contact_policy_bot::domain::UserId;
    use contact_policy_bot::slack::send;
    use slack_morphism::prelude::SlackMessageContent;
    (0..count)
        .map(|n| {
            let user = format!("U0{prefix}{n:05}");
            send::dm(
                &UserId::from_slack(&user),
                SlackMessageContent::new().with_text("Review due: RES-00001".to_owned()),
                format!("reminder:review_due:restriction:{n}:2026-12-01:{user}"),
            )
        })
        .collect()
}

/// The outbox key each successful `chat.postMessage` carried, once per call.
fn posted_keys(slack: &FakeSlack) -> Vec<String> {
    slack
        .calls_to("chat.postMessage")
        .iter()
        .filter(|call| call.status == 200)
        .filter_map(|call| {
            call.body["metadata"]["event_payload"]["outbox_key"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

async fn r_rpt_1_report_modal_opens_within_the_trigger_window_behind_20000_reminders(
    backend: Backend,
) {
    const BULK: usize = 20_000;
    let Some(app) = spawn_app(backend, "outbox_modal_under_load").await else {
        return;
    };
    staff_member(&app, "U0STAFF").await;
    let stored = app
        .store
        .enqueue(&reminder_dms(BULK, "BULK"), None, chrono::Utc::now())
        .await
        .expect("enqueue the sweep");
    assert_eq!(stored, BULK as u64);
    assert!(
        app.slack.calls_to("chat.postMessage").len() < BULK / 10,
        "the sweep must still be waiting when the command arrives"
    );

    let before = std::time::Instant::now();
    let response = app.slash_command("U0STAFF", "report").await;
    assert_eq!(response.status(), 200);
    let opened = app.slack.wait_for_calls("views.open", 1, WAIT).await;
    assert_eq!(opened[0].status, 200, "{:?}", opened[0].body);
    assert_eq!(opened[0].body["view"]["callback_id"], "report");
    let took = opened[0].received_at.duration_since(before);
    assert!(
        took < Duration::from_secs(3),
        "views.open reached Slack {took:?} after the command, past the trigger's 3 s"
    );

    // The sweep goes on meanwhile; what it delivered, it delivered once.
    app.slack
        .wait_for_calls("chat.postMessage", 300, Duration::from_secs(60))
        .await;
    let store = app.store.clone();
    let slack = app.slack.clone();
    app.stop().await.expect("stops cleanly");
    let keys = posted_keys(&slack);
    let unique: std::collections::BTreeSet<&String> = keys.iter().collect();
    assert_eq!(unique.len(), keys.len(), "a reminder was sent twice");
    let rows = store.outbox_messages().await.expect("outbox");
    assert_eq!(rows.len(), BULK, "the modal was not stored in the outbox");
    let sent: std::collections::BTreeSet<&String> = rows
        .iter()
        .filter(|r| r.status == OutboxStatus::Sent)
        .map(|r| &r.idempotency_key)
        .collect();
    assert_eq!(
        sent, unique,
        "every row sent was posted once, and only those"
    );
    assert!(rows
        .iter()
        .all(|r| r.status != OutboxStatus::Failed && r.attempts == 0));
}

on_both_backends!(r_rpt_1_report_modal_opens_within_the_trigger_window_behind_20000_reminders);

// --- Nothing is lost while Slack is unwell (issue 8, item 5). ---

async fn wait_for(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Rows all recorded for this round: none due on `clock` any more.
async fn all_waiting(app: &TestApp, clock: &contact_policy_bot::clock::ManualClock) -> bool {
    use contact_policy_bot::clock::Clock;
    let now = clock.now();
    app.store
        .outbox_messages()
        .await
        .expect("outbox")
        .iter()
        .all(|r| r.status != OutboxStatus::Pending || r.next_attempt_at > now)
}

/// The app on a manual clock with `count` DMs queued, Slack answering `first` to each.
async fn unwell_slack_with_dms(
    backend: Backend,
    test: &str,
    count: usize,
    first: Scripted,
) -> Option<(TestApp, contact_policy_bot::clock::ManualClock)> {
    let db = Arc::new(fresh_db(backend, test).await?);
    let slack = Arc::new(FakeSlack::start().await);
    for _ in 0..count {
        slack.push_response("chat.postMessage", first.clone());
    }
    let clock = contact_policy_bot::clock::ManualClock::new(chrono::Utc::now());
    let app = spawn_app_with(db, slack, Some(clock.clone())).await;
    use contact_policy_bot::clock::Clock;
    app.store
        .enqueue(&reminder_dms(count, "DM"), None, clock.now())
        .await
        .expect("enqueue");
    Some((app, clock))
}

/// Lets Slack answer `answer` to every DM for `rounds` rounds, each `step` of manual time.
async fn rounds_of(
    app: &TestApp,
    clock: &contact_policy_bot::clock::ManualClock,
    count: usize,
    rounds: usize,
    step: chrono::Duration,
    answer: impl Fn(usize) -> Option<Scripted>,
) {
    for round in 0..rounds {
        let calls = app.slack.calls_to("chat.postMessage").len();
        wait_for("every DM tried this round", async || {
            app.slack.calls_to("chat.postMessage").len() >= calls.max(count)
                && all_waiting(app, clock).await
        })
        .await;
        if let Some(scripted) = answer(round) {
            for _ in 0..count {
                app.slack
                    .push_response("chat.postMessage", scripted.clone());
            }
        }
        let before = app.slack.calls_to("chat.postMessage").len();
        clock.advance(step);
        wait_for("the next round's attempts", async || {
            app.slack.calls_to("chat.postMessage").len() >= before + count
        })
        .await;
    }
}

/// Each DM reached Slack exactly once, and no row was given up on.
async fn each_delivered_once(
    app: &TestApp,
    count: usize,
) -> Vec<contact_policy_bot::store::OutboxMessage> {
    let rows = wait_until_sent(app, count).await;
    let keys = posted_keys(&app.slack);
    let unique: std::collections::BTreeSet<&String> = keys.iter().collect();
    assert_eq!(keys.len(), count, "{keys:?}");
    assert_eq!(unique.len(), count, "a DM was sent twice: {keys:?}");
    rows
}

async fn r_rem_3_empty_429_and_503_replies_are_retried_not_given_up(backend: Backend) {
    let Some(db) = fresh_db(backend, "outbox_empty_bodies").await else {
        return;
    };
    let slack = Arc::new(FakeSlack::start().await);
    for scripted in [
        Scripted::RateLimitedEmpty {
            retry_after_secs: 1,
        },
        Scripted::ServerErrorEmpty(503),
        Scripted::RateLimitedEmpty {
            retry_after_secs: 1,
        },
        Scripted::ServerErrorEmpty(503),
    ] {
        slack.push_response("chat.postMessage", scripted.clone());
        slack.push_response("views.publish", scripted);
    }
    let app = spawn_app_on(Arc::new(db), slack.clone()).await;
    app.store
        .enqueue(&reminder_dms(2, "EMPTY"), None, chrono::Utc::now())
        .await
        .expect("enqueue");
    app.post_event(&app_home_opened("Ev0EMPTY", "U0STAFF", TEAM_ID))
        .await;
    let rows = wait_until_sent(&app, 3).await;
    let publishes = slack.calls_to("views.publish");
    assert_eq!(
        publishes.iter().map(|c| c.status).collect::<Vec<_>>(),
        vec![429, 503, 429, 503, 200]
    );
    let statuses: Vec<u16> = slack
        .calls_to("chat.postMessage")
        .iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(posted_keys(&slack).len(), 2);
    assert!(rows.iter().all(|r| r.status == OutboxStatus::Sent));
    app.stop().await.expect("stops cleanly");
}

async fn r_rem_3_rate_limited_spell_then_server_errors_loses_nothing(backend: Backend) {
    // The scenario: 429 for 40 s, then 500 for 8 s, used to lose 10 of 12 DMs.
    const DMS: usize = 12;
    let limited = Scripted::RateLimited {
        retry_after_secs: 4,
    };
    let Some((app, clock)) =
        unwell_slack_with_dms(backend, "outbox_429_then_500", DMS, limited.clone()).await
    else {
        return;
    };
    let second = chrono::Duration::seconds(1);
    // Rounds 1-8 (40 s): 429; the last of them is followed by the first 500.
    rounds_of(&app, &clock, DMS, 8, second * 5, |round| {
        Some(if round < 7 {
            limited.clone()
        } else {
            Scripted::ServerError(500)
        })
    })
    .await;
    // 500 for 8 s (backoff is at most 0.5 s here): 8 failed attempts in all.
    rounds_of(&app, &clock, DMS, 8, second, |round| {
        (round < 7).then_some(Scripted::ServerError(500))
    })
    .await;
    let rows = each_delivered_once(&app, DMS).await;
    assert!(
        rows.iter().all(|r| r.attempts == 8),
        "only the 500s count as attempts: {:?}",
        rows.iter().map(|r| r.attempts).collect::<Vec<_>>()
    );
    app.stop().await.expect("stops cleanly");
}

async fn r_rem_3_thirty_minute_outage_loses_nothing(backend: Backend) {
    const DMS: usize = 5;
    let Some((app, clock)) = unwell_slack_with_dms(
        backend,
        "outbox_long_outage",
        DMS,
        Scripted::ServerErrorEmpty(503),
    )
    .await
    else {
        return;
    };
    // A minute per round for 30 minutes: far more failed attempts than any limit had.
    rounds_of(
        &app,
        &clock,
        DMS,
        30,
        chrono::Duration::minutes(1),
        |round| {
            let answer = if round % 2 == 0 {
                Scripted::ServerError(500)
            } else {
                Scripted::ServerErrorEmpty(503)
            };
            (round < 29).then_some(answer)
        },
    )
    .await;
    let rows = each_delivered_once(&app, DMS).await;
    assert!(
        rows.iter().all(|r| r.attempts == 30),
        "{:?}",
        rows.iter().map(|r| r.attempts).collect::<Vec<_>>()
    );
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    r_rem_3_empty_429_and_503_replies_are_retried_not_given_up,
    r_rem_3_rate_limited_spell_then_server_errors_loses_nothing,
    r_rem_3_thirty_minute_outage_loses_nothing,
);
