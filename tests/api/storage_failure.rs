//! When storage fails, intake answers 503 with Retry-After: never a 2xx for a
//! lead not stored, never a 4xx. Readiness reports it; recovery is automatic.

use std::{
    sync::{
        atomic::{AtomicU8, Ordering},
        Arc,
    },
    time::Duration,
};

use crate::helpers::{sandbox_leads, test_settings, FORMS};
use async_trait::async_trait;
use leadrelay::{
    domain::{LeadId, LeadState},
    outbox::{self, *},
    sandbox::Sandbox,
    startup::{Application, BuildOptions},
};
use serde_json::json;

/// The real SQLite store, with a switch that makes its intake fail like a full
/// disk, hang like a stuck disk, or panic like a bug.
struct Faulty {
    inner: Arc<dyn Outbox>,
    mode: AtomicU8,
}

const HEALTHY: u8 = 0;
const FULL: u8 = 1;
const HANGS: u8 = 2;
const PANICS: u8 = 3;

impl Faulty {
    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }

    async fn check(&self) -> StorageResult<()> {
        match self.mode.load(Ordering::SeqCst) {
            FULL => Err(StorageError(anyhow::anyhow!("database or disk is full"))),
            HANGS => std::future::pending().await,
            PANICS => panic!("a bug in storage"),
            _ => Ok(()),
        }
    }
}

#[async_trait]
impl LeadIntake for Faulty {
    async fn enqueue(&self, lead: NewLead) -> StorageResult<Enqueued> {
        self.check().await?;
        self.inner.enqueue(lead).await
    }
}

#[async_trait]
impl DeliveryQueue for Faulty {
    async fn claim_due(
        &self,
        worker: &str,
        limit: usize,
        lease: Duration,
    ) -> StorageResult<Vec<ClaimedLead>> {
        if self.mode.load(Ordering::SeqCst) == FULL {
            return Err(StorageError(anyhow::anyhow!("database or disk is full")));
        }
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
}

#[async_trait]
impl LeadAdmin for Faulty {
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
    async fn release_noted(&self, prefix: &str) -> StorageResult<u64> {
        self.inner.release_noted(prefix).await
    }
    async fn replace_member(
        &self,
        id: LeadId,
        email: &str,
        name: &str,
        member: &serde_json::Value,
    ) -> StorageResult<bool> {
        self.inner.replace_member(id, email, name, member).await
    }
    async fn erase_email(&self, email: &str) -> StorageResult<u64> {
        self.inner.erase_email(email).await
    }
}

#[async_trait]
impl Upkeep for Faulty {
    async fn purge_submissions(&self, before_ms: i64) -> StorageResult<u64> {
        self.inner.purge_submissions(before_ms).await
    }
    async fn count_by_state(&self) -> StorageResult<Vec<(LeadState, u64)>> {
        self.inner.count_by_state().await
    }
    async fn add_funnel_counts(&self, counts: &[FunnelCount]) -> StorageResult<()> {
        if self.mode.load(Ordering::SeqCst) == FULL {
            return Err(StorageError(anyhow::anyhow!("database or disk is full")));
        }
        self.inner.add_funnel_counts(counts).await
    }
    async fn funnel_counts(&self, since_day: &str) -> StorageResult<Vec<FunnelCount>> {
        self.inner.funnel_counts(since_day).await
    }
    async fn check_writable(&self) -> StorageResult<()> {
        if self.mode.load(Ordering::SeqCst) == FULL {
            return Err(StorageError(anyhow::anyhow!("database or disk is full")));
        }
        self.inner.check_writable().await
    }
    async fn close(&self) {
        self.inner.close().await
    }
}

/// The app on port 0 with a [`Faulty`] store; the config is [`FORMS`] plus `extra`.
struct Harness {
    address: String,
    http: reqwest::Client,
    faulty: Arc<Faulty>,
    sandbox: Sandbox,
    stop: tokio_util::sync::CancellationToken,
    _dir: tempfile::TempDir,
}

impl Harness {
    async fn start(extra: &str) -> Self {
        let sandbox = Sandbox::start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let settings = test_settings(&format!("{FORMS}\n{extra}"), &sandbox, &dir);
        let faulty = Arc::new(Faulty {
            inner: outbox::open(&settings.storage).await.unwrap(),
            mode: AtomicU8::new(HEALTHY),
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
        Self {
            address,
            http,
            faulty,
            sandbox,
            stop,
            _dir: dir,
        }
    }

    /// A `fetch` post from the allowed origin, and a plain browser form post.
    async fn post_both(&self, email: &str) -> (reqwest::Response, reqwest::Response) {
        let fetch = self
            .http
            .post(format!("{}/forms/ajax", self.address))
            .header("origin", "https://example.com")
            .header("x-request-id", "req-fetch")
            .json(&json!({"email": email}))
            .send()
            .await
            .unwrap();
        let browser = self
            .http
            .post(format!("{}/forms/contact", self.address))
            .form(&[("email", email)])
            .send()
            .await
            .unwrap();
        (fetch, browser)
    }
}

#[tokio::test]
async fn storage_failure_answers_503_with_retry_after_and_recovers() {
    let app = Harness::start("").await;
    app.faulty.set(FULL);

    let (json_post, browser_post) = app.post_both("lost@example.com").await;
    let ready = app
        .http
        .get(format!("{}/readyz", app.address))
        .send()
        .await
        .unwrap();

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

    app.faulty.set(HEALTHY);
    let retried = app
        .http
        .post(format!("{}/forms/ajax", app.address))
        .json(&json!({"email": "lost@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(retried.status(), 200);
    let leads = sandbox_leads(&app.sandbox, 1).await;
    assert_eq!(leads[0]["email"], "lost@example.com");
    app.stop.cancel();
}

/// The request timeout and a panic come out like every other error.
fn assert_error_shape(response: &reqwest::Response, status: u16) {
    assert_eq!(response.status(), status);
    let headers = response.headers();
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["access-control-allow-origin"],
        "https://example.com"
    );
    assert_eq!(headers["x-request-id"], "req-fetch");
}

#[tokio::test]
async fn a_request_over_its_time_limit_answers_503_to_retry_in_the_error_shape() {
    let app = Harness::start("[server]\nrequest_timeout_secs = 1").await;
    app.faulty.set(HANGS);

    let (fetch, browser) = app.post_both("slow@example.com").await;

    assert_error_shape(&fetch, 503);
    assert!(fetch.headers().contains_key("retry-after"));
    let body: serde_json::Value = fetch.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unavailable", "{body}");
    assert_eq!(browser.status(), 303);
    assert_eq!(
        browser.headers()["location"],
        "https://example.com/oops?error=unavailable"
    );
    app.faulty.set(HEALTHY);
    let (fetch, _) = app.post_both("after@example.com").await;
    assert_eq!(fetch.status(), 200);
    app.stop.cancel();
}

#[tokio::test]
async fn a_panic_answers_500_in_the_error_shape_and_the_service_goes_on() {
    let app = Harness::start("").await;
    app.faulty.set(PANICS);

    let (fetch, browser) = app.post_both("bug@example.com").await;
    let hook = app
        .http
        .post(format!("{}/hooks/zap", app.address))
        .bearer_auth("test-hook-token")
        .json(&json!({"email": "bug@example.com"}))
        .send()
        .await
        .unwrap();

    assert_error_shape(&fetch, 500);
    let body: serde_json::Value = fetch.json().await.unwrap();
    assert_eq!(body["error"]["code"], "internal", "{body}");
    assert!(!body.to_string().contains("bug in storage"), "{body}");
    assert_eq!(browser.status(), 303);
    assert_eq!(
        browser.headers()["location"],
        "https://example.com/oops?error=internal"
    );
    assert_eq!(hook.status(), 500);
    assert_eq!(hook.headers()["content-type"], "application/json");
    app.faulty.set(HEALTHY);
    let (fetch, _) = app.post_both("fixed@example.com").await;
    assert_eq!(fetch.status(), 200, "the process is still up and serving");
    assert_eq!(
        sandbox_leads(&app.sandbox, 1).await[0]["email"],
        "fixed@example.com"
    );
    app.stop.cancel();
}
