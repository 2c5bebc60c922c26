//! The guards, and what they refuse.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use secrecy::SecretString;
use serde_json::json;

use super::*;
use crate::intake::{
    auth::{self, sign_standard_webhook},
    origin::OriginRefused,
};

#[tokio::test]
async fn an_e_mail_the_visitor_can_fix_is_refused_and_nothing_is_stored() {
    let harness = Harness::start().await;

    let refused = harness
        .submit(
            "contact",
            Door::Form,
            &[],
            &json!({"email": "not-an-address"}),
        )
        .await;

    match refused {
        Err(SubmitError::Invalid(error)) => assert!(error.fields.contains_key("email")),
        other => panic!("expected a refusal the visitor can fix, got {other:?}"),
    }
    assert!(harness.stored().await.is_empty());
}

/// Submits to `form_name` with a body that records whether it was read.
async fn submit_noting_the_read(
    harness: &Harness,
    form_name: &str,
    headers: &HeaderMap,
) -> (Result<Submitted, SubmitError>, bool) {
    let read = AtomicBool::new(false);
    let request = SubmitRequest {
        form_name,
        door: Door::Form,
        client_ip: "192.0.2.1".parse().expect("an IP"),
        headers,
    };
    let body = async {
        read.store(true, Ordering::Relaxed);
        Ok(Bytes::from_static(br#"{"email": "a@example.com"}"#))
    };
    let result = harness.pipeline.submit(request, body).await;
    (result, read.load(Ordering::Relaxed))
}

#[tokio::test]
async fn shutting_down_refuses_without_reading_the_body() {
    let harness = Harness::start().await;
    harness.pipeline.stop_accepting();

    let (result, read) = submit_noting_the_read(&harness, "contact", &HeaderMap::new()).await;

    assert!(
        matches!(result, Err(SubmitError::ShuttingDown)),
        "{result:?}"
    );
    assert!(!read, "the body was read");
    assert!(harness.stored().await.is_empty());
}

#[tokio::test]
async fn an_unlisted_origin_is_refused_without_reading_the_body() {
    let harness = Harness::start().await;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ORIGIN,
        HeaderValue::from_static("https://evil.example"),
    );

    let (result, read) = submit_noting_the_read(&harness, "contact", &headers).await;

    match result {
        Err(SubmitError::Origin(OriginRefused::Unlisted(origin))) => {
            assert_eq!(origin, "https://evil.example")
        }
        other => panic!("expected the origin refused, got {other:?}"),
    }
    assert!(!read, "the body was read");
}

#[tokio::test]
async fn a_hook_sender_is_limited_by_ip_only_when_its_proof_fails() {
    let harness = Harness::limited_to(1).await;
    let body = |n: u32| json!({"email": format!("n{n}@example.com")});
    let right = [("authorization", "Bearer hook-token")];
    let wrong = [("authorization", "Bearer guess")];

    for n in 0..3 {
        let proved = harness.submit("zap", Door::Hook, &right, &body(n)).await;
        assert!(proved.is_ok(), "{proved:?}");
    }
    let first_failure = harness.submit("zap", Door::Hook, &wrong, &body(9)).await;
    let second_failure = harness.submit("zap", Door::Hook, &wrong, &body(9)).await;

    assert!(matches!(
        first_failure,
        Err(SubmitError::Unauthenticated(_))
    ));
    assert!(matches!(second_failure, Err(SubmitError::RateLimited(_))));
}

#[tokio::test]
async fn a_signature_goes_stale_once_the_clock_moves_past_its_tolerance() {
    let harness = Harness::start().await;
    let secret = SecretString::from(SIGNING_SECRET);
    let body = Bytes::from_static(br#"{"email":"signed@example.com"}"#);
    let signed_at = harness.clock.clock().now_secs();
    let signature = sign_standard_webhook(&secret, "msg_1", signed_at, &body);
    let stamp = signed_at.to_string();
    let headers = [
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", stamp.as_str()),
        ("webhook-signature", signature.as_str()),
    ];

    let fresh = harness
        .submit_bytes("signed", Door::Hook, &headers, body.clone())
        .await;
    harness
        .clock
        .advance(Duration::from_secs(auth::SIGNATURE_TOLERANCE_SECS + 1));
    let stale = harness
        .submit_bytes("signed", Door::Hook, &headers, body)
        .await;

    assert_eq!(fresh.unwrap().state, LeadState::Pending);
    assert!(
        matches!(
            stale,
            Err(SubmitError::Unauthenticated(
                auth::AuthError::StaleTimestamp
            ))
        ),
        "{stale:?}"
    );
}
