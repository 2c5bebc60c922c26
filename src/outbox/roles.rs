//! Storage by role: intake stores leads ([`LeadIntake`]), the delivery worker
//! works the queue ([`DeliveryQueue`]), operators look and act
//! ([`LeadAdmin`]), and upkeep keeps retention, counts and health
//! ([`Upkeep`]). [`super::Outbox`] is all four.

use std::time::Duration;

use async_trait::async_trait;

use super::{
    ClaimedLead, DeliveryOutcome, Enqueued, FunnelCount, LeadDetail, LeadFilter, LeadSummary,
    NewLead, StorageResult,
};
use crate::domain::{LeadId, LeadState};

/// Takes new leads in.
#[async_trait]
pub trait LeadIntake: Send + Sync + 'static {
    /// Stores a new lead (committed before this returns), or finds the lead an
    /// idempotency key or the dedupe window already maps it to.
    async fn enqueue(&self, lead: NewLead) -> StorageResult<Enqueued>;
}

/// The delivery queue: claims, their outcomes and leases.
#[async_trait]
pub trait DeliveryQueue: Send + Sync + 'static {
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

    /// Like [`DeliveryQueue::unclaim`], and stores why the leads wait as their last
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
}

/// What operators see and do (commands, `/admin`).
#[async_trait]
pub trait LeadAdmin: Send + Sync + 'static {
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
}

/// Retention, counts, the funnel's counts and health.
#[async_trait]
pub trait Upkeep: Send + Sync + 'static {
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
