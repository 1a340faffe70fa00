//! The Slack the three targets talk to during the comparison: `auth.test` (both peers call
//! it at start), `users.info` (the bot asks whether the user is staff), and an `ok` answer
//! to whatever else is called (the bot's DMs after a report, `views.open`). It keeps the
//! last modal opened, so the harness can submit the report form the bot really showed.
//! Deliberately separate from the tests' fake Slack: this harness must not depend on test
//! code, and it answers; it does not police (the tests' fake does that).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::routing::any;
use axum::{Json, Router};
use serde_json::{json, Value};

pub const TEAM_ID: &str = "T0BENCH";

#[derive(Default)]
struct Seen {
    calls: BTreeMap<String, u64>,
    last_modal: Option<Value>,
}

#[derive(Clone, Default)]
pub struct FakeSlack {
    seen: Arc<Mutex<Seen>>,
}

impl FakeSlack {
    /// Serves on a free loopback port; returns the API base URL (`http://…/api`).
    pub async fn start(&self) -> String {
        let app = Router::new()
            .route("/api/{method}", any(answer))
            .with_state(self.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake Slack binds");
        let address = listener.local_addr().expect("fake Slack address");
        tokio::spawn(async move {
            axum::serve(listener, app).await.expect("fake Slack serves");
        });
        format!("http://{address}/api")
    }

    pub fn last_modal(&self) -> Option<Value> {
        self.lock().last_modal.clone()
    }

    /// How often each method was called, e.g. `chat.postMessage=120 users.info=1`.
    pub fn calls(&self) -> String {
        let seen = self.lock();
        let calls: Vec<String> = seen.calls.iter().map(|(m, n)| format!("{m}={n}")).collect();
        calls.join(" ")
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Seen> {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The request's fields, JSON or form-encoded.
fn fields(body: &[u8]) -> Value {
    serde_json::from_slice(body).unwrap_or_else(|_| {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
        Value::Object(
            pairs
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    })
}

async fn answer(
    State(slack): State<FakeSlack>,
    Path(method): Path<String>,
    body: Bytes,
) -> Json<Value> {
    let request = fields(&body);
    *slack.lock().calls.entry(method.clone()).or_default() += 1;
    Json(match method.as_str() {
        "auth.test" => json!({
            "ok": true, "url": "https://bench.slack.com/", "team": "Bench", "user": "bot",
            "team_id": TEAM_ID, "user_id": "U0BOT", "bot_id": "B0BOT", "is_enterprise_install": false
        }),
        "users.info" => json!({ "ok": true, "user": {
            "id": "U0STAFF", "team_id": TEAM_ID, "name": "staff", "real_name": "Bench Staff",
            "deleted": false, "is_bot": false, "is_app_user": false, "is_restricted": false,
            "is_ultra_restricted": false, "is_stranger": false,
            "profile": { "real_name": "Bench Staff", "display_name": "staff" }
        }}),
        "conversations.open" => json!({ "ok": true, "channel": { "id": "D0BENCH" } }),
        "chat.postMessage" => json!({
            "ok": true, "channel": request["channel"], "ts": "1700000000.000100",
            "message": { "text": request["text"], "ts": "1700000000.000100" }
        }),
        "views.open" | "views.push" | "views.update" => {
            let view = match &request["view"] {
                Value::String(text) => serde_json::from_str(text).unwrap_or(Value::Null),
                other => other.clone(),
            };
            let mut shown = view.clone();
            if let Some(fields) = shown.as_object_mut() {
                for (k, v) in [
                    ("id", json!("V0BENCH")),
                    ("team_id", json!(TEAM_ID)),
                    ("state", json!({ "values": {} })),
                    ("hash", json!("1700000000.bench")),
                    ("app_id", json!("A0BENCH")),
                    ("bot_id", json!("B0BOT")),
                    ("root_view_id", json!("V0BENCH")),
                ] {
                    fields.insert(k.to_owned(), v);
                }
            }
            slack.lock().last_modal = Some(view);
            json!({ "ok": true, "view": shown })
        }
        _ => json!({ "ok": true }),
    })
}
