//! One Socket Mode connection: opened with `apps.connections.open`, read until it drops
//! or is told to close, each envelope answered on it in its own task. It reports its
//! `hello`, Slack's `disconnect` notices and its end to the supervisor (`mod.rs`), which
//! decides when to open the next one.

use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinSet;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::envelope::{self, Frame};
use super::Inner;
use crate::slack::dispatch::ACK_BUDGET;
use crate::slack::outbound::CallFailure;

pub(super) type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What a connection tells the supervisor.
#[derive(Debug)]
pub(super) enum Report {
    /// Slack's `hello`: envelopes may come. `lifetime` is its `approximate_connection_time`.
    Hello { id: u64, lifetime: Option<Duration> },
    /// Slack's `disconnect` notice: it will close this connection soon.
    Disconnect { id: u64, reason: String },
    /// The connection is gone (dropped, refused, or closed as asked).
    Ended { id: u64 },
}

/// Opens a fresh connection: `apps.connections.open` on `SLACK_API_URL` with the app-level
/// token, then the WebSocket handshake with the URL Slack gave. Neither the token nor the
/// URL (which carries a ticket) is logged.
pub(super) async fn open(inner: &Inner) -> Result<Socket, String> {
    let url = inner
        .api
        .open_socket_connection(&inner.app_token)
        .await
        .map_err(|failure| match failure {
            CallFailure::Permanent(why) => format!(
                "apps.connections.open refused ({why}): SLACK_APP_TOKEN must be an app-level token with connections:write, and Socket Mode turned on for the app"
            ),
            CallFailure::RateLimited { .. } => "apps.connections.open rate limited".to_owned(),
            CallFailure::Transient(why) => format!("apps.connections.open failed ({why})"),
            CallFailure::Waiting => "apps.connections.open failed".to_owned(),
        })?;
    match url.scheme() {
        "wss" => {}
        // Plain WebSocket only when the Web API itself is plain HTTP (a fake Slack on
        // loopback, in tests): real Slack always hands out wss:// URLs.
        "ws" if inner.plain_ws => {}
        other => {
            return Err(format!(
                "apps.connections.open gave a {other}:// URL; only wss:// is accepted"
            ))
        }
    }
    match tokio::time::timeout(
        inner.config.connect_timeout,
        tokio_tungstenite::connect_async(url.as_str()),
    )
    .await
    {
        Ok(Ok((socket, _))) => Ok(socket),
        Ok(Err(err)) => Err(format!("WebSocket handshake failed ({})", kind_of(&err))),
        Err(_) => Err(format!(
            "WebSocket handshake took longer than {:?}",
            inner.config.connect_timeout
        )),
    }
}

/// What went wrong with a WebSocket, without the URL some errors quote.
fn kind_of(err: &tokio_tungstenite::tungstenite::Error) -> &'static str {
    use tokio_tungstenite::tungstenite::Error;
    match err {
        Error::ConnectionClosed | Error::AlreadyClosed => "closed",
        Error::Io(_) => "network error",
        Error::Tls(_) => "TLS error",
        Error::Capacity(_) => "message too large",
        Error::Protocol(_) => "protocol error",
        Error::Http(_) => "refused by the server",
        Error::HttpFormat(_) | Error::Url(_) => "bad URL",
        _ => "error",
    }
}

/// How long a connection told to close may go on for the envelopes it is answering.
const CLOSING_BUDGET: Duration = Duration::from_millis(ACK_BUDGET.as_millis() as u64 + 1000);

/// Serves connection `id` until it drops or `close` fires (or its sender is dropped),
/// then reports [`Report::Ended`]. Told to close, it first finishes the envelopes it is
/// answering and sends their acknowledgements, then closes the WebSocket cleanly.
pub(super) async fn serve(
    id: u64,
    mut socket: Socket,
    inner: Arc<Inner>,
    reports: mpsc::UnboundedSender<Report>,
    mut close: oneshot::Receiver<()>,
) {
    let config = &inner.config;
    let mut handlers: JoinSet<Option<String>> = JoinSet::new();
    let mut ping = tokio::time::interval_at(
        tokio::time::Instant::now() + config.ping_interval,
        config.ping_interval,
    );
    let hello_by = tokio::time::Instant::now() + config.connect_timeout;
    let mut greeted = false;
    let mut heard = Instant::now();
    let mut closing: Option<Instant> = None;
    let ended = loop {
        if let Some(since) = closing {
            if handlers.is_empty() || since.elapsed() > CLOSING_BUDGET {
                break "closed as asked";
            }
        }
        tokio::select! {
            frame = socket.next() => match frame {
                Some(Ok(Message::Text(text))) => {
                    heard = Instant::now();
                    let Ok(frame) = serde_json::from_str::<Frame>(text.as_str()) else {
                        tracing::warn!(connection = id, "unreadable Socket Mode frame ignored");
                        continue;
                    };
                    match frame.kind.as_str() {
                        "hello" => {
                            if !greeted {
                                greeted = true;
                                inner.status.up();
                            }
                            let lifetime = frame
                                .debug_info
                                .and_then(|d| d.approximate_connection_time)
                                .map(Duration::from_secs);
                            let _ = reports.send(Report::Hello { id, lifetime });
                        }
                        "disconnect" => {
                            let reason = frame.reason.unwrap_or_default();
                            let _ = reports.send(Report::Disconnect { id, reason });
                        }
                        _ => match frame.into_envelope() {
                            Some(envelope) => {
                                let inner = inner.clone();
                                handlers.spawn(async move {
                                    envelope::answer(&inner.state, &inner.envelopes, envelope)
                                        .await
                                });
                            }
                            None => tracing::debug!(connection = id, "frame with no envelope ignored"),
                        },
                    }
                }
                Some(Ok(Message::Close(_))) | None => break "closed by Slack",
                Some(Ok(_)) => heard = Instant::now(),
                Some(Err(_)) => break "dropped",
            },
            Some(done) = handlers.join_next(), if !handlers.is_empty() => {
                if let Ok(Some(ack)) = done {
                    if socket.send(Message::text(ack)).await.is_err() {
                        break "dropped while acknowledging";
                    }
                }
            }
            _ = ping.tick() => {
                if heard.elapsed() > config.ping_interval * 3 {
                    break "silent";
                }
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    break "dropped";
                }
            }
            _ = tokio::time::sleep_until(hello_by), if !greeted => break "no hello from Slack",
            _ = &mut close, if closing.is_none() => closing = Some(Instant::now()),
        }
    };
    if closing.is_some() {
        // A clean close; frames after it are Slack's side of the handshake.
        let _ = socket.close(None).await;
        let _ = tokio::time::timeout(Duration::from_secs(1), async {
            while let Some(Ok(_)) = socket.next().await {}
        })
        .await;
    }
    // Handlers still running finish on their own: what they did stays done, and Slack's
    // redelivery of their envelopes is answered from `Envelopes`.
    handlers.detach_all();
    if greeted {
        inner.status.down();
    }
    tracing::info!(connection = id, how = ended, "Socket Mode connection ended");
    let _ = reports.send(Report::Ended { id });
}
