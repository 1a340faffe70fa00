//! One `spawn_app()` for every integration test: the real application on port 0, a fresh
//! database, a fake Slack Web API on loopback, and requests signed exactly as Slack signs
//! them.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use contact_policy_bot::app::Application;
use contact_policy_bot::config::{
    Config, LettersConfig, OutboxConfig, ReminderConfig, SlackConfig, StaffScope,
    DEFAULT_COMPLAINTS_CONTACT, DEFAULT_MAX_BODY_BYTES,
};
use contact_policy_bot::slack::signature::SignatureVerifier;
use contact_policy_bot::store::Store;
use secrecy::SecretString;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::db::TestDb;
use crate::fake_slack::block_kit_limits::{
    check_answer, invalid_blocks_body, Answering, Violation,
};
use crate::fake_slack::socket_mode::{FakeSocketMode, Outcome};
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
    /// Set when the app runs on a clock the test controls; requests are signed by it.
    pub clock: Option<contact_policy_bot::clock::ManualClock>,
    pub scheduler: Option<contact_policy_bot::scheduler::cron_job::ReminderScheduler>,
    pub address: String,
    pub store: Arc<dyn Store>,
    pub slack: Arc<FakeSlack>,
    pub db: Arc<TestDb>,
    pub http: reqwest::Client,
    /// In Socket Mode, the fake Socket Mode server the app is connected to: requests to
    /// `/slack/*` then travel as envelopes over it instead of HTTP.
    pub socket: Option<Arc<FakeSocketMode>>,
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
        alert_after_attempts: 5,
        claim_timeout: Duration::from_secs(30),
        request_timeout: Duration::from_secs(2),
    }
}

pub fn test_config(db_url: &str, slack_api_url: &str) -> Config {
    Config {
        database_url: db_url.to_owned(),
        listen_addr: "127.0.0.1:0".parse().expect("address"),
        metrics_addr: None,
        slack: SlackConfig {
            signing_secret: SecretString::from(SIGNING_SECRET),
            previous_signing_secret: None,
            bot_token: SecretString::from(BOT_TOKEN),
            app_token: None,
            api_url: slack_api_url.to_owned(),
            team_id: TEAM_ID.to_owned(),
        },
        timezone: chrono_tz::Europe::London,
        max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        outbox: test_outbox_config(),
        letters: LettersConfig {
            // The defaults compiled into the binary (TEMPLATES_DIR unset), as in production.
            templates_dir: None,
            // The bundled policy, as in production.
            policy_document: None,
            organisation: "Test Office".to_owned(),
            complaints_contact: DEFAULT_COMPLAINTS_CONTACT.to_owned(),
        },
        reminders: ReminderConfig::default(),
        // Tests drive the retention review themselves.
        retention: contact_policy_bot::config::RetentionConfig {
            background: false,
            ..Default::default()
        },
        staff: StaffScope::default(),
        socket_mode: Default::default(),
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
    spawn_app_with(db, slack, None).await
}

/// Starts the app on a clock the test controls, with the reminder schedule driven by the
/// test (`app.scheduler`) instead of running in the background.
pub async fn spawn_app_with(
    db: Arc<TestDb>,
    slack: Arc<FakeSlack>,
    clock: Option<contact_policy_bot::clock::ManualClock>,
) -> TestApp {
    spawn_app_configured_on(db, slack, clock, |_| {}).await
}

/// Starts the app on a fresh database with a clock the test controls, set to now: the
/// journey runs as on a real clock, and the test moves time on to sweep reminders.
pub async fn spawn_app_on_manual_clock(backend: Backend, test: &str) -> Option<TestApp> {
    let db = Arc::new(fresh_db(backend, test).await?);
    let slack = Arc::new(FakeSlack::start().await);
    let clock = contact_policy_bot::clock::ManualClock::new(chrono::Utc::now());
    Some(spawn_app_with(db, slack, Some(clock)).await)
}

/// Moves the test's clock on by `days` and runs one reminder sweep; returns what it issued.
pub async fn sweep_after_days(app: &TestApp, days: i64) -> u64 {
    let clock = app.clock.clone().expect("a manual clock");
    clock.set(contact_policy_bot::clock::Clock::now(&clock) + chrono::Duration::days(days));
    app.scheduler
        .clone()
        .expect("a test-driven scheduler")
        .sweep_now()
        .await
        .expect("sweep")
        .issued
}

/// The channels that received a fresh approval copy (the scheduler's nudge, led by
/// "Reminder:") carrying `action`, in the order sent.
pub fn reminder_copies_of(app: &TestApp, action: &str) -> Vec<String> {
    app.slack
        .calls_to("chat.postMessage")
        .into_iter()
        .filter(|c| c.status == 200)
        .filter(|c| {
            c.body["text"]
                .as_str()
                .is_some_and(|t| t.starts_with("Reminder:"))
        })
        .filter(|c| c.body.to_string().contains(action))
        .filter_map(|c| c.body["channel"].as_str().map(str::to_owned))
        .collect()
}

/// Opens the bot's Home tab as `user` and returns the Home published for them in answer,
/// as JSON text.
pub async fn home_of(app: &TestApp, user: &str) -> String {
    let before = app.slack.calls_to("views.publish").len();
    let event = format!("Ev0HOME{}", rand::random::<u32>());
    app.post_event(&app_home_opened(&event, user, TEAM_ID))
        .await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        let published = app.slack.calls_to("views.publish");
        if let Some(home) = published
            .iter()
            .skip(before)
            .rfind(|c| c.body["user_id"] == user)
        {
            return home.body["view"].to_string();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no Home published for {user}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The members of staff the scenarios act as, each an active full member of the
/// workspace as Slack's `users.info` answers for them (R-DP-3: only full members are
/// staff, and real Slack knows nobody it was not told about).
pub const STANDARD_STAFF: [(&str, &str); 11] = [
    ("U0STAFF", "Sam Staff"),
    ("U0MANAGER", "Morgan Manager"),
    ("U0HEAD", "Harper Head"),
    ("U0DEPUTY", "Dana Deputy"),
    ("U0OTHERMGR", "Olive Othermanager"),
    ("U0NEWSTARTER", "Nico Newstarter"),
    ("U0HANDLER", "Hana Handler"),
    ("U0ADMIN", "Ada Admin"),
    ("U0NOROLE", "Noel Norole"),
    ("U0OTHER", "Omar Other"),
    ("U0COMPLAINTS", "Cara Complaints"),
];

/// Seeds [`STANDARD_STAFF`] into `slack`, keeping any the test seeded itself.
pub fn seed_standard_staff(slack: &FakeSlack) {
    for (id, name) in STANDARD_STAFF {
        slack.seed_user_unless_known(id, name);
    }
}

/// Starts the app on a fresh database with its configuration changed by `configure`
/// (e.g. `STAFF=enrolled`), or returns `None` when the backend is unavailable.
pub async fn spawn_app_configured(
    backend: Backend,
    test: &str,
    configure: impl FnOnce(&mut Config),
) -> Option<TestApp> {
    let db = Arc::new(fresh_db(backend, test).await?);
    let slack = Arc::new(FakeSlack::start().await);
    Some(spawn_app_configured_on(db, slack, None, configure).await)
}

/// The app-level token the Socket Mode tests configure.
pub const APP_TOKEN: &str = "xapp-1-A0FAKEAPP-1-test";

/// Socket Mode settings for tests: reconnects after tens of milliseconds, so a dropped
/// connection is back well inside Slack's retry window.
pub fn test_socket_mode_config() -> contact_policy_bot::config::SocketModeConfig {
    contact_policy_bot::config::SocketModeConfig {
        base_backoff: Duration::from_millis(50),
        max_backoff: Duration::from_millis(400),
        connect_timeout: Duration::from_secs(5),
        ping_interval: Duration::from_secs(5),
        refresh_margin: Duration::from_secs(60),
    }
}

/// Starts the app in Socket Mode (`SLACK_APP_TOKEN` set) on a fresh database, connected to
/// a fresh fake Socket Mode server, and waits for its connection; `None` when the backend
/// is unavailable. Every `/slack/*` helper then goes over the socket.
pub async fn spawn_socket_app(backend: Backend, test: &str) -> Option<TestApp> {
    let db = Arc::new(fresh_db(backend, test).await?);
    let slack = Arc::new(FakeSlack::start().await);
    let socket = Arc::new(FakeSocketMode::start().await);
    Some(spawn_socket_app_on(db, slack, socket, |_| {}).await)
}

/// Starts the app in Socket Mode against an existing database, fake Slack and fake Socket
/// Mode server (a second instance, a restart), with its configuration changed by
/// `configure`, and waits until one more connection is live than before.
pub async fn spawn_socket_app_on(
    db: Arc<TestDb>,
    slack: Arc<FakeSlack>,
    socket: Arc<FakeSocketMode>,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    slack.attach_socket_mode(&socket);
    let before = socket.live().len();
    let mut app = spawn_app_configured_on(db, slack, None, |config| {
        config.slack.app_token = Some(SecretString::from(APP_TOKEN));
        config.socket_mode = test_socket_mode_config();
        configure(config);
    })
    .await;
    socket
        .wait_for_live(before + 1, Duration::from_secs(10))
        .await;
    app.socket = Some(socket);
    app
}

/// What Slack sends over Socket Mode for an HTTP request to `path` with `body`, delivered
/// as an envelope and its acknowledgement read back as the HTTP answer would be: its
/// `payload` as a JSON body, none as an empty 200. An envelope never acknowledged reads as
/// a 504, which no test expects.
async fn over_socket(socket: &FakeSocketMode, path: &str, body: &[u8]) -> reqwest::Response {
    let (kind, payload) = match path {
        "/slack/commands" => {
            let fields: std::collections::BTreeMap<String, String> =
                serde_urlencoded::from_bytes(body).expect("a slash command form");
            ("slash_commands", serde_json::json!(fields))
        }
        "/slack/interactions" | "/slack/options" => {
            let fields: std::collections::BTreeMap<String, String> =
                serde_urlencoded::from_bytes(body).expect("an interaction form");
            let payload = fields.get("payload").expect("a payload field");
            (
                "interactive",
                serde_json::from_str(payload).expect("payload JSON"),
            )
        }
        "/slack/events" => (
            "events_api",
            serde_json::from_slice(body).expect("event JSON"),
        ),
        other => panic!("{other} is not one of Slack's request URLs"),
    };
    let (status, body) = match socket.deliver(kind, payload).await {
        Outcome::Acked {
            payload: Some(payload),
            ..
        } => (200, payload.to_string()),
        Outcome::Acked { payload: None, .. } => (200, String::new()),
        Outcome::NotAcked => (504, String::new()),
    };
    let mut response = axum::http::Response::builder().status(status);
    if !body.is_empty() {
        response = response.header("content-type", "application/json");
    }
    reqwest::Response::from(response.body(body).expect("response"))
}

pub async fn spawn_app_configured_on(
    db: Arc<TestDb>,
    slack: Arc<FakeSlack>,
    clock: Option<contact_policy_bot::clock::ManualClock>,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    seed_standard_staff(&slack);
    let mut config = test_config(db.url(), &slack.api_url());
    configure(&mut config);
    let app = match &clock {
        Some(clock) => {
            config.reminders.background = false;
            Application::build_with_clock(config, Arc::new(clock.clone()))
                .await
                .expect("app builds")
        }
        None => Application::build(config).await.expect("app builds"),
    };
    let scheduler = clock.as_ref().map(|_| app.reminder_scheduler());
    let address = format!("http://{}", app.local_addr().expect("bound"));
    let store = app.store();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(app.run_until_stopped(async move {
        let _ = rx.await;
    }));
    TestApp {
        clock,
        scheduler,
        address,
        store,
        slack,
        db,
        http: reqwest::Client::new(),
        socket: None,
        shutdown: Some(tx),
        task: Some(task),
    }
}

/// An app running in a tokio runtime of its own, which [`Killer::kill`] stops outright:
/// every task, request in flight and database connection is dropped at once, as when the
/// process dies (no graceful shutdown, nothing finished).
pub struct Killer {
    runtime: tokio::runtime::Runtime,
}

impl Killer {
    pub fn kill(self) {
        self.runtime.shutdown_background();
    }
}

/// Starts the app on `db` and `slack` in its own runtime; see [`Killer`].
pub async fn spawn_killable_app(db: Arc<TestDb>, slack: Arc<FakeSlack>) -> (TestApp, Killer) {
    seed_standard_staff(&slack);
    let config = test_config(db.url(), &slack.api_url());
    let (app, runtime) = tokio::task::spawn_blocking(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime for the app");
        let app = runtime
            .block_on(Application::build(config))
            .expect("app builds");
        (app, runtime)
    })
    .await
    .expect("app thread");
    let address = format!("http://{}", app.local_addr().expect("bound"));
    let store = app.store();
    runtime.spawn(app.run_until_stopped(std::future::pending::<()>()));
    let test_app = TestApp {
        clock: None,
        scheduler: None,
        address,
        store,
        slack,
        db,
        http: reqwest::Client::new(),
        socket: None,
        shutdown: None,
        task: None,
    };
    (test_app, Killer { runtime })
}

pub fn sign(timestamp: i64, body: &[u8]) -> String {
    SignatureVerifier::new(SecretString::from(SIGNING_SECRET)).sign(&timestamp.to_string(), body)
}

impl TestApp {
    /// Stops the app the way SIGTERM would and waits for it to finish.
    ///
    /// # Panics
    ///
    /// If the fake Slack refused any call as real Slack would (a payload over a Block Kit
    /// limit, a stale trigger): in production that message or modal would never have shown,
    /// so the scenario the test walked did not happen.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let stopped = match self.task.take() {
            Some(task) => task.await.expect("app task"),
            None => Ok(()),
        };
        self.slack.assert_no_refusals();
        if let Some(socket) = &self.socket {
            socket.assert_no_refusals();
        }
        stopped
    }

    /// POSTs `body` signed as Slack would sign it now; in Socket Mode, sends it as the
    /// envelope Slack would send instead (`over_socket`).
    pub async fn post_signed(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<Vec<u8>>,
    ) -> reqwest::Response {
        let body = body.into();
        if let Some(socket) = &self.socket {
            let response = over_socket(socket, path, &body).await;
            return checked_answer(path, response, &self.slack).await;
        }
        let ts = self
            .clock
            .as_ref()
            .map_or_else(Utc::now, contact_policy_bot::clock::Clock::now)
            .timestamp();
        let signature = sign(ts, &body);
        let response = self
            .post_raw(
                path,
                content_type,
                body,
                Some(ts.to_string()),
                Some(signature),
            )
            .await;
        checked_answer(path, response, &self.slack).await
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
        let body = slash_command_body(
            user,
            text,
            TEAM_ID,
            &self.slack.response_url("cmd"),
            &self.slack.new_trigger(),
        );
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

/// Checks what the bot answered Slack on `path` the way Slack would, and panics with Slack's
/// refusal when Slack would not show it. Returns an equivalent response to read.
///
/// Slack reads the HTTP answer to a slash command as a message, the answer to a
/// `view_submission` as a `response_action` (whose `update` / `push` carry a view), and the
/// answer to a `block_suggestion` as a list of options; each has the same limits as the
/// Web API methods.
async fn checked_answer(
    path: &str,
    response: reqwest::Response,
    slack: &FakeSlack,
) -> reqwest::Response {
    if !matches!(
        path,
        "/slack/commands" | "/slack/interactions" | "/slack/options"
    ) {
        return response;
    }
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("answer body");
    if let Ok(answer) = serde_json::from_slice::<serde_json::Value>(&bytes) {
        let violations = answer_violations(path, &answer);
        assert!(
            violations.is_empty(),
            "Slack would refuse the bot's answer on {path}: {}\nanswer: {}\n\
             calls the fake refused before it:\n{}",
            invalid_blocks_body(&violations),
            abbreviated(&answer),
            slack
                .refusals()
                .iter()
                .map(|refusal| format!("  {refusal}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    let mut rebuilt = axum::http::Response::builder().status(status);
    for (name, value) in &headers {
        rebuilt = rebuilt.header(name, value);
    }
    reqwest::Response::from(rebuilt.body(bytes).expect("rebuilt response"))
}

fn answer_violations(path: &str, answer: &serde_json::Value) -> Vec<Violation> {
    let to = match path {
        "/slack/options" => Answering::Options,
        "/slack/commands" => Answering::Command,
        _ => Answering::Interaction,
    };
    check_answer(to, answer)
}

fn abbreviated(value: &serde_json::Value) -> String {
    let text = value.to_string();
    if text.chars().count() > 500 {
        text.chars().take(500).collect::<String>() + "…"
    } else {
        text
    }
}

pub fn slash_command_body(
    user: &str,
    text: &str,
    team: &str,
    response_url: &str,
    trigger_id: &str,
) -> String {
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
        ("trigger_id", trigger_id),
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

// ---------------------------------------------------------------------------------------
// Interactive payloads, shaped as Slack sends them.
// ---------------------------------------------------------------------------------------

pub mod slack_values {
    use serde_json::{json, Value};

    fn option(value: &str) -> Value {
        json!({ "text": { "type": "plain_text", "text": value }, "value": value })
    }
    pub fn text(value: &str) -> Value {
        json!({ "type": "plain_text_input", "value": value })
    }
    pub fn number(value: &str) -> Value {
        json!({ "type": "number_input", "value": value })
    }
    pub fn select(value: &str) -> Value {
        json!({ "type": "static_select", "selected_option": option(value) })
    }
    pub fn external(value: &str) -> Value {
        json!({ "type": "external_select", "selected_option": option(value) })
    }
    pub fn radio(value: &str) -> Value {
        json!({ "type": "radio_buttons", "selected_option": option(value) })
    }
    pub fn multi(values: &[&str]) -> Value {
        json!({ "type": "multi_static_select", "selected_options": values.iter().map(|v| option(v)).collect::<Vec<_>>() })
    }
    pub fn checkboxes(values: &[&str]) -> Value {
        json!({ "type": "checkboxes", "selected_options": values.iter().map(|v| option(v)).collect::<Vec<_>>() })
    }
    pub fn date_time(unix: i64) -> Value {
        json!({ "type": "datetimepicker", "selected_date_time": unix })
    }
    pub fn date(day: &str) -> Value {
        json!({ "type": "datepicker", "selected_date": day })
    }
    pub fn empty(kind: &str) -> Value {
        json!({ "type": kind })
    }
}

/// Builds a `state.values` object from `(block_id, value)` pairs (action id = block id).
pub fn state_values(fields: &[(&str, serde_json::Value)]) -> serde_json::Value {
    let mut values = serde_json::Map::new();
    for (field, value) in fields {
        values.insert((*field).to_owned(), serde_json::json!({ *field: value }));
    }
    serde_json::Value::Object(values)
}

/// Of `values`, those for fields `view` shows: what Slack's state would hold for a user
/// who filled in everything they could see.
pub fn values_shown_in(view: &serde_json::Value, values: &serde_json::Value) -> serde_json::Value {
    let shown = input_block_ids(view);
    let kept = values
        .as_object()
        .map(|values| {
            values
                .iter()
                .filter(|(k, _)| shown.contains(k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    serde_json::Value::Object(kept)
}

/// The block ids of a view's input blocks.
fn input_block_ids(view: &serde_json::Value) -> Vec<String> {
    view["blocks"]
        .as_array()
        .map(|blocks| {
            blocks
                .iter()
                .filter(|b| b["type"] == "input")
                .filter_map(|b| b["block_id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn slack_user(user: &str) -> serde_json::Value {
    serde_json::json!({ "id": user, "username": "someone", "name": "someone", "team_id": TEAM_ID })
}

fn slack_team() -> serde_json::Value {
    serde_json::json!({ "id": TEAM_ID, "domain": "testteam" })
}

impl TestApp {
    /// POSTs an interaction payload as Slack does: a form with one `payload` field.
    pub async fn post_interaction(&self, payload: &serde_json::Value) -> reqwest::Response {
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form");
        self.post_signed(
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            body,
        )
        .await
    }

    /// Waits for the `views.open` the bot sends after a slash command or button, and
    /// returns the modal it opened.
    pub async fn opened_modal(&self, nth: usize) -> serde_json::Value {
        let calls = self
            .slack
            .wait_for_calls("views.open", nth + 1, Duration::from_secs(5))
            .await;
        calls[nth].body["view"].clone()
    }

    /// The modal opened by the `nth` `views.open`, as Slack answered it: with the `id` and
    /// `hash` a choice inside it carries.
    pub async fn opened_view(&self, nth: usize) -> serde_json::Value {
        let calls = self
            .slack
            .wait_for_calls("views.open", nth + 1, Duration::from_secs(5))
            .await;
        let view = calls[nth]
            .response
            .as_ref()
            .map(|r| r["view"].clone())
            .unwrap_or_default();
        assert!(
            view["id"].is_string(),
            "views.open was not answered with a view: {calls:?}"
        );
        view
    }

    /// A choice made in an open modal whose input dispatches at once (`dispatch_action`),
    /// as Slack sends it: `block_actions` carrying the view with its id, hash and the state
    /// `values` (which must include `field`'s new value). Returns the view the bot put in
    /// its place with `views.update`, as Slack answered it, or `None` if it sent none.
    pub async fn choose_in_view(
        &self,
        user: &str,
        view: &serde_json::Value,
        values: serde_json::Value,
        field: &str,
    ) -> Option<serde_json::Value> {
        let call = self.choose_in_view_call(user, view, values, field).await?;
        assert_eq!(
            call.error, None,
            "views.update refused: {:?}",
            call.response
        );
        call.response.as_ref().map(|r| r["view"].clone())
    }

    /// As [`Self::choose_in_view`], but returns the `views.update` the bot sent whatever
    /// Slack made of it (a stale hash is refused, as when two choices race).
    pub async fn choose_in_view_call(
        &self,
        user: &str,
        view: &serde_json::Value,
        values: serde_json::Value,
        field: &str,
    ) -> Option<crate::fake_slack::RecordedCall> {
        let shown = input_block_ids(view);
        if let Some(values) = values.as_object() {
            let unshown: Vec<&String> = values.keys().filter(|k| !shown.contains(k)).collect();
            assert!(
                unshown.is_empty(),
                "a view's state holds only its own fields; not shown: {unshown:?}"
            );
        }
        let before = self.slack.calls_to("views.update").len();
        let mut action = values[field][field].clone();
        action["action_id"] = serde_json::json!(field);
        action["block_id"] = serde_json::json!(field);
        action["action_ts"] = serde_json::json!(format!("1700000000.{}", rand::random::<u32>()));
        let mut sent_view = view.clone();
        sent_view["state"] = serde_json::json!({ "values": values });
        let payload = serde_json::json!({
            "type": "block_actions",
            "team": slack_team(),
            "user": slack_user(user),
            "api_app_id": "A0APP",
            "token": "legacy",
            "container": { "type": "view", "view_id": view["id"] },
            "trigger_id": self.slack.new_trigger(),
            "view": sent_view,
            "actions": [action],
        });
        let response = self.post_interaction(&payload).await;
        assert_eq!(response.status(), 200, "block_actions in a modal");
        // The update leaves at once, or not at all: a short wait tells which.
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        while std::time::Instant::now() < deadline {
            let updates = self.slack.calls_to("views.update");
            if updates.len() > before {
                return Some(updates[before].clone());
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    /// The restrict form `view` (as Slack answered it) as a manager sees it once they have
    /// ticked the measures in `values`: rebuilt to show those measures' fields, or as it
    /// was when none of them needs any.
    pub async fn restrict_form(
        &self,
        user: &str,
        view: &serde_json::Value,
        values: &serde_json::Value,
    ) -> serde_json::Value {
        let measures = values["measures"]["measures"].clone();
        if measures.is_null() {
            return view.clone();
        }
        let ticked = serde_json::json!({ "measures": { "measures": measures } });
        self.choose_in_view(user, view, ticked, "measures")
            .await
            .unwrap_or_else(|| view.clone())
    }

    /// Submits `modal` (as captured from `views.open`) with `values`, as `user`.
    pub async fn submit_modal(
        &self,
        user: &str,
        modal: &serde_json::Value,
        values: serde_json::Value,
    ) -> reqwest::Response {
        let view_id = format!("V{}", rand::random::<u32>());
        self.submit_view(user, modal, values, &view_id).await
    }

    /// Submits `modal` as the view `view_id`: submitting the same id again is what Slack
    /// sends when the user presses Submit again on the same modal.
    pub async fn submit_view(
        &self,
        user: &str,
        modal: &serde_json::Value,
        values: serde_json::Value,
        view_id: &str,
    ) -> reqwest::Response {
        // Slack's state holds the view's own inputs and nothing else: a test cannot
        // submit a field the user was never shown.
        let shown = input_block_ids(modal);
        if let Some(values) = values.as_object() {
            let unshown: Vec<&String> = values.keys().filter(|k| !shown.contains(k)).collect();
            assert!(
                unshown.is_empty(),
                "submitting values for fields the modal does not show: {unshown:?} (shown: {shown:?})"
            );
        }
        let payload = serde_json::json!({
            "type": "view_submission",
            "team": slack_team(),
            "user": slack_user(user),
            "api_app_id": "A0APP",
            "token": "legacy",
            "trigger_id": self.slack.new_trigger(),
            "view": {
                "id": view_id,
                "team_id": TEAM_ID,
                "type": "modal",
                "blocks": modal["blocks"],
                "private_metadata": modal["private_metadata"],
                "callback_id": modal["callback_id"],
                "state": { "values": values },
                "hash": "1700000000.abcdef",
                "title": modal["title"],
                "close": modal["close"],
                "submit": modal["submit"],
                "previous_view_id": null,
                "root_view_id": view_id,
                "app_id": "A0APP",
                "external_id": "",
                "bot_id": "B0BOT"
            },
            "response_urls": []
        });
        let response = self.post_interaction(&payload).await;
        // Slack shows an error only under an input block of the submitted view.
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.expect("answer body");
        if let Ok(answer) = serde_json::from_slice::<serde_json::Value>(&bytes) {
            if answer["response_action"] == "errors" {
                let misplaced: Vec<&String> = answer["errors"]
                    .as_object()
                    .map(|errors| errors.keys().filter(|k| !shown.contains(k)).collect())
                    .unwrap_or_default();
                assert!(
                    misplaced.is_empty(),
                    "Slack would refuse errors for blocks the view does not have: {misplaced:?} in {answer}"
                );
            }
        }
        let mut rebuilt = axum::http::Response::builder().status(status);
        for (name, value) in &headers {
            rebuilt = rebuilt.header(name, value);
        }
        reqwest::Response::from(rebuilt.body(bytes).expect("rebuilt response"))
    }

    /// Clicks a button with `action_id` and `value`, as `user`, on a message.
    pub async fn click(
        &self,
        user: &str,
        action_id: &str,
        value: &str,
        response_url: &str,
    ) -> reqwest::Response {
        let payload = serde_json::json!({
            "type": "block_actions",
            "team": slack_team(),
            "user": slack_user(user),
            "api_app_id": "A0APP",
            "token": "legacy",
            "container": { "type": "message", "message_ts": "1700000000.000100", "channel_id": "D0DM", "is_ephemeral": false },
            "trigger_id": self.slack.new_trigger(),
            "channel": { "id": "D0DM", "name": "directmessage" },
            "response_url": response_url,
            "actions": [{
                "type": "button", "action_id": action_id, "block_id": "b1", "value": value,
                "text": { "type": "plain_text", "text": "Button" },
                "action_ts": format!("1700000000.{}", rand::random::<u32>())
            }]
        });
        self.post_interaction(&payload).await
    }

    /// Asks the options endpoint what the person picker offers for `typed`.
    pub async fn person_options(&self, user: &str, typed: &str) -> serde_json::Value {
        let payload = serde_json::json!({
            "type": "block_suggestion",
            "team": slack_team(),
            "user": slack_user(user),
            "api_app_id": "A0APP",
            "token": "legacy",
            "block_id": "person",
            "action_id": "person",
            "container": { "type": "view", "view_id": "V0PICK" },
            "value": typed
        });
        let body = serde_urlencoded::to_string([("payload", payload.to_string())]).expect("form");
        let response = self
            .post_signed("/slack/options", "application/x-www-form-urlencoded", body)
            .await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("options JSON")
    }
}

/// Writes an approved request and its active restriction straight into the database, as
/// the approval flow will; used to test what staff see for restrictions in force.
pub async fn insert_restriction(
    db_url: &str,
    person_id: i64,
    function_id: i64,
    measures: &[contact_policy_bot::domain::measures::Measure],
    starts_on: chrono::NaiveDate,
    ends_on: Option<chrono::NaiveDate>,
) -> i64 {
    insert_restriction_reviewed(
        db_url,
        person_id,
        function_id,
        measures,
        starts_on,
        ends_on,
        starts_on + chrono::Duration::days(300),
    )
    .await
}

/// As `insert_restriction`, with the next review on `review`.
pub async fn insert_restriction_reviewed(
    db_url: &str,
    person_id: i64,
    function_id: i64,
    measures: &[contact_policy_bot::domain::measures::Measure],
    starts_on: chrono::NaiveDate,
    ends_on: Option<chrono::NaiveDate>,
    review: chrono::NaiveDate,
) -> i64 {
    insert_restriction_owned(
        db_url,
        person_id,
        function_id,
        measures,
        starts_on,
        ends_on,
        review,
        "U0MANAGER",
    )
    .await
}

/// As `insert_restriction_reviewed`, requested (so owned) by `owner`.
#[allow(clippy::too_many_arguments)]
pub async fn insert_restriction_owned(
    db_url: &str,
    person_id: i64,
    function_id: i64,
    measures: &[contact_policy_bot::domain::measures::Measure],
    starts_on: chrono::NaiveDate,
    ends_on: Option<chrono::NaiveDate>,
    review: chrono::NaiveDate,
    owner: &str,
) -> i64 {
    use sqlx::Connection;
    let now = Utc::now();
    let reference = format!("RES-T{}", rand::random::<u32>());
    macro_rules! run {
        ($conn:expr) => {{
            let request_id: i64 = sqlx::query_scalar(
                "INSERT INTO restriction_requests (reference, service_user_id, function_id, status, justification, \
                 proportionality, internal_review_exhausted, no_warning_reason, first_review_on, decided_by, decided_at, \
                 created_by, created_at) VALUES ($1, $2, $3, 'approved', 'fixture', 'fixture', TRUE, \
                 'violence_used_or_threatened', $4, 'U0DECIDER', $5, $6, $5) RETURNING id",
            )
            .bind(format!("REQ-{reference}"))
            .bind(person_id)
            .bind(function_id)
            .bind(review)
            .bind(now)
            .bind(owner)
            .fetch_one(&mut $conn)
            .await
            .expect("request row");
            let restriction_id: i64 = sqlx::query_scalar(
                "INSERT INTO restrictions (reference, service_user_id, function_id, request_id, status, starts_on, \
                 ends_on, next_review_on, created_by, created_at) VALUES ($1, $2, $3, $4, 'active', $5, $6, $7, 'U0HEAD', $8) \
                 RETURNING id",
            )
            .bind(&reference)
            .bind(person_id)
            .bind(function_id)
            .bind(request_id)
            .bind(starts_on)
            .bind(ends_on)
            .bind(review)
            .bind(now)
            .fetch_one(&mut $conn)
            .await
            .expect("restriction row");
            for measure in measures {
                sqlx::query("INSERT INTO restriction_measures (restriction_id, kind, params) VALUES ($1, $2, $3)")
                    .bind(restriction_id)
                    .bind(measure.kind_str())
                    .bind(sqlx::types::Json(measure.params()))
                    .execute(&mut $conn)
                    .await
                    .expect("measure row");
            }
            restriction_id
        }};
    }
    if db_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(db_url).await.expect("pg");
        run!(conn)
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db_url)
            .await
            .expect("sqlite");
        run!(conn)
    }
}

/// Runs one SQL statement against the test database, to set up a situation the app
/// only reaches over time (a letter sent a month ago, a date that has passed).
pub async fn run_sql(db_url: &str, sql: &str) {
    use sqlx::Connection;
    if db_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(db_url).await.expect("pg");
        sqlx::query(sql).execute(&mut conn).await.expect(sql);
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db_url)
            .await
            .expect("sqlite");
        sqlx::query(sql).execute(&mut conn).await.expect(sql);
    }
}

/// The first column of every row one query returns, as text (cast it in the SQL, e.g.
/// `CAST(params AS TEXT)`), to check what the app stored.
pub async fn sql_texts(db_url: &str, sql: &str) -> Vec<String> {
    use sqlx::Connection;
    if db_url.starts_with("postgres") {
        let mut conn = sqlx::PgConnection::connect(db_url).await.expect("pg");
        sqlx::query_scalar(sql)
            .fetch_all(&mut conn)
            .await
            .expect(sql)
    } else {
        let mut conn = sqlx::SqliteConnection::connect(db_url)
            .await
            .expect("sqlite");
        sqlx::query_scalar(sql)
            .fetch_all(&mut conn)
            .await
            .expect(sql)
    }
}

/// The manager marks the notice letter for restriction `reference` sent on `sent_on`,
/// through its "Mark as sent" button and modal (issue 9, finding 15: the restriction
/// takes effect once the person has been told).
pub async fn mark_notice_sent(
    app: &TestApp,
    manager: &str,
    reference: &str,
    sent_on: chrono::NaiveDate,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let letter_id = loop {
        let found = app
            .slack
            .calls_to("chat.postMessage")
            .into_iter()
            .filter(|c| {
                c.body["channel"] == manager
                    && c.body["text"]
                        .as_str()
                        .is_some_and(|t| t.contains(&format!("Letter ready for {reference}")))
            })
            .find_map(|c| {
                c.body["blocks"].as_array()?.iter().find_map(|b| {
                    b["elements"]
                        .as_array()?
                        .iter()
                        .find(|e| e["action_id"] == "mark_letter_sent")
                        .and_then(|e| e["value"].as_str().map(str::to_owned))
                })
            });
        if let Some(id) = found {
            break id;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no letter-ready message for {reference} to {manager}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let opened = app.slack.calls_to("views.open").len();
    app.click(
        manager,
        "mark_letter_sent",
        &letter_id,
        &app.slack.response_url(&format!("sent_{letter_id}")),
    )
    .await;
    let modal = app.opened_modal(opened).await;
    assert_eq!(modal["callback_id"], "letter_sent");
    let values = state_values(&[
        ("sent_on", slack_values::date(&sent_on.to_string())),
        ("method", slack_values::radio("post")),
    ]);
    assert_eq!(
        app.submit_modal(manager, &modal, values).await.status(),
        200
    );
}

/// Seeding through the write handle, the way a handler writes: the user's authority is
/// loaded from the roles the test seeded (`access::Authority`), and the proof it hands
/// out is what the write demands. A user without the role gets no proof, and the test
/// fails here.
pub mod seed {
    use chrono::{DateTime, Utc};
    use contact_policy_bot::access::Authority;
    use contact_policy_bot::domain::authority::{Manager, Reporter};
    use contact_policy_bot::domain::UserId;
    use contact_policy_bot::store::records::{NewIncident, NewRequest, Recorded};
    use contact_policy_bot::store::{NewOutboxMessage, Store};

    /// `user`'s authority as loaded for a request.
    pub async fn authority(store: &dyn Store, user: &str) -> Authority {
        Authority::load(store, &UserId::from_slack(user))
            .await
            .expect("authority loads")
    }

    /// The proof that `user` reports in `function_id`.
    pub async fn reporter(store: &dyn Store, user: &str, function_id: i64) -> Reporter {
        authority(store, user)
            .await
            .reports_in(function_id)
            .expect("the user reports in the function")
    }

    /// The proof that `user` manages `function_id`.
    pub async fn manager(store: &dyn Store, user: &str, function_id: i64) -> Manager {
        authority(store, user)
            .await
            .manages(function_id)
            .expect("the user manages the function")
    }

    /// Records `incident` as `user`, committed, with no messages.
    pub async fn incident(
        store: &dyn Store,
        user: &str,
        incident: &NewIncident,
        at: DateTime<Utc>,
    ) -> Recorded {
        let reporter = reporter(store, user, incident.function_id).await;
        let mut tx = store.begin_write().await.expect("write begins");
        let recorded = tx
            .record_incident(incident, &reporter, at)
            .await
            .expect("incident");
        tx.commit().await.expect("commits");
        recorded
    }

    /// Records `request` as the manager `user`, with each approver's copy of the
    /// approval message that `copy` builds, committed.
    pub async fn request(
        store: &dyn Store,
        user: &str,
        request: &NewRequest,
        at: DateTime<Utc>,
        approvers: &[UserId],
        copy: impl Fn(&Recorded, &UserId) -> NewOutboxMessage,
    ) -> Recorded {
        let manager = manager(store, user, request.function_id).await;
        let mut tx = store.begin_write().await.expect("write begins");
        let recorded = tx
            .create_request(request, &manager, at)
            .await
            .expect("request");
        for approver in approvers {
            tx.enqueue_approval_copy(recorded.id, approver, &copy(&recorded, approver), at)
                .await
                .expect("approval copy");
        }
        tx.commit().await.expect("commits");
        recorded
    }
}

/// Records a dispute straight in the store, as `manager` (who must manage the
/// restriction's function: the proof is obtained the real way, from their roles), through
/// the write handle; returns its id.
pub async fn record_dispute_as(
    store: &dyn Store,
    manager: &str,
    dispute: &contact_policy_bot::store::records::NewDispute,
    now: chrono::DateTime<Utc>,
) -> i64 {
    let function_id = store
        .restriction(dispute.restriction_id)
        .await
        .expect("read restriction")
        .expect("restriction")
        .function_id;
    let by = contact_policy_bot::access::Authority::load(
        store,
        &contact_policy_bot::domain::UserId::from_slack(manager),
    )
    .await
    .expect("roles")
    .manages(function_id)
    .expect("a manager of the restriction's function");
    let mut tx = store.begin_write().await.expect("begin write");
    let id = tx
        .record_dispute(dispute, &by, now)
        .await
        .expect("dispute")
        .id;
    tx.commit().await.expect("commit");
    id
}
