//! The real `leadrelay` binary as a child process, and load to send it.

use std::{
    collections::{HashMap, HashSet},
    path::Path,
    process::Command,
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::json;

use super::process::{leadrelay, Running};

/// `leadrelay serve --config FILE`, started and listening.
pub struct Binary {
    /// The process, its stderr collected.
    pub process: Running,
    /// `http://127.0.0.1:PORT`, from its JSON "listening" log line.
    pub address: String,
}

impl Binary {
    /// Starts `serve` (JSON logs expected) and waits until it listens.
    pub async fn start(config: &Path) -> Binary {
        let mut command = leadrelay(&["serve", "--config"]);
        command.arg(config).env("RUST_LOG", "info");
        Self::start_command(command).await
    }

    /// Starts `command`, which runs `serve` with JSON logs (perhaps through a
    /// wrapper that `exec`s it), and waits until it listens.
    pub async fn start_command(command: Command) -> Binary {
        let process = Running::spawn(command);
        let line = process.wait_for_line("leadrelay is listening").await;
        let logged: serde_json::Value = serde_json::from_str(&line).expect("JSON logs");
        let address = logged["address"]
            .as_str()
            .expect("an address field")
            .to_owned();
        Binary {
            process,
            address: format!("http://{address}"),
        }
    }
}

/// Counts stored leads in `state` through the CLI (`leadrelay leads list`).
pub fn count_leads(config: &Path, state: &str) -> usize {
    let output = leadrelay(&[
        "leads", "list", "--limit", "100000", "--state", state, "--config",
    ])
    .arg(config)
    .output()
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let last = text.lines().last().unwrap_or_default();
    last.trim_end_matches(" lead(s)")
        .parse()
        .unwrap_or_else(|_| panic!("unexpected output: {text}"))
}

/// Sends leads (e-mails `{prefix}-w{worker}-n{n}@example.com`) from `workers`
/// concurrent senders until `stop`; returns the acknowledged e-mails and the statuses seen.
pub async fn load(
    address: String,
    prefix: &'static str,
    workers: usize,
    stop: tokio_util::sync::CancellationToken,
) -> (HashSet<String>, HashMap<u16, usize>) {
    let acked = Arc::new(Mutex::new(HashSet::new()));
    let statuses = Arc::new(Mutex::new(HashMap::new()));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let tasks: Vec<_> = (0..workers)
        .map(|worker| {
            let (acked, statuses, http, stop, address) = (
                acked.clone(),
                statuses.clone(),
                http.clone(),
                stop.clone(),
                address.clone(),
            );
            tokio::spawn(async move {
                for n in 0.. {
                    if stop.is_cancelled() {
                        break;
                    }
                    let email = format!("{prefix}-w{worker}-n{n}@example.com");
                    let sent = http
                        .post(format!("{address}/forms/load"))
                        .json(&json!({"email": email, "name": "Load Test"}))
                        .send()
                        .await;
                    match sent {
                        Ok(response) => {
                            let status = response.status().as_u16();
                            *statuses.lock().unwrap().entry(status).or_insert(0) += 1;
                            if status == 200 {
                                acked.lock().unwrap().insert(email);
                            }
                        }
                        Err(_) => break,
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        let _ = task.await;
    }
    let acked = acked.lock().unwrap().clone();
    let statuses = statuses.lock().unwrap().clone();
    (acked, statuses)
}

/// Waits until the sandbox has received every acknowledged e-mail.
pub async fn wait_until_delivered(sandbox: &leadrelay::sandbox::Sandbox, acked: &HashSet<String>) {
    super::eventually(
        "every acknowledged lead delivered",
        Duration::from_secs(60),
        || async {
            let delivered: HashSet<String> = sandbox.lead_emails().into_iter().collect();
            acked.is_subset(&delivered).then_some(())
        },
    )
    .await;
}

/// Writes a `serve` config for load tests into `dir`: JSON logs, no IP limit,
/// batches of 10, the form `load`, storage at `storage_url`, and `lease_secs`
/// (with Agencyhandy's timeout at half of it).
pub fn write_load_config(
    dir: &Path,
    sandbox: &leadrelay::sandbox::Sandbox,
    storage_url: &str,
    lease_secs: u64,
) -> std::path::PathBuf {
    let path = dir.join("leadrelay.toml");
    // A lead is sent only while half its lease is left, and a call must fit in that half.
    let timeout_secs = (lease_secs / 2).max(1);
    let config = format!(
        r#"
[server]
listen = "127.0.0.1:0"
rate_limit_per_minute = 0
shutdown_timeout_secs = 10

[log]
format = "json"

[agencyhandy]
api_url = "{}"
api_key = "{}"
timeout_secs = {timeout_secs}

[storage]
url = "{storage_url}"
pool_size = 4

[delivery]
batch_size = 10
poll_interval_ms = 50
lease_secs = {lease_secs}
backoff_secs = [1]

[forms.load]
"#,
        sandbox.url(),
        sandbox.api_key(),
    );
    std::fs::write(&path, config).unwrap();
    path
}
