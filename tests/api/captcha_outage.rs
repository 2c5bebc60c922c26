//! A CAPTCHA provider outage, through the real binary: every real lead it could
//! not judge is kept as spam (answered like success, nothing lost), counted in
//! `leadrelay_captcha_unavailable_total`, logged once per outage, kept with its
//! reason, and released in one command.

use std::{
    collections::HashSet,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use crate::helpers::binary::{count_leads, wait_until_delivered, Binary};
use crate::helpers::process::leadrelay;
use axum::{http::StatusCode, routing::post, Json, Router};
use leadrelay::sandbox::Sandbox;
use serde_json::json;

/// A verify endpoint that passes every token, or answers 503 while `down`.
async fn switchable_verifier(down: Arc<AtomicBool>) -> String {
    let app = Router::new().route(
        "/siteverify",
        post(move || {
            let down = down.load(Ordering::SeqCst);
            async move {
                if down {
                    Err(StatusCode::SERVICE_UNAVAILABLE)
                } else {
                    Ok(Json(json!({"success": true})))
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/siteverify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_outage_is_counted_logged_once_kept_on_the_lead_and_released_in_one_command() {
    let sandbox = Sandbox::start().await.unwrap();
    let down = Arc::new(AtomicBool::new(true));
    let verify_url = switchable_verifier(down.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("leadrelay.toml");
    std::fs::write(
        &config,
        format!(
            r#"
[server]
listen = "127.0.0.1:0"
rate_limit_per_minute = 0
[log]
format = "json"
[agencyhandy]
api_url = "{}"
api_key = "{}"
[storage]
url = "sqlite://{}/leads.db"
[delivery]
poll_interval_ms = 50
[forms.contact]
honeypot = "_gotcha"
captcha = {{ provider = "turnstile", secret = "ts-secret", verify_url = "{verify_url}" }}
"#,
            sandbox.url(),
            sandbox.api_key(),
            dir.path().display()
        ),
    )
    .unwrap();
    let app = Binary::start(&config).await;
    let http = reqwest::Client::new();
    let post = |email: String, honeypot: &'static str| {
        http.post(format!("{}/forms/contact", app.address))
            .json(&json!({"email": email, "cf-turnstile-response": "token", "_gotcha": honeypot}))
            .send()
    };
    let mut kept = HashSet::new();

    // Two outages, with the provider answering in between; and a honeypot bot.
    for n in 0..3 {
        let email = format!("first-outage-{n}@example.com");
        assert_eq!(post(email.clone(), "").await.unwrap().status(), 200);
        kept.insert(email);
    }
    down.store(false, Ordering::SeqCst);
    assert_eq!(
        post("between@example.com".into(), "")
            .await
            .unwrap()
            .status(),
        200
    );
    down.store(true, Ordering::SeqCst);
    for n in 0..2 {
        let email = format!("second-outage-{n}@example.com");
        assert_eq!(post(email.clone(), "").await.unwrap().status(), 200);
        kept.insert(email);
    }
    assert_eq!(
        post("bot@example.com".into(), "http://spam.example")
            .await
            .unwrap()
            .status(),
        200
    );
    let metrics = http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let spam_before = count_leads(&config, "spam");
    let released = leadrelay(&[
        "leads",
        "release",
        "--reason",
        "captcha-unavailable",
        "--config",
    ])
    .arg(&config)
    .output()
    .unwrap();

    assert!(
        metrics.contains(
            "leadrelay_captcha_unavailable_total{form=\"contact\",provider=\"turnstile\"} 5"
        ),
        "{metrics}"
    );
    assert_eq!(spam_before, 6, "five kept for the outage, one bot");
    assert!(
        released.status.success(),
        "{}",
        String::from_utf8_lossy(&released.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&released.stdout).trim(),
        "5 lead(s) held as spam (captcha-unavailable) released"
    );
    let mut delivered = kept.clone();
    delivered.insert("between@example.com".into());
    wait_until_delivered(&sandbox, &delivered).await;
    assert_eq!(count_leads(&config, "spam"), 1, "the bot stays spam");
    assert!(!sandbox
        .lead_emails()
        .contains(&"bot@example.com".to_owned()));
    let lines = app.process.stop();
    let count = |needle: &str| lines.iter().filter(|line| line.contains(needle)).count();
    assert_eq!(
        count("captcha provider unavailable"),
        2,
        "one warning per outage, not per lead:\n{}",
        lines.join("\n")
    );
    assert_eq!(count("captcha provider answers again"), 1);
    assert_eq!(count("captcha provider still unavailable"), 0, "debug only");
}

#[tokio::test]
async fn the_reason_is_kept_on_the_lead_and_a_bad_reason_is_refused() {
    let (verify_url, dir) = (
        "http://127.0.0.1:9/siteverify",
        tempfile::tempdir().unwrap(),
    );
    let sandbox = Sandbox::start().await.unwrap();
    let settings = crate::helpers::test_settings(
        &format!(
            "[forms.c]\ncaptcha = {{ provider = \"hcaptcha\", secret = \"s\", verify_url = \"{verify_url}\", timeout_ms = 500 }}"
        ),
        &sandbox,
        &dir,
    );
    let app = leadrelay::startup::Application::build(settings.clone())
        .await
        .unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    let stop = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    let config = dir.path().join("leadrelay.toml");
    std::fs::write(
        &config,
        format!("[storage]\nurl = \"{}\"\n", settings.storage.url),
    )
    .unwrap();

    let response = reqwest::Client::new()
        .post(format!("{address}/forms/c"))
        .json(&json!({"email": "kept@example.com", "h-captcha-response": "t"}))
        .send()
        .await
        .unwrap();
    let refused = leadrelay(&["leads", "release", "--reason", "captcha", "--config"])
        .arg(&config)
        .output()
        .unwrap();

    assert_eq!(response.status(), 200);
    let spam = state.outbox.list(&Default::default()).await.unwrap();
    assert_eq!(spam.len(), 1);
    let reason = spam[0].last_error.as_deref().unwrap_or_default();
    assert!(
        reason.starts_with("captcha-unavailable: captcha could not be verified (hcaptcha: "),
        "{reason}"
    );
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("captcha-unavailable"), "{stderr}");
    stop.cancel();
}
