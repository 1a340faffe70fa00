//! A fake of Slack's Socket Mode server: a real WebSocket server on loopback
//! (tokio-tungstenite), for integration tests.
//!
//! The fake Web API's `apps.connections.open` (see `fake_slack.rs`) hands out URLs to it,
//! `ws://127.0.0.1:PORT/link/?ticket=…&app_id=…`, once [`FakeSlack::attach_socket_mode`]
//! joined the two. What it does, as Slack does
//! (<https://docs.slack.dev/apis/events-api/using-socket-mode>):
//!
//! * A ticket opens one connection, once; an unknown or used ticket is refused at the
//!   handshake (HTTP 401), as is every handshake while [`FakeSocketMode::refuse_connections`]
//!   is on.
//! * A new connection is greeted with `hello` (`num_connections`, `debug_info.host`,
//!   `debug_info.approximate_connection_time` ([`FakeSocketMode::set_connection_time`],
//!   default 18 060 s), `connection_info.app_id`).
//! * [`FakeSocketMode::deliver`] sends an envelope (`envelope_id`, `type`, `payload`,
//!   `accepts_response_payload`, `retry_attempt`, `retry_reason`) on a greeted connection,
//!   taking turns between connections, and waits for its acknowledgement
//!   `{"envelope_id": …, "payload"?: …}`. `accepts_response_payload` is true for
//!   `slash_commands` and for `view_submission` and `block_suggestion` interactions.
//! * An envelope not acknowledged within [`ACK_WINDOW`] (3 s) counts as not acknowledged
//!   and is delivered again, `retry_attempt` one more and `retry_reason: "timeout"`, on a
//!   connection then open (up to [`MAX_RETRIES`] times). Slack documents retries for
//!   events; the fake retries every kind, so a test proves the bot handles any retry once.
//! * Refused, and kept in [`FakeSocketMode::refusals`] ([`FakeSocketMode::assert_no_refusals`]
//!   fails a test with the list): a frame that is not a JSON acknowledgement; an
//!   acknowledgement for an envelope id not awaiting one (unknown, or already
//!   acknowledged); one after the last delivery's window (given up: not counted; an
//!   acknowledgement after an earlier delivery's window counts for the retry by then sent,
//!   as Slack cannot tell them apart either); a
//!   `payload` on an envelope that takes none (Slack drops it, so the user would never see
//!   it); a payload Slack would not show (over a Block Kit limit, an unknown
//!   `response_action`: the same checks as the bot's HTTP answers, [`check_answer`]).
//! * Tests break connections on purpose: [`FakeSocketMode::drop_connection`] ends one
//!   without a closing handshake, as a network failure would;
//!   [`FakeSocketMode::send_disconnect`] sends Slack's `disconnect` notice
//!   (`refresh_requested`, `warning`, `link_disabled`, …) and leaves the closing to the bot.
//! * [`FakeSocketMode::log`] lists what happened to connections in order (opened,
//!   greeted, disconnect sent, closed by the client, dropped).
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::StatusCode;
use tokio_tungstenite::tungstenite::Message;

use super::block_kit_limits::{check_answer, Answering};

/// How long Slack waits for an acknowledgement before it counts the envelope as not
/// acknowledged.
pub const ACK_WINDOW: Duration = Duration::from_secs(3);
/// How many times an envelope is delivered again after the first delivery.
pub const MAX_RETRIES: u32 = 3;
/// How long a delivery waits for a greeted connection before giving up.
const NO_CONNECTION_WAIT: Duration = Duration::from_secs(10);
/// `connection_info.app_id` in `hello`.
pub const APP_ID: &str = "A0FAKEAPP";

/// What became of an envelope.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Acknowledged in time, on attempt `attempt` (0 the first delivery), carrying
    /// `payload` when the acknowledgement had one.
    Acked {
        payload: Option<Value>,
        attempt: u32,
    },
    /// Never acknowledged in time, after every retry (or no connection to deliver on).
    NotAcked,
}

/// One thing that happened to a connection, in the order it happened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Opened(u64),
    Greeted(u64),
    DisconnectSent(u64, String),
    /// The client sent a close frame (a clean close).
    ClosedByClient(u64),
    /// The client went away without a closing handshake.
    LostClient(u64),
    /// The fake dropped it ([`FakeSocketMode::drop_connection`]).
    Dropped(u64),
    /// A handshake refused (bad ticket, or connections refused).
    HandshakeRefused,
}

/// An acknowledgement received.
#[derive(Debug, Clone)]
pub struct AckRecord {
    pub envelope_id: String,
    pub connection: u64,
    pub payload: Option<Value>,
    /// The delivery it answered (0 the first), when it answered one.
    pub attempt: Option<u32>,
    /// Accepted: in time, for an envelope awaiting it.
    pub accepted: bool,
}

/// A running fake Socket Mode server; stops when dropped.
#[derive(Debug)]
pub struct FakeSocketMode {
    addr: SocketAddr,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeSocketMode {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Hands out connection URLs: what `apps.connections.open` answers with.
#[derive(Debug, Clone)]
pub struct Tickets(Arc<Shared>);

impl Tickets {
    /// A fresh single-use URL to the fake, as `apps.connections.open` returns it.
    pub fn issue(&self) -> String {
        let seq = self.0.next_seq.fetch_add(1, Ordering::Relaxed);
        let ticket = format!("ticket-{seq}-{:08x}", rand::random::<u32>());
        lock(&self.0.tickets).insert(ticket.clone(), false);
        format!("ws://{}/link/?ticket={ticket}&app_id={APP_ID}", self.0.addr)
    }
}

#[derive(Debug)]
struct Connection {
    id: u64,
    commands: mpsc::UnboundedSender<Command>,
    greeted: bool,
    open: bool,
}

#[derive(Debug)]
enum Command {
    Send(String),
    Drop,
}

#[derive(Debug)]
struct Pending {
    kind: &'static str,
    payload: Value,
    accepts_response_payload: bool,
    attempt: u32,
    delivered_at: Option<Instant>,
    outcome: Option<Outcome>,
}

#[derive(Debug)]
struct Shared {
    addr: SocketAddr,
    next_seq: AtomicU64,
    turn: AtomicUsize,
    tickets: Mutex<HashMap<String, bool>>,
    connections: Mutex<Vec<Connection>>,
    envelopes: Mutex<HashMap<String, Pending>>,
    acks: Mutex<Vec<AckRecord>>,
    refusals: Mutex<Vec<String>>,
    log: Mutex<Vec<Event>>,
    connection_time: Mutex<u64>,
    refuse: Mutex<bool>,
    drop_after_next: Mutex<bool>,
    ack_window: Mutex<Duration>,
    /// Woken on every change a waiter may be waiting for.
    changed: Notify,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn record(&self, event: Event) {
        lock(&self.log).push(event);
        self.changed.notify_waiters();
    }

    fn refuse(&self, why: String) {
        lock(&self.refusals).push(why);
    }
}

impl FakeSocketMode {
    /// Binds `127.0.0.1:0` and serves in a background task.
    pub async fn start() -> FakeSocketMode {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("fake socket mode: bind 127.0.0.1:0");
        let addr = listener.local_addr().expect("fake socket mode: address");
        let shared = Arc::new(Shared {
            addr,
            next_seq: AtomicU64::new(1),
            turn: AtomicUsize::new(0),
            tickets: Mutex::new(HashMap::new()),
            connections: Mutex::new(Vec::new()),
            envelopes: Mutex::new(HashMap::new()),
            acks: Mutex::new(Vec::new()),
            refusals: Mutex::new(Vec::new()),
            log: Mutex::new(Vec::new()),
            connection_time: Mutex::new(18_060),
            refuse: Mutex::new(false),
            drop_after_next: Mutex::new(false),
            ack_window: Mutex::new(ACK_WINDOW),
            changed: Notify::new(),
        });
        let accepting = shared.clone();
        let server = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(accepting.clone(), stream));
            }
        });
        FakeSocketMode {
            addr,
            shared,
            server,
        }
    }

    /// What `apps.connections.open` hands out URLs with.
    pub fn tickets(&self) -> Tickets {
        Tickets(self.shared.clone())
    }

    /// The `approximate_connection_time` (seconds) later `hello`s give.
    pub fn set_connection_time(&self, seconds: u64) {
        *lock(&self.shared.connection_time) = seconds;
    }

    /// Refuses (or, with `false`, accepts again) every handshake, as during an outage.
    pub fn refuse_connections(&self, refuse: bool) {
        *lock(&self.shared.refuse) = refuse;
    }

    /// Shortens the acknowledgement window (the fake's self-tests only; tests of the bot
    /// keep Slack's 3 s).
    pub fn set_ack_window(&self, window: Duration) {
        *lock(&self.shared.ack_window) = window;
    }

    /// Ids of the connections open and greeted now, oldest first.
    pub fn live(&self) -> Vec<u64> {
        lock(&self.shared.connections)
            .iter()
            .filter(|c| c.open && c.greeted)
            .map(|c| c.id)
            .collect()
    }

    /// Waits until `n` connections are open and greeted; returns their ids.
    ///
    /// # Panics
    ///
    /// After `within`, with the connection log.
    pub async fn wait_for_live(&self, n: usize, within: Duration) -> Vec<u64> {
        self.wait_until(within, || {
            let live = self.live();
            (live.len() >= n).then_some(live)
        })
        .await
        .unwrap_or_else(|| panic!("not {n} live connections; log: {:?}", self.log()))
    }

    /// Waits until `ready` gives something, or `within` passes.
    pub async fn wait_until<T>(
        &self,
        within: Duration,
        ready: impl Fn() -> Option<T>,
    ) -> Option<T> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let changed = self.shared.changed.notified();
            if let Some(found) = ready() {
                return Some(found);
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return ready();
            }
        }
    }

    /// What happened to connections so far, in order.
    pub fn log(&self) -> Vec<Event> {
        lock(&self.shared.log).clone()
    }

    /// Every acknowledgement received.
    pub fn acks(&self) -> Vec<AckRecord> {
        lock(&self.shared.acks).clone()
    }

    /// What the fake refused, as Slack would.
    pub fn refusals(&self) -> Vec<String> {
        lock(&self.shared.refusals).clone()
    }

    /// # Panics
    ///
    /// If anything was refused, listing it.
    pub fn assert_no_refusals(&self) {
        let refusals = self.refusals();
        assert!(
            refusals.is_empty(),
            "Slack would have refused these Socket Mode frames:\n{}",
            refusals.join("\n")
        );
    }

    /// Ends connection `id` without a closing handshake, as a network failure would.
    pub fn drop_connection(&self, id: u64) {
        if let Some(c) = lock(&self.shared.connections).iter().find(|c| c.id == id) {
            let _ = c.commands.send(Command::Drop);
        }
    }

    /// Drops the connection the next envelope goes out on right after sending it, before
    /// any acknowledgement can come back: the envelope was delivered (the bot may well
    /// handle it) but counts as not acknowledged, and is delivered again after the window.
    pub fn drop_after_next_envelope(&self) {
        *lock(&self.shared.drop_after_next) = true;
    }

    /// Sends Slack's `disconnect` notice with `reason` on connection `id`.
    pub fn send_disconnect(&self, id: u64, reason: &str) {
        let frame = json!({ "type": "disconnect", "reason": reason, "debug_info": { "host": "fake-applink" } });
        if let Some(c) = lock(&self.shared.connections).iter().find(|c| c.id == id) {
            let _ = c.commands.send(Command::Send(frame.to_string()));
        }
        self.shared
            .record(Event::DisconnectSent(id, reason.to_owned()));
    }

    /// Delivers an envelope of `kind` (`slash_commands`, `interactive`, `events_api`)
    /// and waits for what became of it (retries included).
    pub async fn deliver(&self, kind: &'static str, payload: Value) -> Outcome {
        let id = self.send(kind, payload);
        self.outcome(&id).await
    }

    /// Delivers an envelope and returns its id at once; [`Self::outcome`] waits for it.
    pub fn send(&self, kind: &'static str, payload: Value) -> String {
        let id = format!(
            "{:08x}-{:04x}-fake-envelope-{}",
            rand::random::<u32>(),
            rand::random::<u16>(),
            self.shared.next_seq.fetch_add(1, Ordering::Relaxed)
        );
        let accepts_response_payload = match kind {
            "slash_commands" => true,
            "interactive" => matches!(
                payload["type"].as_str(),
                Some("view_submission" | "block_suggestion")
            ),
            _ => false,
        };
        lock(&self.shared.envelopes).insert(
            id.clone(),
            Pending {
                kind,
                payload,
                accepts_response_payload,
                attempt: 0,
                delivered_at: None,
                outcome: None,
            },
        );
        tokio::spawn(deliver_with_retries(self.shared.clone(), id.clone()));
        id
    }

    /// Delivers envelope `id` again as a retry (`retry_attempt` one more), as Slack does
    /// when an acknowledgement went missing, and waits for what became of it.
    pub async fn redeliver(&self, id: &str) -> Outcome {
        {
            let mut envelopes = lock(&self.shared.envelopes);
            let pending = envelopes.get_mut(id).expect("an envelope this fake sent");
            pending.outcome = None;
            pending.attempt += 1;
        }
        tokio::spawn(deliver_with_retries(self.shared.clone(), id.to_owned()));
        self.outcome(id).await
    }

    /// Waits for what became of envelope `id`.
    pub async fn outcome(&self, id: &str) -> Outcome {
        let limit = (*lock(&self.shared.ack_window) + NO_CONNECTION_WAIT) * (MAX_RETRIES + 2);
        self.wait_until(limit, || {
            lock(&self.shared.envelopes)
                .get(id)
                .and_then(|p| p.outcome.clone())
        })
        .await
        .unwrap_or(Outcome::NotAcked)
    }

    /// How many times envelope `id` was delivered (1 + retries).
    pub fn deliveries(&self, id: &str) -> u32 {
        lock(&self.shared.envelopes)
            .get(id)
            .map_or(0, |p| p.attempt + 1)
    }
}

/// Delivers envelope `id` from its current attempt on, until acknowledged or out of retries.
async fn deliver_with_retries(shared: Arc<Shared>, id: String) {
    loop {
        let window = *lock(&shared.ack_window);
        let Some(sent) = send_once(&shared, &id).await else {
            finish(&shared, &id, Outcome::NotAcked);
            return;
        };
        let deadline = tokio::time::Instant::from_std(sent) + window;
        loop {
            let changed = shared.changed.notified();
            if lock(&shared.envelopes)
                .get(&id)
                .is_some_and(|p| p.outcome.is_some())
            {
                return;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                break;
            }
        }
        let mut envelopes = lock(&shared.envelopes);
        let Some(pending) = envelopes.get_mut(&id) else {
            return;
        };
        if pending.outcome.is_some() {
            return;
        }
        if pending.attempt >= MAX_RETRIES {
            pending.outcome = Some(Outcome::NotAcked);
            drop(envelopes);
            shared.changed.notify_waiters();
            return;
        }
        pending.attempt += 1;
    }
}

fn finish(shared: &Shared, id: &str, outcome: Outcome) {
    if let Some(p) = lock(&shared.envelopes).get_mut(id) {
        p.outcome = Some(outcome);
    }
    shared.changed.notify_waiters();
}

/// Sends the envelope's current attempt on a greeted connection (taking turns), waiting
/// for one if none is open; returns when it was sent.
async fn send_once(shared: &Arc<Shared>, id: &str) -> Option<Instant> {
    let deadline = tokio::time::Instant::now() + NO_CONNECTION_WAIT;
    loop {
        let changed = shared.changed.notified();
        {
            let connections = lock(&shared.connections);
            let live: Vec<&Connection> =
                connections.iter().filter(|c| c.open && c.greeted).collect();
            if !live.is_empty() {
                let turn = shared.turn.fetch_add(1, Ordering::Relaxed) % live.len();
                let mut envelopes = lock(&shared.envelopes);
                let pending = envelopes.get_mut(id)?;
                let frame = json!({
                    "envelope_id": id,
                    "type": pending.kind,
                    "payload": pending.payload,
                    "accepts_response_payload": pending.accepts_response_payload,
                    "retry_attempt": pending.attempt,
                    "retry_reason": if pending.attempt == 0 { "" } else { "timeout" },
                });
                let now = Instant::now();
                pending.delivered_at = Some(now);
                if live[turn]
                    .commands
                    .send(Command::Send(frame.to_string()))
                    .is_ok()
                {
                    if std::mem::take(&mut *lock(&shared.drop_after_next)) {
                        let _ = live[turn].commands.send(Command::Drop);
                    }
                    return Some(now);
                }
            }
        }
        if tokio::time::timeout_at(deadline, changed).await.is_err() {
            return None;
        }
    }
}

/// Reads one acknowledgement from connection `connection`.
fn acknowledged(shared: &Shared, connection: u64, text: &str) {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        shared.refuse(format!("connection {connection}: a frame that is not JSON"));
        return;
    };
    let Some(id) = frame["envelope_id"].as_str().map(str::to_owned) else {
        shared.refuse(format!(
            "connection {connection}: a frame with no envelope_id: {frame}"
        ));
        return;
    };
    let payload = frame.get("payload").cloned().filter(|p| !p.is_null());
    let window = *lock(&shared.ack_window);
    let mut envelopes = lock(&shared.envelopes);
    let attempt = envelopes.get(&id).map(|p| p.attempt);
    let accepted = match envelopes.get_mut(&id) {
        Some(pending) if pending.outcome.is_none() => {
            let late = pending.delivered_at.is_none_or(|at| at.elapsed() > window);
            if late {
                shared.refuse(format!(
                    "envelope {id}: acknowledged after {window:?}; counted as not acknowledged"
                ));
                false
            } else {
                if let Some(payload) = &payload {
                    if !pending.accepts_response_payload {
                        shared.refuse(format!(
                            "envelope {id} ({}) takes no payload, so Slack drops it: {payload}",
                            pending.kind
                        ));
                    } else {
                        let to = match (pending.kind, pending.payload["type"].as_str()) {
                            ("slash_commands", _) => Answering::Command,
                            (_, Some("block_suggestion")) => Answering::Options,
                            _ => Answering::Interaction,
                        };
                        let violations = check_answer(to, payload);
                        if !violations.is_empty() {
                            shared.refuse(format!(
                                "envelope {id}: Slack would not show this payload: {}",
                                violations
                                    .iter()
                                    .map(|v| v.slack_error())
                                    .collect::<Vec<_>>()
                                    .join("; ")
                            ));
                        }
                    }
                }
                pending.outcome = Some(Outcome::Acked {
                    payload: payload.clone(),
                    attempt: pending.attempt,
                });
                true
            }
        }
        Some(pending) if pending.outcome == Some(Outcome::NotAcked) => {
            shared.refuse(format!(
                "envelope {id}: acknowledged after its last delivery's {window:?}; counted as not acknowledged"
            ));
            false
        }
        _ => {
            shared.refuse(format!(
                "connection {connection}: acknowledgement for envelope {id}, which awaits none"
            ));
            false
        }
    };
    drop(envelopes);
    lock(&shared.acks).push(AckRecord {
        envelope_id: id,
        connection,
        payload,
        attempt,
        accepted,
    });
    shared.changed.notify_waiters();
}

/// Takes a handshake only with a ticket handed out and not yet used.
fn check_ticket(shared: &Shared, request: &Request) -> bool {
    if *lock(&shared.refuse) || request.uri().path() != "/link/" {
        return false;
    }
    let ticket = request.uri().query().and_then(|q| {
        q.split('&')
            .find_map(|pair| pair.strip_prefix("ticket="))
            .map(str::to_owned)
    });
    let mut tickets = lock(&shared.tickets);
    match ticket.and_then(|t| tickets.get_mut(&t)) {
        Some(used) if !*used => {
            *used = true;
            true
        }
        _ => false,
    }
}

// The handshake callback's `Result<Response, ErrorResponse>` is tungstenite's signature.
#[allow(clippy::result_large_err)]
async fn serve(shared: Arc<Shared>, stream: tokio::net::TcpStream) {
    let check = shared.clone();
    let callback = move |request: &Request, response: Response| {
        if check_ticket(&check, request) {
            Ok(response)
        } else {
            let mut refused = ErrorResponse::new(Some("invalid ticket".to_owned()));
            *refused.status_mut() = StatusCode::UNAUTHORIZED;
            Err(refused)
        }
    };
    let Ok(mut socket) = tokio_tungstenite::accept_hdr_async(stream, callback).await else {
        shared.record(Event::HandshakeRefused);
        return;
    };
    let id = shared.next_seq.fetch_add(1, Ordering::Relaxed);
    let (commands, mut received) = mpsc::unbounded_channel();
    let count = {
        let mut connections = lock(&shared.connections);
        connections.push(Connection {
            id,
            commands,
            greeted: false,
            open: true,
        });
        connections.iter().filter(|c| c.open).count()
    };
    shared.record(Event::Opened(id));
    let hello = json!({
        "type": "hello",
        "num_connections": count,
        "debug_info": {
            "host": "fake-applink",
            "build_number": 1,
            "approximate_connection_time": *lock(&shared.connection_time),
        },
        "connection_info": { "app_id": APP_ID },
    });
    // Recorded before it is sent: the client may act on it before `send` returns.
    if let Some(c) = lock(&shared.connections).iter_mut().find(|c| c.id == id) {
        c.greeted = true;
    }
    shared.record(Event::Greeted(id));
    let _ = socket.send(Message::text(hello.to_string())).await;
    let ended = loop {
        tokio::select! {
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => acknowledged(&shared, id, text.as_str()),
                Some(Ok(Message::Close(_))) => {
                    // Finish the closing handshake, as Slack does.
                    let _ = socket.close(None).await;
                    break Event::ClosedByClient(id);
                }
                Some(Ok(_)) => {}
                Some(Err(_)) | None => break Event::LostClient(id),
            },
            command = received.recv() => match command {
                Some(Command::Send(text)) => {
                    if socket.send(Message::text(text)).await.is_err() {
                        break Event::LostClient(id);
                    }
                }
                Some(Command::Drop) | None => break Event::Dropped(id),
            },
        }
    };
    if let Some(c) = lock(&shared.connections).iter_mut().find(|c| c.id == id) {
        c.open = false;
    }
    // Dropping the socket closes the TCP connection with no closing handshake.
    drop(socket);
    shared.record(ended);
}
