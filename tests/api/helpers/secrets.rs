//! Helpers of the secrets test (`tests/api/secrets.rs`): the distinctive
//! secrets, the config that uses them, a fake CAPTCHA verifier, and a
//! transcript of every output.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{routing::post, Form, Json, Router};
use base64::{engine::general_purpose::STANDARD, Engine};
use leadrelay::sandbox::Sandbox;
use serde_json::json;

pub const API_KEY: &str = "sk-CANARY-apikey-5f1e0c";
pub const FORM_TOKEN: &str = "tok-CANARY-formtoken-93ab";
pub const WHSEC_RAW: &str = "CANARY-whsec-raw-7d2f";
pub const SIGNATURE_SECRET: &str = "sig-CANARY-typeform-41c8";
pub const ADMIN_TOKEN: &str = "adm-CANARY-admintoken-0b7e";
pub const CAPTCHA_SECRET: &str = "cap-CANARY-turnstile-66d1";
/// Secrets that look like numbers (an environment variable is parsed as TOML).
pub const NUMERIC_TOKEN: &str = "0009182736455";
pub const NUMERIC_API_KEY: &str = "5550123987";

pub fn whsec() -> String {
    format!("whsec_{}", STANDARD.encode(WHSEC_RAW))
}

pub fn canaries() -> Vec<String> {
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
pub struct Transcript(pub Arc<Mutex<Vec<(String, String)>>>);

impl Transcript {
    pub fn add(&self, label: impl Into<String>, text: impl Into<String>) {
        self.0.lock().unwrap().push((label.into(), text.into()));
    }

    pub fn find(&self, needle: &str) -> Option<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .find(|(_, text)| text.contains(needle))
            .map(|(_, text)| text.clone())
    }
}

pub async fn captcha_verifier(seen: Arc<Mutex<Vec<String>>>) -> String {
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

pub fn config(sandbox: &Sandbox, verify_url: &str, dir: &std::path::Path) -> String {
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
pub async fn cli(transcript: &Transcript, config: &std::path::Path, args: &[&str]) -> String {
    cli_with(
        transcript,
        config,
        args,
        &[("LEADRELAY_AGENCYHANDY__API_KEY", API_KEY)],
    )
    .await
}

pub async fn cli_with(
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

/// How long a step of the secrets test may take.
pub const WAIT: Duration = Duration::from_secs(20);
