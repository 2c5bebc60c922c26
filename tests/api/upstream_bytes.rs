//! Whatever bytes Agencyhandy (or a proxy before it) answers with, the attempt
//! is recorded: on PostgreSQL, whose text cannot hold a NUL, too.
//! Needs `LEADRELAY_TEST_POSTGRES_URL`.

use std::time::Duration;

use crate::helpers::storage::TestDatabase;
use crate::helpers::{eventually, test_settings, FORMS};
use leadrelay::{domain::LeadState, outbox::LeadFilter, sandbox::Sandbox, startup::Application};
use serde_json::json;
use wiremock::{
    matchers::{method, path},
    Mock, MockServer, ResponseTemplate,
};

/// The newest generation of the API, whose create call fails with a body holding a NUL.
async fn agencyhandy_answering_a_nul() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/accounts/companies"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"companies": [{"_id": "c1", "name": "acme"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/members/bulk-lead"))
        .respond_with(ResponseTemplate::new(502).set_body_bytes(b"bad\0gateway".to_vec()))
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_attempt_whose_reply_holds_a_nul_is_recorded_on_postgres() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let upstream = agencyhandy_answering_a_nul().await;
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(FORMS, &sandbox, &dir);
    settings.storage.url = database.url();
    settings.agencyhandy.api_url = upstream.uri();
    let app = Application::build(settings).await.expect("app builds");
    let (address, state, stop) = (app.port(), app.state(), app.shutdown_token());
    tokio::spawn(app.run_until_stopped());

    let reply = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{address}/forms/plain"))
        .json(&json!({"email": "nul-reply@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 200);

    let lead = eventually(
        "the failed attempt recorded, the lead waiting to retry",
        Duration::from_secs(15),
        || async {
            let leads = state.outbox.list(&LeadFilter::default()).await.ok()?;
            leads
                .into_iter()
                .find(|lead| lead.state == LeadState::Retrying && lead.attempts == 1)
        },
    )
    .await;
    let error = lead.last_error.unwrap_or_default();
    assert!(
        error.contains("bad") && error.contains("gateway"),
        "{error}"
    );
    stop.cancel();
}
