//! A fake of Slack's Web API, served over plain HTTP on loopback, for integration tests.
//!
//! The bot under test is pointed at [`FakeSlack::api_url`] (for example
//! `http://127.0.0.1:PORT/api`) through its configurable API base URL. The fake then answers
//! the calls slack-morphism makes, records every one of them, and lets a test script failures.
//!
//! # What it speaks
//!
//! * `GET` or `POST` `/api/{method}` (for example `/api/chat.postMessage`). Request bodies may be
//!   JSON (`application/json; charset=utf-8`, what slack-morphism sends), form-encoded
//!   (`application/x-www-form-urlencoded`) or `multipart/form-data`. Query-string parameters
//!   (slack-morphism sends `GET` methods such as `users.info` that way) are merged in. Every
//!   request is recorded as a [`RecordedCall`] whose `body` is always a JSON value: form and query
//!   parameters become a JSON object of strings; multipart fields become strings, and file parts
//!   become `{"filename", "content_type", "length", "text"}` objects.
//! * Calls to `/api/…` that carry neither an `Authorization` header nor a `token` parameter are
//!   answered `{"ok":false,"error":"not_authed"}`, as Slack does.
//! * Scopes: the token holds [`GRANTED_SCOPES`] (the manifest's) unless a test narrows them
//!   ([`FakeSlack::set_scopes`]). Every `/api/…` answer carries them in `X-OAuth-Scopes`, as
//!   Slack's do, and a method whose scope the token lacks is answered
//!   `{"ok":false,"error":"missing_scope","needed":…,"provided":…}` (see [`scope_of`]).
//! * `POST /upload/{file_id}`: the upload URL handed out by `files.getUploadURLExternal`. Takes
//!   raw bytes or a multipart form, answers `200 text/plain "OK - {length}"` like Slack, and is
//!   recorded as method `"upload"` with body
//!   `{"file_id", "length", "content_type", "filename"?, "text"?, "base64"?}` (`text` when the
//!   bytes are UTF-8, `base64` when they are not). The bytes must number exactly the `length`
//!   `files.getUploadURLExternal` declared (which, like Slack, requires `filename` and
//!   `length`), else the upload is refused as `length_mismatch`. A file whose declared
//!   `filename` ends in `.pdf` (Slack takes the type from the name and previews it as a
//!   PDF) must be a readable PDF starting `%PDF-`, else it is refused as `not_a_pdf` (the
//!   fake's own loud answer: Slack would store it and fail to preview it); its record adds
//!   `declared_filename`, `pdf_text` (the text, whitespace collapsed to single spaces),
//!   `pdf_lines` (the text, line by line), `pdf_sizes` (every `Tf` size) and `pdf_pages`.
//! * `POST /response/{id}`: a stand-in for an interaction's `response_url` (see
//!   [`FakeSlack::response_url`]). Recorded as method `"response_url:{id}"`, answered
//!   `{"ok":true}` (or `invalid_blocks`, as above).
//! * Anything else is answered `404` and recorded as method `"unmatched:{HTTP method} {path}"`,
//!   so a wrong URL shows up in [`FakeSlack::wait_for_calls`]'s panic message.
//!
//! # As strict as Slack
//!
//! * Every payload with blocks or a view (`chat.postMessage`, `chat.postEphemeral`,
//!   `chat.update`, `views.open` / `push` / `update` / `publish`, and `response_url` posts) is
//!   checked against Slack's published Block Kit limits (the table in `block_kit_limits.rs`).
//!   A payload over a limit is answered as Slack answers it: HTTP 200
//!   `{"ok":false,"error":"invalid_blocks","errors":["… [json-pointer:/blocks/0/text/text]"],
//!   "response_metadata":{"messages":["[ERROR] …"]}}`, and nothing is posted.
//! * `views.open` takes only a trigger from [`FakeSlack::new_trigger`], once, within
//!   [`TRIGGER_WINDOW`] (3 s): otherwise `invalid_trigger_id`, `exchanged_trigger_id` or
//!   `expired_trigger_id`.
//! * `views.update` must name a view the fake opened, pushed or updated (`not_found`), and a
//!   `hash` it quotes must be that view's current one (`hash_conflict`: the user changed
//!   the view since), as <https://docs.slack.dev/reference/methods/views.update> says.
//! * Every such refusal is kept in [`FakeSlack::refusals`]; [`FakeSlack::assert_no_refusals`]
//!   fails a test with the list. The test helpers check the bot's own HTTP answers (slash
//!   commands, interactions, options) against the same table.
//!
//! # Default answers
//!
//! Unless a [`Scripted`] response is queued, methods succeed with bodies realistic enough for
//! slack-morphism 2.31 to deserialise:
//!
//! | method | answer |
//! |---|---|
//! | `chat.postMessage` | `channel` (a user id `U…`/`W…` becomes its DM channel, see [`FakeSlack::dm_channel_for`]), a fresh strictly increasing `ts` such as `"1700000000.000100"`, and `message` (`ts`, `text`, `blocks`, `metadata`, bot `user`/`bot_id`, `thread_ts`). Missing `channel`: `channel_not_found`. |
//! | `chat.postEphemeral` | `message_ts` (fresh ts). Missing `channel`: `channel_not_found`. |
//! | `chat.update` | `channel`, `ts`, `text`, `message`. Missing `channel`/`ts`: `message_not_found`. |
//! | `chat.delete` | `channel`, `ts`, and the message leaves the channel's history. Only a message the bot posted (in the history): another's is `cant_delete_message`, a missing `channel`/`ts` or an unknown (or already deleted) message `message_not_found`. Needs `chat:write`, which the bot's token has. |
//! | `files.delete` | `{"ok": true}` for a file the bot uploaded (`files.completeUploadExternal`), once: again is `file_deleted`, an unknown id `file_not_found`, no `file` argument `invalid_arguments`. Needs `files:write`, which the bot's token has. |
//! | `chat.getPermalink` | `channel`, `permalink`. |
//! | `views.open`, `views.push`, `views.update`, `views.publish` | `view`: the view sent, plus `id` (`V…`; `views.update` keeps the `view_id` it was given), `team_id`, `app_installed_team_id`, `hash`, `state`, `root_view_id`, `previous_view_id`, `app_id`, `bot_id`, and the fields Slack always returns when the view left them out (`private_metadata`, `callback_id`, `external_id` empty; `clear_on_close`, `notify_on_close`, `submit_disabled` false). |
//! | `conversations.open` | `channel: {"id": "D" + user, …}` (several users: an `G…` group DM; a `channel` argument is echoed). |
//! | `users.info` | Only users the test seeded ([`FakeSlack::seed_user`], [`FakeSlack::seed_user_json`]) and the bot user ([`BOT_USER_ID`], `is_bot: true`) exist: `user` with `id`, `team_id`, `name`, `real_name`, `deleted`, `is_bot`, `is_restricted`, `is_ultra_restricted`, `tz: "Europe/London"`, `profile` (`real_name`, `display_name`, their `_normalized` forms, `team`). An unknown or missing `user`: `user_not_found`. [`FakeSlack::push_user_info_response`] scripts the answer about one user only (the bot looks up everyone who uses it, so a queue for the whole method would be taken by whoever asks first). Takes a bot (`xoxb-…`) or user (`xoxp-…`) token, as Slack does: an app-level token (`xapp-…`) is `not_allowed_token_type`, any other `invalid_auth`. |
//! | `files.getUploadURLExternal` | `file_id` (`F…`) and `upload_url` pointing at this fake (`http://127.0.0.1:PORT/upload/F…`). `filename` and `length` are required, as Slack says: no `filename` is `invalid_arguments`, no `length` (or 0) `missing_argument`. |
//! | `files.completeUploadExternal` | `files: [{"id", "title", "name"}]` echoing the ids sent. No `files`: `invalid_arguments`; a file id this fake did not hand out, or whose bytes were never uploaded: `file_not_found`; bytes uploaded of another length than `files.getUploadURLExternal` was told: `invalid_arguments`. |
//! | `apps.connections.open` | `url`: a single-use `ws://127.0.0.1:PORT/link/?ticket=…` to the [`socket_mode::FakeSocketMode`] attached with [`FakeSlack::attach_socket_mode`] (none attached: `socket_mode_not_attached`, the fake's own error). Takes only an app-level token (`xapp-…`): a bot or user token is `not_allowed_token_type`, anything else `invalid_auth`. An app-level token is `not_allowed_token_type` for every other method. |
//! | `auth.test` | the fake workspace ([`TEAM_ID`], or the one [`FakeSlack::set_workspace`] names) and bot user ([`BOT_USER_ID`], [`BOT_ID`]). A token that is not a bot or user token: `invalid_auth` (an app-level token: `not_allowed_token_type`). |
//! | anything else | `{"ok":true}` |
//!
//! JSON answers carry `Content-Type: application/json; charset=utf-8`: slack-morphism only
//! decodes a body as JSON when the content type says so.
//!
//! # Example
//!
//! ```ignore
//! let fake = FakeSlack::start().await;
//! fake.push_response("chat.postMessage", Scripted::RateLimited { retry_after_secs: 1 });
//! // … start the bot with its Slack API base URL set to fake.api_url() …
//! let calls = fake
//!     .wait_for_calls("chat.postMessage", 2, Duration::from_secs(5))
//!     .await;
//! assert_eq!(calls[0].status, 429);
//! assert_eq!(calls[1].status, 200);
//! ```
#![allow(dead_code)]

#[path = "block_kit_limits.rs"]
pub mod block_kit_limits;
#[path = "fake_socket_mode.rs"]
pub mod socket_mode;

#[path = "../common/pdf_text.rs"]
pub mod pdf_text;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::Response;
use axum::routing::any;
use axum::Router;
use serde_json::{json, Map, Value};

/// Team (workspace) id the fake reports, e.g. in `auth.test`, `users.info` and views.
pub const TEAM_ID: &str = "T0FAKETEAM";
/// User id of the bot user, as returned by `auth.test` and put on posted messages.
pub const BOT_USER_ID: &str = "U0FAKEBOT";
/// Bot id, as returned by `auth.test` and put on posted messages and views.
pub const BOT_ID: &str = "B0FAKEBOT";
/// App id put on views.
pub const APP_ID: &str = "A0FAKEAPP";
/// Seconds part of the first `ts` handed out; later ones count up from here.
const TS_EPOCH_SECS: u64 = 1_700_000_000;
/// Time between two checks of [`FakeSlack::wait_for_calls`].
const POLL_INTERVAL: Duration = Duration::from_millis(10);
/// The bot scopes the token holds unless a test narrows them: the manifest's.
pub const GRANTED_SCOPES: &[&str] = &[
    "commands",
    "chat:write",
    "im:write",
    "im:history",
    "files:write",
    "users:read",
];
/// Largest request body accepted (uploads included).
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// One request received by the fake, successful or not.
#[derive(Debug, Clone)]
pub struct RecordedCall {
    /// The Slack method (`"chat.postMessage"`), or `"upload"`, `"response_url:{id}"`, or
    /// `"unmatched:{HTTP method} {path}"`; see the module documentation.
    pub method: String,
    /// The request's parameters as JSON: the JSON body as sent, or form / query / multipart
    /// parameters converted to a JSON object (values are strings).
    pub body: Value,
    /// The `Authorization` header, e.g. `Some("Bearer xoxb-…")`.
    pub authorization: Option<String>,
    /// When the request reached the fake.
    pub received_at: Instant,
    /// HTTP status the fake answered with (200 for Slack-level errors such as
    /// [`Scripted::SlackError`], as Slack does).
    pub status: u16,
    /// The Slack error answered (`"invalid_blocks"`, `"channel_not_found"`, …), if any.
    pub error: Option<String>,
    /// The JSON body answered, if it was JSON (for `views.*`, `response["view"]` carries the
    /// view's `id` and `hash`, as the bot's next `views.update` must quote them).
    pub response: Option<Value>,
}

/// A one-shot response queued with [`FakeSlack::push_response`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scripted {
    /// HTTP 429 with `Retry-After: {retry_after_secs}` and `{"ok":false,"error":"ratelimited"}`.
    RateLimited {
        /// Value of the `Retry-After` header, in seconds (how slack-morphism reads it).
        retry_after_secs: u64,
    },
    /// The given HTTP status (e.g. 500 or 503) with a short `text/plain` body.
    ServerError(u16),
    /// HTTP 200 with `{"ok":false,"error":…}`, e.g. `"channel_not_found"`.
    SlackError(String),
    /// Sleep this long, then answer the default success (for client timeouts). The call is
    /// recorded when it arrives, even if the client gives up before the answer.
    Delay(Duration),
    /// HTTP 200 with exactly this JSON body, for answers the defaults do not cover.
    Json(Value),
    /// HTTP 429 with `Retry-After: {retry_after_secs}` and an empty body, as a proxy in front
    /// of Slack may send it.
    RateLimitedEmpty {
        /// Value of the `Retry-After` header, in seconds.
        retry_after_secs: u64,
    },
    /// The given HTTP status (e.g. 502) with an empty body and no content type.
    ServerErrorEmpty(u16),
    /// The given HTTP status with a JSON body `{"ok":false,"error":"fatal_error"}`, as Slack
    /// answers when it fails internally.
    ServerErrorJson(u16),
}

/// One call the fake refused because real Slack would have: a payload over a Block Kit
/// limit, or a `views.open` whose trigger was unknown, used or expired.
#[derive(Debug, Clone)]
pub struct Refusal {
    /// The Slack method (or `"response_url:{id}"`).
    pub method: String,
    /// The error code answered (`invalid_blocks`, `expired_trigger_id`, …).
    pub error: String,
    /// Slack's messages, each naming the offending field's JSON pointer.
    pub messages: Vec<String>,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.method, self.error)?;
        for message in &self.messages {
            write!(f, "\n    {message}")?;
        }
        Ok(())
    }
}

/// How long a `trigger_id` may be exchanged for a modal after the user's action.
/// <https://docs.slack.dev/interactivity/handling-user-interaction#modal_responses>
pub const TRIGGER_WINDOW: Duration = Duration::from_secs(3);

/// A running fake Slack server. The server stops when this value is dropped.
#[derive(Debug)]
pub struct FakeSlack {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeSlack {
    /// Binds `127.0.0.1:0` and serves the fake in a background tokio task.
    ///
    /// # Panics
    ///
    /// If the loopback listener cannot be bound.
    pub async fn start() -> FakeSlack {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake slack: bind 127.0.0.1:0");
        let addr = listener
            .local_addr()
            .expect("fake slack: local address of the listener");
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            calls: Mutex::new(Vec::new()),
            scripted: Mutex::new(HashMap::new()),
            next_ts: AtomicU64::new(1),
            next_id: AtomicU64::new(1),
            history: Mutex::new(HashMap::new()),
            triggers: Mutex::new(HashMap::new()),
            refusals: Mutex::new(Vec::new()),
            views: Mutex::new(HashMap::new()),
            users: Mutex::new(HashMap::from([(BOT_USER_ID.to_owned(), bot_user())])),
            scopes: Mutex::new(GRANTED_SCOPES.iter().map(|s| (*s).to_owned()).collect()),
            workspace: Mutex::new(TEAM_ID.to_owned()),
            uploads: Mutex::new(HashMap::new()),
            files: Mutex::new(HashMap::new()),
            socket_mode: Mutex::new(None),
        });
        let app = Router::new()
            .route("/api/{method}", any(api_route))
            .route("/upload/{file_id}", any(upload_route))
            .route("/response/{id}", any(response_url_route))
            .fallback(unmatched_route)
            .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
            .with_state(Arc::clone(&shared));
        let server = tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app).await {
                eprintln!("fake slack: server stopped: {err}");
            }
        });
        FakeSlack {
            addr,
            shared,
            server,
        }
    }

    /// Makes `apps.connections.open` hand out connections to `socket` (Socket Mode).
    pub fn attach_socket_mode(&self, socket: &socket_mode::FakeSocketMode) {
        *lock(&self.shared.socket_mode) = Some(socket.tickets());
    }

    /// The address the fake listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Base URL of the Web API, `http://127.0.0.1:PORT/api` (no trailing slash); configure the
    /// bot's Slack API URL with it. Methods live at `{api_url}/{method}`.
    pub fn api_url(&self) -> String {
        format!("{}/api", self.shared.base_url)
    }

    /// A `response_url` pointing at this fake, `http://127.0.0.1:PORT/response/{id}`. What the
    /// bot posts there is recorded as method `"response_url:{id}"`.
    pub fn response_url(&self, id: &str) -> String {
        format!("{}/response/{id}", self.shared.base_url)
    }

    /// The DM channel id the fake uses for a user: `"D" + user_id` (e.g. `U123` → `DU123`).
    /// Both `conversations.open` and `chat.postMessage` to a user id answer with it.
    pub fn dm_channel_for(user_id: &str) -> String {
        dm_channel_for(user_id)
    }

    /// Puts a message in a channel's history as if the bot had posted it (for a test of a
    /// sender that died after Slack accepted its message).
    pub fn seed_history(&self, channel: &str, message: Value) {
        lock(&self.shared.history)
            .entry(channel.to_owned())
            .or_default()
            .push(message);
    }

    /// Adds an active full member of the workspace with this full name, as `users.info`
    /// will answer for them: display name and handle made from the first name.
    /// The token holds only these scopes from now on: calls needing another are refused
    /// with `missing_scope`, and `X-OAuth-Scopes` lists these.
    pub fn set_scopes(&self, scopes: &[&str]) {
        *lock(&self.shared.scopes) = scopes.iter().map(|s| (*s).to_owned()).collect();
    }

    /// `auth.test` says the token belongs to workspace `team_id` from now on.
    pub fn set_workspace(&self, team_id: &str) {
        *lock(&self.shared.workspace) = team_id.to_owned();
    }

    pub fn seed_user(&self, user_id: &str, real_name: &str) {
        self.seed_user_json(Self::user_json(user_id, real_name));
    }

    /// Adds (or replaces) a member exactly as given, e.g. [`FakeSlack::user_json`] with
    /// `"deleted": true`, `"is_bot": true` or an empty `profile.real_name`. Its `id` says
    /// who it is.
    ///
    /// # Panics
    ///
    /// If `user` has no text `id`.
    pub fn seed_user_json(&self, user: Value) {
        let id = user["id"]
            .as_str()
            .expect("fake slack: a seeded user needs an \"id\"")
            .to_owned();
        lock(&self.shared.users).insert(id, user);
    }

    /// Adds an active full member like [`FakeSlack::seed_user`], unless the fake already
    /// knows `user_id` (so a test's own seeding survives a restart of the app).
    pub fn seed_user_unless_known(&self, user_id: &str, real_name: &str) {
        lock(&self.shared.users)
            .entry(user_id.to_owned())
            .or_insert_with(|| Self::user_json(user_id, real_name));
    }

    /// Queues a one-shot response to the next `users.info` call about `user_id` only, as
    /// [`FakeSlack::push_response`] does for every call of a method; it is used before any
    /// response queued for `users.info` as a whole.
    pub fn push_user_info_response(&self, user_id: &str, response: Scripted) {
        self.push_response(&format!("users.info?user={user_id}"), response);
    }

    /// An active full member as `users.info` answers for them, to change before
    /// [`FakeSlack::seed_user_json`].
    pub fn user_json(user_id: &str, real_name: &str) -> Value {
        let first = real_name.split_whitespace().next().unwrap_or(user_id);
        let handle = first.to_lowercase();
        json!({
            "id": user_id,
            "team_id": TEAM_ID,
            "name": handle,
            "real_name": real_name,
            "deleted": false,
            "is_bot": false,
            "is_admin": false,
            "is_owner": false,
            "is_restricted": false,
            "is_ultra_restricted": false,
            "is_app_user": false,
            "tz": "Europe/London",
            "tz_label": "Greenwich Mean Time",
            "tz_offset": 0,
            "profile": {
                "real_name": real_name,
                "real_name_normalized": real_name,
                "display_name": first,
                "display_name_normalized": first,
                "team": TEAM_ID,
            },
        })
    }

    /// Every call received so far, in arrival order.
    pub fn calls(&self) -> Vec<RecordedCall> {
        lock(&self.shared.calls).clone()
    }

    /// The calls received so far for one method, in arrival order.
    pub fn calls_to(&self, method: &str) -> Vec<RecordedCall> {
        lock(&self.shared.calls)
            .iter()
            .filter(|call| call.method == method)
            .cloned()
            .collect()
    }

    /// Forgets the calls recorded so far (queued [`Scripted`] responses are kept).
    pub fn clear_calls(&self) {
        lock(&self.shared.calls).clear();
    }

    /// Waits until at least `n` calls to `method` have been received and returns all calls to
    /// it (so possibly more than `n`), polling every few milliseconds.
    ///
    /// # Panics
    ///
    /// After `timeout`, with a message listing every call received.
    pub async fn wait_for_calls(
        &self,
        method: &str,
        n: usize,
        timeout: Duration,
    ) -> Vec<RecordedCall> {
        let deadline = Instant::now() + timeout;
        loop {
            let calls = self.calls_to(method);
            if calls.len() >= n {
                return calls;
            }
            if Instant::now() >= deadline {
                panic!(
                    "fake slack: timed out after {timeout:?} waiting for {n} call(s) to \
                     {method:?}, got {}; all calls received:\n{}",
                    calls.len(),
                    describe_calls(&self.calls())
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// The text of the first PDF uploaded whose text contains `needle` (e.g. a letter's
    /// reference), waiting for it up to `timeout`.
    pub async fn wait_for_pdf(&self, needle: &str, timeout: Duration) -> String {
        let deadline = Instant::now() + timeout;
        loop {
            let found = self.calls_to("upload").into_iter().find_map(|u| {
                u.body["pdf_text"]
                    .as_str()
                    .filter(|t| t.contains(needle))
                    .map(str::to_owned)
            });
            if let Some(text) = found {
                return text;
            }
            if Instant::now() >= deadline {
                panic!(
                    "fake slack: timed out after {timeout:?} waiting for a PDF containing \
                     {needle:?}; all calls received:\n{}",
                    describe_calls(&self.calls())
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// Queues a one-shot response for `method` (a Slack method such as `"chat.postMessage"`,
    /// or `"upload"` / `"response_url:{id}"`). Queued responses are used in order, one per
    /// call; once the queue is empty the method answers its default success again.
    ///
    /// # Panics
    ///
    /// If a [`Scripted::ServerError`] status is not a valid HTTP status code.
    pub fn push_response(&self, method: &str, response: Scripted) {
        if let Scripted::ServerError(code)
        | Scripted::ServerErrorEmpty(code)
        | Scripted::ServerErrorJson(code) = response
        {
            assert!(
                StatusCode::from_u16(code).is_ok(),
                "fake slack: Scripted::ServerError({code}) is not a valid HTTP status"
            );
        }
        lock(&self.shared.scripted)
            .entry(method.to_owned())
            .or_default()
            .push_back(response);
    }

    /// A fresh `trigger_id`, as Slack puts in a slash command, a click or a view submission.
    /// `views.open` accepts it once, within [`TRIGGER_WINDOW`] of this call.
    pub fn new_trigger(&self) -> String {
        let seq = self.shared.next_id.fetch_add(1, Ordering::Relaxed);
        let trigger = format!("{seq}.{}.{:016x}", TS_EPOCH_SECS, rand_suffix(seq));
        lock(&self.shared.triggers).insert(
            trigger.clone(),
            Trigger {
                issued_at: Instant::now(),
                used: false,
            },
        );
        trigger
    }

    /// Every call refused so far because real Slack would have refused it.
    pub fn refusals(&self) -> Vec<Refusal> {
        lock(&self.shared.refusals).clone()
    }

    /// Every call refused so far, forgotten once returned: for a test whose scenario
    /// includes a refusal (a race Slack settles by refusing one side), which it checks.
    pub fn take_refusals(&self) -> Vec<Refusal> {
        std::mem::take(&mut *lock(&self.shared.refusals))
    }

    /// Panics, listing them, if the fake refused any call.
    ///
    /// # Panics
    ///
    /// When [`FakeSlack::refusals`] is not empty.
    pub fn assert_no_refusals(&self) {
        let refusals = self.refusals();
        assert!(
            refusals.is_empty(),
            "fake slack refused {} call(s) as real Slack would:\n{}",
            refusals.len(),
            refusals
                .iter()
                .map(|r| format!("  {r}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// Distinct, unguessable-looking trigger suffixes without a random-number dependency.
fn rand_suffix(seq: u64) -> u64 {
    seq.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xA5A5_5A5A_1234_5678
}

/// A trigger handed out by [`FakeSlack::new_trigger`].
#[derive(Debug)]
struct Trigger {
    issued_at: Instant,
    used: bool,
}

impl Drop for FakeSlack {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// State shared by the handle and the server task.
#[derive(Debug)]
struct Shared {
    /// `http://127.0.0.1:PORT`.
    base_url: String,
    calls: Mutex<Vec<RecordedCall>>,
    scripted: Mutex<HashMap<String, VecDeque<Scripted>>>,
    /// Sequence number of the next message `ts`.
    next_ts: AtomicU64,
    /// Sequence number of the next view / file / scheduled message id.
    next_id: AtomicU64,
    /// Messages posted successfully, per channel, oldest first, as `conversations.history`
    /// returns them (with their `metadata`).
    history: Mutex<HashMap<String, Vec<Value>>>,
    /// Triggers handed out by [`FakeSlack::new_trigger`].
    triggers: Mutex<HashMap<String, Trigger>>,
    /// Calls refused as real Slack would refuse them.
    refusals: Mutex<Vec<Refusal>>,
    /// The current `hash` of every modal opened, pushed or updated, by view id.
    views: Mutex<HashMap<String, String>>,
    /// The workspace's members as `users.info` answers them, by user id.
    users: Mutex<HashMap<String, Value>>,
    /// The scopes the bot token holds.
    scopes: Mutex<Vec<String>>,
    /// The workspace `auth.test` says the token belongs to.
    workspace: Mutex<String>,
    /// Files completed by `files.completeUploadExternal`, by id: true once deleted.
    files: Mutex<HashMap<String, bool>>,
    /// Every file handed an upload URL, by file id: the length declared and the length
    /// of the bytes last uploaded to it.
    uploads: Mutex<HashMap<String, FileUpload>>,
    /// Where `apps.connections.open` sends the bot ([`FakeSlack::attach_socket_mode`]).
    socket_mode: Mutex<Option<socket_mode::Tickets>>,
}

/// A file between `files.getUploadURLExternal` and `files.completeUploadExternal`.
#[derive(Debug, Clone)]
struct FileUpload {
    declared: u64,
    uploaded: Option<u64>,
    /// The `filename` given to `files.getUploadURLExternal`: Slack takes the file's type
    /// from it, so a `.pdf` is previewed as a PDF.
    filename: String,
}

impl Shared {
    /// A fresh Slack timestamp such as `1764628000.123456`.
    /// Like Slack's, a `ts` is the time the message was stored (so `conversations.history`
    /// bounds such as `oldest` find it), made strictly increasing.
    fn next_ts(&self) -> String {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
            .unwrap_or(TS_EPOCH_SECS * 1_000_000);
        let mut last = self.next_ts.load(Ordering::Relaxed);
        let issued = loop {
            let candidate = now.max(last + 1);
            match self.next_ts.compare_exchange(
                last,
                candidate,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => break candidate,
                Err(seen) => last = seen,
            }
        };
        format!("{}.{:06}", issued / 1_000_000, issued % 1_000_000)
    }

    /// A fresh id with the given prefix, e.g. `V0000000001`.
    fn next_id(&self, prefix: char) -> String {
        let seq = self.next_id.fetch_add(1, Ordering::Relaxed);
        format!("{prefix}{seq:010}")
    }

    fn next_scripted(&self, method: &str) -> Option<Scripted> {
        lock(&self.scripted).get_mut(method)?.pop_front()
    }
}

/// Locks a mutex, ignoring poisoning (a panicking test must not hide the recorded calls).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn dm_channel_for(user_id: &str) -> String {
    format!("D{user_id}")
}

fn describe_calls(calls: &[RecordedCall]) -> String {
    if calls.is_empty() {
        return "  (none)".to_owned();
    }
    calls
        .iter()
        .map(|call| {
            let mut body = call.body.to_string();
            if body.chars().count() > 300 {
                body = body.chars().take(300).collect::<String>() + "…";
            }
            match &call.error {
                Some(error) => format!("  {} -> {} {error}: {body}", call.method, call.status),
                None => format!("  {} -> {}: {body}", call.method, call.status),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What the fake is going to answer, decided before it is recorded and sent.
struct Reply {
    status: StatusCode,
    body: ReplyBody,
    retry_after: Option<u64>,
    delay: Option<Duration>,
    /// Set when real Slack would refuse the call; recorded in [`FakeSlack::refusals`].
    refused: bool,
}

enum ReplyBody {
    Json(Value),
    Text(String),
    /// No body and no `Content-Type` header.
    Empty,
}

impl Reply {
    fn json(status: StatusCode, body: Value) -> Reply {
        Reply {
            status,
            body: ReplyBody::Json(body),
            retry_after: None,
            delay: None,
            refused: false,
        }
    }

    fn ok(body: Value) -> Reply {
        Reply::json(StatusCode::OK, body)
    }

    fn slack_error(error: &str) -> Reply {
        Reply::ok(json!({ "ok": false, "error": error }))
    }

    fn text(status: StatusCode, text: impl Into<String>) -> Reply {
        Reply {
            status,
            body: ReplyBody::Text(text.into()),
            retry_after: None,
            delay: None,
            refused: false,
        }
    }

    fn empty(status: StatusCode) -> Reply {
        Reply {
            status,
            body: ReplyBody::Empty,
            retry_after: None,
            delay: None,
            refused: false,
        }
    }

    /// Slack's refusal of a call: HTTP 200 with `ok: false` and the given body.
    fn refused(body: Value) -> Reply {
        Reply {
            refused: true,
            ..Reply::ok(body)
        }
    }

    /// A refusal with only an error code (trigger errors).
    fn refused_with(error: &str) -> Reply {
        Reply::refused(json!({ "ok": false, "error": error }))
    }

    /// `invalid_blocks` for these violations, or `None` when there are none.
    fn invalid_blocks(violations: &[block_kit_limits::Violation]) -> Option<Reply> {
        (!violations.is_empty())
            .then(|| Reply::refused(block_kit_limits::invalid_blocks_body(violations)))
    }

    /// The refusal to record, if this reply is one.
    fn refusal(&self, method: &str) -> Option<Refusal> {
        if !self.refused {
            return None;
        }
        let ReplyBody::Json(body) = &self.body else {
            return None;
        };
        Some(Refusal {
            method: method.to_owned(),
            error: body["error"].as_str().unwrap_or_default().to_owned(),
            messages: body
                .pointer("/response_metadata/messages")
                .and_then(Value::as_array)
                .map(|messages| {
                    messages
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        })
    }

    fn into_response(self) -> Response {
        let (content_type, body) = match self.body {
            ReplyBody::Json(value) => (Some("application/json; charset=utf-8"), value.to_string()),
            ReplyBody::Text(text) => (Some("text/plain; charset=utf-8"), text),
            ReplyBody::Empty => (None, String::new()),
        };
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        if let Some(content_type) = content_type {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if let Some(secs) = self.retry_after {
            headers.insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Turns a queued [`Scripted`] into a reply; `default` builds the method's success answer.
fn scripted_reply(scripted: Scripted, default: impl FnOnce() -> Reply) -> Reply {
    match scripted {
        Scripted::RateLimited { retry_after_secs } => Reply {
            retry_after: Some(retry_after_secs),
            ..Reply::json(
                StatusCode::TOO_MANY_REQUESTS,
                json!({ "ok": false, "error": "ratelimited" }),
            )
        },
        Scripted::ServerError(code) => Reply::text(
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            format!("fake slack: scripted server error {code}"),
        ),
        Scripted::SlackError(error) => Reply::slack_error(&error),
        Scripted::Delay(delay) => Reply {
            delay: Some(delay),
            ..default()
        },
        Scripted::Json(body) => Reply::ok(body),
        Scripted::RateLimitedEmpty { retry_after_secs } => Reply {
            retry_after: Some(retry_after_secs),
            ..Reply::empty(StatusCode::TOO_MANY_REQUESTS)
        },
        Scripted::ServerErrorEmpty(code) => {
            Reply::empty(StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        }
        Scripted::ServerErrorJson(code) => Reply::json(
            StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            json!({ "ok": false, "error": "fatal_error" }),
        ),
    }
}

/// Picks the reply (scripted or default), records the call, waits if scripted to, answers.
async fn answer(
    shared: &Shared,
    method: String,
    body: Value,
    headers: &HeaderMap,
    received_at: Instant,
    default: impl FnOnce(&Value) -> Reply,
) -> Response {
    let for_one_user = (method == "users.info")
        .then(|| {
            body["user"]
                .as_str()
                .map(|user| format!("users.info?user={user}"))
        })
        .flatten()
        .and_then(|key| shared.next_scripted(&key));
    let reply = match for_one_user.or_else(|| shared.next_scripted(&method)) {
        Some(scripted) => scripted_reply(scripted, || default(&body)),
        None => default(&body),
    };
    let authorization = headers
        .get(header::AUTHORIZATION)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
    if let Some(refusal) = reply.refusal(&method) {
        lock(&shared.refusals).push(refusal);
    }
    let error = match &reply.body {
        ReplyBody::Json(body) if body["ok"] == false => body["error"].as_str().map(str::to_owned),
        _ => None,
    };
    let response = match &reply.body {
        ReplyBody::Json(body) => Some(body.clone()),
        _ => None,
    };
    lock(&shared.calls).push(RecordedCall {
        method,
        body,
        authorization,
        received_at,
        status: reply.status.as_u16(),
        error,
        response,
    });
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    reply.into_response()
}

async fn api_route(
    State(shared): State<Arc<Shared>>,
    Path(method): Path<String>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let received_at = Instant::now();
    let mut params = decode_body(&headers, &body);
    merge_query(&mut params, uri.query());
    let token = token_of(&headers, &params);
    let name = method.clone();
    let granted = lock(&shared.scopes).join(",");
    let mut response = answer(
        &shared,
        method,
        params,
        &headers,
        received_at,
        |params| match token.as_deref() {
            None => Reply::slack_error("not_authed"),
            Some(token) => match token_refusal(&name, token) {
                Some(refusal) => Reply::slack_error(refusal),
                None => match scope_refusal(&name, params, &granted) {
                    Some(refusal) => refusal,
                    None => default_api_reply(&shared, &name, params),
                },
            },
        },
    )
    .await;
    if let Ok(value) = HeaderValue::from_str(&granted) {
        response.headers_mut().insert("x-oauth-scopes", value);
    }
    response
}

/// The bot scope a method needs, as Slack's method reference gives it (`None`: no scope,
/// e.g. `views.*`, `auth.test`). `conversations.history` needs the history scope of the
/// conversation's kind: the bot reads only its own DMs (`D…`).
pub fn scope_of(method: &str, params: &Value) -> Option<&'static str> {
    match method {
        "chat.postMessage" | "chat.postEphemeral" | "chat.update" | "chat.delete" => {
            Some("chat:write")
        }
        "conversations.open" => Some("im:write"),
        "conversations.history" => match params["channel"].as_str() {
            Some(c) if c.starts_with('D') => Some("im:history"),
            Some(c) if c.starts_with('G') => Some("groups:history"),
            _ => Some("channels:history"),
        },
        "files.getUploadURLExternal" | "files.completeUploadExternal" | "files.delete" => {
            Some("files:write")
        }
        "users.info" => Some("users:read"),
        _ => None,
    }
}

fn scope_refusal(method: &str, params: &Value, granted: &str) -> Option<Reply> {
    let needed = scope_of(method, params)?;
    if granted.split(',').any(|s| s == needed) {
        return None;
    }
    Some(Reply::refused(json!({
        "ok": false,
        "error": "missing_scope",
        "needed": needed,
        "provided": granted,
    })))
}

async fn upload_route(
    State(shared): State<Arc<Shared>>,
    Path(file_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received_at = Instant::now();
    let content_type = content_type(&headers);
    let mut record = Map::new();
    record.insert("file_id".into(), Value::String(file_id));
    let file_part = multipart_boundary(&content_type).and_then(|boundary| {
        let parts = parse_multipart(&body, &boundary);
        let index = parts
            .iter()
            .position(|part| part.filename.is_some())
            .or_else(|| (parts.len() == 1).then_some(0))?;
        parts.into_iter().nth(index)
    });
    let (bytes, part_content_type) = match &file_part {
        Some(part) => {
            if let Some(filename) = &part.filename {
                record.insert("filename".into(), Value::String(filename.clone()));
            }
            (&part.data[..], part.content_type.clone())
        }
        None => (&body[..], Some(content_type).filter(|ct| !ct.is_empty())),
    };
    record.insert("length".into(), Value::from(bytes.len()));
    record.insert(
        "content_type".into(),
        part_content_type.map_or(Value::Null, Value::String),
    );
    if let Ok(text) = std::str::from_utf8(bytes) {
        record.insert("text".into(), Value::String(text.to_owned()));
    }
    if std::str::from_utf8(bytes).is_err() {
        use base64::Engine as _;
        record.insert(
            "base64".into(),
            Value::String(base64::engine::general_purpose::STANDARD.encode(bytes)),
        );
    }
    let length = bytes.len();
    if let Some(id) = record.get("file_id").and_then(Value::as_str) {
        if let Some(file) = lock(&shared.uploads).get_mut(id) {
            file.uploaded = u64::try_from(length).ok();
        }
    }
    let declared_file = record
        .get("file_id")
        .and_then(Value::as_str)
        .and_then(|id| lock(&shared.uploads).get(id).cloned());
    let declared = declared_file
        .as_ref()
        .and_then(|f| usize::try_from(f.declared).ok());
    // A file named `.pdf` is previewed by Slack as a PDF: it must be one. The fake reads
    // it back (text and type sizes) so tests check the letter as it prints.
    let named_pdf = declared_file
        .as_ref()
        .is_some_and(|f| f.filename.to_ascii_lowercase().ends_with(".pdf"));
    let mut not_pdf = None;
    if named_pdf {
        record.insert(
            "declared_filename".into(),
            json!(declared_file.as_ref().map(|f| f.filename.clone())),
        );
        match pdf_text::read_pdf(bytes) {
            Ok(pdf) => {
                record.insert("pdf_text".into(), Value::String(pdf.flat()));
                record.insert("pdf_lines".into(), Value::String(pdf.text.clone()));
                record.insert("pdf_sizes".into(), json!(pdf.sizes));
                record.insert("pdf_pages".into(), json!(pdf.pages));
            }
            Err(why) => not_pdf = Some(why),
        }
    }
    answer(
        &shared,
        "upload".to_owned(),
        Value::Object(record),
        &headers,
        received_at,
        |_| match declared {
            // A `.pdf` whose bytes are not a readable PDF: Slack would store it and fail to
            // preview it, so the manager could not print the letter; the fake refuses it,
            // loudly (not a Slack answer).
            _ if not_pdf.is_some() => Reply {
                refused: true,
                status: StatusCode::BAD_REQUEST,
                ..Reply::ok(json!({
                    "ok": false,
                    "error": "not_a_pdf",
                    "response_metadata": { "messages": [not_pdf.clone().unwrap_or_default()] },
                }))
            },
            // Not the byte count files.getUploadURLExternal declared: the file is refused
            // (Slack does not document this answer; the fake makes it loud).
            Some(declared) if declared != length => Reply {
                refused: true,
                status: StatusCode::BAD_REQUEST,
                ..Reply::ok(json!({
                    "ok": false,
                    "error": "length_mismatch",
                    "response_metadata": { "messages": [format!("declared {declared} bytes, uploaded {length}")] },
                }))
            },
            _ => Reply::text(StatusCode::OK, format!("OK - {length}")),
        },
    )
    .await
}

async fn response_url_route(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let received_at = Instant::now();
    let params = decode_body(&headers, &body);
    answer(
        &shared,
        format!("response_url:{id}"),
        params,
        &headers,
        received_at,
        |params| {
            // Slack answers a response_url post that breaks a Block Kit limit with
            // `invalid_blocks` and shows nothing.
            Reply::invalid_blocks(&block_kit_limits::check_message(params))
                .unwrap_or_else(|| Reply::ok(json!({ "ok": true })))
        },
    )
    .await
}

async fn unmatched_route(
    State(shared): State<Arc<Shared>>,
    method: Method,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> Response {
    let received_at = Instant::now();
    let params = decode_body(&headers, &body);
    answer(
        &shared,
        format!("unmatched:{method} {}", uri.path()),
        params,
        &headers,
        received_at,
        |_| Reply::text(StatusCode::NOT_FOUND, "fake slack: no such route"),
    )
    .await
}

/// The default success (or realistic Slack error) for a Web API method.
fn default_api_reply(shared: &Shared, method: &str, params: &Value) -> Reply {
    let str_param = |name: &str| {
        params
            .get(name)
            .and_then(Value::as_str)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    if let Some(refusal) = refusal_of(shared, method, params) {
        return refusal;
    }
    match method {
        "chat.postMessage" => {
            let Some(channel) = str_param("channel") else {
                return Reply::slack_error("channel_not_found");
            };
            let channel = if is_user_id(&channel) {
                dm_channel_for(&channel)
            } else {
                channel
            };
            let ts = shared.next_ts();
            let mut message = json!({
                "type": "message",
                "ts": ts,
                "user": BOT_USER_ID,
                "bot_id": BOT_ID,
                "team": TEAM_ID,
                "text": str_param("text").unwrap_or_default(),
            });
            if let Some(thread_ts) = str_param("thread_ts") {
                message["thread_ts"] = Value::String(thread_ts);
            }
            if let Some(metadata) = params.get("metadata") {
                message["metadata"] = metadata.clone();
            }
            if let Some(blocks) = params.get("blocks") {
                message["blocks"] = json_or_json_string(blocks);
            }
            lock(&shared.history)
                .entry(channel.clone())
                .or_default()
                .push(message.clone());
            Reply::ok(json!({ "ok": true, "channel": channel, "ts": ts, "message": message }))
        }
        "chat.postEphemeral" => match str_param("channel") {
            Some(_) => Reply::ok(json!({ "ok": true, "message_ts": shared.next_ts() })),
            None => Reply::slack_error("channel_not_found"),
        },
        "chat.update" => match (str_param("channel"), str_param("ts")) {
            (Some(channel), Some(ts)) => {
                let text = str_param("text").unwrap_or_default();
                Reply::ok(json!({
                    "ok": true,
                    "channel": channel,
                    "ts": ts,
                    "text": text,
                    "message": { "text": text, "user": BOT_USER_ID, "bot_id": BOT_ID },
                }))
            }
            _ => Reply::slack_error("message_not_found"),
        },
        "chat.delete" => match (str_param("channel"), str_param("ts")) {
            (Some(channel), Some(ts)) => {
                let mut history = lock(&shared.history);
                let messages = history.entry(channel.clone()).or_default();
                match messages.iter().position(|m| m["ts"] == ts.as_str()) {
                    None => Reply::slack_error("message_not_found"),
                    Some(i) if messages[i]["user"] != BOT_USER_ID => {
                        Reply::slack_error("cant_delete_message")
                    }
                    Some(i) => {
                        messages.remove(i);
                        Reply::ok(json!({ "ok": true, "channel": channel, "ts": ts }))
                    }
                }
            }
            _ => Reply::slack_error("message_not_found"),
        },
        "files.delete" => match str_param("file") {
            None => Reply::slack_error("invalid_arguments"),
            Some(file) => match lock(&shared.files).get_mut(&file) {
                None => Reply::slack_error("file_not_found"),
                Some(deleted) if *deleted => Reply::slack_error("file_deleted"),
                Some(deleted) => {
                    *deleted = true;
                    Reply::ok(json!({ "ok": true }))
                }
            },
        },
        "chat.getPermalink" => match (str_param("channel"), str_param("message_ts")) {
            (Some(channel), Some(ts)) => Reply::ok(json!({
                "ok": true,
                "channel": channel,
                "permalink": format!(
                    "https://fake-workspace.slack.com/archives/{channel}/p{}",
                    ts.replace('.', "")
                ),
            })),
            _ => Reply::slack_error("message_not_found"),
        },
        "views.open" | "views.push" | "views.update" | "views.publish" => {
            Reply::ok(json!({ "ok": true, "view": stateful_view(shared, method, params) }))
        }
        "conversations.open" => conversations_open(params),
        "conversations.history" => match str_param("channel") {
            Some(channel) => conversations_history(shared, &channel, params),
            None => Reply::slack_error("channel_not_found"),
        },
        "users.info" => {
            match str_param("user").and_then(|id| lock(&shared.users).get(&id).cloned()) {
                Some(user) => Reply::ok(json!({ "ok": true, "user": user })),
                None => Reply::slack_error("user_not_found"),
            }
        }
        "files.getUploadURLExternal" => {
            // Both arguments are required (docs.slack.dev/reference/methods/
            // files.getUploadURLExternal); a length of 0 is `missing_argument`.
            if str_param("filename").is_none() {
                return Reply::refused_with("invalid_arguments");
            }
            let length = params
                .get("length")
                .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
                .filter(|length| *length > 0);
            let Some(declared) = length else {
                return Reply::refused_with("missing_argument");
            };
            let file_id = shared.next_id('F');
            lock(&shared.uploads).insert(
                file_id.clone(),
                FileUpload {
                    declared,
                    uploaded: None,
                    filename: str_param("filename").unwrap_or_default().to_owned(),
                },
            );
            Reply::ok(json!({
                "ok": true,
                "upload_url": format!("{}/upload/{file_id}", shared.base_url),
                "file_id": file_id,
            }))
        }
        "files.completeUploadExternal" => {
            let files: Vec<Value> = params
                .get("files")
                .map(json_or_json_string)
                .and_then(|files| files.as_array().cloned())
                .unwrap_or_default();
            if files.is_empty() {
                return Reply::refused_with("invalid_arguments");
            }
            // Only a file this fake handed an upload URL, whose bytes arrived, is finished;
            // bytes of another length than was declared are refused (the fake's reading of
            // "length: size in bytes of the file being uploaded").
            for file in &files {
                let known = file
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|id| lock(&shared.uploads).get(id).cloned());
                match known {
                    Some(FileUpload {
                        declared,
                        uploaded: Some(uploaded),
                        ..
                    }) if uploaded == declared => {}
                    Some(FileUpload {
                        uploaded: Some(_), ..
                    }) => return Reply::refused_with("invalid_arguments"),
                    _ => return Reply::refused_with("file_not_found"),
                }
            }
            let files: Vec<Value> = files
                .iter()
                .filter_map(|file| {
                    let id = file.get("id")?.as_str()?;
                    lock(&shared.files).entry(id.to_owned()).or_insert(false);
                    let title = file.get("title").and_then(Value::as_str).unwrap_or(id);
                    Some(json!({
                        "id": id,
                        "title": title,
                        "name": title,
                        "user": BOT_USER_ID,
                        "created": TS_EPOCH_SECS,
                        "timestamp": TS_EPOCH_SECS,
                    }))
                })
                .collect();
            Reply::ok(json!({ "ok": true, "files": files }))
        }
        "apps.connections.open" => match lock(&shared.socket_mode).as_ref() {
            Some(tickets) => Reply::ok(json!({ "ok": true, "url": tickets.issue() })),
            // Not Slack's: the test started no FakeSocketMode to connect to.
            None => Reply::slack_error("socket_mode_not_attached"),
        },
        "auth.test" => Reply::ok(json!({
            "ok": true,
            "url": "https://fake-workspace.slack.com/",
            "team": "Fake Workspace",
            "user": "fakebot",
            "team_id": lock(&shared.workspace).clone(),
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
            "is_enterprise_install": false,
        })),
        _ => Reply::ok(json!({ "ok": true })),
    }
}

/// Largest `limit` `conversations.history` accepts (Slack: at most 999).
const HISTORY_MAX_LIMIT: usize = 999;

/// `conversations.history` as Slack answers it: newest first; `oldest` and `latest` are
/// exclusive bounds on `ts` (inclusive with `inclusive=true`); `limit` defaults to 100 (at
/// most 999); further pages through `cursor`, with `has_more` and
/// `response_metadata.next_cursor`; each message's `metadata` only with
/// `include_all_metadata=true`.
fn conversations_history(shared: &Shared, channel: &str, params: &Value) -> Reply {
    let param = |name: &str| match params.get(name) {
        Some(Value::String(text)) if !text.is_empty() => Some(text.clone()),
        Some(Value::Number(number)) => Some(number.to_string()),
        Some(Value::Bool(flag)) => Some(flag.to_string()),
        _ => None,
    };
    let bound = |name: &str| match param(name) {
        None => Ok(None),
        Some(ts) => parse_ts(&ts)
            .map(Some)
            .ok_or("invalid_ts_".to_owned() + name),
    };
    let (oldest, latest) = match (bound("oldest"), bound("latest")) {
        (Ok(oldest), Ok(latest)) => (oldest, latest),
        (Err(error), _) | (_, Err(error)) => return Reply::slack_error(&error),
    };
    let inclusive = param("inclusive").is_some_and(|v| v == "true" || v == "1");
    let with_metadata = param("include_all_metadata").is_some_and(|v| v == "true" || v == "1");
    let limit = match param("limit").map(|l| l.parse::<usize>()) {
        None => 100,
        Some(Ok(limit)) => limit.clamp(1, HISTORY_MAX_LIMIT),
        Some(Err(_)) => return Reply::slack_error("invalid_limit"),
    };
    // A cursor names the ts of the newest message not yet returned.
    let start = match param("cursor") {
        None => None,
        Some(cursor) => match cursor.strip_prefix("next_ts:").and_then(parse_ts) {
            Some(ts) => Some(ts),
            None => return Reply::slack_error("invalid_cursor"),
        },
    };
    let mut messages: Vec<(u128, Value)> = lock(&shared.history)
        .get(channel)
        .map(|messages| {
            messages
                .iter()
                .filter_map(|m| Some((parse_ts(m.get("ts")?.as_str()?)?, m.clone())))
                .collect()
        })
        .unwrap_or_default();
    messages.sort_by_key(|(ts, _)| std::cmp::Reverse(*ts));
    let in_window = |ts: u128| {
        let after_oldest = oldest.is_none_or(|o| ts > o || (inclusive && ts == o));
        let before_latest = latest.is_none_or(|l| ts < l || (inclusive && ts == l));
        after_oldest && before_latest && start.is_none_or(|s| ts <= s)
    };
    let mut selected = messages.into_iter().filter(|(ts, _)| in_window(*ts));
    let page: Vec<Value> = selected
        .by_ref()
        .take(limit)
        .map(|(_, mut message)| {
            if !with_metadata {
                if let Value::Object(fields) = &mut message {
                    fields.remove("metadata");
                }
            }
            message
        })
        .collect();
    let next = selected.next().and_then(|(_, m)| m.get("ts").cloned());
    let mut answer =
        json!({ "ok": true, "messages": page, "has_more": next.is_some(), "pin_count": 0 });
    if let Some(Value::String(ts)) = next {
        answer["response_metadata"] = json!({ "next_cursor": format!("next_ts:{ts}") });
    }
    Reply::ok(answer)
}

/// A Slack `ts` (`"1700000000.000100"`) as microseconds, for ordering and bounds.
fn parse_ts(ts: &str) -> Option<u128> {
    let (secs, fraction) = ts.split_once('.').unwrap_or((ts, ""));
    if fraction.len() > 6 || !fraction.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let secs: u128 = secs.parse().ok()?;
    let micros: u128 = format!("{fraction:0<6}").parse().ok()?;
    Some(secs * 1_000_000 + micros)
}

/// What real Slack refuses before doing anything: payloads over a Block Kit limit, and a
/// `views.open` whose trigger is unknown, already exchanged or older than [`TRIGGER_WINDOW`].
fn refusal_of(shared: &Shared, method: &str, params: &Value) -> Option<Reply> {
    let violations = match method {
        "chat.postMessage" | "chat.postEphemeral" | "chat.update" => {
            block_kit_limits::check_message(params)
        }
        "views.open" | "views.push" | "views.update" | "views.publish" => {
            match params.get("view") {
                Some(view) => block_kit_limits::check_view(view, "/view"),
                None => return Some(Reply::refused_with("invalid_arguments")),
            }
        }
        _ => Vec::new(),
    };
    if let Some(reply) = Reply::invalid_blocks(&violations) {
        return Some(reply);
    }
    if method == "views.update" {
        let param = |name: &str| {
            params
                .get(name)
                .and_then(Value::as_str)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let views = lock(&shared.views);
        let Some(current) = param("view_id").and_then(|id| views.get(&id).cloned()) else {
            return Some(Reply::refused_with("not_found"));
        };
        if param("hash").is_some_and(|hash| hash != current) {
            return Some(Reply::refused_with("hash_conflict"));
        }
    }
    if method == "views.open" {
        let trigger_id = params
            .get("trigger_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let mut triggers = lock(&shared.triggers);
        let Some(trigger) = triggers.get_mut(trigger_id) else {
            return Some(Reply::refused_with("invalid_trigger_id"));
        };
        if trigger.used {
            return Some(Reply::refused_with("exchanged_trigger_id"));
        }
        trigger.used = true;
        if trigger.issued_at.elapsed() > TRIGGER_WINDOW {
            return Some(Reply::refused_with("expired_trigger_id"));
        }
    }
    None
}

/// `U…` and `W…` (enterprise) ids are users; posting to one lands in their DM.
fn is_user_id(id: &str) -> bool {
    id.starts_with('U') || id.starts_with('W')
}

/// The bot's own user, as `users.info` answers for it.
fn bot_user() -> Value {
    let mut bot = FakeSlack::user_json(BOT_USER_ID, "Contact policy bot");
    bot["is_bot"] = json!(true);
    bot["profile"]["bot_id"] = json!(BOT_ID);
    bot
}

/// The token a call carries: the `Authorization: Bearer …` header, else a `token`
/// parameter.
fn token_of(headers: &HeaderMap, params: &Value) -> Option<String> {
    let header = headers
        .get(header::AUTHORIZATION)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .map(|value| {
            value
                .strip_prefix("Bearer ")
                .map(str::to_owned)
                .unwrap_or(value)
        });
    header.or_else(|| {
        params
            .get("token")
            .and_then(Value::as_str)
            .map(str::to_owned)
    })
}

/// Slack's answer to a token a method does not take. `apps.connections.open` takes only an
/// app-level token (`xapp-…`, <https://docs.slack.dev/reference/methods/apps.connections.open>),
/// and no other method here takes one; `users.info` and `auth.test` take bot and user tokens
/// (<https://docs.slack.dev/reference/methods/users.info>). Other methods are as lenient
/// about other tokens as the fake has always been.
fn token_refusal(method: &str, token: &str) -> Option<&'static str> {
    let bot_or_user = token.starts_with("xoxb-") || token.starts_with("xoxp-");
    let app_level = token.starts_with("xapp-");
    match method {
        "apps.connections.open" if app_level => None,
        "apps.connections.open" if bot_or_user => Some("not_allowed_token_type"),
        "apps.connections.open" => Some("invalid_auth"),
        _ if app_level => Some("not_allowed_token_type"),
        "users.info" | "auth.test" if !bot_or_user => Some("invalid_auth"),
        _ => None,
    }
}

fn conversations_open(params: &Value) -> Reply {
    let users: Vec<String> = match params.get("users") {
        Some(Value::Array(users)) => users
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(Value::String(users)) => users
            .split(',')
            .map(str::trim)
            .filter(|user| !user.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    };
    let channel = match (params.get("channel").and_then(Value::as_str), &users[..]) {
        (Some(channel), _) if !channel.is_empty() => json!({ "id": channel }),
        (_, [user]) => json!({ "id": dm_channel_for(user), "is_im": true, "user": user }),
        (_, [_, _, ..]) => json!({ "id": format!("G{}", users.join("")), "is_mpim": true }),
        _ => return Reply::slack_error("users_list_not_supplied"),
    };
    let mut channel = channel;
    channel["created"] = Value::from(TS_EPOCH_SECS);
    channel["is_open"] = Value::Bool(true);
    Reply::ok(json!({ "ok": true, "channel": channel }))
}

/// The `view` object of a views.* answer: the view sent, plus the stateful fields Slack adds.
fn stateful_view(shared: &Shared, method: &str, params: &Value) -> Value {
    let mut view = match params.get("view").map(json_or_json_string) {
        Some(Value::Object(view)) => view,
        _ => Map::new(),
    };
    let default_type = if method == "views.publish" {
        "home"
    } else {
        "modal"
    };
    let view_type = view
        .entry("type")
        .or_insert_with(|| Value::String(default_type.to_owned()))
        .clone();
    if view_type == "modal" && !view.contains_key("title") {
        view.insert(
            "title".into(),
            json!({ "type": "plain_text", "text": "Fake modal" }),
        );
    }
    view.entry("blocks").or_insert_with(|| json!([]));
    let id = match params.get("view_id").and_then(Value::as_str) {
        Some(id) if method == "views.update" && !id.is_empty() => id.to_owned(),
        _ => shared.next_id('V'),
    };
    view.insert("id".into(), Value::String(id.clone()));
    view.insert("team_id".into(), Value::String(TEAM_ID.to_owned()));
    let hash = shared.next_ts();
    if method != "views.publish" {
        lock(&shared.views).insert(id.clone(), hash.clone());
    }
    view.insert("hash".into(), Value::String(hash));
    view.insert("state".into(), json!({ "values": {} }));
    view.insert("root_view_id".into(), Value::String(id));
    view.insert("app_id".into(), Value::String(APP_ID.to_owned()));
    view.insert("bot_id".into(), Value::String(BOT_ID.to_owned()));
    view.insert(
        "app_installed_team_id".into(),
        Value::String(TEAM_ID.to_owned()),
    );
    // Fields Slack always returns on a view, empty when the view did not set them.
    for field in ["private_metadata", "callback_id", "external_id"] {
        view.entry(field)
            .or_insert_with(|| Value::String(String::new()));
    }
    for field in ["clear_on_close", "notify_on_close", "submit_disabled"] {
        view.entry(field).or_insert(Value::Bool(false));
    }
    view.entry("previous_view_id").or_insert(Value::Null);
    Value::Object(view)
}

/// A parameter that may be JSON already (JSON bodies) or a JSON-encoded string (form bodies).
fn json_or_json_string(value: &Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| value.clone()),
        other => other.clone(),
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .unwrap_or_default()
}

/// Decodes a request body into JSON according to its content type (see [`RecordedCall::body`]).
fn decode_body(headers: &HeaderMap, body: &[u8]) -> Value {
    let content_type = content_type(headers);
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if mime == "application/x-www-form-urlencoded" {
        return form_to_json(body);
    }
    if mime == "multipart/form-data" {
        if let Some(boundary) = multipart_boundary(&content_type) {
            return multipart_to_json(&parse_multipart(body, &boundary));
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Value::Object(Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(_) => Value::String(String::from_utf8_lossy(body).into_owned()),
    }
}

fn form_to_json(body: &[u8]) -> Value {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    Value::Object(
        pairs
            .into_iter()
            .map(|(key, value)| (key, Value::String(value)))
            .collect(),
    )
}

/// Adds query-string parameters to an object body (body fields win).
fn merge_query(params: &mut Value, query: Option<&str>) {
    let Some(query) = query.filter(|query| !query.is_empty()) else {
        return;
    };
    let Value::Object(query) = form_to_json(query.as_bytes()) else {
        return;
    };
    if let Value::Object(params) = params {
        for (key, value) in query {
            params.entry(key).or_insert(value);
        }
    }
}

/// One part of a `multipart/form-data` body.
struct Part {
    name: Option<String>,
    filename: Option<String>,
    content_type: Option<String>,
    data: Vec<u8>,
}

fn multipart_boundary(content_type: &str) -> Option<String> {
    let mut pieces = content_type.split(';').map(str::trim);
    let mime = pieces.next()?;
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    pieces
        .find_map(|piece| piece.strip_prefix("boundary="))
        .map(|boundary| boundary.trim_matches('"').to_owned())
        .filter(|boundary| !boundary.is_empty())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|window| window == needle)
        .map(|position| position + from)
}

/// A lenient multipart parser: enough for slack-morphism's and reqwest's encodings (a missing
/// closing `--` is accepted, as slack-morphism omits it).
fn parse_multipart(body: &[u8], boundary: &str) -> Vec<Part> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut parts = Vec::new();
    let Some(first) = find(body, &delimiter, 0) else {
        return parts;
    };
    let mut position = first + delimiter.len();
    while !body[position..].starts_with(b"--") {
        let Some(next) = find(body, &delimiter, position) else {
            break;
        };
        let section = &body[position..next];
        position = next + delimiter.len();
        let section = section.strip_prefix(b"\r\n").unwrap_or(section);
        let section = section.strip_suffix(b"\r\n").unwrap_or(section);
        let (head, data) = match find(section, b"\r\n\r\n", 0) {
            Some(split) => (&section[..split], &section[split + 4..]),
            None => (section, &[][..]),
        };
        let mut part = Part {
            name: None,
            filename: None,
            content_type: None,
            data: data.to_vec(),
        };
        for line in String::from_utf8_lossy(head).lines() {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let key = key.trim();
            if key.eq_ignore_ascii_case("content-disposition") {
                for attribute in value.split(';').map(str::trim) {
                    if let Some(name) = attribute.strip_prefix("name=") {
                        part.name = Some(name.trim_matches('"').to_owned());
                    } else if let Some(filename) = attribute.strip_prefix("filename=") {
                        part.filename = Some(filename.trim_matches('"').to_owned());
                    }
                }
            } else if key.eq_ignore_ascii_case("content-type") {
                part.content_type = Some(value.trim().to_owned());
            }
        }
        parts.push(part);
    }
    parts
}

fn multipart_to_json(parts: &[Part]) -> Value {
    let mut object = Map::new();
    for (index, part) in parts.iter().enumerate() {
        let key = part.name.clone().unwrap_or_else(|| format!("part{index}"));
        let value = match &part.filename {
            Some(filename) => json!({
                "filename": filename,
                "content_type": part.content_type,
                "length": part.data.len(),
                "text": std::str::from_utf8(&part.data).ok(),
            }),
            None => Value::String(String::from_utf8_lossy(&part.data).into_owned()),
        };
        object.insert(key, value);
    }
    Value::Object(object)
}
