//! Black-box: spam verdicts (common honeypot names, fill time, CAPTCHA) and
//! slow clients.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use crate::helpers::{eventually, sandbox_leads, settled, spawn_app, TestApp};
use axum::{routing::post, Form, Json, Router};
use leadrelay::{domain::LeadState, outbox::LeadFilter};
use serde_json::{json, Value};
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::Instant,
};

/// Stored spam leads: e-mail → the stored reason.
async fn spam_reasons(app: &TestApp) -> BTreeMap<String, String> {
    let filter = LeadFilter {
        state: Some(LeadState::Spam),
        ..Default::default()
    };
    let mut reasons = BTreeMap::new();
    for lead in app.state.outbox.list(&filter).await.unwrap() {
        let detail = app.state.outbox.get(lead.id).await.unwrap().unwrap();
        let reason = detail.submission.unwrap()["spam"]
            .as_str()
            .unwrap()
            .to_owned();
        reasons.insert(lead.email, reason);
    }
    reasons
}

#[tokio::test]
async fn common_honeypots_and_fill_time_make_spam_answered_like_success() {
    let app = spawn_app(
        "[forms.guarded]\nhoneypot_common = true\nmin_fill_secs = 3\nredirect = \"https://example.com/thanks\"",
    )
    .await;
    let posts: [&[(&str, &str)]; 5] = [
        &[("email", "bot1@example.com"), ("botcheck", "on")],
        &[("email", "bot2@example.com"), ("_ts", "800")],
        &[
            ("email", "human1@example.com"),
            ("_ts", "12000"),
            ("botcheck", ""),
        ],
        &[("email", "human2@example.com")],
        &[
            ("email", "bot3@example.com"),
            ("_honey", "x"),
            ("_ts", "9000"),
        ],
    ];

    for fields in posts {
        let response = app.post_form("guarded", fields).await;
        assert_eq!(response.status(), 303, "{fields:?}");
        assert_eq!(response.headers()["location"], "https://example.com/thanks");
    }

    sandbox_leads(&app.sandbox, 2).await;
    settled(&app).await;
    let mut delivered = app.sandbox.lead_emails();
    delivered.sort();
    assert_eq!(delivered, ["human1@example.com", "human2@example.com"]);
    let reasons = spam_reasons(&app).await;
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert_eq!(
        reasons["bot1@example.com"],
        "honeypot field \"botcheck\" was filled"
    );
    assert!(
        reasons["bot2@example.com"].contains("800 ms"),
        "{reasons:?}"
    );
    assert!(
        reasons["bot3@example.com"].contains("_honey"),
        "{reasons:?}"
    );
}

/// A fake verify endpoint: `pass` passes (score 0.9), `low` scores 0.1, `boom`
/// is a 500, `on:HOST` passes as solved on HOST, anything else fails. Records
/// every form it receives.
async fn fake_verifier() -> (String, Arc<Mutex<Vec<HashMap<String, String>>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let app = Router::new().route(
        "/siteverify",
        post(move |Form(form): Form<HashMap<String, String>>| {
            let record = record.clone();
            async move {
                let token = form.get("response").cloned().unwrap_or_default();
                record.lock().unwrap().push(form);
                if let Some(host) = token.strip_prefix("on:") {
                    return Ok(Json(json!({"success": true, "hostname": host})));
                }
                match token.as_str() {
                    "pass" => Ok(Json(json!({"success": true, "score": 0.9}))),
                    "low" => Ok(Json(json!({"success": true, "score": 0.1}))),
                    "boom" => Err(axum::http::StatusCode::INTERNAL_SERVER_ERROR),
                    _ => Ok(Json(
                        json!({"success": false, "error-codes": ["invalid-input-response"]}),
                    )),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/siteverify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

#[tokio::test]
async fn a_captcha_solved_on_another_site_is_spam() {
    let (verify_url, _) = fake_verifier().await;
    let app = spawn_app(&format!(
        r#"
[forms.sited]
allowed_origins = ["https://www.agency.example"]
captcha = {{ provider = "turnstile", secret = "ts-secret", verify_url = "{verify_url}" }}
"#
    ))
    .await;

    for (email, host) in [
        ("home@example.com", "www.agency.example"),
        ("farmed@example.com", "tokens.example"),
    ] {
        let body = json!({"email": email, "cf-turnstile-response": format!("on:{host}")});
        let response = app.post_json("sited", &body).await;
        assert_eq!(response.status(), 200, "{email}");
    }

    sandbox_leads(&app.sandbox, 1).await;
    let reasons = spam_reasons(&app).await;
    assert_eq!(
        reasons.keys().map(String::as_str).collect::<Vec<_>>(),
        ["farmed@example.com"]
    );
    assert_eq!(
        reasons["farmed@example.com"],
        "captcha solved on tokens.example, which is not in the form's allowed_origins"
    );
}

#[tokio::test]
async fn captcha_verdicts_decide_spam_and_unverifiable_leads_are_kept_for_release() {
    let (verify_url, seen) = fake_verifier().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let app = spawn_app(&format!(
        r#"
[forms.turnstile]
captcha = {{ provider = "turnstile", secret = "ts-secret", verify_url = "{verify_url}" }}
[forms.recaptcha]
captcha = {{ provider = "recaptcha", secret = "rc-secret", verify_url = "{verify_url}" }}
[forms.down]
captcha = {{ provider = "hcaptcha", secret = "hc-secret", verify_url = "http://{closed}/siteverify", timeout_ms = 500 }}
"#
    ))
    .await;
    let posts = [
        (
            "turnstile",
            "pass@example.com",
            Some(("cf-turnstile-response", "pass")),
        ),
        (
            "turnstile",
            "fail@example.com",
            Some(("cf-turnstile-response", "forged")),
        ),
        ("turnstile", "none@example.com", None),
        (
            "turnstile",
            "boom@example.com",
            Some(("cf-turnstile-response", "boom")),
        ),
        (
            "recaptcha",
            "low@example.com",
            Some(("g-recaptcha-response", "low")),
        ),
        (
            "recaptcha",
            "high@example.com",
            Some(("g-recaptcha-response", "pass")),
        ),
        (
            "down",
            "down@example.com",
            Some(("h-captcha-response", "pass")),
        ),
    ];

    for (form, email, token) in posts {
        let mut body = json!({"email": email, "name": "Cap Tcha"});
        if let Some((field, value)) = token {
            body[field] = json!(value);
        }
        let response = app.post_json(form, &body).await;
        assert_eq!(response.status(), 200, "{email}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["status"],
            "accepted"
        );
    }

    sandbox_leads(&app.sandbox, 2).await;
    let reasons = spam_reasons(&app).await;
    assert_eq!(
        reasons.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "boom@example.com",
            "down@example.com",
            "fail@example.com",
            "low@example.com",
            "none@example.com"
        ]
    );
    assert_eq!(
        reasons["fail@example.com"],
        "captcha rejected by turnstile (invalid-input-response)"
    );
    assert!(
        reasons["none@example.com"].contains("cf-turnstile-response"),
        "{reasons:?}"
    );
    assert!(
        reasons["low@example.com"].contains("score 0.1"),
        "{reasons:?}"
    );
    assert!(
        reasons["boom@example.com"]
            .starts_with("captcha could not be verified (turnstile: HTTP status server error (500"),
        "{reasons:?}"
    );
    assert!(
        reasons["down@example.com"].starts_with("captcha could not be verified (hcaptcha: "),
        "{reasons:?}"
    );
    let calls = seen.lock().unwrap().clone();
    assert_eq!(
        calls.len(),
        5,
        "no call without a token, none to the closed port"
    );
    assert_eq!(calls[0]["secret"], "ts-secret");
    assert_eq!(calls[0]["response"], "pass");
    assert_eq!(calls[0]["remoteip"], "127.0.0.1");
    assert!(calls.iter().any(|call| call["secret"] == "rc-secret"));

    let kept = app
        .state
        .outbox
        .list(&LeadFilter {
            state: Some(LeadState::Spam),
            ..Default::default()
        })
        .await
        .unwrap()
        .into_iter()
        .find(|lead| lead.email == "down@example.com")
        .unwrap();
    assert!(app.state.outbox.release(kept.id).await.unwrap());
    app.state.wake.notify_one();
    eventually(
        "the released lead is delivered",
        Duration::from_secs(10),
        || async {
            app.sandbox
                .lead_emails()
                .contains(&"down@example.com".to_owned())
                .then_some(())
        },
    )
    .await;
}

fn socket_address(app: &TestApp) -> String {
    app.address.trim_start_matches("http://").to_owned()
}

#[tokio::test]
async fn slow_or_silent_headers_are_cut_off_and_the_server_stays_healthy() {
    let app = spawn_app("[server]\nheader_read_timeout_secs = 1").await;
    let mut silent = TcpStream::connect(socket_address(&app)).await.unwrap();
    let mut slow = TcpStream::connect(socket_address(&app)).await.unwrap();
    slow.write_all(b"POST /forms/ajax HTTP/1.1\r\nHost: leadrelay\r\nContent-Type: appl")
        .await
        .unwrap();
    let started = Instant::now();

    for stream in [&mut silent, &mut slow] {
        let mut answer = Vec::new();
        let closed =
            tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer)).await;
        assert!(closed.is_ok(), "the connection is closed, not held open");
        assert!(!String::from_utf8_lossy(&answer).contains("200 OK"));
    }

    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "{:?}",
        started.elapsed()
    );
    app.assert_healthy().await;
    let ok = app
        .post_json("ajax", &json!({"email": "after@example.com"}))
        .await;
    assert_eq!(ok.status(), 200);
}

#[tokio::test]
async fn a_trickling_body_is_cut_off_by_the_request_timeout_with_a_503_to_retry() {
    let app = spawn_app("[server]\nrequest_timeout_secs = 1").await;
    let mut stream = TcpStream::connect(socket_address(&app)).await.unwrap();
    stream
        .write_all(
            b"POST /forms/ajax HTTP/1.1\r\nHost: leadrelay\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"email\":",
        )
        .await
        .unwrap();

    let mut answer = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), async {
        let mut chunk = [0u8; 1024];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&chunk[..n]),
            }
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;

    assert!(
        read.is_ok(),
        "the server answers instead of waiting for the body"
    );
    let head = String::from_utf8_lossy(&answer).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 503"), "{head}");
    assert!(head.contains("\r\nretry-after: "), "{head}");
    assert!(
        head.contains("\r\ncontent-type: application/json"),
        "{head}"
    );
    assert!(head.contains("\r\nx-request-id: "), "{head}");
    app.assert_healthy().await;
    assert!(app
        .state
        .outbox
        .list(&Default::default())
        .await
        .unwrap()
        .is_empty());
}
