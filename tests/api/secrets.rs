//! Secrets never leak: the real binary runs at TRACE level with distinctive
//! secrets (API key from the environment, form token, Standard Webhooks
//! secret, sender signature secret, admin token, CAPTCHA secret), serves
//! traffic including failures (bad tokens and signatures, validation errors,
//! upstream 500 and a revoked key), and every output is searched for them:
//! each log line, every reply, /metrics, /admin, the CLI's output, `Debug`.

use std::{
    io::{BufRead, BufReader},
    process::{Command, Stdio},
    sync::{Arc, Mutex},
};

use leadrelay::{
    config::{Settings, SignatureScheme},
    intake::{auth::sign_standard_webhook, signature::sign},
    sandbox::{Sandbox, SandboxOptions},
};
use secrecy::SecretString;
use serde_json::{json, Value};

use crate::helpers::eventually;
use crate::helpers::process::leadrelay;
use crate::helpers::secrets::{
    canaries, captcha_verifier, cli, cli_with, config, whsec, Transcript, ADMIN_TOKEN, API_KEY,
    CAPTCHA_SECRET, FORM_TOKEN, NUMERIC_API_KEY, NUMERIC_TOKEN, SIGNATURE_SECRET, WAIT,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_appears_in_logs_replies_metrics_admin_cli_or_debug() {
    let sandbox = Sandbox::start_with(SandboxOptions {
        api_key: API_KEY.into(),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let captcha_seen = Arc::new(Mutex::new(Vec::new()));
    let verify_url = captcha_verifier(captcha_seen.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let config_path = dir.path().join("leadrelay.toml");
    std::fs::write(&config_path, config(&sandbox, &verify_url, dir.path())).unwrap();
    let transcript = Transcript::default();
    let logs = Transcript::default();

    let mut child = leadrelay(&["serve", "--config"])
        .arg(&config_path)
        .env("LEADRELAY_AGENCYHANDY__API_KEY", API_KEY)
        .env("RUST_LOG", "trace")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let readers: Vec<_> = [
        (
            "stdout",
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
        ),
        ("stderr", Box::new(child.stderr.take().unwrap())),
    ]
    .into_iter()
    .map(|(label, stream)| {
        let logs = logs.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                logs.add(label, line);
            }
        })
    })
    .collect();
    let address = eventually("the listening line", WAIT, || async {
        let line = logs.find("leadrelay is listening")?;
        let line: Value = serde_json::from_str(&line).ok()?;
        line["address"].as_str().map(str::to_owned)
    })
    .await;
    let base = format!("http://{address}");
    let http = reqwest::Client::new();
    let record = |label: &str, response: reqwest::Response| {
        let transcript = transcript.clone();
        let label = label.to_owned();
        async move {
            let status = response.status().as_u16();
            transcript.add(&label, format!("{:?}", response.headers()));
            let body = response.text().await.unwrap();
            transcript.add(&label, body.clone());
            (status, body)
        }
    };

    // Act: traffic, failures included.
    sandbox.fail_next(1, 500, None);
    let zap = format!("{base}/hooks/zap");
    let lead = json!({"email": "zap@example.com", "name": "Zap Person"});
    let (wrong, _) = record(
        "zap wrong token",
        http.post(&zap)
            .bearer_auth("wrong")
            .json(&lead)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (right, _) = record(
        "zap",
        http.post(&zap)
            .bearer_auth(FORM_TOKEN)
            .json(&lead)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let body = br#"{"email":"signed@example.com"}"#;
    let now = chrono::Utc::now().timestamp();
    let secret = SecretString::from(whsec());
    let signed = |signature: String| {
        http.post(format!("{base}/hooks/signed"))
            .header("content-type", "application/json")
            .header("webhook-id", "msg_1")
            .header("webhook-timestamp", now.to_string())
            .header("webhook-signature", signature)
            .body(body.to_vec())
            .send()
    };
    let (bad_sig, _) = record("signed bad", signed("v1,AAAA".into()).await.unwrap()).await;
    let (good_sig, _) = record(
        "signed",
        signed(sign_standard_webhook(&secret, "msg_1", now, body))
            .await
            .unwrap(),
    )
    .await;
    let typeform = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/typeform.json"
    ))
    .unwrap();
    let typeform_post = |signature: String| {
        http.post(format!("{base}/hooks/typeform"))
            .header("content-type", "application/json")
            .header("typeform-signature", signature)
            .body(typeform.clone())
            .send()
    };
    let (bad_tf, _) = record(
        "typeform bad",
        typeform_post("sha256=AAAA".into()).await.unwrap(),
    )
    .await;
    let tf_signature = sign(
        SignatureScheme::Typeform,
        &SecretString::from(SIGNATURE_SECRET),
        typeform.as_bytes(),
    );
    let (good_tf, _) = record("typeform", typeform_post(tf_signature).await.unwrap()).await;
    for token in ["pass", "forged"] {
        let post = http
            .post(format!("{base}/forms/human"))
            .json(&json!({"email": format!("{token}@example.com"), "cf-turnstile-response": token}))
            .send();
        record("captcha", post.await.unwrap()).await;
    }
    let open = format!("{base}/forms/open");
    let failures = [
        (
            "422",
            "application/json",
            "{\"email\": \"no-email@\"}".to_owned(),
        ),
        ("415", "application/xml", "<lead/>".to_owned()),
        ("400", "application/json", "{\"email\": ".to_owned()),
        (
            "413",
            "application/json",
            format!("{{\"notes\": \"{}\"}}", "x".repeat(8000)),
        ),
    ];
    for (expected, content_type, body) in failures {
        let response = http
            .post(&open)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, _) = record(expected, response).await;
        assert_eq!(status.to_string(), expected);
    }
    record(
        "404",
        http.post(format!("{base}/forms/nope"))
            .json(&lead)
            .send()
            .await
            .unwrap(),
    )
    .await;
    eventually("the zap lead delivered after a 500", WAIT, || async {
        sandbox
            .lead_emails()
            .contains(&"zap@example.com".to_owned())
            .then_some(())
    })
    .await;
    sandbox.set_key_revoked(true);
    cli(&transcript, &config_path, &["check"]).await;
    let rejected_before = sandbox.stats().rejected_calls;
    let revoked = http
        .post(&open)
        .json(&json!({"email": "revoked@example.com"}))
        .send()
        .await
        .unwrap();
    record("revoked", revoked).await;
    eventually("Agencyhandy refusing the revoked key", WAIT, || async {
        (sandbox.stats().rejected_calls > rejected_before).then_some(())
    })
    .await;
    sandbox.set_key_revoked(false);
    eventually("the held lead delivered", WAIT, || async {
        sandbox
            .lead_emails()
            .contains(&"revoked@example.com".to_owned())
            .then_some(())
    })
    .await;
    let (admin_wrong, _) = record(
        "admin wrong",
        http.get(format!("{base}/admin/leads"))
            .bearer_auth("nope")
            .send()
            .await
            .unwrap(),
    )
    .await;
    let (_, list) = record(
        "admin list",
        http.get(format!("{base}/admin/leads"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap(),
    )
    .await;
    let list: Value = serde_json::from_str(&list).unwrap();
    let ids: Vec<String> = list
        .as_array()
        .or_else(|| list["leads"].as_array())
        .expect("a list of leads")
        .iter()
        .map(|lead| lead["id"].as_str().unwrap().to_owned())
        .collect();
    for id in &ids {
        let detail = http
            .get(format!("{base}/admin/leads/{id}"))
            .bearer_auth(ADMIN_TOKEN)
            .send()
            .await
            .unwrap();
        record("admin detail", detail).await;
        cli(&transcript, &config_path, &["leads", "show", id]).await;
    }
    cli(&transcript, &config_path, &["leads", "list"]).await;
    cli(&transcript, &config_path, &["check"]).await;
    let numeric_env = cli_with(
        &transcript,
        &config_path,
        &["check"],
        &[
            ("LEADRELAY_AGENCYHANDY__API_KEY", API_KEY),
            ("LEADRELAY_FORMS__ZAP__TOKEN", NUMERIC_TOKEN),
        ],
    )
    .await;
    let bad_config = dir.path().join("numeric-key.toml");
    std::fs::write(
        &bad_config,
        format!("[agencyhandy]\napi_key = {NUMERIC_API_KEY}\n"),
    )
    .unwrap();
    cli_with(&transcript, &bad_config, &["check"], &[]).await;
    record(
        "metrics",
        http.get(format!("{base}/metrics")).send().await.unwrap(),
    )
    .await;
    let loaded = Settings::load(Some(&config_path)).unwrap();
    transcript.add(
        "Debug of Settings",
        format!("{loaded:?} {:#?}", loaded.forms),
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let exit = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    for reader in readers {
        reader.join().unwrap();
    }

    // Assert: the traffic did what it should, so the outputs are worth searching.
    assert_eq!((wrong, right), (401, 200));
    assert_eq!((bad_sig, good_sig), (401, 200));
    assert_eq!((bad_tf, good_tf), (401, 200));
    assert_eq!(admin_wrong, 401);
    assert!(
        numeric_env.contains("config: ok"),
        "a numeric secret in the environment is text: {numeric_env}"
    );
    assert!(ids.len() >= 6, "{ids:?}");
    assert!(exit.success(), "{exit:?}");
    assert_eq!(
        captcha_seen.lock().unwrap().first().map(String::as_str),
        Some(CAPTCHA_SECRET)
    );
    let log_lines = logs.0.lock().unwrap().clone();
    assert!(log_lines.len() > 200, "only {} log lines", log_lines.len());
    assert!(log_lines
        .iter()
        .any(|(_, line)| line.contains("\"level\":\"TRACE\"")));
    assert!(log_lines
        .iter()
        .any(|(_, line)| line.contains("lead accepted")));
    let everything: Vec<(String, String)> = log_lines
        .into_iter()
        .chain(transcript.0.lock().unwrap().clone())
        .collect();
    assert!(
        everything
            .iter()
            .all(|(_, text)| !text.contains("panicked")),
        "no panics"
    );
    let mut leaks = Vec::new();
    for canary in canaries() {
        for (label, text) in &everything {
            if text.contains(&canary) {
                leaks.push(format!(
                    "{canary} in {label}: {}",
                    text.chars().take(400).collect::<String>()
                ));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}
