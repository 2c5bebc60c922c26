//! A round of sending that outlasts the claim's lease, on real PostgreSQL
//! with two replicas: the lease is renewed while the round lasts, so the other
//! replica never takes those leads over and no lead is sent twice.
//! Needs `LEADRELAY_TEST_POSTGRES_URL`.

use std::{sync::Arc, time::Duration};

use crate::helpers::storage::TestDatabase;
use crate::helpers::{eventually, test_settings, FORMS};
use leadrelay::{
    config::Settings,
    domain::LeadState,
    outbox::LeadFilter,
    sandbox::Sandbox,
    startup::{AppState, Application},
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

/// 4 s leases, 2 s call timeouts, chunks of 4 (a round claims up to 16).
const DELIVERY: &str = r#"
[agencyhandy]
timeout_secs = 2

[delivery]
lease_secs = 4
batch_size = 4
poll_interval_ms = 50
"#;

struct Replica {
    address: String,
    state: Arc<AppState>,
    stop: CancellationToken,
}

async fn start_replica(settings: Settings) -> Replica {
    let app = Application::build(settings).await.expect("replica builds");
    let replica = Replica {
        address: format!("http://127.0.0.1:{}", app.port()),
        state: app.state(),
        stop: app.shutdown_token(),
    };
    tokio::spawn(app.run_until_stopped());
    replica
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_round_longer_than_the_lease_keeps_its_leads_and_sends_none_twice() {
    let Some(database) = TestDatabase::create().await else {
        return;
    };
    // Arrange: replica A on PostgreSQL, Agencyhandy's route already found
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut settings = test_settings(&format!("{FORMS}\n{DELIVERY}"), &sandbox, &dir);
    settings.storage.url = database.url();
    let a = start_replica(settings.clone()).await;
    let http = reqwest::Client::new();
    let post = |address: String, email: String| {
        let http = http.clone();
        async move {
            let reply = http
                .post(format!("{address}/forms/plain"))
                .json(&json!({"name": "Ada Lovelace", "email": email}))
                .send()
                .await
                .unwrap();
            assert_eq!(reply.status(), 200);
        }
    };
    post(a.address.clone(), "warm-up@example.com".into()).await;
    crate::helpers::sandbox_leads(&sandbox, 1).await;

    // Act: each call now takes 1.3 s. While A sends the first lead alone,
    // the other 15 arrive; A's next round claims them all and sends them in
    // four calls: 5.2 s, past the 4 s lease. Replica B starts once that
    // round is under way, and would take over any lead whose lease ran out.
    sandbox.set_latency(Duration::from_millis(1300));
    let posts: Vec<_> = (0..16)
        .map(|i| tokio::spawn(post(a.address.clone(), format!("lead-{i}@example.com"))))
        .collect();
    for posted in posts {
        posted.await.unwrap();
    }
    eventually(
        "A's second round under way",
        Duration::from_secs(20),
        || async { (sandbox.stats().create_calls >= 3).then_some(()) },
    )
    .await;
    let b = start_replica(settings).await;
    let settled = eventually(
        "every lead recorded in a final state",
        Duration::from_secs(30),
        || async {
            let leads = b.state.outbox.list(&every_lead()).await.unwrap();
            let settled = leads.len() == 17
                && leads
                    .iter()
                    .all(|lead| matches!(lead.state, LeadState::Delivered | LeadState::Duplicate));
            settled.then_some(leads)
        },
    )
    .await;

    // Assert: no lead sent twice (a second send comes back as a duplicate)
    assert_eq!(sandbox.emails_sent_more_than_once(), Vec::new());
    let duplicates: Vec<_> = settled
        .iter()
        .filter(|lead| lead.state != LeadState::Delivered)
        .map(|lead| &lead.email)
        .collect();
    assert!(duplicates.is_empty(), "sent twice: {duplicates:?}");
    a.stop.cancel();
    b.stop.cancel();
}

fn every_lead() -> LeadFilter {
    LeadFilter {
        limit: Some(100),
        ..LeadFilter::default()
    }
}
