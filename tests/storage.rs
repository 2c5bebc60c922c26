//! One storage test suite, run against both backends: every test below runs
//! as `sqlite::NAME` and as `postgres::NAME` (the latter only when
//! `LEADRELAY_TEST_POSTGRES_URL` is set), each on a fresh store.

mod storage_support;

use std::{collections::HashSet, sync::Arc, time::Duration};

use leadrelay::{
    domain::{LeadId, LeadState},
    outbox::{now_ms, LeadFilter},
};
use storage_support::{count_in, drain, enqueue_all, lead, leads, outcome, state_of, TestStore};

const LEASE: Duration = Duration::from_secs(60);

/// Generates `sqlite::NAME` and `postgres::NAME` tests for each shared test function.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let store = super::TestStore::sqlite().await;
                    super::$name(&store).await;
                    store.outbox.close().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(store) = super::TestStore::postgres().await else { return };
                    super::$name(&store).await;
                    store.outbox.close().await;
                }
            )*
        }
    };
}

on_both_backends!(
    enqueue_then_get_round_trips,
    idempotency_key_answers_with_the_first_lead,
    concurrent_enqueues_of_one_key_store_one_lead,
    dedupe_window_answers_with_the_first_lead,
    claim_due_respects_due_time_and_lease,
    concurrent_claimers_get_disjoint_leads,
    expired_lease_is_reclaimable,
    record_stores_outcomes_and_attempt_log,
    record_after_erase_keeps_the_rest_of_the_batch,
    unclaim_spends_no_attempt,
    retry_and_retry_state_requeue_leads,
    release_moves_spam_to_the_queue,
    replace_member_requeues_with_the_new_member,
    erase_email_removes_leads_and_attempts,
    purge_submissions_drops_only_delivered_submissions,
    count_by_state_counts_every_state,
    next_due_at_reports_the_earliest_due_time,
    list_filters_and_orders_newest_first,
    concurrent_enqueues_are_all_stored,
    recover_abandoned_follows_the_backend_policy,
);

async fn enqueue_then_get_round_trips(store: &TestStore) {
    let new = lead("Jane@Example.com");
    let (id, member, submission) = (new.id, new.member.clone(), new.submission.clone());

    let enqueued = store.outbox.enqueue(new).await.unwrap();

    assert_eq!(enqueued.id, id);
    assert!(enqueued.created);
    let detail = store.outbox.get(id).await.unwrap().expect("stored lead");
    assert_eq!(detail.summary.email, "jane@example.com");
    assert_eq!(detail.summary.form, "contact");
    assert_eq!(detail.summary.workspace, "default");
    assert_eq!(detail.summary.state, LeadState::Pending);
    assert_eq!(detail.summary.attempts, 0);
    assert_eq!(detail.member, member);
    assert_eq!(detail.submission, Some(submission));
    assert!(detail.attempt_log.is_empty());
    assert!(store.outbox.get(LeadId::new()).await.unwrap().is_none());
    store.outbox.ping().await.unwrap();
}

async fn idempotency_key_answers_with_the_first_lead(store: &TestStore) {
    let mut first = lead("a@example.com");
    first.idempotency_key = Some("key-1".into());
    let mut again = lead("b@example.com");
    again.idempotency_key = Some("key-1".into());
    let mut other_form = lead("c@example.com");
    other_form.idempotency_key = Some("key-1".into());
    other_form.form = "newsletter".into();

    let first_id = store.outbox.enqueue(first).await.unwrap().id;
    let answer = store.outbox.enqueue(again).await.unwrap();
    let other = store.outbox.enqueue(other_form).await.unwrap();

    assert_eq!(answer.id, first_id);
    assert!(!answer.created);
    assert!(other.created, "keys are scoped to their form");
    assert_eq!(count_in(&*store.outbox, LeadState::Pending).await, 2);
}

async fn concurrent_enqueues_of_one_key_store_one_lead(store: &TestStore) {
    let tasks: Vec<_> = (0..20)
        .map(|n| {
            let outbox = Arc::clone(&store.outbox);
            let mut new = lead(&format!("p{n}@example.com"));
            new.idempotency_key = Some("double-click".into());
            tokio::spawn(async move { outbox.enqueue(new).await.unwrap() })
        })
        .collect();

    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }

    let ids: HashSet<LeadId> = answers.iter().map(|answer| answer.id).collect();
    assert_eq!(ids.len(), 1, "every caller gets the same lead");
    assert_eq!(answers.iter().filter(|answer| answer.created).count(), 1);
    assert_eq!(
        store
            .outbox
            .list(&LeadFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn dedupe_window_answers_with_the_first_lead(store: &TestStore) {
    let first = lead("jane@example.com");
    let hash = first.dedupe_hash.clone();
    let first_id = store.outbox.enqueue(first).await.unwrap().id;
    let mut within = lead("jane@example.com");
    within.dedupe_hash = hash.clone();
    let mut outside = lead("jane@example.com");
    outside.dedupe_hash = hash;
    outside.dedupe_since_ms = now_ms() + 1_000;

    let within = store.outbox.enqueue(within).await.unwrap();
    let outside = store.outbox.enqueue(outside).await.unwrap();

    assert_eq!(within.id, first_id);
    assert!(!within.created);
    assert!(outside.created);
    assert_ne!(outside.id, first_id);
    assert_eq!(count_in(&*store.outbox, LeadState::Pending).await, 2);
}

async fn claim_due_respects_due_time_and_lease(store: &TestStore) {
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
    store.outbox.unclaim(&[postponed], later).await.unwrap();

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

async fn concurrent_claimers_get_disjoint_leads(store: &TestStore) {
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

async fn expired_lease_is_reclaimable(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(3)).await;
    let claimed = store
        .outbox
        .claim_due("crashed", 10, Duration::from_millis(200))
        .await
        .unwrap();
    assert_eq!(claimed.len(), 3);
    assert!(store
        .outbox
        .claim_due("survivor", 10, LEASE)
        .await
        .unwrap()
        .is_empty());

    tokio::time::sleep(Duration::from_millis(400)).await;
    let reclaimed = store.outbox.claim_due("survivor", 10, LEASE).await.unwrap();

    let reclaimed: HashSet<LeadId> = reclaimed.iter().map(|lead| lead.id).collect();
    assert_eq!(reclaimed, ids.into_iter().collect());
}

async fn record_stores_outcomes_and_attempt_log(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(3)).await;
    let next = now_ms() + 30_000;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    let mut retrying = outcome(ids[1], LeadState::Retrying, Some(503));
    retrying.next_attempt_at_ms = Some(next);
    retrying.error = Some("upstream unavailable".into());
    let mut dead = outcome(ids[2], LeadState::Dead, Some(400));
    dead.error = Some("rejected".into());
    store.outbox.record(vec![retrying, dead]).await.unwrap();
    store.outbox.unclaim(&[ids[0]], now_ms()).await.unwrap();
    store.outbox.retry(ids[1]).await.unwrap();
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();

    let mut delivered = outcome(ids[1], LeadState::Delivered, Some(201));
    delivered.member_id = Some("member-42".into());
    store.outbox.record(vec![delivered]).await.unwrap();

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

async fn record_after_erase_keeps_the_rest_of_the_batch(store: &TestStore) {
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
            ids.iter()
                .map(|id| outcome(*id, LeadState::Delivered, Some(201)))
                .collect(),
        )
        .await;

    assert!(recorded.is_ok(), "{recorded:?}");
    assert!(store.outbox.get(ids[0]).await.unwrap().is_none());
    assert_eq!(state_of(&*store.outbox, ids[1]).await, LeadState::Delivered);
}

async fn unclaim_spends_no_attempt(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(1)).await;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    let due = now_ms() + 5_000;

    store.outbox.unclaim(&ids, due).await.unwrap();

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

async fn retry_and_retry_state_requeue_leads(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(4)).await;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    let mut outcomes: Vec<_> = ids[..3]
        .iter()
        .map(|id| outcome(*id, LeadState::Dead, Some(400)))
        .collect();
    outcomes.push(outcome(ids[3], LeadState::Delivered, Some(201)));
    store.outbox.record(outcomes).await.unwrap();

    let one = store.outbox.retry(ids[0]).await.unwrap();
    let delivered = store.outbox.retry(ids[3]).await.unwrap();
    let rest = store.outbox.retry_state(LeadState::Dead).await.unwrap();
    let not_requeueable = store
        .outbox
        .retry_state(LeadState::Delivered)
        .await
        .unwrap();

    assert!(one);
    assert!(!delivered, "a delivered lead is not re-sent");
    assert_eq!(rest, 2);
    assert_eq!(not_requeueable, 0);
    assert_eq!(count_in(&*store.outbox, LeadState::Pending).await, 3);
    assert_eq!(count_in(&*store.outbox, LeadState::Dead).await, 0);
    let summary = store.outbox.get(ids[1]).await.unwrap().unwrap().summary;
    assert_eq!(summary.attempts, 0);
    assert_eq!(
        store.outbox.claim_due("w", 10, LEASE).await.unwrap().len(),
        3
    );
}

async fn release_moves_spam_to_the_queue(store: &TestStore) {
    let mut spam = lead("bot@example.com");
    spam.state = LeadState::Spam;
    let ids = enqueue_all(&*store.outbox, vec![spam, lead("human@example.com")]).await;
    let claimable: Vec<LeadId> = store
        .outbox
        .claim_due("w", 10, LEASE)
        .await
        .unwrap()
        .iter()
        .map(|l| l.id)
        .collect();
    assert_eq!(claimable, [ids[1]], "spam is never claimed");

    assert!(store.outbox.release(ids[0]).await.unwrap());
    assert!(
        !store.outbox.release(ids[1]).await.unwrap(),
        "only spam is released"
    );

    assert_eq!(state_of(&*store.outbox, ids[0]).await, LeadState::Pending);
    let claimed = store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, ids[0]);
}

async fn replace_member_requeues_with_the_new_member(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(2)).await;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    store
        .outbox
        .record(vec![
            outcome(ids[0], LeadState::Dead, Some(422)),
            outcome(ids[1], LeadState::Delivered, Some(201)),
        ])
        .await
        .unwrap();
    let member = serde_json::json!({ "email": "fixed@example.com", "firstName": "Fixed" });

    let replaced = store
        .outbox
        .replace_member(ids[0], "fixed@example.com", &member)
        .await
        .unwrap();
    let delivered = store
        .outbox
        .replace_member(ids[1], "x@example.com", &member)
        .await
        .unwrap();

    assert!(replaced);
    assert!(!delivered, "a delivered lead keeps what was sent");
    let detail = store.outbox.get(ids[0]).await.unwrap().unwrap();
    assert_eq!(detail.member, member);
    assert_eq!(detail.summary.email, "fixed@example.com");
    assert_eq!(detail.summary.state, LeadState::Pending);
    assert_eq!(detail.summary.attempts, 0);
    let claimed = store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].member, member);
}

async fn erase_email_removes_leads_and_attempts(store: &TestStore) {
    let ids = enqueue_all(
        &*store.outbox,
        vec![
            lead("gone@example.com"),
            lead("gone@example.com"),
            lead("kept@example.com"),
        ],
    )
    .await;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    store
        .outbox
        .record(
            ids.iter()
                .map(|id| outcome(*id, LeadState::Delivered, Some(201)))
                .collect(),
        )
        .await
        .unwrap();

    let erased = store.outbox.erase_email("gone@example.com").await.unwrap();

    assert_eq!(erased, 2);
    assert!(store.outbox.get(ids[0]).await.unwrap().is_none());
    assert!(store.outbox.get(ids[1]).await.unwrap().is_none());
    let kept = store.outbox.get(ids[2]).await.unwrap().unwrap();
    assert_eq!(kept.attempt_log.len(), 1);
    assert_eq!(
        store.outbox.erase_email("gone@example.com").await.unwrap(),
        0
    );
}

async fn purge_submissions_drops_only_delivered_submissions(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(2)).await;
    store.outbox.claim_due("w", 1, LEASE).await.unwrap();
    let claimed_first = state_of(&*store.outbox, ids[0]).await == LeadState::Delivering;
    let (delivered, waiting) = if claimed_first {
        (ids[0], ids[1])
    } else {
        (ids[1], ids[0])
    };
    store
        .outbox
        .record(vec![outcome(delivered, LeadState::Delivered, Some(201))])
        .await
        .unwrap();

    let none_yet = store
        .outbox
        .purge_submissions(now_ms() - 60_000)
        .await
        .unwrap();
    let purged = store
        .outbox
        .purge_submissions(now_ms() + 1_000)
        .await
        .unwrap();

    assert_eq!(
        none_yet, 0,
        "recently delivered leads keep their submission"
    );
    assert_eq!(purged, 1);
    assert!(store
        .outbox
        .get(delivered)
        .await
        .unwrap()
        .unwrap()
        .submission
        .is_none());
    assert!(store
        .outbox
        .get(waiting)
        .await
        .unwrap()
        .unwrap()
        .submission
        .is_some());
}

async fn count_by_state_counts_every_state(store: &TestStore) {
    let mut spam = lead("bot@example.com");
    spam.state = LeadState::Spam;
    let ids = enqueue_all(
        &*store.outbox,
        vec![spam, lead("a@example.com"), lead("b@example.com")],
    )
    .await;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    store
        .outbox
        .record(vec![outcome(ids[1], LeadState::Delivered, Some(201))])
        .await
        .unwrap();

    let mut counts = store.outbox.count_by_state().await.unwrap();
    counts.sort_by_key(|(state, _)| state.as_str());

    assert_eq!(
        counts,
        [
            (LeadState::Delivered, 1),
            (LeadState::Delivering, 1),
            (LeadState::Spam, 1)
        ]
    );
}

async fn next_due_at_reports_the_earliest_due_time(store: &TestStore) {
    assert_eq!(store.outbox.next_due_at().await.unwrap(), None);
    let ids = enqueue_all(&*store.outbox, leads(3)).await;
    let claimed_at = now_ms();
    store
        .outbox
        .claim_due("w", 10, Duration::from_secs(5))
        .await
        .unwrap();
    let (soon, later) = (now_ms() + 10_000, now_ms() + 20_000);
    store.outbox.unclaim(&[ids[0]], later).await.unwrap();
    store.outbox.unclaim(&[ids[1]], soon).await.unwrap();

    let lease_expiry = store.outbox.next_due_at().await.unwrap().unwrap();
    store
        .outbox
        .record(vec![outcome(ids[2], LeadState::Delivered, Some(201))])
        .await
        .unwrap();
    let next = store.outbox.next_due_at().await.unwrap();

    assert!(
        (claimed_at + 5_000..=now_ms() + 5_000).contains(&lease_expiry),
        "a lease expiry counts as due: {lease_expiry}"
    );
    assert_eq!(next, Some(soon));
}

async fn list_filters_and_orders_newest_first(store: &TestStore) {
    let mut newsletter = lead("n@example.com");
    newsletter.form = "newsletter".into();
    let mut ids = Vec::new();
    for new in [lead("a@example.com"), newsletter, lead("b@example.com")] {
        ids.push(store.outbox.enqueue(new).await.unwrap().id);
        tokio::time::sleep(Duration::from_millis(3)).await;
    }

    let all = store.outbox.list(&LeadFilter::default()).await.unwrap();
    let contact = LeadFilter {
        form: Some("contact".into()),
        ..LeadFilter::default()
    };
    let contact = store.outbox.list(&contact).await.unwrap();
    let limited = store
        .outbox
        .list(&LeadFilter {
            limit: Some(1),
            ..LeadFilter::default()
        })
        .await
        .unwrap();
    let dead = LeadFilter {
        state: Some(LeadState::Dead),
        ..LeadFilter::default()
    };
    let dead = store.outbox.list(&dead).await.unwrap();

    let order: Vec<LeadId> = all.iter().map(|lead| lead.id).collect();
    assert_eq!(order, [ids[2], ids[1], ids[0]]);
    let contact: Vec<LeadId> = contact.iter().map(|lead| lead.id).collect();
    assert_eq!(contact, [ids[2], ids[0]]);
    assert_eq!(limited.len(), 1);
    assert!(dead.is_empty());
}

async fn concurrent_enqueues_are_all_stored(store: &TestStore) {
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..50)
        .map(|task| {
            let outbox = Arc::clone(&store.outbox);
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..10 {
                    let answer = outbox
                        .enqueue(lead(&format!("t{task}-{n}@example.com")))
                        .await
                        .unwrap();
                    assert!(answer.created);
                    ids.push(answer.id);
                }
                ids
            })
        })
        .collect();

    let mut ids = HashSet::new();
    for task in tasks {
        ids.extend(task.await.unwrap());
    }

    eprintln!("500 concurrent enqueues took {:?}", started.elapsed());
    assert_eq!(ids.len(), 500);
    assert_eq!(count_in(&*store.outbox, LeadState::Pending).await, 500);
}

async fn recover_abandoned_follows_the_backend_policy(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(2)).await;
    store.outbox.claim_due("crashed", 10, LEASE).await.unwrap();

    let recovered = store.outbox.recover_abandoned().await.unwrap();

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
