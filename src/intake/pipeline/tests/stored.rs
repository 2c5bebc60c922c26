//! Submissions that are stored, and how they are answered.

use std::time::Duration;

use serde_json::json;

use super::*;

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
