//! The guards around the body: before it is read, not shutting down, an
//! allowed origin and the per-IP limit; once it is, the sender's proof.

use axum::http::{header, HeaderMap, HeaderName};

use super::{Door, Pipeline, SubmitError, SubmitRequest};
use crate::{
    config::FormSettings,
    intake::{auth, origin, SubmissionMeta},
};

/// Longest header text kept in a submission's metadata, in characters.
const META_TEXT_CHARS: usize = 512;

impl Pipeline {
    /// The checks before the body is read; returns what the request says
    /// about its sender.
    pub(super) fn admit(
        &self,
        request: &SubmitRequest<'_>,
        form: &FormSettings,
    ) -> Result<SubmissionMeta, SubmitError> {
        if !self.is_accepting() {
            return Err(SubmitError::ShuttingDown);
        }
        let meta = self.sender_meta(request);
        if request.door == Door::Form {
            origin::check_origin(form, request.headers)?;
        }
        if !exempt_if_authenticated(request.door, form) {
            self.limit_by_ip(request)?;
        }
        Ok(meta)
    }

    /// The sender's proof, judged on the body. A form with a token or secret
    /// is a door for senders that prove themselves, whichever route they post to.
    pub(super) fn authenticate(
        &self,
        request: &SubmitRequest<'_>,
        form: &FormSettings,
        body: &[u8],
    ) -> Result<(), SubmitError> {
        if request.door == Door::Form && !auth::is_required(form) {
            return Ok(());
        }
        let now_secs = self.parts.clock.now_secs();
        if let Err(refused) = auth::authenticate(form, request.headers, body, now_secs) {
            // Exempt from the limit only by a proof, so a failed one is counted.
            if exempt_if_authenticated(request.door, form) {
                self.limit_by_ip(request)?;
            }
            return Err(refused.into());
        }
        Ok(())
    }

    /// The per-client-IP limit (`server.rate_limit_per_minute`).
    fn limit_by_ip(&self, request: &SubmitRequest<'_>) -> Result<(), SubmitError> {
        self.rate_limiter
            .check(request.client_ip)
            .map_err(SubmitError::RateLimited)
    }

    /// What the request says about its sender.
    fn sender_meta(&self, request: &SubmitRequest<'_>) -> SubmissionMeta {
        let text = |name: HeaderName| header_text(request.headers, name);
        SubmissionMeta {
            ip: Some(request.client_ip.to_string()),
            user_agent: text(header::USER_AGENT),
            referer: text(header::REFERER),
            origin: text(header::ORIGIN),
            received_at: self
                .parts
                .clock
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        }
    }
}

/// Only a `/hooks` sender that proves itself is exempt from the per-IP limit.
fn exempt_if_authenticated(door: Door, form: &FormSettings) -> bool {
    door == Door::Hook && auth::is_required(form)
}

fn header_text(headers: &HeaderMap, name: HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.chars().take(META_TEXT_CHARS).collect())
}
