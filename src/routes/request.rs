//! What a submission request carries besides its fields: the body (within its
//! limit), the sender's metadata, the idempotency key and the dedupe hash.

use std::net::{IpAddr, SocketAddr};

use axum::{
    body::Body,
    http::{header, HeaderMap},
};
use sha2::{Digest, Sha256};

use crate::{
    error::ApiError,
    intake::{Submission, SubmissionMeta},
    startup::AppState,
};

/// Reads the body up to `limit` bytes; beyond it, 413.
pub(super) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<bytes::Bytes, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(too_large(limit));
    }
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        if std::error::Error::source(&error)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
        {
            too_large(limit)
        } else {
            ApiError::Malformed(format!("the body could not be read: {error}"))
        }
    })
}

fn too_large(limit: usize) -> ApiError {
    ApiError::TooLarge(format!(
        "the body is larger than {limit} bytes (server.max_body_bytes)"
    ))
}

/// The client's IP: the peer's, or with `trust_forwarded_for` the first
/// address of `X-Forwarded-For` when it is one.
pub(super) fn client_ip(app: &AppState, peer: SocketAddr, headers: &HeaderMap) -> IpAddr {
    app.settings
        .server
        .trust_forwarded_for
        .then(|| {
            headers
                .get("x-forwarded-for")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.split(',').next())
                .and_then(|ip| ip.trim().parse::<IpAddr>().ok())
        })
        .flatten()
        .unwrap_or_else(|| peer.ip())
}

/// What the request says about its sender (the client IP honours `trust_forwarded_for`).
pub(super) fn request_meta(
    app: &AppState,
    peer: SocketAddr,
    headers: &HeaderMap,
) -> SubmissionMeta {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(512).collect::<String>())
    };
    SubmissionMeta {
        ip: Some(client_ip(app, peer, headers).to_string()),
        user_agent: text(header::USER_AGENT),
        referer: text(header::REFERER),
        origin: text(header::ORIGIN),
        received_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
    }
}

/// The caller's `Idempotency-Key`, else the Standard Webhooks `webhook-id`.
pub(super) fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    ["idempotency-key", "webhook-id"].iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.chars().take(255).collect())
    })
}

/// Same form + e-mail + content = the same submission (double clicks, sender retries).
pub(super) fn dedupe_hash(form: &str, email: &str, submission: &Submission) -> String {
    let mut hasher = Sha256::new();
    hasher.update(form.as_bytes());
    hasher.update([0]);
    hasher.update(email.as_bytes());
    for (key, value) in &submission.fields {
        hasher.update([0]);
        hasher.update(key.as_bytes());
        hasher.update([1]);
        hasher.update(value.as_bytes());
    }
    hex::encode(hasher.finalize())
}
