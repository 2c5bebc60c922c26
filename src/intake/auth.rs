//! Sender authentication: a bearer token, a Standard Webhooks signature
//! (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`),
//! and/or the sender's own signature scheme (see [`super::signature`]).
//! Compares are constant-time. Checked on `/hooks/{form}`, and on
//! `/forms/{form}` too for a form that has any of them (see [`is_required`]).

use axum::http::{header, HeaderMap};
use base64::{engine::general_purpose::STANDARD, Engine};
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::config::FormSettings;

/// How far a `webhook-timestamp` may be from now.
pub(crate) const SIGNATURE_TOLERANCE_SECS: u64 = 5 * 60;

/// Why a sender was refused (answered as 401).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum AuthError {
    /// No `Authorization: Bearer` header, or the wrong token.
    #[error("a valid `Authorization: Bearer <token>` header is required")]
    BadToken,
    /// A required signature header is absent.
    #[error("missing {0} header (Standard Webhooks signature required)")]
    MissingHeader(&'static str),
    /// The timestamp is malformed or too far from now.
    #[error("webhook-timestamp is not within 5 minutes of now")]
    StaleTimestamp,
    /// No signature matches.
    #[error("no webhook-signature matches the payload")]
    BadSignature,
    /// The sender's signature header is absent.
    #[error("missing {0} header (a signature is required)")]
    MissingSignature(String),
    /// The sender's signature does not match the payload.
    #[error("the {0} header does not match the payload")]
    WrongSignature(String),
    /// The sender's signed timestamp is absent or too far from now.
    #[error("{0} is missing or not within the allowed time of now")]
    StaleSignature(String),
}

/// Whether the form authenticates its senders (token or any signature secret).
pub(crate) fn is_required(form: &FormSettings) -> bool {
    form.token.is_some() || form.signing_secret.is_some() || form.signature_secret.is_some()
}

/// Checks a `/hooks` request against the form's token and signing secret.
pub(crate) fn authenticate(
    form: &FormSettings,
    headers: &HeaderMap,
    body: &[u8],
    now_secs: i64,
) -> Result<(), AuthError> {
    if let Some(token) = &form.token {
        check_bearer(token, headers)?;
    }
    if let Some(secret) = &form.signing_secret {
        verify_standard_webhook(secret, headers, body, now_secs)?;
    }
    if let Some(secret) = &form.signature_secret {
        super::signature::verify(form, secret, headers, body, now_secs)?;
    }
    Ok(())
}

/// The token of an `Authorization: Bearer <token>` header (the scheme in any case).
pub(crate) fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| {
            let (scheme, rest) = value.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
        })
}

fn check_bearer(token: &SecretString, headers: &HeaderMap) -> Result<(), AuthError> {
    let given = bearer_token(headers).ok_or(AuthError::BadToken)?;
    if bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
        Ok(())
    } else {
        Err(AuthError::BadToken)
    }
}

fn header_str<'a>(headers: &'a HeaderMap, name: &'static str) -> Result<&'a str, AuthError> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|value| !value.is_empty())
        .ok_or(AuthError::MissingHeader(name))
}

/// The HMAC key of a Standard Webhooks secret (`whsec_` + base64, or raw bytes).
fn signing_key(secret: &SecretString) -> Vec<u8> {
    let secret = secret.expose_secret();
    match secret.strip_prefix("whsec_") {
        Some(encoded) => STANDARD
            .decode(encoded)
            .unwrap_or_else(|_| encoded.as_bytes().to_vec()),
        None => secret.as_bytes().to_vec(),
    }
}

/// Verifies a Standard Webhooks signature (several `v1,` signatures allowed, for rotation).
pub(crate) fn verify_standard_webhook(
    secret: &SecretString,
    headers: &HeaderMap,
    body: &[u8],
    now_secs: i64,
) -> Result<(), AuthError> {
    let id = header_str(headers, "webhook-id")?;
    let timestamp = header_str(headers, "webhook-timestamp")?;
    let signatures = header_str(headers, "webhook-signature")?;
    // Any i64 a sender writes is compared without overflow (`abs_diff`); digits
    // beyond i64 do not parse: both are simply not within the tolerance.
    let sent_at: i64 = timestamp.parse().map_err(|_| AuthError::StaleTimestamp)?;
    if now_secs.abs_diff(sent_at) > SIGNATURE_TOLERANCE_SECS {
        return Err(AuthError::StaleTimestamp);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(&signing_key(secret))
        .expect("HMAC takes keys of any length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    let matched = signatures
        .split_whitespace()
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .any(|candidate| bool::from(candidate.as_slice().ct_eq(expected.as_slice())));
    if matched {
        Ok(())
    } else {
        Err(AuthError::BadSignature)
    }
}

/// Signs a payload the Standard Webhooks way (for tests and tooling).
pub fn sign_standard_webhook(
    secret: &SecretString,
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&signing_key(secret))
        .expect("HMAC takes keys of any length");
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn signed_headers(secret: &SecretString, id: &str, ts: i64, body: &[u8]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", HeaderValue::from_str(id).unwrap());
        headers.insert("webhook-timestamp", HeaderValue::from(ts));
        let signature = format!(
            "v1,bm90LXRoaXMtb25l {}",
            sign_standard_webhook(secret, id, ts, body)
        );
        headers.insert(
            "webhook-signature",
            HeaderValue::from_str(&signature).unwrap(),
        );
        headers
    }

    #[test]
    fn accepts_a_valid_signature_among_several() {
        let secret = SecretString::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let headers = signed_headers(&secret, "msg_1", 1_700_000_000, b"{}");
        assert_eq!(
            verify_standard_webhook(&secret, &headers, b"{}", 1_700_000_100),
            Ok(())
        );
    }

    #[test]
    fn refuses_tampering_staleness_and_missing_headers() {
        let secret = SecretString::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        let headers = signed_headers(&secret, "msg_1", 1_700_000_000, b"{}");
        assert_eq!(
            verify_standard_webhook(&secret, &headers, b"{\"a\":1}", 1_700_000_000),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            verify_standard_webhook(&secret, &headers, b"{}", 1_700_000_000 + 301),
            Err(AuthError::StaleTimestamp)
        );
        let other = SecretString::from("whsec_b3RoZXI=");
        assert_eq!(
            verify_standard_webhook(&other, &headers, b"{}", 1_700_000_000),
            Err(AuthError::BadSignature)
        );
        assert_eq!(
            verify_standard_webhook(&secret, &HeaderMap::new(), b"{}", 0),
            Err(AuthError::MissingHeader("webhook-id"))
        );
    }

    #[test]
    fn extreme_timestamps_are_stale_not_an_overflow() {
        let secret = SecretString::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        for (stamp, now) in [
            (i64::MIN.to_string(), 1_700_000_000),
            (i64::MAX.to_string(), 1_700_000_000),
            (i64::MIN.to_string(), i64::MAX),
            (i64::MAX.to_string(), i64::MIN),
            ("0".into(), i64::MIN),
            ("99999999999999999999999999999999".into(), 1_700_000_000),
            ("-99999999999999999999999999999999".into(), 1_700_000_000),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert("webhook-id", HeaderValue::from_static("msg_1"));
            headers.insert("webhook-timestamp", HeaderValue::from_str(&stamp).unwrap());
            headers.insert("webhook-signature", HeaderValue::from_static("v1,AAAA"));
            assert_eq!(
                verify_standard_webhook(&secret, &headers, b"{}", now),
                Err(AuthError::StaleTimestamp),
                "{stamp} at {now}"
            );
        }
    }

    #[test]
    fn bearer_token_must_match_exactly() {
        let form = FormSettings {
            token: Some(SecretString::from("s3cret")),
            ..FormSettings::default()
        };
        let mut headers = HeaderMap::new();
        assert_eq!(
            authenticate(&form, &headers, b"", 0),
            Err(AuthError::BadToken)
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cre"),
        );
        assert_eq!(
            authenticate(&form, &headers, b"", 0),
            Err(AuthError::BadToken)
        );
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer s3cret"),
        );
        assert_eq!(authenticate(&form, &headers, b"", 0), Ok(()));
    }
}
