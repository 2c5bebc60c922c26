//! Operating leads: retry, release, remap, erase, purge, counts, listing.

use std::time::Duration;

use leadrelay::{
    clock::ManualClock,
    domain::{LeadId, LeadState},
    outbox::LeadFilter,
};

use super::LEASE;
use crate::helpers::storage::{
    count_in, enqueue_all, lead, leads, now_ms, outcome, state_of, TestStore,
};

pub async fn retry_and_retry_state_requeue_leads(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(4)).await;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    let mut outcomes: Vec<_> = ids[..3]
        .iter()
        .map(|id| outcome(*id, LeadState::Dead, Some(400)))
        .collect();
    outcomes.push(outcome(ids[3], LeadState::Delivered, Some(201)));
    store.outbox.record("w", outcomes).await.unwrap();

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

pub async fn release_moves_spam_to_the_queue(store: &TestStore) {
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

pub async fn release_noted_moves_only_spam_kept_for_that_reason(store: &TestStore) {
    let held = |email: &str, state: LeadState, reason: &str| {
        let mut held = lead(email);
        held.state = state;
        held.reason = Some(reason.to_owned());
        held
    };
    let ids = enqueue_all(
        &*store.outbox,
        vec![
            held(
                "a@example.com",
                LeadState::Spam,
                "captcha-unavailable: no answer",
            ),
            held(
                "b@example.com",
                LeadState::Spam,
                "captcha-unavailable: timed out",
            ),
            held(
                "bot@example.com",
                LeadState::Spam,
                "honeypot: \"_gotcha\" filled",
            ),
            held("odd@example.com", LeadState::Spam, "captcha-unavailable"),
            held(
                "pending@example.com",
                LeadState::Pending,
                "captcha-unavailable: x",
            ),
        ],
    )
    .await;
    let kept = store.outbox.get(ids[0]).await.unwrap().unwrap().summary;
    assert_eq!(
        kept.last_error.as_deref(),
        Some("captcha-unavailable: no answer"),
        "the reason is kept on the lead"
    );

    let released = store
        .outbox
        .release_noted("captcha-unavailable: ")
        .await
        .unwrap();

    assert_eq!(released, 2);
    for (id, state) in [
        (ids[0], LeadState::Pending),
        (ids[1], LeadState::Pending),
        (ids[2], LeadState::Spam),
        (ids[3], LeadState::Spam),
    ] {
        assert_eq!(state_of(&*store.outbox, id).await, state);
    }
    let released = store.outbox.get(ids[0]).await.unwrap().unwrap().summary;
    assert_eq!(released.last_error, None, "released: no longer held");
    assert_eq!(
        store
            .outbox
            .release_noted("captcha-unavailable: ")
            .await
            .unwrap(),
        0
    );
}

pub async fn replace_member_requeues_with_the_new_member(store: &TestStore) {
    let ids = enqueue_all(&*store.outbox, leads(2)).await;
    store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    store
        .outbox
        .record(
            "w",
            vec![
                outcome(ids[0], LeadState::Dead, Some(422)),
                outcome(ids[1], LeadState::Delivered, Some(201)),
            ],
        )
        .await
        .unwrap();
    let member = serde_json::json!({ "email": "fixed@example.com", "firstName": "Fixed" });

    let replaced = store
        .outbox
        .replace_member(ids[0], "fixed@example.com", "Fixed", &member)
        .await
        .unwrap();
    let delivered = store
        .outbox
        .replace_member(ids[1], "x@example.com", "X", &member)
        .await
        .unwrap();

    assert!(replaced);
    assert!(!delivered, "a delivered lead keeps what was sent");
    let detail = store.outbox.get(ids[0]).await.unwrap().unwrap();
    assert_eq!(detail.member, member);
    assert_eq!(detail.summary.email, "fixed@example.com");
    assert_eq!(detail.summary.name, "Fixed");
    assert_eq!(detail.summary.state, LeadState::Pending);
    assert_eq!(detail.summary.attempts, 0);
    let claimed = store.outbox.claim_due("w", 10, LEASE).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let sent: serde_json::Value = serde_json::from_str(&claimed[0].member).unwrap();
    assert_eq!(sent, member);
}

pub async fn erase_email_removes_leads_and_attempts(store: &TestStore) {
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
            "w",
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

pub async fn purge_submissions_drops_only_delivered_submissions(store: &TestStore) {
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
        .record(
            "w",
            vec![outcome(delivered, LeadState::Delivered, Some(201))],
        )
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

pub async fn count_by_state_counts_every_state(store: &TestStore) {
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
        .record("w", vec![outcome(ids[1], LeadState::Delivered, Some(201))])
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

pub async fn list_filters_and_orders_newest_first(store: &TestStore) {
    let mut newsletter = lead("n@example.com");
    newsletter.form = "newsletter".into();
    let mut ids = Vec::new();
    let clock = ManualClock::starting_now();
    let outbox = store.open_with_clock(&clock).await;
    for new in [lead("a@example.com"), newsletter, lead("b@example.com")] {
        ids.push(outbox.enqueue(new).await.unwrap().id);
        clock.advance(Duration::from_millis(3));
    }
    outbox.close().await;

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
