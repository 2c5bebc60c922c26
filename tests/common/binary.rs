//! The real `leadrelay` binary as a child process, and load to send it.

use std::{
    collections::{HashMap, HashSet},
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use serde_json::json;

/// `leadrelay serve` as a child process.
pub struct Binary {
    /// The process.
    pub child: Child,
    /// `http://127.0.0.1:PORT`
    pub address: String,
}

impl Binary {
    /// Starts the binary and waits for its "listening" log line.
    pub fn start(config: &Path) -> Binary {
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

    /// Sends a signal (`-TERM`, `-KILL`) with kill(1).
    pub fn signal(&self, signal: &str) {
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
pub fn count_leads(config: &Path, state: &str) -> usize {
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
