//! Several replicas on one PostgreSQL database (runs only when
//! `LEADRELAY_TEST_POSTGRES_URL` is set): they migrate together, share
//! idempotency keys, never claim the same lead while alive, and take over the
//! leads of a replica that died mid-batch once its lease expires.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use crate::helpers::storage::{count_in, drain, enqueue_all, lead, leads, outcome, TestStore};
use leadrelay::{
    domain::{LeadId, LeadState},
    outbox::{LeadFilter, Outbox},
};
use sqlx::{Connection, PgConnection};

const LONG_LEASE: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_starting_together_migrate_once() {
    let Some(store) = TestStore::postgres().await else {
        return;
    };

    let opening: Vec<_> = (0..4)
        .map(|_| {
            let settings = store.settings.clone();
            tokio::spawn(async move { leadrelay::outbox::open(&settings).await })
        })
        .collect();
    let mut replicas = Vec::new();
    for replica in opening {
        replicas.push(replica.await.unwrap().expect("a replica failed to start"));
    }

    let mut connection = PgConnection::connect(&store.settings.url).await.unwrap();
    let applied: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(&mut connection)
        .await
        .unwrap();
    let _ = connection.close().await;
    let migrations = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/postgres"))
        .unwrap()
        .count();
    assert_eq!(applied, migrations as i64, "each migration applied once");
    for replica in replicas {
        replica.check_writable().await.unwrap();
        replica.close().await;
    }
    store.outbox.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_racing_on_one_idempotency_key_store_one_lead() {
    let Some(store) = TestStore::postgres().await else {
        return;
    };
    let replicas = [Arc::clone(&store.outbox), store.open_replica().await];

    let mut tasks = Vec::new();
    for key in 0..50 {
        for (replica, sender) in replicas.iter().cycle().zip(0..4) {
            let replica = Arc::clone(replica);
            let mut new = lead(&format!("k{key}-s{sender}@example.com"));
            new.idempotency_key = Some(format!("key-{key}"));
            tasks.push(tokio::spawn(async move {
                (key, replica.enqueue(new).await.unwrap())
            }));
        }
    }
    let mut answers: HashMap<i32, Vec<_>> = HashMap::new();
    for task in tasks {
        let (key, answer) = task.await.unwrap();
        answers.entry(key).or_default().push(answer);
    }

    for (key, answers) in &answers {
        let ids: HashSet<LeadId> = answers.iter().map(|answer| answer.id).collect();
        assert_eq!(ids.len(), 1, "key-{key} answered with several leads");
        let created = answers.iter().filter(|answer| answer.created).count();
        assert_eq!(created, 1, "key-{key}");
    }
    assert_eq!(count_in(&*store.outbox, LeadState::Pending).await, 50);
    close_all(&replicas).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_replicas_never_claim_the_same_lead() {
    let Some(store) = TestStore::postgres().await else {
        return;
    };
    let replicas = [Arc::clone(&store.outbox), store.open_replica().await];
    let producing = Arc::new(AtomicBool::new(true));

    let producers: Vec<_> = (0..8)
        .map(|producer| {
            let replica = Arc::clone(&replicas[producer % 2]);
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..125 {
                    let new = lead(&format!("p{producer}-{n}@example.com"));
                    ids.push(replica.enqueue(new).await.unwrap().id);
                }
                ids
            })
        })
        .collect();
    let workers: Vec<_> = ["a1", "a2", "b1", "b2"]
        .into_iter()
        .enumerate()
        .map(|(n, worker)| {
            let replica = Arc::clone(&replicas[n / 2]);
            let producing = Arc::clone(&producing);
            tokio::spawn(async move { work_until_idle(&*replica, worker, &producing).await })
        })
        .collect();
    let mut stored = HashSet::new();
    for producer in producers {
        stored.extend(producer.await.unwrap());
    }
    producing.store(false, Ordering::SeqCst);
    let mut claims = Vec::new();
    for worker in workers {
        claims.push(worker.await.unwrap());
    }

    let total: usize = claims.iter().map(Vec::len).sum();
    let claimed: HashSet<LeadId> = claims.iter().flatten().copied().collect();
    assert_eq!(total, claimed.len(), "a lead was claimed twice");
    assert_eq!(claimed, stored);
    assert!(
        claims
            .chunks(2)
            .all(|replica| replica.iter().any(|claims| !claims.is_empty())),
        "both replicas took a share"
    );
    let delivered = LeadFilter {
        limit: Some(2_000),
        ..LeadFilter::default()
    };
    let delivered = store.outbox.list(&delivered).await.unwrap();
    assert_eq!(delivered.len(), 1_000);
    assert!(delivered
        .iter()
        .all(|lead| lead.state == LeadState::Delivered && lead.attempts == 1));
    close_all(&replicas).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_replicas_leads_go_to_the_survivor_after_its_lease() {
    let Some(store) = TestStore::postgres().await else {
        return;
    };
    let survivor = Arc::clone(&store.outbox);
    let doomed = store.open_replica().await;
    let ids = enqueue_all(&*survivor, leads(100)).await;
    // Long enough that the survivor's first pass surely ends within it, even on
    // a loaded machine: that pass must not take the dead replica's leads.
    let lease = Duration::from_secs(5);

    let abandoned: HashSet<LeadId> = doomed
        .claim_due("doomed", 40, lease)
        .await
        .unwrap()
        .iter()
        .map(|lead| lead.id)
        .collect();
    let died_at = Instant::now();
    doomed.close().await;
    drop(doomed);
    let before_expiry: HashSet<LeadId> = drain(&*survivor, "survivor", 25, LONG_LEASE)
        .await
        .into_iter()
        .collect();
    let before_expiry_took = died_at.elapsed();
    let mut taken_over = HashSet::new();
    let deadline = Instant::now() + lease + Duration::from_secs(20);
    while taken_over.len() < abandoned.len() && Instant::now() < deadline {
        taken_over.extend(drain(&*survivor, "survivor", 25, LONG_LEASE).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    assert_eq!(abandoned.len(), 40);
    assert!(
        before_expiry_took < lease,
        "the survivor's first pass outlived the lease"
    );
    assert!(
        before_expiry.is_disjoint(&abandoned),
        "a live lease was ignored"
    );
    assert_eq!(before_expiry.len(), 60);
    assert_eq!(taken_over, abandoned);
    assert!(died_at.elapsed() >= lease);
    let all: HashSet<LeadId> = ids.into_iter().collect();
    assert_eq!(&before_expiry | &taken_over, all);
    assert_eq!(count_in(&*survivor, LeadState::Delivered).await, 100);
    survivor.close().await;
}

/// Claims and records batches until production has stopped and nothing is due.
async fn work_until_idle(
    replica: &dyn Outbox,
    worker: &str,
    producing: &AtomicBool,
) -> Vec<LeadId> {
    let mut claimed = Vec::new();
    loop {
        let still_producing = producing.load(Ordering::SeqCst);
        let leads = replica.claim_due(worker, 25, LONG_LEASE).await.unwrap();
        if leads.is_empty() {
            if !still_producing {
                return claimed;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
            continue;
        }
        let outcomes = leads
            .iter()
            .map(|lead| outcome(lead.id, LeadState::Delivered, Some(201)))
            .collect();
        replica.record(worker, outcomes).await.unwrap();
        claimed.extend(leads.iter().map(|lead| lead.id));
    }
}

async fn close_all(replicas: &[Arc<dyn Outbox>]) {
    for replica in replicas {
        replica.close().await;
    }
}
