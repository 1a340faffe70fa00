//! R-OPS-2 and R-DP-3 at the HTTP boundary: bad signatures get 401 with no body, oversized
//! bodies 413, malformed payloads 400, other workspaces 403; none of them writes anything.

use chrono::Utc;

use crate::helpers::*;

const ENDPOINTS: [&str; 3] = ["/slack/commands", "/slack/events", "/slack/interactions"];

async fn assert_nothing_written(app: &TestApp, event_id: &str) {
    assert!(
        app.store
            .outbox_messages()
            .await
            .expect("outbox")
            .is_empty(),
        "outbox written"
    );
    assert!(
        app.store
            .all_audit_events()
            .await
            .expect("audit")
            .is_empty(),
        "audit written"
    );
    assert!(
        !app.store.event_seen(event_id).await.expect("events"),
        "event recorded"
    );
    assert!(
        app.slack.calls().is_empty(),
        "slack was called: {:?}",
        app.slack.calls()
    );
}

/// A body that would change something if it were accepted: an App Home event.
fn live_event() -> Vec<u8> {
    serde_json::to_vec(&app_home_opened("Ev0BAD", "U0STAFF", TEAM_ID)).expect("json")
}

async fn r_ops_2_bad_signatures_get_401_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend, "bad_signatures").await else {
        return;
    };
    let body = live_event();
    let now = Utc::now().timestamp();
    let good = |ts: i64| sign(ts, &body);
    let tampered = {
        let mut other = body.clone();
        other.extend_from_slice(b" ");
        sign(now, &other)
    };
    let cases: Vec<(&str, Option<String>, Option<String>)> = vec![
        ("no headers", None, None),
        ("no signature", Some(now.to_string()), None),
        ("no timestamp", None, Some(good(now))),
        (
            "wrong secret",
            Some(now.to_string()),
            Some(format!("v0={}", "ab".repeat(32))),
        ),
        (
            "stale by 301 s",
            Some((now - 301).to_string()),
            Some(good(now - 301)),
        ),
        (
            "future by 301 s",
            Some((now + 301).to_string()),
            Some(good(now + 301)),
        ),
        (
            "non-numeric timestamp",
            Some("yesterday".into()),
            Some(good(now)),
        ),
        (
            "v1 prefix",
            Some(now.to_string()),
            Some(good(now).replacen("v0=", "v1=", 1)),
        ),
        ("tampered body", Some(now.to_string()), Some(tampered)),
        (
            "truncated signature",
            Some(now.to_string()),
            Some(good(now)[..20].to_owned()),
        ),
    ];
    for endpoint in ENDPOINTS {
        for (case, ts, sig) in &cases {
            let response = app
                .post_raw(
                    endpoint,
                    "application/json",
                    body.clone(),
                    ts.clone(),
                    sig.clone(),
                )
                .await;
            assert_eq!(response.status(), 401, "{endpoint}: {case}");
            assert!(
                response.bytes().await.expect("body").is_empty(),
                "{endpoint}: {case} must have no body"
            );
        }
    }
    assert_nothing_written(&app, "Ev0BAD").await;
    // The boundary itself is accepted: 300 s old is still fresh.
    let response = app
        .post_raw(
            "/slack/events",
            "application/json",
            body.clone(),
            Some((now - 295).to_string()),
            Some(good(now - 295)),
        )
        .await;
    assert_eq!(response.status(), 200);
    app.stop().await.expect("stops cleanly");
}

async fn oversized_bodies_get_413_and_the_server_stays_healthy(backend: Backend) {
    let Some(app) = spawn_app(backend, "oversized").await else {
        return;
    };
    let mut event = app_home_opened("Ev0HUGE", "U0STAFF", TEAM_ID);
    event["padding"] = serde_json::Value::String("x".repeat(300 * 1024));
    let body = serde_json::to_vec(&event).expect("json");
    for endpoint in ENDPOINTS {
        let response = app
            .post_signed(endpoint, "application/json", body.clone())
            .await;
        assert_eq!(response.status(), 413, "{endpoint}");
    }
    assert_nothing_written(&app, "Ev0HUGE").await;
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(app.slash_command("U0STAFF", "help").await.status(), 200);
    app.stop().await.expect("stops cleanly");
}

async fn malformed_payloads_get_400_and_change_nothing(backend: Backend) {
    let Some(app) = spawn_app(backend, "malformed").await else {
        return;
    };
    let cases: [(&str, &str, &[u8]); 5] = [
        ("/slack/events", "application/json", b"{not json"),
        (
            "/slack/events",
            "application/json",
            br#"{"type":"event_callback"}"#,
        ),
        (
            "/slack/commands",
            "application/x-www-form-urlencoded",
            b"text=help",
        ),
        (
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            b"nopayload=1",
        ),
        (
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            b"payload=%7Bbroken",
        ),
    ];
    for (endpoint, content_type, body) in cases {
        let response = app.post_signed(endpoint, content_type, body.to_vec()).await;
        assert_eq!(
            response.status(),
            400,
            "{endpoint} {:?}",
            String::from_utf8_lossy(body)
        );
    }
    // R-DP-3: the error says what was wrong without quoting the payload's values.
    let personal = br#"{"type":"event_callback","team_id":"T0TEST","event_id":"Ev1","event":{"type":"app_home_opened","user":["Jane Doe 07700 900123"]}}"#;
    let response = app
        .post_signed("/slack/events", "application/json", personal.to_vec())
        .await;
    assert_eq!(response.status(), 400);
    let said = response.text().await.expect("body");
    assert!(!said.contains("Jane") && !said.contains("07700"), "{said}");
    assert_nothing_written(&app, "Ev0NONE").await;
    app.stop().await.expect("stops cleanly");
}

async fn r_dp_3_requests_from_another_workspace_are_refused(backend: Backend) {
    let Some(app) = spawn_app(backend, "foreign_workspace").await else {
        return;
    };
    let event = app_home_opened("Ev0FOREIGN", "U0STAFF", "T0OTHER");
    let response = app.post_event(&event).await;
    assert_eq!(response.status(), 403);
    let body = slash_command_body(
        "U0STAFF",
        "help",
        "T0OTHER",
        &app.slack.response_url("x"),
        &app.slack.new_trigger(),
    );
    let response = app
        .post_signed("/slack/commands", "application/x-www-form-urlencoded", body)
        .await;
    assert_eq!(response.status(), 403);
    assert_nothing_written(&app, "Ev0FOREIGN").await;
    app.stop().await.expect("stops cleanly");
}

/// Rotating the signing secret (issue 11, item 13): with the new secret set and the old one
/// in `SLACK_SIGNING_SECRET_PREVIOUS`, requests signed with either are answered; a third
/// secret still gets 401.
async fn r_ops_4_a_rotated_signing_secret_is_accepted_until_removed(backend: Backend) {
    const NEW_SECRET: &str = "the-new-signing-secret-after-rotation";
    let Some(app) = spawn_app_configured(backend, "secret_rotation", |config| {
        config.slack.signing_secret = secrecy::SecretString::from(NEW_SECRET);
        config.slack.previous_signing_secret = Some(secrecy::SecretString::from(SIGNING_SECRET));
    })
    .await
    else {
        return;
    };
    let body = live_event();
    let now = Utc::now().timestamp();
    let signed_by = |secret: &str| {
        contact_policy_bot::slack::signature::SignatureVerifier::new(secrecy::SecretString::from(
            secret.to_owned(),
        ))
        .sign(&now.to_string(), &body)
    };
    for (secret, status) in [
        (SIGNING_SECRET, 200),
        (NEW_SECRET, 200),
        ("a-secret-nobody-configured", 401),
    ] {
        let response = app
            .post_raw(
                "/slack/events",
                "application/json",
                body.clone(),
                Some(now.to_string()),
                Some(signed_by(secret)),
            )
            .await;
        assert_eq!(response.status(), status, "signed with {secret}");
    }
    app.stop().await.expect("stops cleanly");
}

on_both_backends!(
    r_ops_4_a_rotated_signing_secret_is_accepted_until_removed,
    r_ops_2_bad_signatures_get_401_and_change_nothing,
    oversized_bodies_get_413_and_the_server_stays_healthy,
    malformed_payloads_get_400_and_change_nothing,
    r_dp_3_requests_from_another_workspace_are_refused,
);
