//! Socket Mode end to end (R-OPS-1): the real app with `SLACK_APP_TOKEN` set, connected to
//! the fake Socket Mode server (`fake_socket_mode.rs`, a WebSocket server on loopback)
//! through the fake Web API's `apps.connections.open`. Every `/slack/*` helper of
//! `helpers.rs` sends its request as the envelope Slack would send and reads the
//! acknowledgement back as the answer, so the journeys here are the HTTP journeys' own
//! steps. Connections are dropped and refreshed on the way; nothing may be lost or doubled.

use std::time::Duration;

use chrono::Utc;
use contact_policy_bot::domain::roles::{FunctionName, Role};
use contact_policy_bot::domain::{Actor, UserId};
use serde_json::{json, Value};

use crate::fake_slack::socket_mode::{Event, FakeSocketMode, Outcome};
use crate::fake_slack::FakeSlack;
use crate::helpers::slack_values as v;
use crate::helpers::*;
use crate::reporting::{jane, report_form, report_values};
use crate::restricting::{all_criteria, backdate_warning, click_decision, request, Case};

const WAIT: Duration = Duration::from_secs(10);
const STAFF: &str = "U0STAFF";
const MANAGER: &str = "U0MANAGER";
const HEAD: &str = "U0HEAD";
const DEPUTY: &str = "U0DEPUTY";

fn socket_of(app: &TestApp) -> std::sync::Arc<FakeSocketMode> {
    app.socket.clone().expect("a Socket Mode app")
}

/// Casework with a head, a deputy, a manager and a member of staff; returns its id.
async fn casework(app: &TestApp) -> i64 {
    let actor = Actor::cli("test");
    let name = FunctionName::parse("Casework").expect("name");
    let id = app
        .store
        .add_function(&name, &actor, Utc::now())
        .await
        .expect("function");
    for (user, role) in [
        (HEAD, Role::Head),
        (DEPUTY, Role::Deputy),
        (MANAGER, Role::Manager),
        (STAFF, Role::Member),
    ] {
        app.store
            .grant_role(&name, &UserId::from_slack(user), role, &actor, Utc::now())
            .await
            .expect("role");
    }
    id
}

/// Staff report Jane Doe (new to the register) with `/contact report` over the socket:
/// the modal opened, the new person's fields shown on choosing her, the form submitted.
async fn report_jane(app: &TestApp) -> Case {
    let function = casework(app).await;
    assert_eq!(app.slash_command(STAFF, "report").await.status(), 200);
    let values = report_values(
        "new:Jane Doe",
        "aggressive_abusive",
        &["verbal_abuse"],
        "Shouted abuse at staff on 50 calls a day about the decision",
        Utc::now().timestamp() - 3 * 86_400,
    );
    let form = report_form(app, 0, &values).await;
    let answer = app
        .submit_modal(STAFF, &form, values_shown_in(&form, &values))
        .await;
    assert_eq!(answer.status(), 200);
    let body = answer.text().await.expect("body");
    assert!(body.is_empty(), "report refused: {body}");
    let incidents = sql_texts(app.db.url(), "SELECT CAST(id AS TEXT) FROM incidents").await;
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    Case {
        function,
        person: jane(app).await,
        incident: incidents[0].parse().expect("id"),
    }
}

/// The manager warns Jane (modal `nth`) and marks the letter sent, then the warning is
/// moved a month into the past with the chance to adapt over.
async fn warn_a_month_ago(app: &TestApp, case: &Case, nth: usize) {
    assert_eq!(app.slash_command(MANAGER, "warn Jane").await.status(), 200);
    let modal = app.opened_modal(nth).await;
    assert_eq!(modal["callback_id"], "warn");
    let adapt = (Utc::now().date_naive() + chrono::Duration::days(28)).to_string();
    let values = state_values(&[
        ("incidents", v::multi(&[&case.incident.to_string()])),
        ("behaviour", v::text("Calling many times a day")),
        ("adapt_until", v::date(&adapt)),
    ]);
    let answer = app.submit_modal(MANAGER, &modal, values).await;
    assert_eq!(answer.status(), 200);
    assert!(
        answer.text().await.expect("body").is_empty(),
        "warning refused"
    );
    mark_notice_sent(app, MANAGER, "WRN-00001", Utc::now().date_naive()).await;
    backdate_warning(app, case, 30, 2).await;
}

/// The actions of the audit trail, in order.
async fn audit_actions(app: &TestApp) -> Vec<String> {
    app.store
        .all_audit_events()
        .await
        .expect("audit")
        .into_iter()
        .map(|e| e.action)
        .collect()
}

fn count(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

/// Waits for the connection log to hold something `found` picks out.
async fn wait_log<T>(socket: &FakeSocketMode, found: impl Fn(&[Event]) -> Option<T>) -> T {
    socket
        .wait_until(WAIT, || found(&socket.log()))
        .await
        .unwrap_or_else(|| panic!("not in the connection log: {:?}", socket.log()))
}

fn position(log: &[Event], event: &Event) -> usize {
    log.iter()
        .position(|e| e == event)
        .unwrap_or_else(|| panic!("{event:?} not in {log:?}"))
}

/// The first connection greeted after `old` was.
fn greeted_after(log: &[Event], old: u64) -> u64 {
    log.iter()
        .skip(position(log, &Event::Greeted(old)) + 1)
        .find_map(|e| match e {
            Event::Greeted(id) => Some(*id),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no connection greeted after {old}: {log:?}"))
}

/// A live connection other than `old`.
async fn successor_of(socket: &FakeSocketMode, old: u64) -> u64 {
    socket
        .wait_until(WAIT, || socket.live().into_iter().find(|id| *id != old))
        .await
        .unwrap_or_else(|| panic!("no connection after {old}: {:?}", socket.log()))
}

/// The whole journey, report → warning → request → approval → check, over Socket Mode, with
/// the connection dropped between two steps, dropped again while an approval click is in
/// flight (so Slack delivers it again), and refreshed on Slack's `disconnect` notice.
async fn r_ops_1_report_approval_and_check_survive_dropped_and_refreshed_connections(
    backend: Backend,
) {
    let Some(app) = spawn_socket_app(backend, "socket_journey").await else {
        return;
    };
    let socket = socket_of(&app);
    let first = socket.live()[0];
    let case = report_jane(&app).await;
    warn_a_month_ago(&app, &case, 1).await;

    // A dropped connection between steps: the bot connects again and the journey goes on.
    socket.drop_connection(first);
    let second = successor_of(&socket, first).await;
    let request_id = request(&app, &case, MANAGER, 3, &[]).await;

    // Slack's `disconnect` notice: a successor is connected before the old one closes,
    // and the bot closes the old one itself, cleanly.
    socket.send_disconnect(second, "refresh_requested");
    let log = wait_log(&socket, |log| {
        log.contains(&Event::ClosedByClient(second))
            .then(|| log.to_vec())
    })
    .await;
    let third = greeted_after(&log, second);
    assert!(
        position(&log, &Event::Greeted(third)) < position(&log, &Event::ClosedByClient(second)),
        "the successor was not connected before the old connection closed: {log:?}"
    );
    assert!(!log.contains(&Event::Dropped(second)), "{log:?}");

    // The head approves; the connection drops as the click is delivered, before any
    // acknowledgement: Slack delivers it again on the new connection.
    socket.drop_after_next_envelope();
    let answer = click_decision(
        &app,
        HEAD,
        "approve_request",
        request_id,
        &all_criteria(),
        "approve",
    )
    .await;
    assert_eq!(answer.status(), 200);
    assert!(
        socket
            .acks()
            .iter()
            .any(|a| a.accepted && a.attempt == Some(1)),
        "the click was not delivered again: {:?}",
        socket.acks()
    );
    wait_log(&socket, |log| {
        log.iter().find_map(|e| match e {
            Event::Dropped(id) if *id == third => Some(()),
            _ => None,
        })
    })
    .await;
    let said = app
        .slack
        .wait_for_calls("response_url:approve", 1, WAIT)
        .await;
    assert!(
        said[0].body["text"]
            .as_str()
            .unwrap_or_default()
            .contains("approved"),
        "{:?}",
        said[0].body
    );

    // In force once the person is told; `/contact check` shows it at once.
    mark_notice_sent(&app, MANAGER, "RES-00001", Utc::now().date_naive()).await;
    let check: Value = app
        .slash_command(STAFF, "check Jane")
        .await
        .json()
        .await
        .expect("json");
    let shown = check.to_string();
    assert!(shown.contains("RES-00001"), "{shown}");
    assert!(
        shown.contains("Do not take calls except Tuesday 09:00–12:00."),
        "{shown}"
    );

    // Nothing lost, nothing doubled: one of each record, one decision and its six ticks,
    // each approval copy updated once, the head told once.
    let actions = audit_actions(&app).await;
    for (action, times) in [
        ("incident_reported", 1),
        ("warning_recorded", 1),
        ("restriction_requested", 1),
        ("request_approved", 1),
        ("restriction_created", 1),
        ("criterion_ticked", 6),
    ] {
        assert_eq!(count(&actions, action), times, "{action}: {actions:?}");
    }
    assert_eq!(
        app.slack.calls_to("response_url:approve").len(),
        1,
        "the head was answered twice"
    );
    let updated = app
        .slack
        .wait_for_calls("chat.update", 2, WAIT)
        .await
        .into_iter()
        .filter(|c| c.body.to_string().contains("Approved by <@U0HEAD>"))
        .map(|c| c.body["channel"].as_str().unwrap_or_default().to_owned())
        .collect::<Vec<_>>();
    assert_eq!(updated.len(), 2, "{updated:?}");
    assert_ne!(updated[0], updated[1], "{updated:?}");
    app.stop().await.expect("stops cleanly");
}

/// An external select's search (`block_suggestion`) answers its options in the
/// acknowledgement; an `app_home_opened` event publishes the Home; a retried envelope is
/// answered as before and does nothing twice; another workspace's envelopes are refused.
async fn r_ops_1_options_home_and_retried_envelopes_over_socket_mode(backend: Backend) {
    let Some(app) = spawn_socket_app(backend, "socket_options_home").await else {
        return;
    };
    let socket = socket_of(&app);
    report_jane(&app).await;

    let options = app.person_options(STAFF, "Jan").await;
    assert!(options.to_string().contains("Jane Doe"), "{options}");

    let home = home_of(&app, STAFF).await;
    assert!(!home.is_empty());

    // The same event envelope again, as Slack sends it when our acknowledgement went
    // missing: acknowledged again, published once.
    let event = app_home_opened("Ev0SOCKETHOME", MANAGER, TEAM_ID);
    let id = socket.send("events_api", event);
    assert!(matches!(
        socket.outcome(&id).await,
        Outcome::Acked { attempt: 0, .. }
    ));
    assert_eq!(
        socket.redeliver(&id).await,
        Outcome::Acked {
            payload: None,
            attempt: 1
        }
    );
    let pending = || async {
        sql_texts(
            app.db.url(),
            "SELECT idempotency_key FROM outbox WHERE status <> 'sent'",
        )
        .await
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while !pending().await.is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{:?}",
            pending().await
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let published = app
        .slack
        .calls_to("views.publish")
        .into_iter()
        .filter(|c| c.body["user_id"] == MANAGER)
        .count();
    assert_eq!(published, 1);

    // A slash command delivered again gets the same answer, and opens nothing twice.
    let help = json!({
        "team_id": TEAM_ID, "team_domain": "testteam", "channel_id": "C0CHANNEL",
        "channel_name": "general", "user_id": STAFF, "user_name": "someone",
        "command": "/contact", "text": "help", "api_app_id": "A0APP",
        "response_url": app.slack.response_url("help"), "trigger_id": app.slack.new_trigger(),
    });
    let id = socket.send("slash_commands", help);
    let Outcome::Acked {
        payload: Some(first),
        ..
    } = socket.outcome(&id).await
    else {
        panic!("help not answered");
    };
    assert!(
        first.to_string().contains("Contact policy commands"),
        "{first}"
    );
    let Outcome::Acked {
        payload: Some(again),
        attempt: 1,
    } = socket.redeliver(&id).await
    else {
        panic!("help not answered again");
    };
    assert_eq!(first, again);

    // A command that opens a modal, delivered again: the modal opens once (a second
    // `views.open` with the same trigger would be refused as exchanged).
    let opened = app.slack.calls_to("views.open").len();
    let report = json!({
        "team_id": TEAM_ID, "channel_id": "C0CHANNEL", "user_id": STAFF,
        "command": "/contact", "text": "report", "api_app_id": "A0APP",
        "response_url": app.slack.response_url("report"), "trigger_id": app.slack.new_trigger(),
    });
    let id = socket.send("slash_commands", report);
    assert!(matches!(
        socket.outcome(&id).await,
        Outcome::Acked { attempt: 0, .. }
    ));
    assert_eq!(app.opened_modal(opened).await["callback_id"], "report");
    assert!(matches!(
        socket.redeliver(&id).await,
        Outcome::Acked { attempt: 1, .. }
    ));

    // Another workspace's envelopes are refused as over HTTP: acknowledged (a retry would
    // be refused again) with no answer, and nothing done.
    let foreign = app_home_opened("Ev0FOREIGN", DEPUTY, "T0OTHER");
    assert_eq!(
        socket.deliver("events_api", foreign).await,
        Outcome::Acked {
            payload: None,
            attempt: 0
        }
    );
    let command = json!({
        "team_id": "T0OTHER", "channel_id": "C0CHANNEL", "user_id": STAFF,
        "command": "/contact", "text": "check Jane", "api_app_id": "A0APP",
        "response_url": app.slack.response_url("foreign"), "trigger_id": app.slack.new_trigger(),
    });
    assert_eq!(
        socket.deliver("slash_commands", command).await,
        Outcome::Acked {
            payload: None,
            attempt: 0
        }
    );
    let metrics = app.get("/metrics").await.text().await.expect("metrics");
    for endpoint in ["events", "commands"] {
        let line = format!(
            "contact_policy_bot_slack_requests_total{{endpoint=\"{endpoint}\",outcome=\"foreign_workspace\"}} 1"
        );
        assert!(metrics.contains(&line), "{line} not in {metrics}");
    }
    assert!(app
        .slack
        .calls_to("views.publish")
        .iter()
        .all(|c| c.body["user_id"] != DEPUTY));
    assert_eq!(app.slack.calls_to("views.open").len(), opened + 1);
    app.stop().await.expect("stops cleanly");
}

/// In Socket Mode the HTTP listener serves health, readiness and metrics only, and
/// `/readyz` is ready only while a connection to Slack is open. While Slack refuses
/// connections the bot keeps trying, backing off, and is connected again once it may.
async fn r_ops_1_socket_mode_http_is_health_only_and_readiness_follows_the_connection(
    backend: Backend,
) {
    let Some(app) = spawn_socket_app(backend, "socket_ready").await else {
        return;
    };
    let socket = socket_of(&app);
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.get("/metrics").await.status(), 200);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.expect("body"), "ready");
    for path in [
        "/slack/commands",
        "/slack/interactions",
        "/slack/events",
        "/slack/options",
    ] {
        let body = b"payload=%7B%7D".to_vec();
        let ts = Utc::now().timestamp();
        let signature = sign(ts, &body);
        let answer = app
            .post_raw(
                path,
                "application/x-www-form-urlencoded",
                body,
                Some(ts.to_string()),
                Some(signature),
            )
            .await;
        assert_eq!(answer.status(), 404, "{path} is served in Socket Mode");
    }

    socket.refuse_connections(true);
    let opened_before = app.slack.calls_to("apps.connections.open").len();
    socket.drop_connection(socket.live()[0]);
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let ready = app.get("/readyz").await;
        if ready.status() == 503 {
            assert_eq!(
                ready.text().await.expect("body"),
                "not connected to Slack (Socket Mode)"
            );
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "still ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let refused = socket
        .wait_until(WAIT, || {
            let refused = socket
                .log()
                .iter()
                .filter(|e| **e == Event::HandshakeRefused)
                .count();
            (refused >= 3).then_some(refused)
        })
        .await
        .expect("the bot tried again");
    assert!(refused >= 3);
    assert!(app.slack.calls_to("apps.connections.open").len() >= opened_before + 3);
    assert_eq!(app.get("/readyz").await.status(), 503);

    socket.refuse_connections(false);
    socket.wait_for_live(1, WAIT).await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while app.get("/readyz").await.status() != 200 {
        assert!(tokio::time::Instant::now() < deadline, "not ready again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let help = app.slash_command(STAFF, "help").await;
    assert!(help
        .text()
        .await
        .expect("body")
        .contains("Contact policy commands"));
    app.stop().await.expect("stops cleanly");
}

/// A token Slack will not open connections with (a bot token where the app-level token
/// goes) is refused as Slack refuses it; the bot stays unready and keeps trying.
async fn r_ops_1_a_refused_app_token_leaves_the_bot_unready_and_retrying(backend: Backend) {
    let Some(db) = fresh_db(backend, "socket_bad_token").await else {
        return;
    };
    let slack = std::sync::Arc::new(FakeSlack::start().await);
    let socket = std::sync::Arc::new(FakeSocketMode::start().await);
    slack.attach_socket_mode(&socket);
    let app = spawn_app_configured_on(std::sync::Arc::new(db), slack, None, |config| {
        config.slack.app_token = Some(secrecy::SecretString::from(BOT_TOKEN));
        config.socket_mode = test_socket_mode_config();
    })
    .await;
    let opened = app
        .slack
        .wait_for_calls("apps.connections.open", 3, WAIT)
        .await;
    for call in &opened {
        assert_eq!(call.error.as_deref(), Some("not_allowed_token_type"));
    }
    assert!(socket.live().is_empty());
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), 503);
    app.stop().await.expect("stops cleanly");
}

/// Shortly before the `approximate_connection_time` Slack gave is up, the bot opens the
/// next connection and closes the old one itself once the new one is greeted, without
/// waiting for Slack to drop it.
async fn r_ops_1_a_connection_is_replaced_before_its_time_is_up(backend: Backend) {
    let Some(db) = fresh_db(backend, "socket_expiry").await else {
        return;
    };
    let slack = std::sync::Arc::new(FakeSlack::start().await);
    let socket = std::sync::Arc::new(FakeSocketMode::start().await);
    // Three seconds, of which the bot keeps the last two and a half in hand.
    socket.set_connection_time(3);
    let app = spawn_socket_app_on(std::sync::Arc::new(db), slack, socket.clone(), |config| {
        config.socket_mode.refresh_margin = Duration::from_millis(2500)
    })
    .await;
    let first = socket.live()[0];
    socket.set_connection_time(18_060);
    let log = wait_log(&socket, |log| {
        log.contains(&Event::ClosedByClient(first))
            .then(|| log.to_vec())
    })
    .await;
    let second = greeted_after(&log, first);
    assert!(
        position(&log, &Event::Greeted(second)) < position(&log, &Event::ClosedByClient(first)),
        "{log:?}"
    );
    assert!(
        !log.iter()
            .any(|e| matches!(e, Event::DisconnectSent(..) | Event::Dropped(_))),
        "{log:?}"
    );
    let help = app.slash_command(STAFF, "help").await;
    assert!(help
        .text()
        .await
        .expect("body")
        .contains("Contact policy commands"));
    app.stop().await.expect("stops cleanly");
}

/// Several instances on one PostgreSQL database each hold their own connection; Slack
/// spreads envelopes over them, and each is handled once whichever instance gets it.
/// (SQLite is one instance per file.)
async fn r_ops_1_two_instances_on_postgresql_each_hold_a_connection(backend: Backend) {
    if backend == Backend::Sqlite {
        return;
    }
    let Some(app) = spawn_socket_app(backend, "socket_two").await else {
        return;
    };
    let socket = socket_of(&app);
    let other =
        spawn_socket_app_on(app.db.clone(), app.slack.clone(), socket.clone(), |_| {}).await;
    assert_eq!(socket.live().len(), 2);
    casework(&app).await;
    let users = [STAFF, MANAGER, HEAD, DEPUTY];
    for (n, user) in users.iter().enumerate() {
        let event = app_home_opened(&format!("Ev0TWO{n}"), user, TEAM_ID);
        assert!(matches!(
            socket.deliver("events_api", event).await,
            Outcome::Acked { .. }
        ));
        let help = app.slash_command(user, "help").await;
        assert!(help
            .text()
            .await
            .expect("body")
            .contains("Contact policy commands"));
    }
    let connections: std::collections::HashSet<u64> =
        socket.acks().iter().map(|a| a.connection).collect();
    assert_eq!(connections.len(), 2, "{:?}", socket.acks());
    for user in users {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let published = app
                .slack
                .calls_to("views.publish")
                .into_iter()
                .filter(|c| c.body["user_id"] == user)
                .count();
            assert!(published <= 1, "{user}'s Home published {published} times");
            if published == 1 {
                break;
            }
            assert!(tokio::time::Instant::now() < deadline, "no Home for {user}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
    // One instance stops: it closes its connection, and the other takes everything.
    other.stop().await.expect("stops cleanly");
    socket
        .wait_until(WAIT, || (socket.live().len() == 1).then_some(()))
        .await
        .expect("the stopped instance closed its connection");
    let help = app.slash_command(STAFF, "help").await;
    assert!(help
        .text()
        .await
        .expect("body")
        .contains("Contact policy commands"));
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    r_ops_1_report_approval_and_check_survive_dropped_and_refreshed_connections,
    r_ops_1_options_home_and_retried_envelopes_over_socket_mode,
    r_ops_1_socket_mode_http_is_health_only_and_readiness_follows_the_connection,
    r_ops_1_a_refused_app_token_leaves_the_bot_unready_and_retrying,
    r_ops_1_a_connection_is_replaced_before_its_time_is_up,
    r_ops_1_two_instances_on_postgresql_each_hold_a_connection,
);
