//! `ApiError`: every error an HTTP caller can see, in one JSON shape:
//! `{"error": {"code", "message", "fields"}}`. 4xx say what is wrong; 5xx are
//! logged and stay opaque.

use std::collections::BTreeMap;

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;

use crate::{
    intake::{origin::OriginRefused, BodyError, IntakeError, SubmitError},
    mapping::MappingError,
    outbox::StorageError,
};

/// An error answered to an HTTP caller.
#[derive(Debug, thiserror::Error)]
pub(crate) enum ApiError {
    /// 400: the body cannot be read.
    #[error("{0}")]
    Malformed(String),
    /// 401: a missing or wrong token or signature.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: not allowed from here (origin).
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such form or lead.
    #[error("{0}")]
    NotFound(String),
    /// 405: the route does not take this method (its `Allow` header says which it does).
    #[error("{0}")]
    MethodNotAllowed(String),
    /// 409: the lead is not in a state that allows this.
    #[error("{0}")]
    Conflict(String),
    /// 413: the body, or a field, or the field count is over its limit.
    #[error("{0}")]
    TooLarge(String),
    /// 415: a content type we do not read.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// 422: no lead can be made.
    #[error("{}", .0.message)]
    Unprocessable(MappingError),
    /// 429: too many submissions from this client; retry after the given seconds.
    #[error("too many submissions: retry in {0} seconds")]
    RateLimited(u64),
    /// 503: storage is unavailable or the service is shutting down; retry.
    #[error("{0}")]
    Unavailable(String),
    /// 500: our fault; logged, opaque to the caller.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The body of every error reply: `{"error": {"code", "message", "fields"}}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"error": {"code": "invalid_lead", "message": "no valid e-mail address", "fields": {"email": "is not an e-mail address"}}}))]
pub(crate) struct ErrorBody {
    /// What went wrong.
    error: ErrorDetail,
}

/// One error: a stable machine-readable code, a sentence, and per-field problems.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct ErrorDetail {
    /// `malformed_body`, `unauthorized`, `forbidden`, `not_found`, `method_not_allowed`,
    /// `conflict`, `body_too_large`,
    /// `unsupported_media_type`, `invalid_lead`, `rate_limited`, `unavailable` or `internal`.
    code: &'static str,
    /// A sentence for humans.
    message: String,
    /// Problems by input name (422 only), to show next to the form's fields.
    #[serde(skip_serializing_if = "Option::is_none")]
    fields: Option<BTreeMap<String, String>>,
}

impl ApiError {
    /// The HTTP status.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::Malformed(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable code (`error.code`, and `?error=` on error redirects).
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed_body",
            Self::Unauthorized(_) => "unauthorized",
            Self::Forbidden(_) => "forbidden",
            Self::NotFound(_) => "not_found",
            Self::MethodNotAllowed(_) => "method_not_allowed",
            Self::Conflict(_) => "conflict",
            Self::TooLarge(_) => "body_too_large",
            Self::UnsupportedMediaType(_) => "unsupported_media_type",
            Self::Unprocessable(_) => "invalid_lead",
            Self::RateLimited(_) => "rate_limited",
            Self::Unavailable(_) => "unavailable",
            Self::Internal(_) => "internal",
        }
    }

    fn retry_after_secs(&self) -> Option<u64> {
        match self {
            Self::RateLimited(secs) => Some(*secs),
            Self::Unavailable(_) => Some(5),
            _ => None,
        }
    }
}

impl From<IntakeError> for ApiError {
    fn from(error: IntakeError) -> Self {
        match error {
            IntakeError::UnsupportedMediaType(_) => Self::UnsupportedMediaType(error.to_string()),
            IntakeError::Malformed(_) => Self::Malformed(error.to_string()),
            IntakeError::TooManyFields { .. }
            | IntakeError::FieldTooLong { .. }
            | IntakeError::Sprawling { .. } => Self::TooLarge(error.to_string()),
        }
    }
}

impl From<BodyError> for ApiError {
    fn from(error: BodyError) -> Self {
        match error {
            BodyError::TooLarge(_) => Self::TooLarge(error.to_string()),
            BodyError::Unreadable(_) => Self::Malformed(error.to_string()),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(error: SubmitError) -> Self {
        match error {
            SubmitError::NoSuchForm(_) => Self::NotFound(error.to_string()),
            SubmitError::ShuttingDown => Self::Unavailable(error.to_string()),
            SubmitError::Origin(error) => error.into(),
            SubmitError::RateLimited(secs) => Self::RateLimited(secs),
            SubmitError::Unauthenticated(_) | SubmitError::TestToken(_) => {
                Self::Unauthorized(error.to_string())
            }
            SubmitError::Body(error) => error.into(),
            SubmitError::Parse(error) => error.into(),
            SubmitError::Invalid(error) => error.into(),
            SubmitError::Storage(error) => error.into(),
            SubmitError::Internal(error) => Self::Internal(error),
        }
    }
}

impl From<OriginRefused> for ApiError {
    fn from(error: OriginRefused) -> Self {
        Self::Forbidden(error.to_string())
    }
}

impl From<MappingError> for ApiError {
    fn from(error: MappingError) -> Self {
        Self::Unprocessable(error)
    }
}

impl From<StorageError> for ApiError {
    fn from(error: StorageError) -> Self {
        tracing::error!(error = %error.0, "storage failed; answering 503");
        Self::Unavailable("storage is unavailable; retry shortly".into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = match &self {
            Self::Internal(error) => {
                tracing::error!(error = ?error, "request failed");
                "internal error".to_owned()
            }
            other => other.to_string(),
        };
        let fields = match &self {
            Self::Unprocessable(error) if !error.fields.is_empty() => Some(error.fields.clone()),
            _ => None,
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code(),
                message,
                fields,
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Some(secs) = self.retry_after_secs() {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}
