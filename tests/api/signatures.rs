//! Black-box: each sender's signature scheme on `/hooks`, and forms with a
//! token or secret refusing unsigned posts on either door.

use crate::helpers::{sandbox_leads, spawn_app, TestApp};
use leadrelay::{config::SignatureScheme, intake::signature::sign};
use secrecy::SecretString;
use serde_json::{json, Value};

const SIGNED_SENDERS: &str = r#"
[forms.typeform]
preset = "typeform"
signature_secret = "tf-secret"

[forms.tally]
preset = "tally"
signature_secret = "tally-secret"

[forms.webflow]
preset = "webflow"
signature_secret = "wf-secret"

[forms.wpforms]
preset = "wpforms"
signature_secret = "wp-secret"
signature_header = "X-Lead-Signature"

[forms.generic]
signature_secret = "gen-secret"
signature_header = "X-Hub-Signature-256"
signature_encoding = "hex"
"#;

async fn post_with(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
    body: &str,
) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}{path}", app.address))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    request.send().await.expect("request sent")
}

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/fixtures/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .expect("fixture exists")
}

#[tokio::test]
async fn each_senders_signature_scheme_is_verified() {
    let app = spawn_app(SIGNED_SENDERS).await;
    let now_ms = chrono::Utc::now().timestamp_millis();
    let cases: [(&str, SignatureScheme, &str, &str, &str); 5] = [
        (
            "typeform",
            SignatureScheme::Typeform,
            "typeform-signature",
            "tf-secret",
            "typeform.json",
        ),
        (
            "tally",
            SignatureScheme::Tally,
            "tally-signature",
            "tally-secret",
            "tally.json",
        ),
        (
            "webflow",
            SignatureScheme::Webflow,
            "x-webflow-signature",
            "wf-secret",
            "webflow.json",
        ),
        (
            "wpforms",
            SignatureScheme::Wpforms,
            "x-lead-signature",
            "wp-secret",
            "wpforms.json",
        ),
        (
            "generic",
            SignatureScheme::Hmac,
            "x-hub-signature-256",
            "gen-secret",
            "zapier.json",
        ),
    ];

    for (form, scheme, header, secret, file) in cases {
        let secret = SecretString::from(secret);
        let body = fixture(file);
        let tampered = format!("{body} ");
        let signed = |body: &str, stamp: i64| {
            let mut headers = Vec::new();
            let message = if scheme == SignatureScheme::Webflow {
                headers.push(("x-webflow-timestamp", stamp.to_string()));
                format!("{stamp}:{body}")
            } else {
                body.to_owned()
            };
            let signature = sign(scheme, &secret, message.as_bytes());
            let signature = if form == "generic" {
                format!("sha256={signature}")
            } else {
                signature
            };
            headers.push((header, signature));
            headers
        };
        let path = format!("/hooks/{form}");

        let good = post_with(&app, &path, &signed(&body, now_ms), &body).await;
        let forged = post_with(&app, &path, &signed(&body, now_ms), &tampered).await;
        let unsigned = post_with(&app, &path, &[], &body).await;

        assert_eq!(good.status(), 200, "{form}: {}", good.text().await.unwrap());
        assert_eq!(forged.status(), 401, "{form}: tampered body");
        let refusal: Value = forged.json().await.unwrap();
        assert_eq!(refusal["error"]["code"], "unauthorized", "{form}");
        assert_eq!(unsigned.status(), 401, "{form}: no signature");
    }
    let stale_ms = now_ms - 10 * 60 * 1000;
    let body = fixture("webflow.json").replace("Jane", "Late");
    let secret = SecretString::from("wf-secret");
    let stale = post_with(
        &app,
        "/hooks/webflow",
        &[
            ("x-webflow-timestamp", stale_ms.to_string()),
            (
                "x-webflow-signature",
                sign(
                    SignatureScheme::Webflow,
                    &secret,
                    format!("{stale_ms}:{body}").as_bytes(),
                ),
            ),
        ],
        &body,
    )
    .await;

    assert_eq!(stale.status(), 401, "a replayed Webflow request is refused");
    let stored = app.state.outbox.list(&Default::default()).await.unwrap();
    let mut forms: Vec<_> = stored.iter().map(|lead| lead.form.as_str()).collect();
    forms.sort_unstable();
    assert_eq!(
        forms,
        ["generic", "tally", "typeform", "webflow", "wpforms"]
    );
    assert!(stored
        .iter()
        .all(|lead| lead.email == "jane.doe@example.com"));
    assert_eq!(sandbox_leads(&app.sandbox, 1).await[0]["firstName"], "Jane");
}

#[tokio::test]
async fn forms_with_a_token_or_secret_refuse_unsigned_browser_posts() {
    let app = spawn_app(SIGNED_SENDERS).await;

    let unsigned = app
        .post_json("typeform", &json!({"email": "x@example.com"}))
        .await;
    let no_token = app.post_form("zap", &[("email", "y@example.com")]).await;
    let with_token = app
        .http
        .post(format!("{}/forms/zap", app.address))
        .bearer_auth("test-hook-token")
        .json(&json!({"email": "z@example.com"}))
        .send()
        .await
        .unwrap();

    assert_eq!(unsigned.status(), 401);
    assert_eq!(no_token.status(), 401);
    assert_eq!(with_token.status(), 200);
    assert_eq!(
        sandbox_leads(&app.sandbox, 1).await[0]["email"],
        "z@example.com"
    );
}

#[tokio::test]
async fn extreme_signed_timestamps_are_refused_and_the_service_stays_up() {
    let app = spawn_app(&format!(
        "{SIGNED_SENDERS}\n[forms.standard]\nsigning_secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n"
    ))
    .await;
    let body = r#"{"email":"overflow@example.com"}"#;
    let extremes = [
        i64::MIN.to_string(),
        i64::MAX.to_string(),
        "-99999999999999999999999999999999".to_owned(),
        "99999999999999999999999999999999".to_owned(),
    ];

    let mut statuses = Vec::new();
    for stamp in &extremes {
        let standard = [
            ("webhook-id", "msg_1".to_owned()),
            ("webhook-timestamp", stamp.clone()),
            ("webhook-signature", "v1,AAAA".to_owned()),
        ];
        let webflow = [
            ("x-webflow-timestamp", stamp.clone()),
            ("x-webflow-signature", "00".repeat(32)),
        ];
        for (path, headers) in [
            ("/hooks/standard", &standard[..]),
            ("/hooks/webflow", &webflow[..]),
        ] {
            let response = app
                .http
                .post(format!("{}{path}", app.address))
                .header("content-type", "application/json")
                .headers(
                    headers
                        .iter()
                        .map(|(name, value)| (name.parse().unwrap(), value.parse().unwrap()))
                        .collect(),
                )
                .body(body)
                .send()
                .await;
            statuses.push((path, stamp.clone(), response.map(|r| r.status().as_u16())));
        }
    }

    assert!(
        statuses
            .iter()
            .all(|(_, _, status)| matches!(status, Ok(401))),
        "{statuses:?}"
    );
    app.assert_healthy().await;
}
