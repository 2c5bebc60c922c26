//! The real binary under load: SIGKILL loses no acknowledged lead; SIGTERM
//! drains in-flight requests and exits cleanly.

mod common;

use std::{
    collections::{HashMap, HashSet},
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use common::eventually;
use leadrelay::sandbox::Sandbox;
use serde_json::json;

/// `leadrelay serve` as a child process.
struct Binary {
    child: Child,
    address: String,
}

impl Binary {
    /// Starts the binary and waits for its "listening" log line.
    fn start(config: &Path) -> Binary {
        let mut child = Command::new(env!("CARGO_BIN_EXE_leadrelay"))
            .args(["serve", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stderr = child.stderr.take().unwrap();
        let (found, listening) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut found = Some(found);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(sender) = &found {
                    if line.contains("leadrelay is listening") {
                        let value: serde_json::Value =
                            serde_json::from_str(&line).unwrap_or_default();
                        let _ =
                            sender.send(value["address"].as_str().unwrap_or_default().to_owned());
                        found = None;
                    }
                }
            }
        });
        let address = listening
            .recv_timeout(Duration::from_secs(20))
            .expect("the binary reports its address");
        Binary {
            child,
            address: format!("http://{address}"),
        }
    }

    fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Counts stored leads in `state` through the CLI (`leadrelay leads list`).
fn count_leads(config: &Path, state: &str) -> usize {
    let output = Command::new(env!("CARGO_BIN_EXE_leadrelay"))
        .args([
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

fn write_config(dir: &Path, sandbox: &Sandbox) -> std::path::PathBuf {
    let path = dir.join("leadrelay.toml");
    let db = dir.join("leads.db");
    std::fs::write(
        &path,
        format!(
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

[storage]
url = "sqlite://{}"

[delivery]
batch_size = 10
poll_interval_ms = 50
backoff_secs = [1]

[forms.load]
"#,
            sandbox.url(),
            sandbox.api_key(),
            db.display()
        ),
    )
    .unwrap();
    path
}

/// Sends leads from `workers` concurrent senders until `stop`; returns the acknowledged e-mails.
async fn load(
    address: String,
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
                    let email = format!("w{worker}-n{n}@example.com");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_no_acknowledged_lead() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_latency(Duration::from_millis(30));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox);
    let mut first = Binary::start(&config);
    let stop = tokio_util::sync::CancellationToken::new();
    let sending = tokio::spawn(load(first.address.clone(), 8, stop.clone()));

    eventually("forwarding under way", Duration::from_secs(20), || async {
        (sandbox.leads().len() >= 20).then_some(())
    })
    .await;
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    stop.cancel();
    let (acked, statuses) = sending.await.unwrap();
    assert!(acked.len() >= 20, "too little load: {statuses:?}");
    assert!(
        statuses.keys().all(|s| *s == 200),
        "only 200s before the kill: {statuses:?}"
    );
    let delivered_before_restart = sandbox.leads().len();
    assert!(
        delivered_before_restart < acked.len(),
        "the kill came after everything was forwarded"
    );

    let _second = Binary::start(&config);

    let delivered: HashSet<String> = eventually(
        "every acknowledged lead delivered",
        Duration::from_secs(60),
        || async {
            let delivered: HashSet<String> = sandbox.lead_emails().into_iter().collect();
            acked.is_subset(&delivered).then_some(delivered)
        },
    )
    .await;
    assert!(acked.is_subset(&delivered));
    // Every e-mail is unique, so a lead Agencyhandy reports as existing was sent twice.
    let sent_twice = count_leads(&config, "duplicate");
    assert!(
        sent_twice <= 10,
        "{sent_twice} leads were sent twice: more than one batch"
    );
    assert!(count_leads(&config, "delivered") + sent_twice >= acked.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_exits_cleanly() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_latency(Duration::from_millis(30));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox);
    let mut first = Binary::start(&config);
    let stop = tokio_util::sync::CancellationToken::new();
    let sending = tokio::spawn(load(first.address.clone(), 4, stop.clone()));
    eventually("forwarding under way", Duration::from_secs(20), || async {
        (sandbox.leads().len() >= 10).then_some(())
    })
    .await;

    first.signal("-TERM");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(status) = first.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the process did not exit within 20 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    stop.cancel();
    let (acked, statuses) = sending.await.unwrap();

    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        statuses.keys().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    let _second = Binary::start(&config);
    eventually(
        "every acknowledged lead delivered",
        Duration::from_secs(60),
        || async {
            let delivered: HashSet<String> = sandbox.lead_emails().into_iter().collect();
            acked.is_subset(&delivered).then_some(())
        },
    )
    .await;
}
