//! The intake service without a socket: a temporary SQLite store, a clock
//! moved by hand.

use std::{
    sync::atomic::{AtomicBool, Ordering},
    time::Duration,
};

use axum::http::{header, HeaderName, HeaderValue};
use futures::FutureExt;
use secrecy::SecretString;
use serde_json::{json, Value};

use super::*;
use crate::{
    clock::ManualClock,
    intake::{
        auth::{self, sign_standard_webhook},
        origin::OriginRefused,
    },
    outbox::{self, LeadFilter, LeadSummary},
};

const SIGNING_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const CONFIG: &str = r#"
[storage]
dedupe_window_secs = 600

[forms.contact]
allowed_origins = ["https://example.com"]
honeypot = "_gotcha"
min_fill_secs = 3
test_token = "t0k"

[forms.zap]
token = "hook-token"

[forms.signed]
signing_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
"#;

/// A pipeline over a temporary SQLite store, with a hand-moved clock.
struct Harness {
    pipeline: Pipeline,
    outbox: Arc<dyn Outbox>,
    wake: Arc<Notify>,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// Every test submission comes from one IP: only the limit's test limits it.
    async fn start() -> Self {
        Self::limited_to(0).await
    }

    async fn limited_to(per_minute: u32) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::from_toml(CONFIG).expect("test config is valid");
        settings.server.rate_limit_per_minute = per_minute;
        settings.storage.url = format!("sqlite://{}/leads.db", dir.path().display());
        let outbox = outbox::open(&settings.storage).await.expect("store opens");
        let wake = Arc::new(Notify::new());
        let clock = ManualClock::starting_now();
        let pipeline = Pipeline::new(PipelineParts {
            settings: Arc::new(settings),
            outbox: outbox.clone(),
            wake: wake.clone(),
            funnel: Arc::new(Funnel::new(outbox.clone())),
            clients: HashMap::new(),
            clock: clock.clock(),
        });
        Self {
            pipeline,
            outbox,
            wake,
            clock,
            _dir: dir,
        }
    }

    /// Submits `body` as JSON with `headers` (name, value) from 192.0.2.1.
    async fn submit(
        &self,
        form_name: &str,
        door: Door,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Result<Submitted, SubmitError> {
        let body = Bytes::from(body.to_string());
        self.submit_bytes(form_name, door, headers, body).await
    }

    async fn submit_bytes(
        &self,
        form_name: &str,
        door: Door,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Submitted, SubmitError> {
        let mut map = HeaderMap::new();
        map.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("header name");
            map.insert(name, HeaderValue::from_str(value).expect("header value"));
        }
        let request = SubmitRequest {
            form_name,
            door,
            client_ip: "192.0.2.1".parse().expect("an IP"),
            headers: &map,
        };
        self.pipeline.submit(request, async { Ok(body) }).await
    }

    async fn stored(&self) -> Vec<LeadSummary> {
        self.outbox
            .list(&LeadFilter::default())
            .await
            .expect("leads list")
    }

    /// Whether the worker was woken since the last look.
    fn worker_woken(&self) -> bool {
        self.wake.notified().now_or_never().is_some()
    }
}

#[tokio::test]
async fn a_clean_submission_is_stored_pending_and_wakes_the_worker() {
    let harness = Harness::start().await;
    let body =
        json!({"email": "Jane@Example.com", "name": "Jane Doe", "_next": "https://example.com/t"});

    let submitted = harness
        .submit("contact", Door::Form, &[], &body)
        .await
        .unwrap();

    assert_eq!(submitted.state, LeadState::Pending);
    assert!(!submitted.replayed);
    assert_eq!(submitted.outcome(), "accepted");
    assert_eq!(submitted.next.as_deref(), Some("https://example.com/t"));
    let stored = harness.stored().await;
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].id, submitted.id);
    assert_eq!(stored[0].state, LeadState::Pending);
    assert_eq!(stored[0].email, "jane@example.com");
    assert!(harness.worker_woken());
}

#[tokio::test]
async fn spam_is_stored_as_spam_and_answered_as_a_success_without_waking_the_worker() {
    let harness = Harness::start().await;
    let body = json!({"email": "bot@example.com", "_gotcha": "filled"});

    let submitted = harness
        .submit("contact", Door::Form, &[], &body)
        .await
        .unwrap();

    assert_eq!(
        (submitted.state, submitted.outcome()),
        (LeadState::Spam, "spam")
    );
    let stored = harness.stored().await;
    assert_eq!(stored[0].state, LeadState::Spam);
    let reason = stored[0].last_error.as_deref().unwrap_or_default();
    assert!(reason.contains("_gotcha"), "{reason}");
    assert!(!harness.worker_woken());
}

#[tokio::test]
async fn a_form_filled_too_fast_is_spam_and_is_not_once_the_clock_has_moved() {
    let harness = Harness::start().await;
    let loaded_at = harness.clock.clock().now_secs().to_string();
    let post = |email: &str| json!({"email": email, "_ts": loaded_at});

    let hasty = harness
        .submit("contact", Door::Form, &[], &post("a@example.com"))
        .await;
    harness.clock.advance(Duration::from_secs(4));
    let patient = harness
        .submit("contact", Door::Form, &[], &post("b@example.com"))
        .await;

    assert_eq!(hasty.unwrap().state, LeadState::Spam);
    assert_eq!(patient.unwrap().state, LeadState::Pending);
}

#[tokio::test]
async fn a_hook_without_an_e_mail_is_held_with_its_reason() {
    let harness = Harness::start().await;
    let auth = [("authorization", "Bearer hook-token")];

    let submitted = harness
        .submit("zap", Door::Hook, &auth, &json!({"name": "No Mail"}))
        .await
        .unwrap();

    assert_eq!(
        (submitted.state, submitted.outcome()),
        (LeadState::Held, "held")
    );
    let stored = harness.stored().await;
    assert_eq!(stored[0].state, LeadState::Held);
    assert!(stored[0].last_error.is_some());
    assert!(!harness.worker_woken());
}

#[tokio::test]
async fn a_test_submission_is_stored_as_a_test_and_never_answers_for_a_real_one() {
    let harness = Harness::start().await;
    let body = json!({"email": "t@example.com"});

    let test = harness
        .submit("contact", Door::Form, &[("leadrelay-test", "t0k")], &body)
        .await
        .unwrap();
    let real = harness
        .submit("contact", Door::Form, &[], &body)
        .await
        .unwrap();
    let wrong = harness
        .submit("contact", Door::Form, &[("leadrelay-test", "guess")], &body)
        .await;

    assert_eq!((test.state, test.outcome()), (LeadState::Test, "test"));
    assert_eq!((real.state, real.replayed), (LeadState::Pending, false));
    assert_ne!(test.id, real.id);
    assert!(matches!(wrong, Err(SubmitError::TestToken(_))), "{wrong:?}");
    let stored = harness.stored().await;
    let test_lead = stored.iter().find(|lead| lead.id == test.id).unwrap();
    assert_eq!(test_lead.state, LeadState::Test);
    assert!(test_lead
        .last_error
        .as_deref()
        .unwrap_or_default()
        .starts_with("test:"));
}

#[tokio::test]
async fn a_retry_with_the_same_idempotency_key_answers_with_the_first_lead() {
    let harness = Harness::start().await;
    let headers = [
        ("authorization", "Bearer hook-token"),
        ("idempotency-key", "k-1"),
    ];

    let first = harness
        .submit(
            "zap",
            Door::Hook,
            &headers,
            &json!({"email": "a@example.com"}),
        )
        .await
        .unwrap();
    let retry = harness
        .submit(
            "zap",
            Door::Hook,
            &headers,
            &json!({"email": "changed@example.com"}),
        )
        .await
        .unwrap();

    assert_eq!(retry.id, first.id);
    assert!(retry.replayed);
    assert_eq!(retry.outcome(), "replayed");
    assert_eq!(harness.stored().await.len(), 1);
}

#[tokio::test]
async fn a_double_click_is_one_lead_until_the_dedupe_window_has_passed() {
    let harness = Harness::start().await;
    let body = json!({"email": "twice@example.com", "message": "hello"});

    let first = harness
        .submit("contact", Door::Form, &[], &body)
        .await
        .unwrap();
    let double = harness
        .submit("contact", Door::Form, &[], &body)
        .await
        .unwrap();
    harness.clock.advance(Duration::from_secs(601));
    let later = harness
        .submit("contact", Door::Form, &[], &body)
        .await
        .unwrap();

    assert_eq!((double.id, double.replayed), (first.id, true));
    assert_ne!(later.id, first.id);
    assert!(!later.replayed);
    assert_eq!(harness.stored().await.len(), 2);
}

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
