//! Socket Mode (R-OPS-1): for a workspace whose bot has no public URL. With
//! `SLACK_APP_TOKEN` set, the bot opens a WebSocket to Slack (`apps.connections.open` on
//! `SLACK_API_URL`, the app-level token as bearer) and Slack sends every slash command,
//! interaction, options request and event down it as an envelope. Each envelope goes
//! through `dispatch`, the same workspace check, staff check, router and 3-second budget
//! as an HTTP request; the answer Slack expects at once (a command's reply, a modal's
//! `response_action`, a search's options) travels in the envelope's acknowledgement.
//!
//! One connection is kept per instance, and several instances (PostgreSQL) each keep
//! their own: Slack spreads envelopes over all of them. A dropped or refused connection is
//! opened again after a backoff that doubles per failure in a row, with jitter. Slack
//! closes connections now and then: on its `disconnect` notice (`warning`,
//! `refresh_requested`, or any other reason) and shortly before the
//! `approximate_connection_time` its `hello` gave is up, the successor is opened first and
//! the old connection closed only once the new one has said `hello`, after acknowledging
//! what it was answering. `/readyz` says whether a connection is open ([`SocketStatus`]).
//!
//! Why not slack-morphism's `SlackClientSocketModeListener`: its callbacks get a parsed
//! `block_actions` event without the view's id, hash and state (our forms that change as
//! choices are made need them, see `dispatch::read_interaction`); it cannot leave an
//! envelope unacknowledged for Slack to retry (an event past the budget); it replaces a
//! connection by dropping it before opening the next, reconnects at a fixed interval
//! without jitter, and does not say whether it is connected.

mod connection;
mod envelope;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::Instant;

use crate::config::SocketModeConfig;
use crate::slack::outbound::SlackApi;
use crate::slack::state::AppState;
use connection::Report;

/// How many Socket Mode connections have said `hello` and are still open.
#[derive(Debug, Default)]
pub struct SocketStatus {
    open: AtomicUsize,
}

impl SocketStatus {
    /// Whether Slack can reach the bot: a connection is open.
    pub fn connected(&self) -> bool {
        self.open.load(Ordering::SeqCst) > 0
    }

    fn up(&self) {
        self.open.fetch_add(1, Ordering::SeqCst);
    }

    fn down(&self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// What every connection of this instance shares.
#[derive(Debug)]
struct Inner {
    state: Arc<AppState>,
    api: Arc<SlackApi>,
    app_token: SecretString,
    config: SocketModeConfig,
    /// `ws://` accepted (the Web API is plain HTTP too: a fake Slack on loopback).
    plain_ws: bool,
    envelopes: envelope::Envelopes,
    status: Arc<SocketStatus>,
}

/// The Socket Mode client of one instance; [`SocketMode::run`] keeps it connected.
#[derive(Debug)]
pub struct SocketMode {
    inner: Arc<Inner>,
}

/// A connection the supervisor holds, and the way to tell it to close.
struct Live {
    id: u64,
    close: oneshot::Sender<()>,
}

impl SocketMode {
    /// `status` is the one `AppState::socket` carries, for `/readyz`.
    pub fn new(
        state: Arc<AppState>,
        api: Arc<SlackApi>,
        app_token: SecretString,
        config: SocketModeConfig,
        plain_ws: bool,
        status: Arc<SocketStatus>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                state,
                api,
                app_token,
                config,
                plain_ws,
                envelopes: envelope::Envelopes::default(),
                status,
            }),
        }
    }

    /// Keeps a connection open until `stop` turns true (or its sender is dropped), then
    /// closes what is open, letting envelopes being answered send their acknowledgements.
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        let inner = self.inner;
        let (reports_tx, mut reports) = mpsc::unbounded_channel::<Report>();
        let mut next_id = 0_u64;
        let mut current: Option<Live> = None;
        // Opened to take over from `current`; it does once it has said hello.
        let mut incoming: Option<Live> = None;
        let mut failures = 0_u32;
        let mut open_at: Option<Instant> = Some(Instant::now());
        let mut refresh_at: Option<Instant> = None;
        // Watched while a connection is being opened, as `stop` is borrowed by the loop.
        let mut stop_opening = stop.clone();
        loop {
            tokio::select! {
                () = stopped(&mut stop) => break,
                Some(report) = reports.recv() => match report {
                    Report::Hello { id, lifetime } => {
                        failures = 0;
                        if incoming.as_ref().is_some_and(|l| l.id == id) {
                            if let Some(old) = current.take() {
                                tracing::info!(connection = old.id, successor = id, "Socket Mode connection replaced");
                                let _ = old.close.send(());
                            }
                            current = incoming.take();
                        }
                        if current.as_ref().is_some_and(|l| l.id == id) {
                            tracing::info!(connection = id, lifetime_s = lifetime.map(|l| l.as_secs()), "Socket Mode connected");
                            refresh_at = lifetime.map(|l| Instant::now() + l.saturating_sub(inner.config.refresh_margin));
                        }
                    }
                    Report::Disconnect { id, reason } => {
                        if reason == "link_disabled" {
                            tracing::error!(connection = id, "Slack says Socket Mode is turned off for this app; turn it on under Socket Mode in the app's settings");
                        } else {
                            tracing::info!(connection = id, reason = %reason, "Slack will close this Socket Mode connection");
                        }
                        let is_current = current.as_ref().is_some_and(|l| l.id == id);
                        if is_current && incoming.is_none() && open_at.is_none() {
                            open_at = Some(Instant::now());
                        }
                    }
                    Report::Ended { id } => {
                        let was_incoming = incoming.as_ref().is_some_and(|l| l.id == id);
                        if current.as_ref().is_some_and(|l| l.id == id) {
                            refresh_at = None;
                            current = incoming.take();
                        } else if was_incoming {
                            incoming = None;
                        } else {
                            continue;
                        }
                        // Nothing open or opening; or the successor failed while the old
                        // connection still serves: try again after a backoff.
                        let nothing_left = current.is_none() && incoming.is_none();
                        if (nothing_left || was_incoming) && open_at.is_none() {
                            failures += 1;
                            open_at = Some(Instant::now() + backoff(&inner.config, failures));
                        }
                    }
                },
                _ = sleep_until(open_at), if open_at.is_some() => {
                    open_at = None;
                    let opened = tokio::select! {
                        opened = connection::open(&inner) => opened,
                        () = stopped(&mut stop_opening) => break,
                    };
                    match opened {
                        Ok(socket) => {
                            next_id += 1;
                            let (close, closed) = oneshot::channel();
                            tokio::spawn(connection::serve(next_id, socket, inner.clone(), reports_tx.clone(), closed));
                            let live = Live { id: next_id, close };
                            if current.is_none() {
                                current = Some(live);
                            } else {
                                incoming = Some(live);
                            }
                        }
                        Err(why) => {
                            failures += 1;
                            let wait = backoff(&inner.config, failures);
                            tracing::warn!(error = %why, failures, retry_in_ms = wait.as_millis() as u64, "Socket Mode connection not opened");
                            open_at = Some(Instant::now() + wait);
                        }
                    }
                }
                _ = sleep_until(refresh_at), if refresh_at.is_some() => {
                    refresh_at = None;
                    if incoming.is_none() && open_at.is_none() {
                        tracing::info!("Socket Mode connection nearly at its end; opening its successor");
                        open_at = Some(Instant::now());
                    }
                }
            }
        }
        let mut open = 0;
        for live in [current, incoming].into_iter().flatten() {
            open += 1;
            let _ = live.close.send(());
        }
        drop(reports_tx);
        let _ = tokio::time::timeout(Duration::from_secs(4), async {
            while open > 0 {
                match reports.recv().await {
                    Some(Report::Ended { .. }) => open -= 1,
                    Some(_) => {}
                    None => break,
                }
            }
        })
        .await;
    }
}

/// Resolves once `stop` turns true or its sender is gone.
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The wait before the next attempt after `failures` failures in a row: doubling from
/// `base_backoff` up to `max_backoff`, drawn at random from the upper half of that.
fn backoff(config: &SocketModeConfig, failures: u32) -> Duration {
    let doubled = config
        .base_backoff
        .saturating_mul(1_u32 << failures.saturating_sub(1).min(16));
    let ceiling = doubled.min(config.max_backoff);
    let half = ceiling / 2;
    half + half.mul_f64(rand::random::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_jitter_up_to_the_ceiling() {
        let config = SocketModeConfig {
            base_backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(8),
            ..SocketModeConfig::default()
        };
        for (failures, ceiling) in [(1, 1), (2, 2), (3, 4), (4, 8), (5, 8), (40, 8)] {
            let ceiling = Duration::from_secs(ceiling);
            for _ in 0..50 {
                let wait = backoff(&config, failures);
                assert!(
                    wait >= ceiling / 2 && wait <= ceiling,
                    "{failures}: {wait:?}"
                );
            }
        }
        let waits: std::collections::HashSet<Duration> =
            (0..20).map(|_| backoff(&config, 4)).collect();
        assert!(waits.len() > 1, "no jitter: {waits:?}");
    }

    #[test]
    fn status_counts_open_connections() {
        let status = SocketStatus::default();
        assert!(!status.connected());
        status.up();
        status.up();
        status.down();
        assert!(status.connected());
        status.down();
        assert!(!status.connected());
    }
}
