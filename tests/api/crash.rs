//! The real binary under load: SIGKILL loses no acknowledged lead; SIGTERM
//! drains in-flight requests and exits cleanly.

use std::{path::Path, time::Duration};

use crate::helpers::{
    binary::{count_leads, load, wait_until_delivered, write_load_config, Binary},
    eventually,
};
use leadrelay::sandbox::Sandbox;

fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("leads.db").display())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_under_load_loses_no_acknowledged_lead() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_latency(Duration::from_millis(30));
    let dir = tempfile::tempdir().unwrap();
    let config = write_load_config(dir.path(), &sandbox, &sqlite_url(dir.path()), 120);
    let mut first = Binary::start(&config).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let sending = tokio::spawn(load(first.address.clone(), "kill", 8, stop.clone()));

    eventually("forwarding under way", Duration::from_secs(20), || async {
        (sandbox.leads().len() >= 20).then_some(())
    })
    .await;
    first.process.kill();
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

    let _second = Binary::start(&config).await;

    wait_until_delivered(&sandbox, &acked).await;
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
    let config = write_load_config(dir.path(), &sandbox, &sqlite_url(dir.path()), 120);
    let mut first = Binary::start(&config).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let sending = tokio::spawn(load(first.address.clone(), "term", 4, stop.clone()));
    eventually("forwarding under way", Duration::from_secs(20), || async {
        (sandbox.leads().len() >= 10).then_some(())
    })
    .await;

    first.process.terminate();
    let exit = first.process.exit_within(Duration::from_secs(20)).await;
    stop.cancel();
    let (acked, statuses) = sending.await.unwrap();

    assert!(exit.success(), "exit status {exit:?}");
    assert!(
        statuses.keys().all(|s| *s == 200 || *s == 503),
        "{statuses:?}"
    );
    let _second = Binary::start(&config).await;
    wait_until_delivered(&sandbox, &acked).await;
}
