//! Two real `leadrelay serve` processes on one PostgreSQL database; one is
//! SIGKILLed under load. Zero acknowledged leads are lost, and no lead is sent
//! twice while both live (only the killed replica's in-flight call may repeat).
//! Needs `LEADRELAY_TEST_POSTGRES_URL`.

mod common;
mod storage_support;

use std::{collections::HashSet, path::Path, time::Duration};

use common::{
    binary::{count_leads, load, Binary},
    eventually,
};
use leadrelay::sandbox::Sandbox;
use storage_support::TestDatabase;

fn write_config(path: &Path, sandbox: &Sandbox, database_url: &str) {
    std::fs::write(
        path,
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
url = "{database_url}"
pool_size = 4

[delivery]
batch_size = 10
poll_interval_ms = 50
lease_secs = 2
backoff_secs = [1]

[forms.load]
"#,
            sandbox.url(),
            sandbox.api_key(),
        ),
    )
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_under_load_loses_nothing_and_the_other_sends_no_duplicates() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_latency(Duration::from_millis(30));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("leadrelay.toml");
    write_config(&config, &sandbox, &database.url());
    let mut doomed = Binary::start(&config);
    let survivor = Binary::start(&config);
    let stop = tokio_util::sync::CancellationToken::new();
    let to_doomed = tokio::spawn(load(doomed.address.clone(), "doomed", 4, stop.clone()));
    let to_survivor = tokio::spawn(load(survivor.address.clone(), "survivor", 4, stop.clone()));

    eventually("forwarding under way", Duration::from_secs(30), || async {
        (sandbox.leads().len() >= 40).then_some(())
    })
    .await;
    let duplicates_while_both_lived = count_leads(&config, "duplicate");
    doomed.child.kill().unwrap();
    doomed.child.wait().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.cancel();
    let (acked_doomed, statuses_doomed) = to_doomed.await.unwrap();
    let (acked_survivor, statuses_survivor) = to_survivor.await.unwrap();
    let acked: HashSet<String> = acked_doomed.union(&acked_survivor).cloned().collect();

    assert!(statuses_doomed
        .keys()
        .chain(statuses_survivor.keys())
        .all(|s| *s == 200));
    assert!(
        acked_doomed.len() >= 10 && acked_survivor.len() >= 10,
        "both replicas took load"
    );
    eventually(
        "every acknowledged lead delivered",
        Duration::from_secs(60),
        || async {
            let delivered: HashSet<String> = sandbox.lead_emails().into_iter().collect();
            acked.is_subset(&delivered).then_some(())
        },
    )
    .await;
    assert_eq!(
        duplicates_while_both_lived, 0,
        "a lead was sent twice while both replicas lived"
    );
    let duplicates = count_leads(&config, "duplicate");
    assert!(
        duplicates <= 10,
        "{duplicates} leads were sent twice: more than the killed replica's one call"
    );
}
