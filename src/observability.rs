//! What the operator watches (R-OPS-4, issue 11 item 12): the `/metrics` answer, whose
//! outbox gauges are read from the store when scraped, and the middleware that times every
//! HTTP request by its route template (never the requested path, so no label carries
//! anything a caller typed).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::slack::state::AppState;

/// The Prometheus text, with the outbox's depth and oldest pending age as of now. When
/// the database does not answer, the gauges keep their last values (and `/readyz` says
/// why); the counters are still served.
pub async fn metrics_response(state: &AppState) -> Response {
    match state.store.outbox_depth().await {
        Ok(depth) => {
            let by_state: Vec<(&'static str, i64)> = depth
                .by_status
                .iter()
                .map(|(status, count)| (status.as_str(), *count))
                .collect();
            let age = depth.oldest_pending_at.map_or(0.0, |at| {
                (state.clock.now() - at).num_milliseconds().max(0) as f64 / 1000.0
            });
            state.metrics.outbox_state(&by_state, age);
        }
        Err(err) => tracing::warn!(error = %err, "outbox depth not read for metrics"),
    }
    (
        StatusCode::OK,
        [(
            axum::http::header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// `GET /metrics` on its own listener (`METRICS_ADDR`).
pub async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    metrics_response(&state).await
}

/// Times each request into `http_request_duration_seconds{endpoint}`. Requests that match
/// no route are counted as `unmatched`.
pub async fn time_requests(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    let endpoint = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    state
        .metrics
        .request_took(&endpoint, started.elapsed().as_secs_f64());
    response
}
