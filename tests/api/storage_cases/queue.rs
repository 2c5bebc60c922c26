//! The delivery queue: claims, leases, outcomes, the attempt log.

use std::{collections::HashSet, sync::Arc, time::Duration};

use leadrelay::{
    clock::ManualClock,
    domain::{LeadId, LeadState},
};

use super::LEASE;
use crate::helpers::storage::{
    count_in, drain, enqueue_all, lead, leads, now_ms, outcome, state_of, TestStore,
};

pub async fn claim_due_respects_due_time_and_lease(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(2)).await;
    let later = now_ms() + 3_600_000;
    store.outbox.claim_due("setup", 1, LEASE).await.unwrap();
    let first = store
        .outbox
        .get(ids[0])
        .await
        .unwrap()
        .unwrap()
        .summary
        .state;
    let (postponed, waiting) = if first == LeadState::Delivering {
        (ids[0], ids[1])
    } else {
        (ids[1], ids[0])
    };
    store
        .outbox
        .unclaim("setup", &[postponed], later)
        .await
        .unwrap();

    let claimed = store.outbox.claim_due("worker-a", 10, LEASE).await.unwrap();
    let again = store.outbox.claim_due("worker-b", 10, LEASE).await.unwrap();

    let claimed: Vec<LeadId> = claimed.iter().map(|lead| lead.id).collect();
    assert_eq!(claimed, [waiting], "the postponed lead is not due");
    assert!(
        again.is_empty(),
        "a live lease keeps the lead from other workers"
    );
    assert_eq!(
        state_of(&*store.outbox, waiting).await,
        LeadState::Delivering
    );
    assert_eq!(
        state_of(&*store.outbox, postponed).await,
        LeadState::Pending
    );
}

pub async fn concurrent_claimers_get_disjoint_leads(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(200)).await;

    let claimers: Vec<_> = ["worker-a", "worker-b"]
        .into_iter()
        .map(|worker| {
            let outbox = Arc::clone(&store.outbox);
            tokio::spawn(async move { drain(&*outbox, worker, 7, LEASE).await })
        })
        .collect();
    let mut sets = Vec::new();
    for claimer in claimers {
        sets.push(claimer.await.unwrap().into_iter().collect::<HashSet<_>>());
    }

    assert!(sets[0].is_disjoint(&sets[1]), "a lead was claimed twice");
    let union: HashSet<LeadId> = sets[0].union(&sets[1]).copied().collect();
    assert_eq!(union, ids.into_iter().collect());
    assert_eq!(count_in(&*store.outbox, LeadState::Delivered).await, 200);
}

pub async fn expired_lease_is_reclaimable(store: &TestStore) {
    // That a live lease holds is `claim_due_respects_due_time_and_lease`'s (with a
    // long lease); here, only that an expired one lets go, and never before its
    // time: the store's clock is moved by hand.
    let clock = ManualClock::starting_now();
    let outbox = store.open_with_clock(&clock).await;
    let ids = enqueue_all(&*outbox, leads(3)).await;
    let lease = Duration::from_millis(300);
    let claimed = outbox.claim_due("crashed", 10, lease).await.unwrap();
    assert_eq!(claimed.len(), 3);

    clock.advance(lease);
    let at_the_lease_end = outbox.claim_due("survivor", 10, LEASE).await.unwrap();
    clock.advance(Duration::from_millis(1));
    let taken = outbox.claim_due("survivor", 10, LEASE).await.unwrap();
    outbox.close().await;

    assert!(
        at_the_lease_end.is_empty(),
        "reclaimed at the end of a {lease:?} lease, not after it"
    );
    let reclaimed: HashSet<LeadId> = taken.iter().map(|lead| lead.id).collect();
    assert_eq!(reclaimed, ids.into_iter().collect::<HashSet<LeadId>>());
}

pub async fn record_stores_outcomes_and_attempt_log(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(3)).await;
    let next = now_ms() + 30_000;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    let mut retrying = outcome(ids[1], LeadState::Retrying, Some(503));
    retrying.next_attempt_at_ms = Some(next);
    retrying.error = Some("upstream unavailable".into());
    let mut dead = outcome(ids[2], LeadState::Dead, Some(400));
    dead.error = Some("rejected".into());
    store
        .outbox
        .record("w", vec![retrying, dead])
        .await
        .unwrap();
    store
        .outbox
        .unclaim("w", &[ids[0]], now_ms())
        .await
        .unwrap();
    store.outbox.retry(ids[1]).await.unwrap();
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();

    let mut delivered = outcome(ids[1], LeadState::Delivered, Some(201));
    delivered.member_id = Some("member-42".into());
    store.outbox.record("w", vec![delivered]).await.unwrap();

    let detail = store.outbox.get(ids[1]).await.unwrap().unwrap();
    assert_eq!(detail.summary.state, LeadState::Delivered);
    assert_eq!(detail.summary.member_id.as_deref(), Some("member-42"));
    assert_eq!(
        detail.summary.attempts, 1,
        "retry reset the count, then one more attempt"
    );
    let statuses: Vec<Option<u16>> = detail
        .attempt_log
        .iter()
        .map(|attempt| attempt.status)
        .collect();
    assert_eq!(statuses, [Some(503), Some(201)], "attempts in order");
    assert_eq!(detail.attempt_log[0].duration_ms, 12);
    let dead = store.outbox.get(ids[2]).await.unwrap().unwrap().summary;
    assert_eq!(dead.state, LeadState::Dead);
    assert_eq!(dead.last_error.as_deref(), Some("rejected"));
    assert_eq!(dead.attempts, 1);
}

pub async fn record_after_erase_keeps_the_rest_of_the_batch(store: &TestStore) {
    let ids = enqueue_all(
        &*store.outbox,
        vec![lead("gone@example.com"), lead("kept@example.com")],
    )
    .await;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    store.outbox.erase_email("gone@example.com").await.unwrap();

    let recorded = store
        .outbox
        .record(
            "w",
            ids.iter()
                .map(|id| outcome(*id, LeadState::Delivered, Some(201)))
                .collect(),
        )
        .await;

    assert!(recorded.is_ok(), "{recorded:?}");
    assert!(store.outbox.get(ids[0]).await.unwrap().is_none());
    assert_eq!(state_of(&*store.outbox, ids[1]).await, LeadState::Delivered);
}

pub async fn unclaim_spends_no_attempt(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(1)).await;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    let due = now_ms() + 5_000;

    store.outbox.unclaim("w", &ids, due).await.unwrap();

    let summary = store.outbox.get(ids[0]).await.unwrap().unwrap().summary;
    assert_eq!(summary.state, LeadState::Pending);
    assert_eq!(summary.attempts, 0);
    assert_eq!(summary.next_attempt_at_ms, due);
    assert!(store
        .outbox
        .claim_due("w", 10, LEASE)
        .await
        .unwrap()
        .is_empty());
}

pub async fn defer_stores_why_leads_wait_and_spends_no_attempt(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(2)).await;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    let due = now_ms() + 5_000;

    store
        .outbox
        .defer("w", &ids[..1], due, "paused: the key was refused")
        .await
        .unwrap();
    store.outbox.unclaim("w", &ids[1..], due).await.unwrap();
    store
        .outbox
        .defer("other", &ids[..1], due, "not this worker's to defer")
        .await
        .unwrap();

    let deferred = store.outbox.get(ids[0]).await.unwrap().unwrap().summary;
    assert_eq!(deferred.state, LeadState::Pending);
    assert_eq!(deferred.attempts, 0);
    assert_eq!(deferred.next_attempt_at_ms, due);
    assert_eq!(
        deferred.last_error.as_deref(),
        Some("paused: the key was refused")
    );
    let unclaimed = store.outbox.get(ids[1]).await.unwrap().unwrap().summary;
    assert_eq!(unclaimed.last_error, None);
}

pub async fn renew_extends_only_the_workers_own_claims(store: &TestStore) {
    let clock = ManualClock::starting_now();
    let outbox = store.open_with_clock(&clock).await;
    enqueue_all(&*outbox, leads(3)).await;
    let theirs = outbox.claim_due("x", 1, LEASE).await.unwrap();
    let mine = outbox.claim_due("w", 10, Duration::ZERO).await.unwrap();
    assert_eq!((mine.len(), theirs.len()), (2, 1));
    // The clock passes the zero lease's end: w's leads are re-claimable from here.
    clock.advance(Duration::from_millis(1));

    let held = outbox.renew("w", LEASE).await.unwrap();
    let taken = outbox.claim_due("y", 10, LEASE).await.unwrap();
    outbox
        .record(
            "w",
            vec![outcome(mine[0].id, LeadState::Delivered, Some(201))],
        )
        .await
        .unwrap();
    let held_after_one_outcome = outbox.renew("w", LEASE).await.unwrap();
    outbox.close().await;

    assert_eq!(held, 2, "w holds its two leads");
    assert!(taken.is_empty(), "renewed leases keep w's leads from y");
    assert_eq!(held_after_one_outcome, 1);
}

pub async fn next_due_at_reports_the_earliest_due_time(store: &TestStore) {
    assert_eq!(store.outbox.next_due_at().await.unwrap(), None);
    let ids = enqueue_all(&*store.outbox, leads(3)).await;
    let claimed_at = now_ms();
    store
        .outbox
        .claim_due("w", 10, Duration::from_secs(5))
        .await
        .unwrap();
    let (soon, later) = (now_ms() + 10_000, now_ms() + 20_000);
    store.outbox.unclaim("w", &[ids[0]], later).await.unwrap();
    store.outbox.unclaim("w", &[ids[1]], soon).await.unwrap();

    let lease_expiry = store.outbox.next_due_at().await.unwrap().unwrap();
    store
        .outbox
        .record("w", vec![outcome(ids[2], LeadState::Delivered, Some(201))])
        .await
        .unwrap();
    let next = store.outbox.next_due_at().await.unwrap();

    assert!(
        (claimed_at + 5_000..=now_ms() + 5_000).contains(&lease_expiry),
        "a lease expiry counts as due: {lease_expiry}"
    );
    assert_eq!(next, Some(soon));
}

pub async fn recover_abandoned_follows_the_backend_policy(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(3)).await;
    store.outbox.claim_due("crashed", 10, LEASE).await.unwrap();
    store
        .outbox
        .unclaim("crashed", &[ids[2]], now_ms() + 3_600_000)
        .await
        .unwrap();

    let recovered = store.outbox.recover_abandoned().await.unwrap();

    let postponed = store.outbox.get(ids[2]).await.unwrap().unwrap().summary;
    assert!(
        postponed.next_attempt_at_ms <= now_ms(),
        "a lead a gate postponed is due again after a restart"
    );
    if store.settings.url.starts_with("sqlite:") {
        assert_eq!(
            recovered, 2,
            "SQLite has one process per file: its claims are abandoned"
        );
        assert_eq!(state_of(&*store.outbox, ids[0]).await, LeadState::Pending);
    } else {
        assert_eq!(
            recovered, 0,
            "PostgreSQL leaves other replicas' claims to their lease"
        );
        assert_eq!(
            state_of(&*store.outbox, ids[0]).await,
            LeadState::Delivering
        );
    }
}

pub async fn claims_take_the_earliest_due_across_states(store: &TestStore) {
    let clock = ManualClock::starting_now();
    let outbox = store.open_with_clock(&clock).await;
    let ids = enqueue_all(&*outbox, leads(3)).await;
    // Claimed under a lease that has already run out.
    let claimed = outbox
        .claim_due("crashed", 10, Duration::ZERO)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    clock.advance(Duration::from_millis(1));
    let now = clock.clock().now_ms();
    // ids[0]: retrying, due a minute ago; ids[1]: pending again, due 30 s ago;
    // ids[2]: still delivering, its lease expired (due since it was enqueued).
    let mut retrying = outcome(ids[0], LeadState::Retrying, Some(500));
    retrying.next_attempt_at_ms = Some(now - 60_000);
    outbox.record("crashed", vec![retrying]).await.unwrap();
    outbox
        .unclaim("crashed", &[ids[1]], now - 30_000)
        .await
        .unwrap();

    let mut order = Vec::new();
    for worker in ["a", "b", "c", "d"] {
        let one = outbox.claim_due(worker, 1, LEASE).await.unwrap();
        order.extend(one.iter().map(|lead| lead.id));
    }

    assert_eq!(
        order,
        [ids[0], ids[1], ids[2]],
        "earliest due first, whatever the state; a live lease is never taken"
    );
    outbox.close().await;
}

pub async fn a_late_outcome_never_overwrites_the_new_claimant(store: &TestStore) {
    let clock = ManualClock::starting_now();
    let outbox = store.open_with_clock(&clock).await;
    let ids = enqueue_all(&*outbox, leads(2)).await;
    // "slow" claims both, and its lease runs out while it is still sending.
    let slow = outbox.claim_due("slow", 10, Duration::ZERO).await.unwrap();
    assert_eq!(slow.len(), 2);
    clock.advance(Duration::from_millis(1));
    let fast = outbox.claim_due("fast", 10, LEASE).await.unwrap();
    assert_eq!(fast.len(), 2, "expired leases are taken over");
    let mut delivered = outcome(ids[0], LeadState::Delivered, Some(201));
    delivered.member_id = Some("member-1".into());
    outbox.record("fast", vec![delivered]).await.unwrap();

    // Then "slow" reports: a failure for the delivered lead, and gives back
    // the lead "fast" is still sending.
    let mut late = outcome(ids[0], LeadState::Retrying, Some(503));
    late.next_attempt_at_ms = Some(clock.clock().now_ms() + 60_000);
    outbox.record("slow", vec![late]).await.unwrap();
    outbox
        .unclaim("slow", &[ids[1]], clock.clock().now_ms())
        .await
        .unwrap();

    let first = outbox.get(ids[0]).await.unwrap().unwrap();
    assert_eq!(first.summary.state, LeadState::Delivered);
    assert_eq!(first.summary.member_id.as_deref(), Some("member-1"));
    assert_eq!(
        first.summary.attempts, 1,
        "the late outcome spent no attempt"
    );
    let statuses: Vec<Option<u16>> = first.attempt_log.iter().map(|a| a.status).collect();
    assert_eq!(
        statuses,
        [Some(201), Some(503)],
        "both attempts happened, both are logged"
    );
    assert_eq!(
        state_of(&*outbox, ids[1]).await,
        LeadState::Delivering,
        "still held by the worker sending it"
    );
    assert!(
        outbox
            .claim_due("third", 10, LEASE)
            .await
            .unwrap()
            .is_empty(),
        "the late unclaim did not free a lead for a third worker"
    );
    outbox.close().await;
}
