//! PostgreSQL, for several replicas on one database. Intake is group-committed
//! per replica (batched inserts), delivery claims rows with `FOR UPDATE SKIP
//! LOCKED` under a lease that outlives a crashed replica, and every other
//! operation mirrors the SQLite backend.
//!
//! Times are the replicas' own clocks in unix milliseconds, as with SQLite, so
//! replicas should keep their clocks synchronized (NTP): a lease is off by as
//! much as two replicas' clocks differ.

mod intake;
mod operate;
mod queue;
mod read;

use std::{str::FromStr, sync::Arc, time::Duration};

use anyhow::Context;
use async_trait::async_trait;
use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

use self::intake::pg_text;
use super::decode::parse_id;
use super::{
    group_commit::GroupCommitter, ClaimedLead, DeliveryOutcome, DeliveryQueue, Enqueued,
    FunnelCount, LeadAdmin, LeadDetail, LeadFilter, LeadIntake, LeadSummary, NewLead,
    StorageResult, Upkeep,
};
use super::{rows, sql};
use crate::{
    clock::Clock,
    config::StorageSettings,
    domain::{LeadId, LeadState},
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

/// Most leads committed in one intake transaction.
const MAX_INTAKE_BATCH: usize = 512;

/// Leads in PostgreSQL, shared by every replica pointed at the same database.
pub(crate) struct PostgresOutbox {
    pool: PgPool,
    intake: Arc<GroupCommitter>,
    clock: Clock,
}

impl PostgresOutbox {
    /// Connects, migrates (under sqlx's advisory lock, so replicas starting
    /// together apply each migration once) and starts the intake writer; its
    /// times are `clock`'s.
    pub(crate) async fn open(settings: &StorageSettings, clock: Clock) -> anyhow::Result<Self> {
        let options = PgConnectOptions::from_str(&settings.url)
            .context("storage.url is not a valid PostgreSQL URL")?
            .application_name("leadrelay");
        migrate(&options).await?;
        let pool = PgPoolOptions::new()
            .max_connections(settings.pool_size.max(2))
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .context("failed to connect to PostgreSQL")?;
        let (writer, writer_clock) = (pool.clone(), clock.clone());
        let intake = GroupCommitter::spawn(MAX_INTAKE_BATCH, move |leads| {
            let (pool, clock) = (writer.clone(), writer_clock.clone());
            async move { intake::insert_batch(&pool, leads, &clock).await }
        });
        Ok(Self {
            pool,
            intake,
            clock,
        })
    }
}

/// Runs the migrations on a connection of their own, closed afterwards, so the
/// session-level advisory lock sqlx takes is released even when one fails.
async fn migrate(options: &PgConnectOptions) -> anyhow::Result<()> {
    // A one-connection pool rather than a bare `PgConnection`: sqlx's migrator
    // future over `&mut PgConnection` is not `Send` enough for `tokio::spawn`.
    let connection = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .context("failed to connect to PostgreSQL")?;
    let migrated = MIGRATOR.run(&connection).await;
    connection.close().await;
    migrated.context("failed to migrate the PostgreSQL database")
}

#[async_trait]
impl LeadIntake for PostgresOutbox {
    async fn enqueue(&self, lead: NewLead) -> StorageResult<Enqueued> {
        self.intake.submit(lead).await
    }
}

#[async_trait]
impl DeliveryQueue for PostgresOutbox {
    async fn claim_due(
        &self,
        worker: &str,
        limit: usize,
        lease: Duration,
    ) -> StorageResult<Vec<ClaimedLead>> {
        queue::claim_due(&self.pool, worker, limit, lease, self.clock.now_ms()).await
    }

    /// Recovers nothing: other replicas may be alive, so a crashed replica's
    /// leads become claimable when their lease expires. Like SQLite, makes
    /// pending leads a paused or capped gate postponed due now.
    async fn recover_abandoned(&self) -> StorageResult<u64> {
        queue::reopen_postponed(&self.pool, self.clock.now_ms()).await?;
        Ok(0)
    }

    async fn record(&self, worker: &str, outcomes: Vec<DeliveryOutcome>) -> StorageResult<()> {
        queue::record(&self.pool, worker, &outcomes, &self.clock).await
    }

    async fn unclaim(&self, worker: &str, ids: &[LeadId], due_at_ms: i64) -> StorageResult<()> {
        let now = self.clock.now_ms();
        queue::unclaim(&self.pool, worker, ids, (due_at_ms, now), None).await
    }

    async fn renew(&self, worker: &str, lease: Duration) -> StorageResult<u64> {
        queue::renew(&self.pool, worker, lease, self.clock.now_ms()).await
    }

    async fn defer(
        &self,
        worker: &str,
        ids: &[LeadId],
        due_at_ms: i64,
        reason: &str,
    ) -> StorageResult<()> {
        let now = self.clock.now_ms();
        queue::unclaim(&self.pool, worker, ids, (due_at_ms, now), Some(reason)).await
    }

    async fn next_due_at(&self) -> StorageResult<Option<i64>> {
        rows::next_due_at(&self.pool, sql::NEXT_DUE.postgres()).await
    }
}

#[async_trait]
impl LeadAdmin for PostgresOutbox {
    async fn get(&self, id: LeadId) -> StorageResult<Option<LeadDetail>> {
        read::get(&self.pool, id).await
    }

    async fn list(&self, filter: &LeadFilter) -> StorageResult<Vec<LeadSummary>> {
        read::list(&self.pool, filter).await
    }

    async fn retry(&self, id: LeadId) -> StorageResult<bool> {
        operate::retry(&self.pool, id, self.clock.now_ms()).await
    }

    async fn retry_state(&self, state: LeadState) -> StorageResult<u64> {
        operate::retry_state(&self.pool, state, self.clock.now_ms()).await
    }

    async fn release(&self, id: LeadId) -> StorageResult<bool> {
        operate::release(&self.pool, id, self.clock.now_ms()).await
    }

    async fn release_noted(&self, prefix: &str) -> StorageResult<u64> {
        operate::release_noted(&self.pool, prefix, self.clock.now_ms()).await
    }

    async fn replace_member(
        &self,
        id: LeadId,
        email: &str,
        name: &str,
        member: &serde_json::Value,
    ) -> StorageResult<bool> {
        operate::replace_member(&self.pool, id, (email, name, member), self.clock.now_ms()).await
    }

    async fn erase_email(&self, email: &str) -> StorageResult<u64> {
        operate::erase_email(&self.pool, email).await
    }
}

#[async_trait]
impl Upkeep for PostgresOutbox {
    async fn purge_submissions(&self, before_ms: i64) -> StorageResult<u64> {
        operate::purge_submissions(&self.pool, before_ms).await
    }

    async fn count_by_state(&self) -> StorageResult<Vec<(LeadState, u64)>> {
        rows::count_by_state(&self.pool).await
    }

    async fn add_funnel_counts(&self, counts: &[FunnelCount]) -> StorageResult<()> {
        operate::add_funnel_counts(&self.pool, counts).await
    }

    async fn funnel_counts(&self, since_day: &str) -> StorageResult<Vec<FunnelCount>> {
        rows::funnel_counts(&self.pool, sql::FUNNEL_READ.postgres(), since_day).await
    }

    async fn check_writable(&self) -> StorageResult<()> {
        self.intake.check_running()?;
        operate::probe(&self.pool, self.clock.now_ms()).await
    }

    async fn close(&self) {
        self.intake.close().await;
        self.pool.close().await;
    }
}
