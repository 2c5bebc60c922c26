//! What the admin page and the funnel read and write: search, date filters,
//! test leads kept out of delivery, and the funnel's daily counts.

use leadrelay::{
    domain::LeadState,
    outbox::{FunnelCount, LeadFilter},
};

use super::LEASE;
use crate::helpers::storage::{enqueue_all, lead, now_ms, TestStore};

fn search(text: &str) -> LeadFilter {
    LeadFilter {
        search: Some(text.into()),
        ..LeadFilter::default()
    }
}

pub async fn list_searches_names_and_emails_and_filters_by_date(store: &TestStore) {
    let mut ann = lead("ann.lee@example.com");
    ann.name = "Ann Lee".into();
    let mut bob = lead("bob@shop.example");
    bob.name = "Bob 100%_Sure".into();
    let before = now_ms();
    enqueue_all(&*store.outbox, vec![ann, bob]).await;
    let list = |filter: LeadFilter| {
        let outbox = store.outbox.clone();
        async move {
            let mut emails: Vec<String> = outbox
                .list(&filter)
                .await
                .unwrap()
                .into_iter()
                .map(|l| l.email)
                .collect();
            emails.sort();
            emails
        }
    };

    assert_eq!(list(search("ann")).await, ["ann.lee@example.com"]);
    assert_eq!(
        list(search("LEE")).await,
        ["ann.lee@example.com"],
        "any case"
    );
    assert_eq!(list(search("shop.example")).await, ["bob@shop.example"]);
    assert_eq!(
        list(search("100%_")).await,
        ["bob@shop.example"],
        "% and _ are plain text"
    );
    assert!(list(search("%")).await.len() == 1 && list(search("_")).await.len() == 1);
    assert!(list(search("carol")).await.is_empty());
    assert_eq!(list(search("  ")).await.len(), 2, "blank searches nothing");
    let since = LeadFilter {
        received_from_ms: Some(before - 1000),
        received_before_ms: Some(now_ms() + 1000),
        ..LeadFilter::default()
    };
    assert_eq!(list(since).await.len(), 2);
    let later = LeadFilter {
        received_from_ms: Some(now_ms() + 60_000),
        ..LeadFilter::default()
    };
    assert!(list(later).await.is_empty());
    let earlier = LeadFilter {
        received_before_ms: Some(before - 60_000),
        ..LeadFilter::default()
    };
    assert!(list(earlier).await.is_empty());
}

pub async fn test_leads_are_never_claimed_retried_or_released(store: &TestStore) {
    let mut test = lead("test@example.com");
    test.state = LeadState::Test;
    let ids = enqueue_all(&*store.outbox, vec![test, lead("real@example.com")]).await;

    let claimed = store.outbox.claim_due("w", 10, LEASE).await.unwrap();

    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].id, ids[1]);
    assert_eq!(claimed[0].form, "contact");
    assert!(!store.outbox.retry(ids[0]).await.unwrap());
    assert!(!store.outbox.release(ids[0]).await.unwrap());
    let kept = store.outbox.get(ids[0]).await.unwrap().unwrap();
    assert_eq!(kept.summary.state, LeadState::Test);
    assert_eq!(kept.summary.name, "Jane Doe");
    let counts = store.outbox.count_by_state().await.unwrap();
    assert!(counts.contains(&(LeadState::Test, 1)), "{counts:?}");
}

pub async fn funnel_counts_add_up_per_form_day_and_step(store: &TestStore) {
    let count = |form: &str, day: &str, step: &str, n: u64| FunnelCount {
        form: form.into(),
        day: day.into(),
        step: step.into(),
        count: n,
    };
    store
        .outbox
        .add_funnel_counts(&[
            count("contact", "2026-03-01", "views", 3),
            count("contact", "2026-03-02", "views", 1),
            count("quote", "2026-03-02", "submissions", 2),
        ])
        .await
        .unwrap();
    store
        .outbox
        .add_funnel_counts(&[
            count("contact", "2026-03-02", "views", 4),
            count("contact", "2026-02-28", "views", 9),
        ])
        .await
        .unwrap();
    store.outbox.add_funnel_counts(&[]).await.unwrap();

    let since = store.outbox.funnel_counts("2026-03-01").await.unwrap();

    assert_eq!(
        since,
        [
            count("contact", "2026-03-01", "views", 3),
            count("contact", "2026-03-02", "views", 5),
            count("quote", "2026-03-02", "submissions", 2),
        ]
    );
}
