//! Test mode: a submission carrying its form's `test_token` runs the whole
//! pipeline and is stored as `test`, with the request it would send, and is
//! never forwarded; the token itself is never stored.

use crate::helpers::{settled, spawn_app, TestApp};
use leadrelay::{domain::LeadState, outbox::LeadFilter};
use serde_json::{json, Value};
use wiremock::{
    matchers::{body_string_contains, method},
    Mock, MockServer, ResponseTemplate,
};

const TOKEN: &str = "test-mode-secret-1234";

fn forms(extra: &str) -> String {
    format!("[forms.trial]\nhoneypot = \"_gotcha\"\ntest_token = \"{TOKEN}\"\n{extra}")
}

async fn post_test(
    app: &TestApp,
    form: &str,
    body: &Value,
    token: Option<&str>,
) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}/forms/{form}", app.address))
        .json(body);
    if let Some(token) = token {
        request = request.header("leadrelay-test", token);
    }
    request.send().await.expect("request sent")
}

async fn stored_text(app: &TestApp, id: &str) -> (leadrelay::outbox::LeadDetail, String) {
    let lead = app
        .state
        .outbox
        .get(id.parse().unwrap())
        .await
        .unwrap()
        .expect("the lead is stored");
    let text = serde_json::to_string(&lead).unwrap();
    (lead, text)
}

#[tokio::test]
async fn a_test_submission_is_stored_with_what_it_would_send_and_never_forwarded() {
    let app = spawn_app(&forms("")).await;

    let reply = post_test(
        &app,
        "trial",
        &json!({"email": "dev@example.com", "name": "Dev Tester"}),
        Some(TOKEN),
    )
    .await;
    let real = app
        .post_json("trial", &json!({"email": "real@example.com"}))
        .await;

    assert_eq!(reply.status(), 200);
    let reply: Value = reply.json().await.unwrap();
    assert_eq!(reply["status"], "test");
    assert_eq!(real.status(), 200);
    crate::helpers::sandbox_leads(&app.sandbox, 1).await;
    settled(&app).await;
    assert_eq!(
        app.sandbox.lead_emails(),
        ["real@example.com"],
        "the test was not sent"
    );
    let (lead, text) = stored_text(&app, reply["id"].as_str().unwrap()).await;
    assert_eq!(lead.summary.state, LeadState::Test);
    assert_eq!(lead.summary.name, "Dev Tester");
    assert!(lead.attempt_log.is_empty());
    let reason = lead.summary.last_error.as_deref().unwrap();
    assert!(reason.starts_with("test: would be sent"), "{reason}");
    let would_send = &lead.submission.as_ref().unwrap()["would_send"];
    assert_eq!(would_send["method"], "POST");
    assert!(
        would_send["url"]
            .as_str()
            .unwrap()
            .starts_with(&app.sandbox.url()),
        "{would_send}"
    );
    assert_eq!(would_send["headers"]["x-api-key"], "[redacted]");
    let body = would_send["body"].to_string();
    assert!(
        body.contains("dev@example.com") && body.contains("\"Dev\""),
        "{body}"
    );
    assert!(!text.contains(TOKEN), "the test token is never stored");
    assert!(!text.contains(app.sandbox.api_key()), "nor the API key");
}

#[tokio::test]
async fn the_field_works_too_and_spam_guards_run_as_for_real() {
    let app = spawn_app(&forms("")).await;

    let reply = app
        .post_form(
            "trial",
            &[
                ("email", "dev@example.com"),
                ("_gotcha", "filled"),
                ("_leadrelay_test", TOKEN),
            ],
        )
        .await;

    assert_eq!(
        reply.status(),
        200,
        "a browser post gets the usual thank-you"
    );
    let tests = app
        .state
        .outbox
        .list(&LeadFilter {
            state: Some(LeadState::Test),
            ..LeadFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(tests.len(), 1);
    let reason = tests[0].last_error.as_deref().unwrap();
    assert!(
        reason.contains("would be kept as spam (honeypot"),
        "{reason}"
    );
    let (lead, text) = stored_text(&app, &tests[0].id.to_string()).await;
    assert!(!text.contains(TOKEN), "{text}");
    assert!(lead.submission.unwrap()["submission"]["fields"]
        .to_string()
        .contains("_gotcha"));
}

#[tokio::test]
async fn a_wrong_test_token_or_a_form_without_test_mode_is_refused() {
    let app = spawn_app(&forms("")).await;

    let wrong = post_test(
        &app,
        "trial",
        &json!({"email": "a@example.com"}),
        Some("guess"),
    )
    .await;
    let not_enabled = post_test(
        &app,
        "ajax",
        &json!({"email": "b@example.com"}),
        Some(TOKEN),
    )
    .await;

    for refused in [wrong, not_enabled] {
        assert_eq!(refused.status(), 401);
        let body: Value = refused.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
        assert!(!body.to_string().contains(TOKEN));
    }
    let counts = app.state.outbox.count_by_state().await.unwrap();
    assert!(
        counts.iter().all(|(_, n)| *n == 0),
        "nothing stored: {counts:?}"
    );
}

#[tokio::test]
async fn a_test_submission_with_the_providers_test_token_is_verified_with_its_test_secret() {
    let verifier = MockServer::start().await;
    Mock::given(method("POST"))
        .and(body_string_contains(
            "secret=1x0000000000000000000000000000000AA",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"success": true, "hostname": "example.com"})),
        )
        .expect(1)
        .mount(&verifier)
        .await;
    Mock::given(method("POST"))
        .and(body_string_contains("secret=form-secret"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"success": false, "error-codes": ["invalid-input-response"]}),
            ),
        )
        .expect(1)
        .mount(&verifier)
        .await;
    let captcha = format!(
        "allowed_origins = [\"https://site.example\"]\ncaptcha = {{ provider = \"turnstile\", secret = \"form-secret\", verify_url = \"{}/siteverify\" }}",
        verifier.uri()
    );
    let app = spawn_app(&forms(&captcha)).await;
    let dummy =
        json!({"email": "dev@example.com", "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX"});

    let test = post_test(&app, "trial", &dummy, Some(TOKEN)).await;
    let real = post_test(
        &app,
        "trial",
        &json!({"email": "bot@example.com", "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX"}),
        None,
    )
    .await;

    assert_eq!((test.status().as_u16(), real.status().as_u16()), (200, 200));
    let leads = app.state.outbox.list(&LeadFilter::default()).await.unwrap();
    let state_of = |email: &str| leads.iter().find(|l| l.email == email).map(|l| l.state);
    assert_eq!(state_of("dev@example.com"), Some(LeadState::Test));
    assert_eq!(
        state_of("bot@example.com"),
        Some(LeadState::Spam),
        "outside test mode the dummy token meets the form's own secret"
    );
    let test_lead = leads.iter().find(|l| l.email == "dev@example.com").unwrap();
    assert!(
        test_lead
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("test: would be sent"),
        "the test key passed, and its placeholder site is not judged: {:?}",
        test_lead.last_error
    );
    verifier.verify().await;
}
