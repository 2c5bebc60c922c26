//! Logs of the real binary: `log.format = "json"` is one JSON object per line,
//! `pretty` is for a terminal, `RUST_LOG` wins over `log.level`, and every line
//! a request logs carries its `x-request-id`.

use std::path::{Path, PathBuf};

use crate::helpers::{
    process::{free_port, leadrelay, Running},
    sandbox_leads,
};
use leadrelay::sandbox::Sandbox;
use serde_json::{json, Value};

fn write_config(dir: &Path, sandbox: &Sandbox, listen: &str, format: &str, level: &str) -> PathBuf {
    let path = dir.join("leadrelay.toml");
    let toml = format!(
        r#"
[server]
listen = "{listen}"
rate_limit_per_minute = 0

[log]
format = "{format}"
level = "{level}"

[agencyhandy]
api_url = "{api_url}"
api_key = "{api_key}"

[storage]
url = "sqlite://{db}"

[delivery]
poll_interval_ms = 50

[forms.contact]
"#,
        api_url = sandbox.url(),
        api_key = sandbox.api_key(),
        db = dir.join("leads.db").display(),
    );
    std::fs::write(&path, toml).unwrap();
    path
}

fn serve(config: &Path) -> std::process::Command {
    let mut command = leadrelay(&["serve", "--config"]);
    command.arg(config).env_remove("RUST_LOG");
    command
}

async fn submit(address: &str, request_id: Option<&str>, email: &str) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(format!("{address}/forms/contact"))
        .json(&json!({"name": "Log Person", "email": email}));
    if let Some(id) = request_id {
        request = request.header("x-request-id", id);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response
}

#[tokio::test]
async fn json_lines_carry_the_request_id_and_rust_log_wins_over_log_level() {
    // Arrange: log.level would hide info lines; RUST_LOG asks for them.
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox, "127.0.0.1:0", "json", "warn");
    let mut command = serve(&config);
    command.env("RUST_LOG", "info");
    let app = Running::spawn(command);
    let listening: Value =
        serde_json::from_str(&app.wait_for_line("leadrelay is listening").await).unwrap();
    let address = format!("http://{}", listening["address"].as_str().unwrap());

    // Act
    let given = submit(&address, Some("abc123"), "log1@example.com").await;
    let generated = submit(&address, None, "log2@example.com").await;
    let refused = reqwest::Client::new()
        .post(format!("{address}/forms/contact"))
        .header("x-request-id", "refused-1")
        .json(&json!({"name": "Typo", "email": "typo@"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    sandbox_leads(&sandbox, 2).await;
    let lines = app.stop();

    // Assert
    assert_eq!(given.headers()["x-request-id"], "abc123");
    let generated_id = generated.headers()["x-request-id"].to_str().unwrap();
    assert!(!generated_id.is_empty());
    let records: Vec<Value> = lines
        .iter()
        .map(|line| {
            let record: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            assert!(record.is_object(), "{line}");
            assert!(record["timestamp"].is_string(), "{line}");
            assert!(record["level"].is_string(), "{line}");
            record
        })
        .collect();
    assert!(
        records.iter().any(|r| r["level"] == "INFO"),
        "RUST_LOG=info wins"
    );
    for request_id in ["abc123", generated_id] {
        let messages: Vec<&str> = records
            .iter()
            .filter(|r| r["request_id"] == request_id)
            .filter_map(|r| r["message"].as_str())
            .collect();
        assert!(
            messages.contains(&"lead accepted"),
            "{request_id}: {messages:?}\n{lines:#?}"
        );
    }
    let refusal = records
        .iter()
        .find(|r| r["request_id"] == "refused-1" && r["message"] == "submission refused")
        .expect("a refused submission is logged once, with its request id");
    assert_eq!(refusal["code"], "invalid_lead");
    let accepted = records
        .iter()
        .find(|r| r["request_id"] == "abc123" && r["message"] == "lead accepted")
        .unwrap();
    assert!(accepted["lead_id"].is_string(), "{accepted}");
    assert_eq!(accepted["path"], "/forms/contact");
}

#[tokio::test]
async fn log_level_applies_when_rust_log_is_unset() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let listen = format!("127.0.0.1:{}", free_port());
    let config = write_config(dir.path(), &sandbox, &listen, "json", "warn");
    let app = Running::spawn(serve(&config));
    let address = format!("http://{listen}");
    crate::helpers::eventually(
        "the service answers",
        std::time::Duration::from_secs(20),
        || {
            let url = format!("{address}/readyz");
            async move { reqwest::get(url).await.ok().filter(|r| r.status() == 200) }
        },
    )
    .await;

    submit(&address, Some("quiet-1"), "quiet@example.com").await;
    sandbox_leads(&sandbox, 1).await;
    let lines = app.stop();

    for line in &lines {
        let record: Value = serde_json::from_str(line).unwrap();
        assert!(
            record["level"] == "WARN" || record["level"] == "ERROR",
            "log.level = \"warn\" lets this through: {line}"
        );
    }
}

#[tokio::test]
async fn pretty_lines_are_plain_text_with_the_request_id() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox, "127.0.0.1:0", "pretty", "info");
    let app = Running::spawn(serve(&config));
    let listening = app.wait_for_line("leadrelay is listening").await;
    let address = listening
        .split("address=")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no address in {listening:?}"));
    let address = format!("http://{address}");

    submit(&address, Some("pretty-42"), "pretty@example.com").await;
    sandbox_leads(&sandbox, 1).await;
    let lines = app.stop();

    assert!(
        lines.iter().all(|line| !line.starts_with('{')),
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|line| !line.contains('\u{1b}')),
        "no colour codes when stderr is not a terminal"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.contains("lead accepted") && line.contains("pretty-42")),
        "{lines:#?}"
    );
}
