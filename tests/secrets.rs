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
    time::Duration,
};

use axum::{routing::post, Form, Json, Router};
use base64::{engine::general_purpose::STANDARD, Engine};
use leadrelay::{
    config::{Settings, SignatureScheme},
    intake::{auth::sign_standard_webhook, signature::sign},
    sandbox::{Sandbox, SandboxOptions},
};
use secrecy::SecretString;
use serde_json::{json, Value};

const API_KEY: &str = "sk-CANARY-apikey-5f1e0c";
const FORM_TOKEN: &str = "tok-CANARY-formtoken-93ab";
const WHSEC_RAW: &str = "CANARY-whsec-raw-7d2f";
const SIGNATURE_SECRET: &str = "sig-CANARY-typeform-41c8";
const ADMIN_TOKEN: &str = "adm-CANARY-admintoken-0b7e";
const CAPTCHA_SECRET: &str = "cap-CANARY-turnstile-66d1";
/// Secrets that look like numbers (an environment variable is parsed as TOML).
const NUMERIC_TOKEN: &str = "0009182736455";
const NUMERIC_API_KEY: &str = "5550123987";

fn whsec() -> String {
    format!("whsec_{}", STANDARD.encode(WHSEC_RAW))
}

fn canaries() -> Vec<String> {
    let mut all: Vec<String> = [
        API_KEY,
        FORM_TOKEN,
        WHSEC_RAW,
        SIGNATURE_SECRET,
        ADMIN_TOKEN,
        CAPTCHA_SECRET,
    ]
    .map(str::to_owned)
    .to_vec();
    all.push(STANDARD.encode(WHSEC_RAW));
    all.push(NUMERIC_TOKEN.trim_start_matches('0').into());
    all.push(NUMERIC_API_KEY.into());
    // Any fragment of a secret ("CANARY" marks them all) counts as a leak.
    all.push("CANARY".into());
    all
}

/// Everything the app said, labelled by where it was seen.
#[derive(Default, Clone)]
struct Transcript(Arc<Mutex<Vec<(String, String)>>>);

impl Transcript {
    fn add(&self, label: impl Into<String>, text: impl Into<String>) {
        self.0.lock().unwrap().push((label.into(), text.into()));
    }

    fn find(&self, needle: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|(_, text)| text.contains(needle))
            .map(|(_, text)| text.clone())
    }
}

async fn captcha_verifier(seen: Arc<Mutex<Vec<String>>>) -> String {
    let app = Router::new().route(
        "/siteverify",
        post(
            move |Form(form): Form<std::collections::HashMap<String, String>>| {
                seen.lock()
                    .unwrap()
                    .push(form.get("secret").cloned().unwrap_or_default());
                let success = form.get("response").is_some_and(|t| t == "pass");
                async move {
                    Json(json!({"success": success, "error-codes": ["invalid-input-response"]}))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/siteverify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn config(sandbox: &Sandbox, verify_url: &str, dir: &std::path::Path) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:0"
admin_token = "{ADMIN_TOKEN}"
rate_limit_per_minute = 0
max_body_bytes = 4096

[log]
format = "json"
level = "trace"

[agencyhandy]
api_url = "{api}"

[storage]
url = "sqlite://{dir}/leads.db"

[delivery]
poll_interval_ms = 50
backoff_secs = [1]
pause_secs = 1

[forms.zap]
token = "{FORM_TOKEN}"

[forms.signed]
signing_secret = "{whsec}"

[forms.typeform]
preset = "typeform"
signature_secret = "{SIGNATURE_SECRET}"

[forms.human]
captcha = {{ provider = "turnstile", secret = "{CAPTCHA_SECRET}", verify_url = "{verify_url}" }}

[forms.open]
"#,
        api = sandbox.url(),
        dir = dir.display(),
        whsec = whsec(),
    )
}

/// Runs a one-off CLI command and records its output; returns stdout.
async fn cli(transcript: &Transcript, config: &std::path::Path, args: &[&str]) -> String {
    cli_with(
        transcript,
        config,
        args,
        &[("LEADRELAY_AGENCYHANDY__API_KEY", API_KEY)],
    )
    .await
}

async fn cli_with(
    transcript: &Transcript,
    config: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_leadrelay"))
        .args(args)
        .arg("--config")
        .arg(config)
        .envs(env.iter().copied())
        .env("RUST_LOG", "trace")
        .output()
        .await
        .expect("the CLI runs");
    let label = format!("leadrelay {}", args.join(" "));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    transcript.add(&label, stdout.clone());
    transcript.add(&label, String::from_utf8_lossy(&output.stderr));
    stdout
}

async fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

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

    let mut child = Command::new(env!("CARGO_BIN_EXE_leadrelay"))
        .args(["serve", "--config"])
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
    let address = wait_for("the listening line", || {
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
            "{\"name\": \"no email\"}".to_owned(),
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
    wait_for("the zap lead delivered after a 500", || {
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
    wait_for("Agencyhandy refusing the revoked key", || {
        (sandbox.stats().rejected_calls > rejected_before).then_some(())
    })
    .await;
    sandbox.set_key_revoked(false);
    wait_for("the held lead delivered", || {
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
