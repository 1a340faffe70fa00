//! One `spawn_app()` for every integration test: the real application on port 0, a fresh
//! database, a fake Slack Web API on loopback, and requests signed exactly as Slack signs
//! them.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use contact_policy_bot::app::Application;
use contact_policy_bot::config::{Config, OutboxConfig, SlackConfig, DEFAULT_MAX_BODY_BYTES};
use contact_policy_bot::slack::signature::SignatureVerifier;
use contact_policy_bot::store::Store;
use secrecy::SecretString;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::db::TestDb;
use crate::fake_slack::FakeSlack;

pub const SIGNING_SECRET: &str = "test-signing-secret-0123456789abcdef";
pub const TEAM_ID: &str = "T0TEST";
pub const BOT_TOKEN: &str = "xoxb-test-token";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one scenario `async fn name(backend: Backend)` as two tests, `name::sqlite` and
/// `name::postgres` (the latter skipped, with a note, when PostgreSQL is not configured).
macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {
        $(
            mod $scenario {

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$scenario($crate::helpers::Backend::Sqlite).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$scenario($crate::helpers::Backend::Postgres).await;
                }
            }
        )+
    };
}

pub struct TestApp {
    pub address: String,
    pub store: Arc<dyn Store>,
    pub slack: Arc<FakeSlack>,
    pub db: Arc<TestDb>,
    pub http: reqwest::Client,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

/// Test-speed outbox settings: short polls and backoff, so retries happen in well under
/// a second, while Retry-After from Slack is still honoured as given.
pub fn test_outbox_config() -> OutboxConfig {
    OutboxConfig {
        poll_interval: Duration::from_millis(50),
        base_backoff: Duration::from_millis(100),
        max_backoff: Duration::from_millis(500),
        max_attempts: 5,
        claim_timeout: Duration::from_secs(30),
        request_timeout: Duration::from_secs(2),
    }
}

pub fn test_config(db_url: &str, slack_api_url: &str) -> Config {
    Config {
        database_url: db_url.to_owned(),
        listen_addr: "127.0.0.1:0".parse().expect("address"),
        slack: SlackConfig {
            signing_secret: SecretString::from(SIGNING_SECRET),
            bot_token: SecretString::from(BOT_TOKEN),
            app_token: None,
            api_url: slack_api_url.to_owned(),
            team_id: TEAM_ID.to_owned(),
        },
        timezone: chrono_tz::Europe::London,
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        outbox: test_outbox_config(),
    }
}

/// A fresh database for `backend`, or `None` when PostgreSQL is not configured.
pub async fn fresh_db(backend: Backend, test: &str) -> Option<TestDb> {
    match backend {
        Backend::Sqlite => Some(TestDb::sqlite()),
        Backend::Postgres => TestDb::postgres(test).await,
    }
}

/// Starts the app on a fresh database, or returns `None` when the backend is unavailable.
pub async fn spawn_app(backend: Backend, test: &str) -> Option<TestApp> {
    let db = Arc::new(fresh_db(backend, test).await?);
    let slack = Arc::new(FakeSlack::start().await);
    Some(spawn_app_on(db, slack).await)
}

/// Starts the app against an existing database and fake Slack (used to restart).
pub async fn spawn_app_on(db: Arc<TestDb>, slack: Arc<FakeSlack>) -> TestApp {
    let config = test_config(db.url(), &slack.api_url());
    let app = Application::build(config).await.expect("app builds");
    let address = format!("http://{}", app.local_addr().expect("bound"));
    let store = app.store();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    TestApp {
        address,
        store,
        slack,
        db,
        http: reqwest::Client::new(),
        shutdown: Some(tx),
        task: Some(task),
    }
}

pub fn sign(timestamp: i64, body: &[u8]) -> String {
    SignatureVerifier::new(SecretString::from(SIGNING_SECRET)).sign(&timestamp.to_string(), body)
}

impl TestApp {
    /// Stops the app the way SIGTERM would and waits for it to finish.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task.await.expect("app task"),
            None => Ok(()),
        }
    }

    /// POSTs `body` signed as Slack would sign it now.
    pub async fn post_signed(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> reqwest::Response {
        let body = body.into();
        let ts = Utc::now().timestamp();
        let signature = sign(ts, &body);
        self.post_raw(
            path,
            content_type,
            body,
            Some(ts.to_string()),
            Some(signature),
        )
        .await
    }

    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        timestamp: Option<String>,
        signature: Option<String>,
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(format!("{}{path}", self.address))
            .header("content-type", content_type)
            .body(body);
        if let Some(ts) = timestamp {
            request = request.header("x-slack-request-timestamp", ts);
        }
        if let Some(sig) = signature {
            request = request.header("x-slack-signature", sig);
        }
        request.send().await.expect("request sent")
    }

    /// Sends `/contact <text>` as `user`.
    pub async fn slash_command(&self, user: &str, text: &str) -> reqwest::Response {
        let body = slash_command_body(user, text, TEAM_ID, &self.slack.response_url("cmd"));
        self.post_signed("/slack/commands", "application/x-www-form-urlencoded", body)
            .await
    }

    pub async fn post_event(&self, event: &serde_json::Value) -> reqwest::Response {
        self.post_signed(
            "/slack/events",
            "application/json",
            serde_json::to_vec(event).expect("json"),
        )
        .await
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.address))
            .send()
            .await
            .expect("request sent")
    }
}

pub fn slash_command_body(user: &str, text: &str, team: &str, response_url: &str) -> String {
    serde_urlencoded::to_string([
        ("token", "legacy-verification-token"),
        ("team_id", team),
        ("team_domain", "testteam"),
        ("channel_id", "C0CHANNEL"),
        ("channel_name", "general"),
        ("user_id", user),
        ("user_name", "someone"),
        ("command", "/contact"),
        ("text", text),
        ("api_app_id", "A0APP"),
        ("response_url", response_url),
        ("trigger_id", "1337.42.abcdef"),
    ])
    .expect("form encodes")
}

/// An `app_home_opened` event callback as Slack sends it.
pub fn app_home_opened(event_id: &str, user: &str, team: &str) -> serde_json::Value {
    serde_json::json!({
        "token": "legacy",
        "team_id": team,
        "api_app_id": "A0APP",
        "event": {
            "type": "app_home_opened",
            "user": user,
            "channel": "D0HOME",
            "tab": "home",
            "event_ts": "1700000000.000100"
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1_700_000_000,
        "authorizations": [],
    })
}
