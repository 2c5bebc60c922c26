//! Two real `leadrelay serve` processes on one PostgreSQL database; one is
//! SIGKILLed under load. Zero acknowledged leads are lost, and no lead is sent
//! twice while both live (only the killed replica's in-flight call may repeat).
//! Needs `LEADRELAY_TEST_POSTGRES_URL`.

use std::{collections::HashSet, time::Duration};

use crate::helpers::storage::TestDatabase;
use crate::helpers::{
    binary::{count_leads, load, wait_until_delivered, write_load_config, Binary},
    eventually,
};
use leadrelay::sandbox::Sandbox;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_under_load_loses_nothing_and_the_other_sends_no_duplicates() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_latency(Duration::from_millis(30));
    let dir = tempfile::tempdir().unwrap();
    // A short lease, so the killed replica's claimed leads come back quickly.
    let config = write_load_config(dir.path(), &sandbox, &database.url(), 2);
    let mut doomed = Binary::start(&config).await;
    let survivor = Binary::start(&config).await;
    let stop = tokio_util::sync::CancellationToken::new();
    let to_doomed = tokio::spawn(load(doomed.address.clone(), "doomed", 4, stop.clone()));
    let to_survivor = tokio::spawn(load(survivor.address.clone(), "survivor", 4, stop.clone()));

    eventually("forwarding under way", Duration::from_secs(30), || async {
        (sandbox.leads().len() >= 40).then_some(())
    })
    .await;
    let duplicates_while_both_lived = count_leads(&config, "duplicate");
    doomed.process.kill();
    let forwarded_at_kill = sandbox.leads().len();
    eventually(
        "the survivor taking and forwarding load after the kill",
        Duration::from_secs(30),
        || async { (sandbox.leads().len() >= forwarded_at_kill + 20).then_some(()) },
    )
    .await;
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
    wait_until_delivered(&sandbox, &acked).await;
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
