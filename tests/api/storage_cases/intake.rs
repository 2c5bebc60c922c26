//! Intake: the round trip, idempotency keys, the dedupe window, group commit.

use std::{collections::HashSet, sync::Arc};

use leadrelay::{
    domain::{LeadId, LeadState},
    outbox::LeadFilter,
};

use crate::helpers::storage::{count_in, lead, now_ms, value, TestStore};

pub async fn enqueue_then_get_round_trips(store: &TestStore) {
    let new = lead("Jane@Example.com");
    let (id, member, submission) = (new.id, value(&new.member), value(&new.submission));

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
    store.outbox.check_writable().await.unwrap();
}

pub async fn idempotency_key_answers_with_the_first_lead(store: &TestStore) {
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

pub async fn concurrent_enqueues_of_one_key_store_one_lead(store: &TestStore) {
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

pub async fn dedupe_window_answers_with_the_first_lead(store: &TestStore) {
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

pub async fn dedupe_window_survives_a_reopen_and_forgets_erased_leads(store: &TestStore) {
    let first = lead("again@example.com");
    let hash = first.dedupe_hash.clone();
    let first_id = store.outbox.enqueue(first).await.unwrap().id;
    let reopened = store.open_replica().await;
    let mut repeat = lead("again@example.com");
    repeat.dedupe_hash = hash.clone();

    let answer = reopened.enqueue(repeat).await.unwrap();
    assert_eq!(answer.id, first_id, "the window is known after a restart");
    assert!(!answer.created);

    // Erased through another handle (as `leads erase` does from another process).
    assert_eq!(reopened.erase_email("again@example.com").await.unwrap(), 1);
    let mut after_erase = lead("again@example.com");
    after_erase.dedupe_hash = hash;
    let answer = store.outbox.enqueue(after_erase).await.unwrap();
    assert!(answer.created, "an erased lead answers for nobody");
    reopened.close().await;
}

pub async fn concurrent_enqueues_are_all_stored(store: &TestStore) {
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

pub async fn a_failed_batch_stores_nothing_and_storage_goes_on(store: &TestStore) {
    let first = lead("first@example.com");
    let id = first.id;
    store.outbox.enqueue(first).await.unwrap();
    // A second lead with the same ID: its batch fails inside the insert.
    let mut clash = lead("clash@example.com");
    clash.id = id;

    let refused = store.outbox.enqueue(clash).await;

    assert!(refused.is_err(), "a primary-key clash is a storage error");
    let after = store
        .outbox
        .enqueue(lead("after@example.com"))
        .await
        .unwrap();
    assert!(after.created, "the writer is usable after a failed batch");
    let kept = store.outbox.get(id).await.unwrap().expect("first lead");
    assert_eq!(kept.summary.email, "first@example.com");
    assert!(store.outbox.get(after.id).await.unwrap().is_some());
    assert_eq!(count_in(&*store.outbox, LeadState::Pending).await, 2);
}
