//! Black-box delivery: batching, retries, Retry-After, the key pause, batch
//! splitting, dead leads and their replay, restart with pending leads.

use std::time::Duration;

use crate::helpers::{eventually, sandbox_leads, spawn_app, spawn_app_in, FORMS};
use leadrelay::{
    domain::LeadState,
    outbox::{LeadDetail, LeadFilter},
    sandbox::Sandbox,
};
use serde_json::json;

async fn lead_in_state(app: &crate::helpers::TestApp, email: &str, state: LeadState) -> LeadDetail {
    eventually(
        &format!("{email} to be {state}"),
        Duration::from_secs(15),
        || async {
            let leads = app.state.outbox.list(&LeadFilter::default()).await.ok()?;
            let lead = leads
                .into_iter()
                .find(|l| l.email == email && l.state == state)?;
            app.state.outbox.get(lead.id).await.ok()?
        },
    )
    .await
}

#[tokio::test]
async fn a_burst_goes_out_in_few_create_calls_and_one_lookup_each() {
    let app = spawn_app("[delivery]\nbatch_size = 25").await;
    app.sandbox.set_latency(Duration::from_millis(50));

    let bodies: Vec<_> = (0..50)
        .map(|n| json!({"email": format!("burst{n}@example.com")}))
        .collect();
    let sends = bodies.iter().map(|body| app.post_json("ajax", body));
    let statuses: Vec<u16> = futures::future::join_all(sends)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();

    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    sandbox_leads(&app.sandbox, 50).await;
    let stats = app.sandbox.stats();
    assert_eq!(stats.companies_calls, 1, "{stats:?}");
    assert_eq!(stats.roles_calls, 1, "{stats:?}");
    assert!(
        stats.create_calls <= 10,
        "50 leads took {} create calls",
        stats.create_calls
    );
    let delivered = eventually(
        "50 leads recorded as delivered",
        Duration::from_secs(10),
        || async {
            let filter = LeadFilter {
                state: Some(LeadState::Delivered),
                limit: Some(100),
                ..Default::default()
            };
            let delivered = app.state.outbox.list(&filter).await.ok()?;
            (delivered.len() == 50).then_some(delivered)
        },
    )
    .await;
    assert!(delivered.iter().all(|l| l.member_id.is_some()));
}

#[tokio::test]
async fn upstream_500s_are_retried_until_it_recovers() {
    let app = spawn_app("[delivery]\nbackoff_secs = [1]").await;
    app.sandbox.fail_next(2, 500, None);

    app.post_json("ajax", &json!({"email": "flaky@example.com"}))
        .await;

    sandbox_leads(&app.sandbox, 1).await;
    let lead = lead_in_state(&app, "flaky@example.com", LeadState::Delivered).await;
    assert_eq!(lead.attempt_log.len(), 3, "{:?}", lead.attempt_log);
    assert_eq!(lead.attempt_log[0].status, Some(500));
    assert_eq!(lead.attempt_log[2].status.map(|s| s / 100), Some(2));
    assert!(lead.attempt_log.iter().all(|a| a.duration_ms < 10_000));
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let app = spawn_app("[delivery]\nbackoff_secs = [600]").await;
    app.sandbox.fail_next(1, 429, Some("1".into()));

    app.post_json("ajax", &json!({"email": "later@example.com"}))
        .await;
    let retrying = lead_in_state(&app, "later@example.com", LeadState::Retrying).await;

    let wait = retrying.summary.next_attempt_at_ms - retrying.attempt_log[0].at_ms;
    assert!(
        (900..3_000).contains(&wait),
        "next attempt {wait} ms later, not Retry-After's 1 s"
    );
    sandbox_leads(&app.sandbox, 1).await;
}

#[tokio::test]
async fn a_huge_retry_after_waits_a_day_at_most_and_breaks_nothing() {
    let app = spawn_app("[delivery]\nbackoff_secs = [600]").await;
    app.sandbox.fail_next(1, 503, Some(u64::MAX.to_string()));

    app.post_json("ajax", &json!({"email": "much-later@example.com"}))
        .await;
    let retrying = lead_in_state(&app, "much-later@example.com", LeadState::Retrying).await;

    let wait = retrying.summary.next_attempt_at_ms - retrying.attempt_log[0].at_ms;
    let day = leadrelay::delivery::MAX_RETRY_AFTER.as_millis() as i64;
    assert!(
        (day - 5_000..=day + 5_000).contains(&wait),
        "next attempt {wait} ms later, not a day"
    );
    let accepted = app
        .post_json("ajax", &json!({"email": "still-taken@example.com"}))
        .await;
    assert_eq!(accepted.status(), 200, "the service still takes leads");
    lead_in_state(&app, "still-taken@example.com", LeadState::Delivered).await;
}

#[tokio::test]
async fn a_refused_key_pauses_delivery_without_spending_attempts() {
    let app = spawn_app("[delivery]\npause_secs = 1\nmax_attempts = 2").await;
    app.sandbox.set_key_revoked(true);

    app.post_json("ajax", &json!({"email": "paused@example.com"}))
        .await;
    eventually("a refused call", Duration::from_secs(10), || async {
        (app.sandbox.stats().rejected_calls >= 2).then_some(())
    })
    .await;
    let leads = app.state.outbox.list(&LeadFilter::default()).await.unwrap();
    assert_eq!(leads[0].attempts, 0, "a refused key spends no attempt");
    assert!(matches!(
        leads[0].state,
        LeadState::Pending | LeadState::Delivering
    ));
    app.sandbox.set_key_revoked(false);

    sandbox_leads(&app.sandbox, 1).await;
    lead_in_state(&app, "paused@example.com", LeadState::Delivered).await;
}

#[tokio::test]
async fn a_rejected_batch_is_split_and_only_the_bad_lead_dies() {
    let app = spawn_app("[delivery]\nbatch_size = 10\npause_secs = 1").await;
    app.sandbox.set_key_revoked(true);
    for n in 0..8 {
        app.post_json("ajax", &json!({"email": format!("ok{n}@example.com")}))
            .await;
    }
    app.post_json("ajax", &json!({"email": "poison@example.com"}))
        .await;
    app.sandbox.reject_email("poison@example.com");
    app.sandbox.set_key_revoked(false);

    sandbox_leads(&app.sandbox, 8).await;
    let dead = lead_in_state(&app, "poison@example.com", LeadState::Dead).await;

    assert!(
        dead.summary
            .last_error
            .as_deref()
            .unwrap_or_default()
            .contains("400"),
        "{:?}",
        dead.summary.last_error
    );
    assert!(!app
        .sandbox
        .lead_emails()
        .contains(&"poison@example.com".to_owned()));
}

#[tokio::test]
async fn dead_leads_can_be_retried() {
    let app = spawn_app("[delivery]\nmax_attempts = 2\nbackoff_secs = [0]").await;
    app.sandbox.fail_next(2, 503, None);

    app.post_json("ajax", &json!({"email": "phoenix@example.com"}))
        .await;
    let dead = lead_in_state(&app, "phoenix@example.com", LeadState::Dead).await;
    assert_eq!(dead.attempt_log.len(), 2);
    assert!(app.sandbox.leads().is_empty());

    assert!(app.state.outbox.retry(dead.summary.id).await.unwrap());
    app.state.wake.notify_one();

    sandbox_leads(&app.sandbox, 1).await;
    let delivered = lead_in_state(&app, "phoenix@example.com", LeadState::Delivered).await;
    assert_eq!(
        delivered.attempt_log.len(),
        3,
        "the audit trail keeps every attempt"
    );
}

#[tokio::test]
async fn an_existing_email_is_a_final_duplicate() {
    let app = spawn_app("").await;
    app.sandbox.add_existing_email("known@example.com");

    app.post_json("ajax", &json!({"email": "known@example.com"}))
        .await;

    let lead = lead_in_state(&app, "known@example.com", LeadState::Duplicate).await;
    assert_eq!(lead.attempt_log.len(), 1);
}

#[tokio::test]
async fn bulk_lead_endpoint_sends_a_bare_array_without_invitations() {
    let app = spawn_app("[agencyhandy]\nendpoint = \"bulk-lead\"").await;

    app.post_json(
        "ajax",
        &json!({"email": "bulk@example.com", "name": "Bo Bulk"}),
    )
    .await;

    let leads = sandbox_leads(&app.sandbox, 1).await;
    assert_eq!(leads[0]["type"], "individual");
    assert_eq!(leads[0]["sendInvitationEmail"], false);
    lead_in_state(&app, "bulk@example.com", LeadState::Delivered).await;
}

#[tokio::test]
async fn leads_pending_at_shutdown_are_sent_after_restart() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_key_revoked(true);
    let app =
        crate::helpers::spawn_app_with(&format!("{FORMS}\n[delivery]\npause_secs = 3600"), sandbox)
            .await;
    for n in 0..5 {
        assert_eq!(
            app.post_json("ajax", &json!({"email": format!("keep{n}@example.com")}))
                .await
                .status(),
            200
        );
    }
    let (sandbox, dir) = app.stop().await;
    assert!(sandbox.leads().is_empty());
    sandbox.set_key_revoked(false);

    let restarted = spawn_app_in(FORMS, sandbox, dir).await;

    sandbox_leads(&restarted.sandbox, 5).await;
}

#[tokio::test]
async fn erase_removes_a_persons_leads() {
    let app = spawn_app("").await;
    app.post_json("ajax", &json!({"email": "Forget.Me@example.com"}))
        .await;
    app.post_json("ajax", &json!({"email": "keep@example.com"}))
        .await;
    sandbox_leads(&app.sandbox, 2).await;

    let erased = app
        .state
        .outbox
        .erase_email("forget.me@example.com")
        .await
        .unwrap();

    assert_eq!(erased, 1);
    let left = app.state.outbox.list(&LeadFilter::default()).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].email, "keep@example.com");
}
