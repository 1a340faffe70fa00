//! `auth.test` for `check-config` (issue 11, item 10): whether the bot token works, which
//! workspace it belongs to and which scopes it was granted. The scopes arrive only in the
//! `X-OAuth-Scopes` response header, which slack-morphism does not expose, so this one call
//! is made with the HTTP client slack-morphism itself is built on.

use std::time::Duration;

use axum::body::Bytes;
use axum::http::{header, Method, Request};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

/// What `auth.test` says about the token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    pub team_id: String,
    pub team: String,
    pub user: String,
    /// The granted scopes, comma-separated as Slack sends them; `None` if the header was
    /// missing.
    pub scopes: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum AuthTestError {
    #[error("Slack refused the token ({0}): check SLACK_BOT_TOKEN")]
    Refused(String),
    #[error("could not reach Slack at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("Slack's answer to auth.test could not be read: {0}")]
    Unreadable(String),
}

#[derive(Deserialize)]
struct Answer {
    ok: bool,
    error: Option<String>,
    team_id: Option<String>,
    team: Option<String>,
    user: Option<String>,
}

/// Calls `auth.test` on `api_url` (e.g. `https://slack.com/api`) with `token`.
pub async fn auth_test(
    api_url: &str,
    token: &SecretString,
    timeout: Duration,
) -> Result<TokenInfo, AuthTestError> {
    let url = format!("{}/auth.test", api_url.trim_end_matches('/'));
    let unreachable = |reason: String| AuthTestError::Unreachable {
        url: url.clone(),
        reason,
    };
    let connector = hyper_rustls::HttpsConnectorBuilder::new()
        .with_native_roots()
        .map_err(|e| unreachable(format!("no TLS roots: {e}")))?
        .https_or_http()
        .enable_http1()
        .build();
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new()).build(connector);
    let request = Request::builder()
        .method(Method::POST)
        .uri(&url)
        .header(
            header::AUTHORIZATION,
            format!("Bearer {}", token.expose_secret()),
        )
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Full::new(Bytes::new()))
        .map_err(|e| unreachable(e.to_string()))?;
    let response = tokio::time::timeout(timeout, client.request(request))
        .await
        .map_err(|_| unreachable(format!("no answer within {timeout:?}")))?
        .map_err(|e| unreachable(e.to_string()))?;
    let scopes = response
        .headers()
        .get("x-oauth-scopes")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let status = response.status();
    let body = tokio::time::timeout(timeout, response.into_body().collect())
        .await
        .map_err(|_| unreachable(format!("no answer within {timeout:?}")))?
        .map_err(|e| unreachable(e.to_string()))?
        .to_bytes();
    if !status.is_success() {
        return Err(AuthTestError::Unreadable(format!("HTTP {status}")));
    }
    let answer: Answer =
        serde_json::from_slice(&body).map_err(|e| AuthTestError::Unreadable(e.to_string()))?;
    if !answer.ok {
        return Err(AuthTestError::Refused(
            answer.error.unwrap_or_else(|| "no error given".to_owned()),
        ));
    }
    Ok(TokenInfo {
        team_id: answer.team_id.unwrap_or_default(),
        team: answer.team.unwrap_or_default(),
        user: answer.user.unwrap_or_default(),
        scopes,
    })
}
