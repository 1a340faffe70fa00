//! Builds the application from a `Config` and runs it: the HTTP server for Slack (or, in
//! Socket Mode, the Socket Mode client, with HTTP left to health, readiness and metrics)
//! and the background workers beside it, all stopped by one shutdown signal. Tests build
//! the very same application on port 0.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use axum::extract::DefaultBodyLimit;
use axum::middleware;
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};

use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::letters::policy::PolicyDocument;
use crate::letters::Letters;
use crate::metrics::Metrics;
use crate::observability;
use crate::scheduler::cron_job::ReminderScheduler;
use crate::scheduler::outbox::OutboxSender;
use crate::scheduler::reminders::SweepDeps;
use crate::scheduler::retention_job::RetentionScheduler;
use crate::slack::ingress;
use crate::slack::interactive::Interactive;
use crate::slack::outbound::SlackApi;
use crate::slack::signature::SignatureVerifier;
use crate::slack::socket_mode::{SocketMode, SocketStatus};
use crate::slack::staff::StaffDirectory;
use crate::slack::state::AppState;
use crate::store::{self, Store};

/// Whole-process budget for a graceful stop after the signal.
const SHUTDOWN_BUDGET: Duration = Duration::from_secs(9);

pub struct Application {
    listener: TcpListener,
    /// `/metrics` on a listener of its own (`METRICS_ADDR`), when set.
    metrics_listener: Option<TcpListener>,
    state: Arc<AppState>,
    sender: OutboxSender,
    scheduler: ReminderScheduler,
    run_scheduler: bool,
    retention: RetentionScheduler,
    run_retention: bool,
    max_body_bytes: usize,
    /// Set in Socket Mode (`SLACK_APP_TOKEN`): Slack's requests come over it, not HTTP.
    socket_mode: Option<SocketMode>,
}

impl Application {
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    /// Connects to the database (applying migrations), binds the listener and wires the
    /// workers. Nothing runs until `run_until_stopped`.
    pub async fn build_with_clock(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let store = store::connect(&config.database_url)
            .await
            .context("could not open the database named by DATABASE_URL")?;
        let listener = TcpListener::bind(config.listen_addr)
            .await
            .with_context(|| format!("could not listen on {} (LISTEN_ADDR)", config.listen_addr))?;
        let metrics_listener = match config.metrics_addr {
            Some(addr) => Some(
                TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("could not listen on {addr} (METRICS_ADDR)"))?,
            ),
            None => None,
        };
        let api = SlackApi::new(
            &config.slack.api_url,
            &config.slack.bot_token,
            config.outbox.request_timeout,
        )
        .context("could not set up the Slack client")?;
        let letters = Letters::from_dir_or_embedded(config.letters.templates_dir.as_deref())
            .with_context(|| match &config.letters.templates_dir {
                Some(dir) => format!(
                    "could not load the letter templates from {} (TEMPLATES_DIR)",
                    dir.display()
                ),
                None => "the letter templates compiled into this binary are broken".to_owned(),
            })?;
        let policy = PolicyDocument::load(config.letters.policy_document.as_deref())
            .context("could not read the policy document letters enclose")?;
        let api = Arc::new(api);
        let socket_status = config
            .slack
            .app_token
            .as_ref()
            .map(|_| Arc::new(SocketStatus::default()));
        let metrics = Arc::new(Metrics::new());
        let outbox_wake = Arc::new(Notify::new());
        let state = Arc::new(AppState {
            store: store.clone(),
            clock: clock.clone(),
            verifier: SignatureVerifier::new(config.slack.signing_secret.clone())
                .with_previous(config.slack.previous_signing_secret.clone()),
            team_id: config.slack.team_id.clone(),
            timezone: config.timezone,
            metrics: metrics.clone(),
            outbox_wake: outbox_wake.clone(),
            interactive: Interactive::new(api.clone(), metrics.clone()),
            letters: Arc::new(letters),
            policy: Arc::new(policy),
            staff: Arc::new(StaffDirectory::new(api.clone())),
            staff_scope: config.staff,
            organisation: config.letters.organisation.clone(),
            complaints_contact: config.letters.complaints_contact.clone(),
            socket: socket_status.clone(),
        });
        let socket_mode =
            config
                .slack
                .app_token
                .clone()
                .zip(socket_status)
                .map(|(token, status)| {
                    SocketMode::new(
                        state.clone(),
                        api.clone(),
                        token,
                        config.socket_mode.clone(),
                        config.slack.api_url.starts_with("http://"),
                        status,
                    )
                });
        let worker = worker_id();
        let sender = OutboxSender {
            store,
            api,
            clock,
            config: config.outbox.clone(),
            metrics,
            wake: outbox_wake,
            worker_id: worker.clone(),
        };
        let scheduler = ReminderScheduler::new(
            SweepDeps {
                store: state.store.clone(),
                clock: state.clock.clone(),
                timezone: state.timezone,
                outbox_wake: state.outbox_wake.clone(),
            },
            config.reminders.clone(),
            worker,
        )
        .context("REMINDER_SCHEDULE is not a valid cron expression")?
        .with_metrics(state.metrics.clone());
        let retention = RetentionScheduler::new(
            state.store.clone(),
            state.clock.clone(),
            state.timezone,
            state.outbox_wake.clone(),
            config.retention.clone(),
            worker_id(),
        )
        .context("RETENTION_SCHEDULE is not a valid cron expression")?;
        Ok(Self {
            listener,
            metrics_listener,
            state,
            sender,
            scheduler,
            run_scheduler: config.reminders.background,
            retention,
            run_retention: config.retention.background,
            max_body_bytes: config.max_body_bytes,
            socket_mode,
        })
    }

    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Where `/metrics` is served when `METRICS_ADDR` is set.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics_listener
            .as_ref()
            .and_then(|l| l.local_addr().ok())
    }

    pub fn store(&self) -> Arc<dyn Store> {
        self.state.store.clone()
    }

    /// The reminder job, for driving occurrences directly (tests, benchmarks).
    pub fn reminder_scheduler(&self) -> ReminderScheduler {
        self.scheduler.clone()
    }

    /// The retention review, for driving occurrences directly (tests).
    pub fn retention_scheduler(&self) -> RetentionScheduler {
        self.retention.clone()
    }

    /// The HTTP routes: Slack's request URLs (`slack_routes`, false in Socket Mode, where
    /// Slack's requests come over the socket) beside health and readiness, and `/metrics`
    /// unless it has a listener of its own (`with_metrics`).
    pub fn router(
        state: Arc<AppState>,
        max_body_bytes: usize,
        slack_routes: bool,
        with_metrics: bool,
    ) -> Router {
        let router = if slack_routes {
            Router::new()
                .route("/slack/commands", post(ingress::commands))
                .route("/slack/interactions", post(ingress::interactions))
                .route("/slack/events", post(ingress::events))
                .route("/slack/options", post(ingress::options))
        } else {
            Router::new()
        };
        let router = router
            .route("/healthz", get(ingress::healthz))
            .route("/readyz", get(ingress::readyz));
        let router = if with_metrics {
            router.route("/metrics", get(ingress::metrics))
        } else {
            router
        };
        router
            .route_layer(middleware::from_fn_with_state(
                state.clone(),
                observability::time_requests,
            ))
            // Oversized bodies are refused with 413 before any handler sees them.
            .layer(DefaultBodyLimit::max(max_body_bytes))
            .with_state(state)
    }

    /// The metrics listener's routes: `/metrics` only.
    pub fn metrics_router(state: Arc<AppState>) -> Router {
        Router::new()
            .route("/metrics", get(observability::metrics))
            .with_state(state)
    }

    /// Serves until `shutdown` resolves, then stops taking requests, lets requests in
    /// flight and the outbox row being sent finish, and returns.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let addr = self.local_addr()?;
        let (stop_tx, stop_rx) = watch::channel(false);
        let sender = tokio::spawn(self.sender.run(stop_rx.clone()));
        let scheduler = self
            .run_scheduler
            .then(|| tokio::spawn(self.scheduler.run(stop_rx.clone())));
        let retention = self
            .run_retention
            .then(|| tokio::spawn(self.retention.run(stop_rx.clone())));
        let metrics_server = self.metrics_listener.map(|listener| {
            let router = Self::metrics_router(self.state.clone());
            let mut stop = stop_rx.clone();
            tokio::spawn(async move {
                axum::serve(listener, router)
                    .with_graceful_shutdown(async move {
                        let _ = stop.wait_for(|stop| *stop).await;
                    })
                    .await
            })
        });
        let socket_mode = self
            .socket_mode
            .map(|socket_mode| tokio::spawn(socket_mode.run(stop_rx.clone())));
        let router = Self::router(
            self.state,
            self.max_body_bytes,
            socket_mode.is_none(),
            metrics_server.is_none(),
        );
        let mut server_stop = stop_rx;
        let server = tokio::spawn(async move {
            axum::serve(self.listener, router)
                .with_graceful_shutdown(async move {
                    let _ = server_stop.wait_for(|stop| *stop).await;
                })
                .await
        });
        tracing::info!(%addr, socket_mode = socket_mode.is_some(), "listening");
        shutdown.await;
        tracing::info!("shutting down");
        let _ = stop_tx.send(true);
        let finished = tokio::time::timeout(SHUTDOWN_BUDGET, async {
            let served = server.await;
            if let Some(metrics_server) = metrics_server {
                let _ = metrics_server.await;
            }
            if let Some(socket_mode) = socket_mode {
                let _ = socket_mode.await;
            }
            let _ = sender.await;
            if let Some(scheduler) = scheduler {
                let _ = scheduler.await;
            }
            if let Some(retention) = retention {
                let _ = retention.await;
            }
            served
        })
        .await;
        match finished {
            Ok(Ok(result)) => result.context("HTTP server failed"),
            Ok(Err(join)) => Err(anyhow::anyhow!("HTTP server task failed: {join}")),
            Err(_) => {
                tracing::warn!("shutdown budget exceeded; exiting with work in flight");
                Ok(())
            }
        }
    }
}

fn worker_id() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "local".to_owned());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
