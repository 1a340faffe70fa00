//! The one transport error type of the Slack layer. Handlers return it; `IntoResponse` turns it into the
//! status Slack should see. Internal causes are logged and never shown to the caller.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use axum::Json;
use slack_morphism::prelude::*;

use crate::slack::forms::FieldErrors;
use crate::slack::signature::SignatureError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Bad, stale or missing Slack signature: 401 with no body (R-OPS-2).
    #[error("unauthorised: {0}")]
    Unauthorized(#[from] SignatureError),
    /// Signed, but from a workspace this bot does not serve (R-DP-3).
    #[error("request from another workspace")]
    ForeignWorkspace,
    /// The request could not be understood; the message is safe to show.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The user may not do this: an ephemeral answer that says who may do it instead.
    /// Not a failure: Slack sees a 200 with the answer.
    #[error("refused: {0}")]
    Refused(String),
    /// A modal's fields are not acceptable: shown inline under each field, with what the
    /// user typed kept.
    #[error("invalid form")]
    Invalid(FieldErrors),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match self {
            ApiError::Unauthorized(reason) => {
                tracing::warn!(%reason, "slack request refused: signature");
                StatusCode::UNAUTHORIZED.into_response()
            }
            ApiError::ForeignWorkspace => {
                tracing::warn!("slack request refused: another workspace");
                StatusCode::FORBIDDEN.into_response()
            }
            ApiError::BadRequest(message) => {
                tracing::warn!(%message, "slack request refused: malformed");
                (StatusCode::BAD_REQUEST, message).into_response()
            }
            ApiError::Refused(message) => {
                let content = SlackMessageContent::new().with_text(message);
                let response = SlackCommandEventResponse::new(content)
                    .with_response_type(SlackMessageResponseType::Ephemeral);
                Json(response).into_response()
            }
            ApiError::Invalid(errors) => Json(errors.into_response()).into_response(),
            ApiError::Store(err) => {
                tracing::error!(error = %err, "store error while handling a request");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
            ApiError::Internal(err) => {
                tracing::error!(error = %format!("{err:#}"), "internal error while handling a request");
                StatusCode::INTERNAL_SERVER_ERROR.into_response()
            }
        }
    }
}
