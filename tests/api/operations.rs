//! Operating leads: the admin API, the `leads` CLI (list, show, retry, release,
//! remap, erase), the circuit breaker and the egress cap.

use std::time::Duration;

use crate::helpers::process::{cli, cli_config};
use crate::helpers::{eventually, sandbox_leads, spawn_app, TestApp};
use leadrelay::{domain::LeadState, outbox::LeadFilter};
use serde_json::{json, Value};

const ADMIN: &str = "[server]\nadmin_token = \"admin-test-token\"\n";

async fn wait_for_state(app: &TestApp, email: &str, state: LeadState) -> String {
    eventually(
        &format!("{email} to be {state}"),
        Duration::from_secs(15),
        || async {
            let leads = app.state.outbox.list(&LeadFilter::default()).await.ok()?;
            leads
                .into_iter()
                .find(|l| l.email == email && l.state == state)
                .map(|l| l.id.to_string())
        },
    )
    .await
}

#[tokio::test]
async fn admin_api_lists_shows_retries_and_releases() {
    let app = spawn_app(&format!("{ADMIN}[delivery]\nmax_attempts = 1")).await;
    app.sandbox.fail_next(1, 500, None);
    app.post_json("ajax", &json!({"email": "dies@example.com"}))
        .await;
    app.post_form("contact", &[("email", "bot@example.com"), ("_gotcha", "x")])
        .await;
    let dead = wait_for_state(&app, "dies@example.com", LeadState::Dead).await;
    let spam = wait_for_state(&app, "bot@example.com", LeadState::Spam).await;
    let admin = |method: reqwest::Method, path: String| {
        app.http
            .request(method, format!("{}{path}", app.address))
            .bearer_auth("admin-test-token")
            .send()
    };

    let unauthorized = app
        .http
        .get(format!("{}/admin/leads", app.address))
        .send()
        .await
        .unwrap();
    let listed: Value = admin(reqwest::Method::GET, "/admin/leads?state=dead".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let shown: Value = admin(reqwest::Method::GET, format!("/admin/leads/{dead}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let retried = admin(reqwest::Method::POST, format!("/admin/leads/{dead}/retry"))
        .await
        .unwrap();
    let released = admin(
        reqwest::Method::POST,
        format!("/admin/leads/{spam}/release"),
    )
    .await
    .unwrap();
    let release_again = admin(
        reqwest::Method::POST,
        format!("/admin/leads/{spam}/release"),
    )
    .await
    .unwrap();
    let missing = admin(reqwest::Method::GET, "/admin/leads/not-an-id".into())
        .await
        .unwrap();

    assert_eq!(unauthorized.status(), 401);
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["email"], "dies@example.com");
    assert_eq!(shown["attempt_log"].as_array().unwrap().len(), 1);
    assert_eq!(shown["attempt_log"][0]["status"], 500);
    assert_eq!(shown["submission"]["submission"]["fields"][0][0], "email");
    assert_eq!(retried.status(), 200);
    assert_eq!(released.status(), 200);
    assert_eq!(release_again.status(), 409);
    assert_eq!(missing.status(), 404);
    let emails = sandbox_leads(&app.sandbox, 2).await;
    assert_eq!(
        emails.len(),
        2,
        "the retried and the released lead were both delivered"
    );
}

#[tokio::test]
async fn admin_api_is_off_without_a_token() {
    let app = spawn_app("").await;

    let response = app
        .http
        .get(format!("{}/admin/leads", app.address))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
}

#[tokio::test]
async fn cli_lists_shows_retries_releases_and_erases() {
    let app = spawn_app("[delivery]\nmax_attempts = 1").await;
    app.sandbox.fail_next(1, 503, None);
    app.post_json("ajax", &json!({"email": "cli-dead@example.com"}))
        .await;
    app.post_form(
        "contact",
        &[("email", "cli-spam@example.com"), ("_gotcha", "x")],
    )
    .await;
    let dead = wait_for_state(&app, "cli-dead@example.com", LeadState::Dead).await;
    let spam = wait_for_state(&app, "cli-spam@example.com", LeadState::Spam).await;
    let config = cli_config(&app, "");

    let (ok, list) = cli(&config, &["leads", "list", "--state", "dead"]);
    assert!(ok, "{list}");
    assert!(list.contains(&dead) && list.contains("1 lead(s)"), "{list}");
    let (ok, show) = cli(&config, &["leads", "show", &dead]);
    assert!(ok, "{show}");
    assert!(
        show.contains("state      dead") && show.contains("503"),
        "{show}"
    );

    let (ok, retried) = cli(&config, &["leads", "retry", "--state", "dead"]);
    assert!(ok && retried.contains("1 lead(s) re-queued"), "{retried}");
    let (ok, released) = cli(&config, &["leads", "release", &spam]);
    assert!(ok, "{released}");
    let (ok, again) = cli(&config, &["leads", "release", &spam]);
    assert!(!ok, "releasing twice is refused: {again}");
    sandbox_leads(&app.sandbox, 2).await;

    let (ok, erased) = cli(
        &config,
        &["leads", "erase", "--email", "CLI-Dead@example.com"],
    );
    assert!(ok && erased.contains("1 lead(s)"), "{erased}");
    let left = app.state.outbox.list(&LeadFilter::default()).await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].email, "cli-spam@example.com");
}

#[tokio::test]
async fn remap_rebuilds_a_dead_lead_from_its_original_submission() {
    let app = spawn_app("[delivery]\nmax_attempts = 1\npause_secs = 1").await;
    app.sandbox.reject_email("old-address@example.com");
    app.post_json(
        "ajax",
        &json!({"email": "old-address@example.com", "work_email": "new-address@example.com"}),
    )
    .await;
    // Another lead goes through while that one is refused: it is the lead's fault.
    app.post_json("plain", &json!({"email": "fine@example.com"}))
        .await;
    let dead = wait_for_state(&app, "old-address@example.com", LeadState::Dead).await;
    let fixed = cli_config(&app, "[forms.ajax.fields]\nemail = [\"work_email\"]\n");

    let (ok, remapped) = cli(&fixed, &["leads", "remap", "--state", "dead"]);
    app.state.wake.notify_one();

    assert!(ok, "{remapped}");
    assert!(remapped.contains("new-address@example.com"), "{remapped}");
    let leads = sandbox_leads(&app.sandbox, 2).await;
    assert_eq!(leads[1]["email"], "new-address@example.com");
    let lead = app
        .state
        .outbox
        .get(dead.parse().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(lead.summary.email, "new-address@example.com");
}

#[tokio::test]
async fn repeated_failures_open_the_breaker_for_the_whole_workspace() {
    let app = spawn_app(
        "[delivery]\nbreaker_threshold = 2\npause_secs = 600\nbackoff_secs = [0]\nbatch_size = 1",
    )
    .await;
    app.sandbox.fail_next(1000, 503, None);

    for n in 0..4 {
        app.post_json("ajax", &json!({"email": format!("breaker{n}@example.com")}))
            .await;
    }

    let held = eventually(
        "every lead held until the breaker closes",
        Duration::from_secs(15),
        || async {
            let leads = app.state.outbox.list(&LeadFilter::default()).await.ok()?;
            let soon = crate::helpers::storage::now_ms() + 300_000;
            (leads.len() == 4
                && leads
                    .iter()
                    .all(|l| l.next_attempt_at_ms > soon && l.state != LeadState::Delivering))
            .then_some(leads)
        },
    )
    .await;
    assert_eq!(
        app.sandbox.stats().create_calls,
        2,
        "no call after the breaker opened"
    );
    assert_eq!(
        held.iter().map(|l| l.attempts).sum::<u32>(),
        2,
        "held leads spent no attempt"
    );
}

#[tokio::test]
async fn egress_cap_holds_leads_beyond_the_rate() {
    let app = spawn_app("[delivery]\nmax_per_minute = 3").await;

    for n in 0..5 {
        app.post_json("ajax", &json!({"email": format!("capped{n}@example.com")}))
            .await;
    }

    sandbox_leads(&app.sandbox, 3).await;
    let waiting = eventually(
        "two leads held by the cap",
        Duration::from_secs(10),
        || async {
            let leads = app.state.outbox.list(&LeadFilter::default()).await.ok()?;
            let held: Vec<_> = leads
                .into_iter()
                .filter(|l| {
                    l.state == LeadState::Pending
                        && l.next_attempt_at_ms > crate::helpers::storage::now_ms() + 5_000
                })
                .collect();
            (held.len() == 2).then_some(held)
        },
    )
    .await;
    assert_eq!(app.sandbox.leads().len(), 3);
    assert!(
        waiting.iter().all(|l| l.attempts == 0),
        "holding spends no attempt"
    );
}
