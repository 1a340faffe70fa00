//! Calls to Slack's Web API. Every call the bot makes (other than the HTTP answer to a
//! request) is a `SlackCall`: messages are stored in the outbox first and delivered from
//! here by the sender; views answering a user's action go out at once through the
//! interactive lane (`interactive::Interactive`). Both go through slack-morphism pointed at the
//! configured base URL (R-OPS-3), and both sort failures with the same `classify`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use slack_morphism::errors::{SlackClientError, SlackClientSystemError};
use slack_morphism::prelude::*;

use crate::store::NewOutboxMessage;

/// One Slack call, as stored in the outbox (`method` column + `payload` JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", content = "request")]
pub enum SlackCall {
    #[serde(rename = "chat.postMessage")]
    PostMessage(SlackApiChatPostMessageRequest),
    #[serde(rename = "chat.postEphemeral")]
    PostEphemeral(SlackApiChatPostEphemeralRequest),
    #[serde(rename = "chat.update")]
    Update(SlackApiChatUpdateRequest),
    #[serde(rename = "views.open")]
    OpenView(SlackApiViewsOpenRequest),
    #[serde(rename = "views.push")]
    PushView(SlackApiViewsPushRequest),
    #[serde(rename = "views.update")]
    UpdateView(SlackApiViewsUpdateRequest),
    #[serde(rename = "views.publish")]
    PublishView(SlackApiViewsPublishRequest),
    /// A reply through a slash command's or interaction's `response_url`.
    #[serde(rename = "response_url")]
    Respond {
        url: String,
        message: SlackApiPostWebhookMessageRequest,
    },
    /// `chat.update` of a message this bot sent through the outbox. Its channel and `ts`
    /// are only known once that row was delivered, so the sender looks them up then.
    #[serde(rename = "chat.update:outbox")]
    UpdateSent {
        of_outbox_id: i64,
        content: SlackMessageContent,
    },
    /// A file (a letter draft, a report) shared in the DM with `user`, by Slack's current
    /// flow: `conversations.open`, `files.getUploadURLExternal`, upload,
    /// `files.completeUploadExternal`. Text travels in `content`; a binary file (a PNG) in
    /// `content_base64` (standard alphabet, padded), with `content` empty. Rows stored
    /// before `content_base64` existed have no such field and read as text.
    #[serde(rename = "files.upload:dm")]
    UploadToUser {
        user: String,
        filename: String,
        title: String,
        content_type: String,
        content: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_base64: Option<String>,
    },
    /// Deletes one of the bot's own messages (erasure, R-DP-2; scope `chat:write`). A
    /// message already gone counts as deleted.
    #[serde(rename = "chat.delete")]
    Delete(SlackApiChatDeleteRequest),
    /// Deletes one of the bot's own files, such as a letter draft (erasure, R-DP-2; scope
    /// `files:write`). A file already gone counts as deleted.
    #[serde(rename = "files.delete")]
    DeleteFile(SlackApiFilesDeleteRequest),
}

/// Slack's answers to a delete whose message or file is already gone: the deletion is done.
const ALREADY_GONE: &[&str] = &["message_not_found", "file_not_found", "file_deleted"];

#[derive(Debug, thiserror::Error)]
#[error("stored Slack call could not be read: {0}")]
pub struct UnreadableCall(#[from] serde_json::Error);

/// The bytes of an upload: `content_base64` decoded when present, else `content`'s UTF-8.
pub fn upload_bytes(
    content: &str,
    content_base64: Option<&str>,
) -> Result<Vec<u8>, base64::DecodeError> {
    use base64::Engine as _;
    match content_base64 {
        Some(encoded) => base64::engine::general_purpose::STANDARD.decode(encoded),
        None => Ok(content.as_bytes().to_vec()),
    }
}

/// `content_base64` for `bytes`.
pub fn encode_upload(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl SlackCall {
    pub fn method(&self) -> &'static str {
        match self {
            SlackCall::PostMessage(_) => "chat.postMessage",
            SlackCall::PostEphemeral(_) => "chat.postEphemeral",
            SlackCall::Update(_) => "chat.update",
            SlackCall::OpenView(_) => "views.open",
            SlackCall::PushView(_) => "views.push",
            SlackCall::UpdateView(_) => "views.update",
            SlackCall::PublishView(_) => "views.publish",
            SlackCall::Respond { .. } => "response_url",
            SlackCall::UpdateSent { .. } => "chat.update:outbox",
            SlackCall::UploadToUser { .. } => "files.upload:dm",
            SlackCall::Delete(_) => "chat.delete",
            SlackCall::DeleteFile(_) => "files.delete",
        }
    }

    /// An outbox row for this call. `key` must be unique per message and occasion.
    pub fn into_outbox(
        self,
        key: impl Into<String>,
        subject: Option<(&str, String)>,
    ) -> Result<NewOutboxMessage, UnreadableCall> {
        let method = self.method().to_owned();
        let mut value = serde_json::to_value(&self)?;
        let payload = value
            .get_mut("request")
            .map(serde_json::Value::take)
            .unwrap_or_default();
        Ok(NewOutboxMessage {
            idempotency_key: key.into(),
            method,
            payload,
            subject_type: subject.as_ref().map(|(t, _)| (*t).to_owned()),
            subject_id: subject.map(|(_, id)| id),
            service_user_id: None,
        })
    }

    pub fn from_outbox(method: &str, payload: &serde_json::Value) -> Result<Self, UnreadableCall> {
        Ok(serde_json::from_value(
            serde_json::json!({ "method": method, "request": payload }),
        )?)
    }
}

/// Where a delivered message landed, kept so it can be updated later.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Delivered {
    pub channel: Option<String>,
    pub ts: Option<String>,
}

/// Why a call did not succeed, sorted by what the sender should do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallFailure {
    /// 429: wait at least this long (Slack's Retry-After), then try again.
    RateLimited { retry_after: Option<Duration> },
    /// 5xx, a timeout, a dropped connection or a transient Slack error: back off and retry.
    Transient(String),
    /// Slack refused the call itself (e.g. `channel_not_found`): retrying will not help.
    Permanent(String),
    /// An update of one of our messages whose original is not delivered yet.
    Waiting,
}

impl CallFailure {
    /// What went wrong as a short code for metrics (`channel_not_found`, `http_503`,
    /// `ratelimited`, `timeout`, …): Slack's own error code when it gave one. Never a
    /// message text, so no label can carry personal data; `None` for `Waiting`, which is
    /// not an error.
    pub fn code(&self) -> Option<String> {
        let text = match self {
            CallFailure::Waiting => return None,
            CallFailure::RateLimited { .. } => return Some("ratelimited".to_owned()),
            CallFailure::Transient(text) | CallFailure::Permanent(text) => text.as_str(),
        };
        let code = if let Some(code) = text.strip_prefix("slack error ") {
            code.to_owned()
        } else if let Some(status) = text.strip_prefix("HTTP ") {
            format!("http_{status}")
        } else if text.starts_with("timed out") || text == "out of time" {
            "timeout".to_owned()
        } else if text == "connection failed" {
            "connection_failed".to_owned()
        } else if text.starts_with("unreadable reply") {
            "unreadable_reply".to_owned()
        } else {
            "other".to_owned()
        };
        let plain = !code.is_empty()
            && code.len() <= 64
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        Some(if plain { code } else { "other".to_owned() })
    }
}

pub type Connector = SlackClientHyperConnector<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
>;

/// The Slack Web API client, bound to one bot token and base URL.
#[derive(Debug)]
pub struct SlackApi {
    client: SlackClient<Connector>,
    token: SlackApiToken,
    timeout: Duration,
}

impl SlackApi {
    /// `api_url` may be `http://` (a fake Slack on loopback in tests) or `https://`.
    pub fn new(
        api_url: &str,
        bot_token: &SecretString,
        timeout: Duration,
    ) -> std::io::Result<Self> {
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_native_roots()?
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build();
        let connector =
            SlackClientHyperConnector::with_connector(connector).with_slack_api_url(api_url);
        Ok(Self {
            client: SlackClient::new(connector),
            token: SlackApiToken::new(bot_token.expose_secret().to_owned().into()),
            timeout,
        })
    }

    pub async fn call(&self, call: &SlackCall) -> Result<Delivered, CallFailure> {
        if let SlackCall::Respond { url, .. } = call {
            if url::Url::parse(url).is_err() {
                return Err(CallFailure::Permanent(
                    "response_url is not a URL".to_owned(),
                ));
            }
        }
        let deletes = matches!(call, SlackCall::Delete(_) | SlackCall::DeleteFile(_));
        match tokio::time::timeout(self.timeout, self.call_unbounded(call)).await {
            Err(_) => Err(CallFailure::Transient(format!(
                "timed out after {:?}",
                self.timeout
            ))),
            Ok(Err(SlackClientError::ApiError(e)))
                if deletes && ALREADY_GONE.contains(&e.code.as_str()) =>
            {
                Ok(Delivered::default())
            }
            Ok(result) => result.map_err(classify),
        }
    }

    async fn call_unbounded(&self, call: &SlackCall) -> ClientResult<Delivered> {
        let session = self.client.open_session(&self.token);
        Ok(match call {
            SlackCall::PostMessage(req) => {
                let res = session.chat_post_message(req).await?;
                Delivered {
                    channel: Some(res.channel.to_string()),
                    ts: Some(res.ts.to_string()),
                }
            }
            SlackCall::PostEphemeral(req) => {
                session.chat_post_ephemeral(req).await?;
                Delivered::default()
            }
            SlackCall::Update(req) => {
                let res = session.chat_update(req).await?;
                Delivered {
                    channel: Some(res.channel.to_string()),
                    ts: Some(res.ts.to_string()),
                }
            }
            SlackCall::OpenView(req) => {
                session.views_open(req).await?;
                Delivered::default()
            }
            SlackCall::PushView(req) => {
                session.views_push(req).await?;
                Delivered::default()
            }
            SlackCall::UpdateView(req) => {
                session.views_update(req).await?;
                Delivered::default()
            }
            SlackCall::PublishView(req) => {
                session.views_publish(req).await?;
                Delivered::default()
            }
            SlackCall::Delete(req) => {
                session.chat_delete(req).await?;
                Delivered::default()
            }
            SlackCall::DeleteFile(req) => {
                session.files_delete(req).await?;
                Delivered::default()
            }
            SlackCall::UpdateSent { .. } => {
                // Resolved to `Update` by the sender before it gets here.
                return Err(SlackClientError::SystemError(
                    SlackClientSystemError::new().with_message("unresolved chat.update".to_owned()),
                ));
            }
            SlackCall::UploadToUser {
                user,
                filename,
                title,
                content_type,
                content,
                content_base64,
            } => {
                let opened = session
                    .conversations_open(
                        &SlackApiConversationsOpenRequest::new()
                            .with_users(vec![user.as_str().into()]),
                    )
                    .await?;
                let channel = opened.channel.id.clone();
                let bytes = upload_bytes(content, content_base64.as_deref()).map_err(|e| {
                    SlackClientError::SystemError(
                        SlackClientSystemError::new()
                            .with_message(format!("stored upload is not base64: {e}")),
                    )
                })?;
                let target = session
                    .get_upload_url_external(&SlackApiFilesGetUploadUrlExternalRequest::new(
                        filename.clone(),
                        bytes.len(),
                    ))
                    .await?;
                session
                    .files_upload_via_url(&SlackApiFilesUploadViaUrlRequest::new(
                        target.upload_url,
                        bytes,
                        content_type.clone(),
                    ))
                    .await?;
                let file =
                    SlackApiFilesComplete::new(target.file_id.clone()).with_title(title.clone());
                session
                    .files_complete_upload_external(
                        &SlackApiFilesCompleteUploadExternalRequest::new(vec![file])
                            .with_channel_id(channel.clone()),
                    )
                    .await?;
                Delivered {
                    channel: Some(channel.to_string()),
                    ts: Some(target.file_id.to_string()),
                }
            }
            SlackCall::Respond { url, message } => {
                let url = url::Url::parse(url).map_err(|e| {
                    SlackClientError::SystemError(
                        SlackClientSystemError::new()
                            .with_message(format!("bad response_url: {e}")),
                    )
                })?;
                self.client.post_webhook_message(&url, message).await?;
                Delivered::default()
            }
        })
    }
}

/// Slack error codes that mean "try again later" rather than "this call is wrong".
const TRANSIENT_SLACK_ERRORS: &[&str] = &[
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

/// Sorts a failed call by what the sender should do. Only Slack's considered refusal is
/// permanent: a named error outside the transient ones, or a 4xx other than 408 and 429.
/// Everything else (5xx, timeouts, dropped connections, and replies that cannot be read,
/// such as a proxy's empty 429 or 503) is transient, because a message given up on is a
/// message lost, while a retry of a DM is safe (it is looked up in the history first).
fn classify(err: SlackClientError) -> CallFailure {
    match err {
        SlackClientError::RateLimitError(e) => CallFailure::RateLimited {
            retry_after: e.retry_after,
        },
        SlackClientError::HttpError(e) => classify_status(e.status_code.as_u16()),
        SlackClientError::ApiError(e) if e.code == "ratelimited" => {
            CallFailure::RateLimited { retry_after: None }
        }
        SlackClientError::ApiError(e) if TRANSIENT_SLACK_ERRORS.contains(&e.code.as_str()) => {
            CallFailure::Transient(format!("slack error {}", e.code))
        }
        SlackClientError::ApiError(e) => CallFailure::Permanent(format!("slack error {}", e.code)),
        // Connection refused, reset or similar: the network, not the request.
        SlackClientError::HttpProtocolError(_) | SlackClientError::SystemError(_) => {
            CallFailure::Transient("connection failed".to_owned())
        }
        SlackClientError::ProtocolError(_)
        | SlackClientError::EndOfStream(_)
        | SlackClientError::SocketModeProtocolError(_) => {
            CallFailure::Transient("unreadable reply from Slack".to_owned())
        }
    }
}

fn classify_status(status: u16) -> CallFailure {
    match status {
        429 => CallFailure::RateLimited { retry_after: None },
        408 => CallFailure::Transient(format!("HTTP {status}")),
        400..=499 => CallFailure::Permanent(format!("HTTP {status}")),
        _ => CallFailure::Transient(format!("HTTP {status}")),
    }
}

/// The message-metadata event type that carries a message's outbox key.
pub const OUTBOX_EVENT_TYPE: &str = "contact_policy_bot_outbox";
const OUTBOX_KEY: &str = "outbox_key";

impl SlackCall {
    /// Tags a new message with its outbox key (Slack message metadata), so a sender that
    /// is unsure whether an earlier attempt reached Slack can find it there.
    pub fn tagged(self, key: &str) -> Self {
        match self {
            SlackCall::PostMessage(mut request) => {
                let payload =
                    std::collections::HashMap::from([(OUTBOX_KEY.to_owned(), key.to_owned())]);
                request.content.metadata = Some(SlackMessageMetadata {
                    event_type: OUTBOX_EVENT_TYPE.to_owned(),
                    event_payload: Some(payload),
                });
                SlackCall::PostMessage(request)
            }
            other => other,
        }
    }
}

/// How far before the first attempt the history is searched, for a difference between our
/// clock and Slack's.
const CLOCK_SKEW: chrono::Duration = chrono::Duration::minutes(5);
/// Messages asked for per `conversations.history` page (Slack recommends at most 200).
const HISTORY_PAGE: u16 = 200;

impl SlackApi {
    /// For a message whose earlier attempt may have reached Slack: whether Slack already has
    /// it, found by its outbox key (message metadata) among the messages of the DM posted
    /// since `first_attempt` (less a small clock skew), page by page until Slack has no more,
    /// so a busy DM cannot hide it. Only new messages need this; updates and App Home
    /// publishes are idempotent by nature.
    pub async fn find_posted(
        &self,
        call: &SlackCall,
        key: &str,
        first_attempt: DateTime<Utc>,
    ) -> Result<Option<Delivered>, CallFailure> {
        let SlackCall::PostMessage(request) = call else {
            return Ok(None);
        };
        let session = self.client.open_session(&self.token);
        let channel = &request.channel;
        let channel = if channel.0.starts_with('U') || channel.0.starts_with('W') {
            let open =
                SlackApiConversationsOpenRequest::new().with_users(vec![channel.0.as_str().into()]);
            self.bounded(session.conversations_open(&open))
                .await?
                .channel
                .id
        } else {
            channel.clone()
        };
        let oldest = slack_ts(first_attempt - CLOCK_SKEW);
        let mut cursor: Option<SlackCursorId> = None;
        loop {
            let mut page = SlackApiConversationsHistoryRequest::new()
                .with_channel(channel.clone())
                .with_oldest(oldest.clone())
                .with_limit(HISTORY_PAGE)
                .with_include_all_metadata(true);
            if let Some(next) = cursor.take() {
                page = page.with_cursor(next);
            }
            let history = self.bounded(session.conversations_history(&page)).await?;
            if let Some(found) = history.messages.iter().find(|m| carries_key(m, key)) {
                return Ok(Some(Delivered {
                    channel: Some(channel.to_string()),
                    ts: Some(found.origin.ts.to_string()),
                }));
            }
            let next = history.response_metadata.and_then(|m| m.next_cursor);
            match (history.has_more.unwrap_or(false), next) {
                (false, _) => return Ok(None),
                (true, Some(next)) => cursor = Some(next),
                // Not knowing the rest, sending could duplicate: try the whole search later.
                (true, None) => {
                    return Err(CallFailure::Transient(
                        "history has more but gave no cursor".to_owned(),
                    ))
                }
            }
        }
    }

    /// `users.info` (scope `users:read`): the member of the workspace with this id, or
    /// `None` when Slack knows no such user (`user_not_found`).
    pub async fn user_info(&self, user: &str) -> Result<Option<SlackUser>, CallFailure> {
        let session = self.client.open_session(&self.token);
        let request = SlackApiUsersInfoRequest::new(user.into());
        match tokio::time::timeout(self.timeout, session.users_info(&request)).await {
            Ok(Ok(found)) => Ok(Some(found.user)),
            Ok(Err(SlackClientError::ApiError(e))) if e.code == "user_not_found" => Ok(None),
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(CallFailure::Transient(format!(
                "timed out after {:?}",
                self.timeout
            ))),
        }
    }

    /// `apps.connections.open` with the app-level token (scope `connections:write`): the
    /// URL of a fresh Socket Mode connection (R-OPS-1). Goes to the configured base URL
    /// like every other call.
    pub async fn open_socket_connection(
        &self,
        app_token: &SecretString,
    ) -> Result<url::Url, CallFailure> {
        let token = SlackApiToken::new(app_token.expose_secret().to_owned().into());
        let session = self.client.open_session(&token);
        let opened = self
            .bounded(session.apps_connections_open(&SlackApiAppsConnectionOpenRequest::new()))
            .await?;
        Ok(opened.url.0)
    }

    /// One Slack request within the configured timeout, its failure classified.
    async fn bounded<T>(
        &self,
        request: impl std::future::Future<Output = ClientResult<T>>,
    ) -> Result<T, CallFailure> {
        match tokio::time::timeout(self.timeout, request).await {
            Ok(result) => result.map_err(classify),
            Err(_) => Err(CallFailure::Transient(format!(
                "timed out after {:?}",
                self.timeout
            ))),
        }
    }
}

fn carries_key(message: &SlackHistoryMessage, key: &str) -> bool {
    message.content.metadata.as_ref().is_some_and(|meta| {
        meta.event_type == OUTBOX_EVENT_TYPE
            && meta
                .event_payload
                .as_ref()
                .and_then(|p| p.get(OUTBOX_KEY))
                .is_some_and(|k| k == key)
    })
}

/// A time as a Slack message timestamp (`seconds.microseconds`), for history bounds.
fn slack_ts(at: DateTime<Utc>) -> SlackTs {
    let at = at.max(DateTime::<Utc>::UNIX_EPOCH);
    SlackTs::new(format!(
        "{}.{:06}",
        at.timestamp(),
        at.timestamp_subsec_micros()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use slack_morphism::errors::{
        SlackClientApiError, SlackClientEndOfStreamError, SlackClientHttpError,
        SlackClientProtocolError,
    };

    #[test]
    fn failures_give_short_codes_for_metrics_never_free_text() {
        assert_eq!(
            classify(http_error(503)).code().as_deref(),
            Some("http_503")
        );
        assert_eq!(
            CallFailure::Permanent("slack error channel_not_found".into())
                .code()
                .as_deref(),
            Some("channel_not_found")
        );
        assert_eq!(
            CallFailure::RateLimited { retry_after: None }
                .code()
                .as_deref(),
            Some("ratelimited")
        );
        assert_eq!(
            CallFailure::Permanent("slack error Alice Smith's".into())
                .code()
                .as_deref(),
            Some("other")
        );
        assert_eq!(CallFailure::Waiting.code(), None);
    }

    #[test]
    fn calls_round_trip_through_the_outbox_shape() {
        let call = SlackCall::PostMessage(SlackApiChatPostMessageRequest::new(
            "U123".into(),
            SlackMessageContent::new().with_text("hello".into()),
        ));
        let row = call.clone().into_outbox("k1", None).expect("serialises");
        assert_eq!(row.method, "chat.postMessage");
        assert_eq!(row.payload["channel"], "U123");
        assert_eq!(
            SlackCall::from_outbox(&row.method, &row.payload).expect("reads back"),
            call
        );
    }

    fn http_error(status: u16) -> SlackClientError {
        SlackClientError::HttpError(SlackClientHttpError::new(
            axum::http::StatusCode::from_u16(status).expect("status"),
        ))
    }

    #[test]
    fn unreadable_replies_and_server_errors_are_transient() {
        let empty = serde_json::from_str::<serde_json::Value>("").expect_err("empty body");
        let unreadable = SlackClientError::ProtocolError(SlackClientProtocolError::new(empty));
        assert!(matches!(classify(unreadable), CallFailure::Transient(_)));
        let ended = SlackClientError::EndOfStream(SlackClientEndOfStreamError::new());
        assert!(matches!(classify(ended), CallFailure::Transient(_)));
        for status in [500, 502, 503, 504, 408, 302] {
            assert!(
                matches!(classify(http_error(status)), CallFailure::Transient(_)),
                "{status}"
            );
        }
        assert_eq!(
            classify(http_error(429)),
            CallFailure::RateLimited { retry_after: None }
        );
    }

    #[test]
    fn only_slacks_considered_refusal_is_permanent() {
        for status in [400, 403, 404, 410] {
            assert!(
                matches!(classify(http_error(status)), CallFailure::Permanent(_)),
                "{status}"
            );
        }
        let named =
            SlackClientError::ApiError(SlackClientApiError::new("channel_not_found".to_owned()));
        assert_eq!(
            classify(named),
            CallFailure::Permanent("slack error channel_not_found".to_owned())
        );
        let busy =
            SlackClientError::ApiError(SlackClientApiError::new("service_unavailable".to_owned()));
        assert!(matches!(classify(busy), CallFailure::Transient(_)));
        let limited =
            SlackClientError::ApiError(SlackClientApiError::new("ratelimited".to_owned()));
        assert_eq!(
            classify(limited),
            CallFailure::RateLimited { retry_after: None }
        );
    }

    #[test]
    fn history_bounds_are_slack_timestamps() {
        let at = DateTime::parse_from_rfc3339("2026-11-05T09:00:00.123456Z")
            .expect("time")
            .with_timezone(&Utc);
        assert_eq!(slack_ts(at).to_string(), "1793869200.123456");
    }

    /// R-DP-5: binary uploads (the governance chart) ride in `content_base64`; an upload
    /// row stored before that field existed still reads, as text.
    #[test]
    fn r_dp_5_upload_rows_without_content_base64_still_read_as_text() {
        let old = serde_json::json!({
            "user": "U1", "filename": "letter.html", "title": "Letter",
            "content_type": "text/html", "content": "<p>hi</p>"
        });
        let call = SlackCall::from_outbox("files.upload:dm", &old).expect("old row reads");
        let SlackCall::UploadToUser {
            content,
            content_base64,
            ..
        } = &call
        else {
            panic!("not an upload: {call:?}");
        };
        assert_eq!(content_base64, &None);
        assert_eq!(
            upload_bytes(content, None).expect("text"),
            b"<p>hi</p>".to_vec()
        );
        let stored = call.into_outbox("k", None).expect("row");
        assert!(
            stored.payload.get("content_base64").is_none(),
            "{}",
            stored.payload
        );

        let png = [0x89u8, b'P', b'N', b'G', 0, 255];
        let binary = SlackCall::UploadToUser {
            user: "U1".into(),
            filename: "chart.png".into(),
            title: "Chart".into(),
            content_type: "image/png".into(),
            content: String::new(),
            content_base64: Some(encode_upload(&png)),
        };
        let row = binary.into_outbox("k2", None).expect("row");
        let back = SlackCall::from_outbox(&row.method, &row.payload).expect("reads back");
        let SlackCall::UploadToUser {
            content,
            content_base64,
            ..
        } = back
        else {
            panic!("not an upload");
        };
        assert_eq!(
            upload_bytes(&content, content_base64.as_deref()).expect("bytes"),
            png.to_vec()
        );
    }
}
