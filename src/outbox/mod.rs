//! Durable lead storage: one trait, SQLite (embedded default) and PostgreSQL behind it.

mod decode;
mod group_commit;
mod postgres;
mod resolve;
mod sql;
mod sqlite;
mod types;

use std::{sync::Arc, time::Duration};

use async_trait::async_trait;

pub use types::*;

use crate::{
    config::StorageSettings,
    domain::{LeadId, LeadState},
};

/// A storage failure: answered as 503 + `Retry-After` on intake.
#[derive(Debug, thiserror::Error)]
/// Its message holds the whole cause (it is not also given as a source, so a
/// report of the chain does not print it twice).
#[error("storage failed: {0:#}")]
pub struct StorageError(pub anyhow::Error);

impl From<anyhow::Error> for StorageError {
    fn from(e: anyhow::Error) -> Self {
        Self(e)
    }
}

impl From<sqlx::Error> for StorageError {
    fn from(e: sqlx::Error) -> Self {
        Self(e.into())
    }
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        Self(e.into())
    }
}

impl From<rusqlite::types::FromSqlError> for StorageError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        Self(e.into())
    }
}

/// Result of storage operations.
pub type StorageResult<T> = Result<T, StorageError>;

/// The lead store and delivery queue.
#[async_trait]
pub trait Outbox: Send + Sync + 'static {
    /// Stores a new lead (committed before this returns), or finds the lead an
    /// idempotency key or the dedupe window already maps it to.
    async fn enqueue(&self, lead: NewLead) -> StorageResult<Enqueued>;

    /// Claims up to `limit` due leads for `worker` until `lease` expires.
    async fn claim_due(
        &self,
        worker: &str,
        limit: usize,
        lease: Duration,
    ) -> StorageResult<Vec<ClaimedLead>>;

    /// At worker start: makes leads left `delivering` by a crashed process due
    /// again. SQLite (one process per file) does it at once; PostgreSQL leaves
    /// it to lease expiry, since other replicas may be alive.
    async fn recover_abandoned(&self) -> StorageResult<u64>;

    /// Records the outcome of delivery attempts on leads `worker` claimed.
    ///
    /// Every attempt goes into the attempt log. The lead itself is updated
    /// only while `worker` still holds its claim: an outcome that arrives after
    /// the lease expired and another worker took the lead (or an operator
    /// changed it) would overwrite a newer one, and is not applied.
    async fn record(&self, worker: &str, outcomes: Vec<DeliveryOutcome>) -> StorageResult<()>;

    /// Returns leads `worker` claimed to the queue without spending an
    /// attempt, due at `due_at_ms`; leads it no longer holds are left alone.
    async fn unclaim(&self, worker: &str, ids: &[LeadId], due_at_ms: i64) -> StorageResult<()>;

    /// Like [`Outbox::unclaim`], and stores why the leads wait as their last
    /// error (a paused workspace's reason and fix), for `leads list`, `leads
    /// show` and `/admin` to show.
    async fn defer(
        &self,
        worker: &str,
        ids: &[LeadId],
        due_at_ms: i64,
        reason: &str,
    ) -> StorageResult<()>;

    /// Extends to `lease` from now the claim of every lead `worker` still
    /// holds, so that a round of sending that outlasts the lease is not taken
    /// over (and sent again) by another replica; returns how many it holds.
    async fn renew(&self, worker: &str, lease: Duration) -> StorageResult<u64>;

    /// When the next lead is due (unix ms), if any is waiting.
    async fn next_due_at(&self) -> StorageResult<Option<i64>>;

    /// One lead with its attempts.
    async fn get(&self, id: LeadId) -> StorageResult<Option<LeadDetail>>;

    /// Leads, newest first.
    async fn list(&self, filter: &LeadFilter) -> StorageResult<Vec<LeadSummary>>;

    /// Re-queues one lead in [`LeadState::RETRYABLE`] (dead, retrying or
    /// pending; never a delivered one) for an immediate attempt.
    async fn retry(&self, id: LeadId) -> StorageResult<bool>;

    /// Re-queues every lead in `state`, when it is one of
    /// [`LeadState::BULK_RETRYABLE`] (else none).
    async fn retry_state(&self, state: LeadState) -> StorageResult<u64>;

    /// Moves a spam lead to the queue (its kept reason is cleared).
    async fn release(&self, id: LeadId) -> StorageResult<bool>;

    /// Moves every spam lead whose kept reason (see [`NewLead::reason`]) starts
    /// with `prefix` to the queue; returns how many.
    async fn release_noted(&self, prefix: &str) -> StorageResult<u64>;

    /// Replaces a lead's mapped member (after `remap`), with its e-mail and
    /// name, and re-queues it.
    async fn replace_member(
        &self,
        id: LeadId,
        email_normalized: &str,
        name: &str,
        member: &serde_json::Value,
    ) -> StorageResult<bool>;

    /// Removes every lead of this (normalized) e-mail address, with its attempts.
    async fn erase_email(&self, email_normalized: &str) -> StorageResult<u64>;

    /// Drops the original submissions of leads delivered before `before_ms`.
    async fn purge_submissions(&self, before_ms: i64) -> StorageResult<u64>;

    /// Lead counts by state.
    async fn count_by_state(&self) -> StorageResult<Vec<(LeadState, u64)>>;

    /// Adds to the funnel's per-form daily counts, in one transaction.
    async fn add_funnel_counts(&self, counts: &[FunnelCount]) -> StorageResult<()>;

    /// The funnel's counts of every form on `since_day` (`YYYY-MM-DD`, UTC) and after.
    async fn funnel_counts(&self, since_day: &str) -> StorageResult<Vec<FunnelCount>>;

    /// Answers `Ok` when storage takes writes now: the writer intake hands its
    /// leads to is alive, and a one-row write through the same path commits.
    /// `/readyz` asks it, so a full disk or a read-only database reads as not ready.
    async fn check_writable(&self) -> StorageResult<()>;

    /// Flushes pending writes and closes connections.
    async fn close(&self);
}

/// When a lease taken at `now` (unix ms) for `lease` ends.
pub(crate) fn lease_end(now: i64, lease: Duration) -> i64 {
    now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX))
}

/// Says that some outcomes came after their leads changed hands.
pub(crate) fn warn_stale_outcomes(worker: &str, stale: u64) {
    if stale > 0 {
        tracing::warn!(
            worker,
            leads = stale,
            "outcomes not applied: the leads were no longer claimed by this worker \
             (lease expired and taken over, erased, or changed by an operator); \
             the attempts of leads still stored are in their attempt logs"
        );
    }
}

/// Opens the store the URL names (`sqlite://...` or `postgres://...`) and migrates it.
pub async fn open(settings: &StorageSettings) -> anyhow::Result<Arc<dyn Outbox>> {
    let url = settings.url.as_str();
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteOutbox::open(settings).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(postgres::PostgresOutbox::open(settings).await?))
    } else {
        anyhow::bail!("storage.url must start with sqlite:// or postgres://")
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
