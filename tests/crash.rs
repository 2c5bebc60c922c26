//! The real binary under load: SIGKILL loses no acknowledged lead; SIGTERM
//! drains in-flight requests and exits cleanly.

mod common;

use std::{collections::HashSet, path::Path, time::Duration};

use common::{
    binary::{count_leads, load, Binary},
    eventually,
};
use leadrelay::sandbox::Sandbox;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_no_acknowledged_lead() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_latency(Duration::from_millis(30));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox);
    let mut first = Binary::start(&config);
    let stop = tokio_util::sync::CancellationToken::new();
    let sending = tokio::spawn(load(first.address.clone(), "kill", 8, stop.clone()));

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
    eventually(
        "every acknowledged lead recorded as sent",
        Duration::from_secs(30),
        || async {
            let recorded = count_leads(&config, "delivered") + count_leads(&config, "duplicate");
            (recorded >= acked.len()).then_some(())
        },
    )
    .await;
    // Every e-mail is unique, so a lead Agencyhandy reports as existing was sent twice.
    let sent_twice = count_leads(&config, "duplicate");
    assert!(
        sent_twice <= 10,
        "{sent_twice} leads were sent twice: more than one batch"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_and_exits_cleanly() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_latency(Duration::from_millis(30));
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox);
    let mut first = Binary::start(&config);
    let stop = tokio_util::sync::CancellationToken::new();
    let sending = tokio::spawn(load(first.address.clone(), "term", 4, stop.clone()));
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
