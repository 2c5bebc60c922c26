//! What intake reads of a request besides its headers: the body (within its
//! limit) and the client's address.

use std::net::{IpAddr, SocketAddr};

use axum::{
    body::Body,
    http::{header, HeaderMap},
};

use crate::{intake::BodyError, startup::AppState};

/// Reads the body up to `limit` bytes; beyond it, [`BodyError::TooLarge`].
pub(super) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<bytes::Bytes, BodyError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(BodyError::TooLarge(limit));
    }
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        if std::error::Error::source(&error)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
        {
            BodyError::TooLarge(limit)
        } else {
            BodyError::Unreadable(error.to_string())
        }
    })
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
