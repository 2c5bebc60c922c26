//! Black-box intake: every encoding, every reply shape, every error code.

use crate::helpers::{sandbox_leads, settled, spawn_app, spawn_app_at};
use leadrelay::sandbox::Generation;
use serde_json::{json, Value};

#[tokio::test]
async fn json_submission_is_accepted_and_reaches_agencyhandy() {
    let app = spawn_app_at(Generation::CompanyBulkClient, "").await;

    let response = app
        .post_json("ajax", &json!({"name": "Ada Lovelace", "email": " ada@example.com ", "phone": "+44 20 7946 0000"}))
        .await;

    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "accepted");
    assert!(body["id"].as_str().is_some_and(|id| id.len() == 36));
    let leads = sandbox_leads(&app.sandbox, 1).await;
    assert_eq!(leads[0]["firstName"], "Ada");
    assert_eq!(leads[0]["lastName"], "Lovelace");
    assert_eq!(leads[0]["email"], "ada@example.com");
    assert_eq!(leads[0]["contactNo"], "+44 20 7946 0000");
    assert_eq!(leads[0]["isConvertedClient"], false);
    assert_eq!(leads[0]["role"], app.sandbox.client_role_id());
    assert_eq!(leads[0]["status"], "New");
    assert_eq!(leads[0]["source"], "website");
    assert_eq!(leads[0]["positionInBoard"], 1);
}

#[tokio::test]
async fn browser_post_redirects_with_303() {
    let app = spawn_app("").await;

    let response = app
        .post_form(
            "contact",
            &[
                ("your-name", "Grace Hopper"),
                ("your-email", "grace@example.com"),
            ],
        )
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "https://example.com/thanks");
    let leads = sandbox_leads(&app.sandbox, 1).await;
    assert_eq!(leads[0]["firstName"], "Grace");
}

#[tokio::test]
async fn browser_post_without_redirect_gets_a_thank_you_page() {
    let app = spawn_app("").await;

    let response = app.post_form("plain", &[("email", "x@example.com")]).await;

    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    assert!(response.text().await.unwrap().contains("Thank you"));
}

#[tokio::test]
async fn next_field_is_followed_only_to_an_allowed_origin() {
    let app = spawn_app("").await;

    let allowed = app
        .post_form(
            "contact",
            &[
                ("email", "a@example.com"),
                ("_next", "https://example.com/merci"),
            ],
        )
        .await;
    let foreign = app
        .post_form(
            "contact",
            &[
                ("email", "b@example.com"),
                ("_next", "https://evil.example/phish"),
            ],
        )
        .await;

    assert_eq!(allowed.headers()["location"], "https://example.com/merci");
    assert_eq!(foreign.headers()["location"], "https://example.com/thanks");
}

#[tokio::test]
async fn a_next_with_line_breaks_redirects_to_the_url_it_parses_to() {
    let app = spawn_app("").await;

    let response = app
        .post_form(
            "contact",
            &[
                ("email", "crlf@example.com"),
                ("_next", "https://example.com/ok\r\nSet-Cookie: a=b"),
            ],
        )
        .await;

    assert_eq!(response.status(), 303, "the lead is stored: a success");
    assert_eq!(
        response.headers()["location"],
        "https://example.com/okSet-Cookie:%20a=b"
    );
    assert!(response.headers().get("set-cookie").is_none());
    app.assert_healthy().await;
}

#[tokio::test]
async fn browser_post_asking_for_json_gets_json() {
    let app = spawn_app("").await;

    let response = app
        .http
        .post(format!("{}/forms/contact", app.address))
        .header("accept", "application/json")
        .form(&[("email", "a@example.com")])
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.json::<Value>().await.unwrap()["status"],
        "accepted"
    );
}

#[tokio::test]
async fn multipart_ignores_file_parts() {
    let app = spawn_app("").await;
    let form = reqwest::multipart::Form::new()
        .text("name", "Alan Turing")
        .text("email", "alan@example.com")
        .part(
            "attachment",
            reqwest::multipart::Part::bytes(vec![0u8, 159, 146, 150]).file_name("cv.pdf"),
        );

    let response = app
        .http
        .post(format!("{}/forms/ajax", app.address))
        .header("accept", "application/json")
        .multipart(form)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let leads = sandbox_leads(&app.sandbox, 1).await;
    assert_eq!(leads[0]["email"], "alan@example.com");
    assert_eq!(leads[0]["lastName"], "Turing");
}

#[tokio::test]
async fn text_plain_carrying_json_is_read() {
    let app = spawn_app("").await;

    let response = app
        .post_raw(
            "/forms/ajax",
            "text/plain;charset=UTF-8",
            r#"{"email":"beacon@example.com","name":"Bea Con"}"#,
        )
        .await;

    assert_eq!(response.status(), 200);
    let leads = sandbox_leads(&app.sandbox, 1).await;
    assert_eq!(leads[0]["email"], "beacon@example.com");
}

#[tokio::test]
async fn a_byte_order_mark_before_the_body_is_set_aside() {
    let app = spawn_app("").await;
    let bodies = [
        ("application/json", r#"{"email": "bom-json@example.com"}"#),
        ("text/plain", r#"{"email": "bom-text@example.com"}"#),
        (
            "application/x-www-form-urlencoded",
            "email=bom-form%40example.com",
        ),
    ];

    for (content_type, body) in bodies {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(body.as_bytes());
        let response = app
            .http
            .post(format!("{}/forms/plain", app.address))
            .header("content-type", content_type)
            .header("accept", "application/json")
            .body(bytes)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{content_type}");
    }

    let mut emails: Vec<String> = sandbox_leads(&app.sandbox, 3)
        .await
        .iter()
        .map(|lead| lead["email"].as_str().unwrap().to_owned())
        .collect();
    emails.sort();
    assert_eq!(
        emails,
        [
            "bom-form@example.com",
            "bom-json@example.com",
            "bom-text@example.com"
        ]
    );
}

#[tokio::test]
async fn nested_json_and_name_value_arrays_are_read() {
    let app = spawn_app(
        r#"
[forms.nested.fields]
email = ["contact.email"]
contactNo = ["contact.details.phone"]
"#,
    )
    .await;

    let nested = app
        .post_json(
            "nested",
            &json!({"contact": {"email": "n@example.com", "details": {"phone": "555-0100"}}}),
        )
        .await;
    let pairs = app
        .post_json(
            "ajax",
            &json!({"fields": [{"name": "email", "value": "pairs@example.com"}, {"name": "Full Name", "value": "Pat Pair"}]}),
        )
        .await;

    assert_eq!(nested.status(), 200);
    assert_eq!(pairs.status(), 200);
    let leads = sandbox_leads(&app.sandbox, 2).await;
    let by_email = |email: &str| leads.iter().find(|l| l["email"] == email).cloned().unwrap();
    assert_eq!(by_email("n@example.com")["contactNo"], "555-0100");
    assert_eq!(by_email("pairs@example.com")["firstName"], "Pat");
}

#[tokio::test]
async fn unknown_form_is_404_json() {
    let app = spawn_app("").await;

    let response = app
        .post_json("nope", &json!({"email": "a@example.com"}))
        .await;

    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
}

#[tokio::test]
async fn malformed_json_is_400() {
    let app = spawn_app("").await;

    let response = app
        .post_raw("/forms/ajax", "application/json", "{\"email\": ")
        .await;

    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_body");
}

/// `{"email": ..., "x": [[...]]}`, nested `depth` levels in all.
fn nested(email: &str, depth: usize) -> String {
    let arrays = depth - 1;
    format!(
        r#"{{"email": "{email}", "x": {}{}}}"#,
        "[".repeat(arrays),
        "]".repeat(arrays)
    )
}

#[tokio::test]
async fn a_json_body_is_accepted_only_as_deep_as_its_lead_reads_back() {
    let app = spawn_app("[server]\nadmin_token = \"admin-test-token\"").await;

    for depth in [20, 64, 65, 100, 127, 128] {
        let email = format!("deep{depth}@example.com");
        let response = app
            .post_raw("/forms/plain", "application/json", nested(&email, depth))
            .await;
        let status = response.status();
        let body: Value = response.json().await.unwrap();
        if depth <= 64 {
            assert_eq!(status, 200, "depth {depth}: {body}");
        }
        if status != 200 {
            assert_eq!(status, 400, "depth {depth}: {body}");
            assert_eq!(body["error"]["code"], "malformed_body");
            continue;
        }
        let id = body["id"].as_str().unwrap();
        let shown = app
            .http
            .get(format!("{}/admin/leads/{id}", app.address))
            .bearer_auth("admin-test-token")
            .send()
            .await
            .unwrap();
        assert_eq!(
            shown.status(),
            200,
            "depth {depth}: a stored lead reads back"
        );
    }
    app.assert_healthy().await;
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = spawn_app("[server]\nmax_body_bytes = 1024").await;

    let big = json!({"email": "a@example.com", "message": "x".repeat(4096)});
    let response = app.post_json("ajax", &big).await;

    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "body_too_large");
}

#[tokio::test]
async fn unsupported_content_type_is_415() {
    let app = spawn_app("").await;

    let response = app
        .post_raw("/forms/ajax", "application/xml", "<lead/>")
        .await;

    assert_eq!(response.status(), 415);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unsupported_media_type");
}

#[tokio::test]
async fn an_empty_or_invalid_email_is_422_naming_the_field() {
    let app = spawn_app("").await;

    let empty = app
        .post_json("ajax", &json!({"name": "No Mail", "email": " "}))
        .await;
    let invalid = app.post_json("ajax", &json!({"email": "bob@"})).await;

    assert_eq!(empty.status(), 422);
    let body: Value = empty.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_lead");
    assert!(body["error"]["fields"]["email"].is_string(), "{body}");
    assert_eq!(invalid.status(), 422);
    let body: Value = invalid.json().await.unwrap();
    assert!(
        body["error"]["fields"]["email"]
            .as_str()
            .unwrap()
            .contains("bob@"),
        "{body}"
    );
}

#[tokio::test]
async fn browser_error_goes_to_error_redirect() {
    let app = spawn_app("").await;

    let response = app
        .post_form("contact", &[("name", "Typo"), ("email", "bob@example")])
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "https://example.com/oops?error=invalid_lead"
    );
}

#[tokio::test]
async fn honeypot_answers_like_success_and_is_never_forwarded() {
    let app = spawn_app("").await;

    let response = app
        .post_form(
            "contact",
            &[
                ("email", "bot@example.com"),
                ("_gotcha", "http://spam.example"),
            ],
        )
        .await;
    let real = app
        .post_form("contact", &[("email", "human@example.com")])
        .await;

    assert_eq!(response.status(), 303);
    assert_eq!(response.headers()["location"], "https://example.com/thanks");
    assert_eq!(real.status(), 303);
    sandbox_leads(&app.sandbox, 1).await;
    settled(&app).await;
    assert_eq!(app.sandbox.lead_emails(), vec!["human@example.com"]);
    let spam = app
        .state
        .outbox
        .list(&leadrelay::outbox::LeadFilter {
            state: Some(leadrelay::domain::LeadState::Spam),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(spam.len(), 1);
    assert_eq!(spam[0].email, "bot@example.com");
}

#[tokio::test]
async fn repeated_urlencoded_keys_are_kept() {
    let app = spawn_app("").await;

    let response = app
        .post_raw(
            "/forms/ajax",
            "application/x-www-form-urlencoded",
            "email=r%40example.com&interest=seo&interest=ads",
        )
        .await;

    assert_eq!(
        response.status(),
        200,
        "a form without a redirect answers 200"
    );
    let leads = sandbox_leads(&app.sandbox, 1).await;
    let id: String = leads[0]["email"].as_str().unwrap().into();
    assert_eq!(id, "r@example.com");
    let stored = app.state.outbox.list(&Default::default()).await.unwrap();
    let detail = app.state.outbox.get(stored[0].id).await.unwrap().unwrap();
    let fields = detail.submission.unwrap()["submission"]["fields"].to_string();
    assert!(fields.contains("seo") && fields.contains("ads"), "{fields}");
}
