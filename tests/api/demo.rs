//! `leadrelay demo`, README's first command, as a user runs it: the real binary
//! on a free port, the sample form page, a lead posted to it reaching the
//! built-in sandbox Agencyhandy, and a clean stop that leaves no database behind.

use std::time::Duration;

use crate::helpers::{
    eventually,
    process::{free_port, leadrelay, Running},
};
use serde_json::{json, Value};

#[tokio::test]
async fn demo_takes_a_lead_to_the_sandbox_and_cleans_up() {
    let port = free_port();
    let mut demo = Running::spawn(leadrelay(&["demo", "--port", &port.to_string()]));
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    eventually("the demo to be ready", Duration::from_secs(20), || async {
        let ready = http.get(format!("{base}/readyz")).send().await.ok()?;
        ready.status().is_success().then_some(())
    })
    .await;

    let page = http.get(&base).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("<form"), "the sample form is served at /");
    let posted = http
        .post(format!("{base}/forms/contact"))
        .json(&json!({"name": "Ada Lovelace", "email": "ada@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 200);
    assert_eq!(posted.json::<Value>().await.unwrap()["status"], "accepted");

    let lead = eventually(
        "the lead in the sandbox",
        Duration::from_secs(20),
        || async {
            let leads: Vec<Value> = http
                .get(format!("{base}/demo/leads"))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            leads
                .into_iter()
                .find(|lead| lead["email"] == "ada@example.com")
        },
    )
    .await;
    assert_eq!(lead["firstName"], "Ada");
    assert_eq!(lead["lastName"], "Lovelace");
    // The demo's sandbox serves the newest generation: no role, the key alone.
    assert_eq!(lead["type"], "individual");
    assert_eq!(lead["status"], "New");
    assert!(
        lead.get("role").is_none(),
        "no role on the newest API: {lead}"
    );
    assert_eq!(lead["sendInvitationEmail"], false, "no invitation e-mail");

    let database = std::env::temp_dir().join(format!("leadrelay-demo-{}.db", demo.id()));
    assert!(
        database.exists(),
        "the demo keeps its leads in {database:?}"
    );
    demo.terminate();
    let status = demo.exit_within(Duration::from_secs(20)).await;
    assert!(status.success(), "{status:?}");
    assert!(!database.exists(), "the demo removes its database on exit");
}
