//! When storage fails, intake answers 503 with Retry-After: never a 2xx for a
//! lead not stored, never a 4xx. Readiness reports it; recovery is automatic.

mod common;

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::Duration,
};

use async_trait::async_trait;
use common::{sandbox_leads, test_settings, FORMS};
use leadrelay::{
    domain::{LeadId, LeadState},
    outbox::{self, *},
    sandbox::Sandbox,
    startup::{Application, BuildOptions},
};
use serde_json::json;

/// The real SQLite store, with a switch that makes it fail like a full disk.
struct Faulty {
    inner: Arc<dyn Outbox>,
    broken: AtomicBool,
}

impl Faulty {
    fn check(&self) -> StorageResult<()> {
        if self.broken.load(Ordering::SeqCst) {
            Err(StorageError(anyhow::anyhow!("database or disk is full")))
        } else {
            Ok(())
        }
    }
}

#[async_trait]
impl Outbox for Faulty {
    async fn enqueue(&self, lead: NewLead) -> StorageResult<Enqueued> {
        self.check()?;
        self.inner.enqueue(lead).await
    }
    async fn claim_due(
        &self,
        worker: &str,
        limit: usize,
        lease: Duration,
    ) -> StorageResult<Vec<ClaimedLead>> {
        self.check()?;
        self.inner.claim_due(worker, limit, lease).await
    }
    async fn recover_abandoned(&self) -> StorageResult<u64> {
        self.inner.recover_abandoned().await
    }
    async fn record(&self, worker: &str, outcomes: Vec<DeliveryOutcome>) -> StorageResult<()> {
        self.inner.record(worker, outcomes).await
    }
    async fn unclaim(&self, worker: &str, ids: &[LeadId], due_at_ms: i64) -> StorageResult<()> {
        self.inner.unclaim(worker, ids, due_at_ms).await
    }
    async fn renew(&self, worker: &str, lease: Duration) -> StorageResult<u64> {
        self.inner.renew(worker, lease).await
    }

    async fn defer(
        &self,
        worker: &str,
        ids: &[LeadId],
        due_at_ms: i64,
        reason: &str,
    ) -> StorageResult<()> {
        self.inner.defer(worker, ids, due_at_ms, reason).await
    }
    async fn next_due_at(&self) -> StorageResult<Option<i64>> {
        self.inner.next_due_at().await
    }
    async fn get(&self, id: LeadId) -> StorageResult<Option<LeadDetail>> {
        self.inner.get(id).await
    }
    async fn list(&self, filter: &LeadFilter) -> StorageResult<Vec<LeadSummary>> {
        self.inner.list(filter).await
    }
    async fn retry(&self, id: LeadId) -> StorageResult<bool> {
        self.inner.retry(id).await
    }
    async fn retry_state(&self, state: LeadState) -> StorageResult<u64> {
        self.inner.retry_state(state).await
    }
    async fn release(&self, id: LeadId) -> StorageResult<bool> {
        self.inner.release(id).await
    }
    async fn replace_member(
        &self,
        id: LeadId,
        email: &str,
        member: &serde_json::Value,
    ) -> StorageResult<bool> {
        self.inner.replace_member(id, email, member).await
    }
    async fn erase_email(&self, email: &str) -> StorageResult<u64> {
        self.inner.erase_email(email).await
    }
    async fn purge_submissions(&self, before_ms: i64) -> StorageResult<u64> {
        self.inner.purge_submissions(before_ms).await
    }
    async fn count_by_state(&self) -> StorageResult<Vec<(LeadState, u64)>> {
        self.inner.count_by_state().await
    }
    async fn ping(&self) -> StorageResult<()> {
        self.check()?;
        self.inner.ping().await
    }
    async fn close(&self) {
        self.inner.close().await
    }
}

#[tokio::test]
async fn storage_failure_answers_503_with_retry_after_and_recovers() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let settings = test_settings(FORMS, &sandbox, &dir);
    let faulty = Arc::new(Faulty {
        inner: outbox::open(&settings.storage).await.unwrap(),
        broken: AtomicBool::new(false),
    });
    let options = BuildOptions {
        outbox: Some(faulty.clone()),
        ..Default::default()
    };
    let app = Application::build_with(settings, options).await.unwrap();
    let address = format!("http://127.0.0.1:{}", app.port());
    let stop = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    faulty.broken.store(true, Ordering::SeqCst);

    let json_post = http
        .post(format!("{address}/forms/ajax"))
        .json(&json!({"email": "lost@example.com"}))
        .send()
        .await
        .unwrap();
    let browser_post = http
        .post(format!("{address}/forms/contact"))
        .form(&[("email", "lost2@example.com")])
        .send()
        .await
        .unwrap();
    let ready = http.get(format!("{address}/readyz")).send().await.unwrap();

    assert_eq!(json_post.status(), 503);
    assert!(json_post.headers().contains_key("retry-after"));
    let body: serde_json::Value = json_post.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(
        !body.to_string().contains("disk"),
        "internal details stay internal: {body}"
    );
    assert_ne!(
        browser_post.status(),
        200,
        "a browser must not be thanked for a lead not stored"
    );
    assert!(
        browser_post.status() == 503
            || browser_post.headers()["location"]
                .to_str()
                .unwrap()
                .contains("error=unavailable")
    );
    assert_eq!(ready.status(), 503);

    faulty.broken.store(false, Ordering::SeqCst);
    let retried = http
        .post(format!("{address}/forms/ajax"))
        .json(&json!({"email": "lost@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), 200);
    let leads = sandbox_leads(&sandbox, 1).await;
    assert_eq!(leads[0]["email"], "lost@example.com");
    stop.cancel();
}
