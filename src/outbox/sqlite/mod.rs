//! The embedded default: SQLite in WAL mode. One writer connection (all writes
//! are serialized through it, intake in group-committed batches) and a pool of
//! readers.

mod checkpoint;
mod dedupe;
mod intake;
mod queue;
mod read;

use std::{str::FromStr, sync::Arc, time::Duration};

use anyhow::Context;
use async_trait::async_trait;
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    SqlitePool,
};

use self::{checkpoint::Checkpointer, dedupe::DedupeWindow};
use super::decode::{parse_id, parse_json, parse_state};
use super::{
    group_commit::GroupCommitter, now_ms, ClaimedLead, DeliveryOutcome, Enqueued, FunnelCount,
    LeadDetail, LeadFilter, LeadSummary, NewLead, Outbox, StorageResult,
};
use crate::{
    config::StorageSettings,
    domain::{LeadId, LeadState},
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// Leads in a SQLite file.
pub struct SqliteOutbox {
    writer: SqlitePool,
    reader: SqlitePool,
    intake: Arc<GroupCommitter>,
    checkpointer: Checkpointer,
    window: Arc<DedupeWindow>,
}

impl SqliteOutbox {
    /// Opens (creating when absent) and migrates the database.
    pub async fn open(settings: &StorageSettings) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(&settings.url)
            .with_context(|| format!("storage.url {:?} is not a SQLite URL", settings.url))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(5));
        if let Some(dir) = options.get_filename().parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).with_context(|| {
                    format!("failed to create the storage directory {}", dir.display())
                })?;
            }
        }
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            // A local file cannot drop a connection: a ping before each use
            // would only cost a round trip to SQLite's thread.
            .test_before_acquire(false)
            .connect_with(options.clone().pragma(
                "wal_autocheckpoint",
                checkpoint::WRITER_AUTOCHECKPOINT_PAGES,
            ))
            .await
            .with_context(|| format!("failed to open {}", settings.url))?;
        MIGRATOR
            .run(&writer)
            .await
            .context("failed to migrate the SQLite database")?;
        let checkpointer = Checkpointer::start(options.clone()).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(settings.pool_size.max(1))
            .connect_with(options.read_only(true))
            .await
            .context("failed to open SQLite readers")?;
        let window = Arc::new(
            DedupeWindow::load(&writer, Duration::from_secs(settings.dedupe_window_secs))
                .await
                .context("failed to load the dedupe window")?,
        );
        let pool = writer.clone();
        let batch_window = window.clone();
        let intake = GroupCommitter::spawn(512, move |leads| {
            let pool = pool.clone();
            let window = batch_window.clone();
            async move { intake::insert_batch(&pool, &window, leads).await }
        });
        Ok(Self {
            writer,
            reader,
            intake,
            checkpointer,
            window,
        })
    }
}

#[async_trait]
impl Outbox for SqliteOutbox {
    async fn enqueue(&self, lead: NewLead) -> StorageResult<Enqueued> {
        self.intake.submit(lead).await
    }

    async fn claim_due(
        &self,
        worker: &str,
        limit: usize,
        lease: Duration,
    ) -> StorageResult<Vec<ClaimedLead>> {
        queue::claim_due(&self.writer, worker, limit, lease).await
    }

    async fn recover_abandoned(&self) -> StorageResult<u64> {
        queue::recover_abandoned(&self.writer).await
    }

    async fn record(&self, worker: &str, outcomes: Vec<DeliveryOutcome>) -> StorageResult<()> {
        queue::record(&self.writer, worker, outcomes).await
    }

    async fn unclaim(&self, worker: &str, ids: &[LeadId], due_at_ms: i64) -> StorageResult<()> {
        queue::unclaim(&self.writer, worker, ids, due_at_ms, None).await
    }

    async fn renew(&self, worker: &str, lease: Duration) -> StorageResult<u64> {
        queue::renew(&self.writer, worker, lease).await
    }

    async fn defer(
        &self,
        worker: &str,
        ids: &[LeadId],
        due_at_ms: i64,
        reason: &str,
    ) -> StorageResult<()> {
        queue::unclaim(&self.writer, worker, ids, due_at_ms, Some(reason)).await
    }

    async fn next_due_at(&self) -> StorageResult<Option<i64>> {
        queue::next_due_at(&self.reader).await
    }

    async fn get(&self, id: LeadId) -> StorageResult<Option<LeadDetail>> {
        read::get(&self.reader, id).await
    }

    async fn list(&self, filter: &LeadFilter) -> StorageResult<Vec<LeadSummary>> {
        read::list(&self.reader, filter).await
    }

    async fn retry(&self, id: LeadId) -> StorageResult<bool> {
        let done = sqlx::query(
            "UPDATE leads SET state = 'pending', attempts = 0, next_attempt_at = ?1, updated_at = ?1
             WHERE id = ?2 AND state IN ('dead', 'retrying', 'pending')",
        )
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn retry_state(&self, state: LeadState) -> StorageResult<u64> {
        if !matches!(state, LeadState::Dead | LeadState::Retrying) {
            return Ok(0);
        }
        let done = sqlx::query(
            "UPDATE leads SET state = 'pending', attempts = 0, next_attempt_at = ?1, updated_at = ?1 WHERE state = ?2",
        )
        .bind(now_ms())
        .bind(state.as_str())
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    async fn release(&self, id: LeadId) -> StorageResult<bool> {
        let done = sqlx::query(
            "UPDATE leads SET state = 'pending', last_error = NULL, next_attempt_at = ?1, updated_at = ?1
             WHERE id = ?2 AND state = 'spam'",
        )
        .bind(now_ms())
        .bind(id.to_string())
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn release_noted(&self, prefix: &str) -> StorageResult<u64> {
        let done = sqlx::query(super::RELEASE_NOTED)
            .bind(now_ms())
            .bind(prefix)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }

    async fn replace_member(
        &self,
        id: LeadId,
        email: &str,
        name: &str,
        member: &serde_json::Value,
    ) -> StorageResult<bool> {
        let done = sqlx::query(super::REPLACE_MEMBER.as_str())
            .bind(member.to_string())
            .bind(email)
            .bind(now_ms())
            .bind(id.to_string())
            .bind(name)
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    async fn erase_email(&self, email: &str) -> StorageResult<u64> {
        let mut tx = self.writer.begin().await?;
        sqlx::query(
            "DELETE FROM attempts WHERE lead_id IN (SELECT id FROM leads WHERE email = ?1)",
        )
        .bind(email)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM leads WHERE email = ?1")
            .bind(email)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.window.clear();
        Ok(done.rows_affected())
    }

    async fn purge_submissions(&self, before_ms: i64) -> StorageResult<u64> {
        let done = sqlx::query(
            "UPDATE leads SET submission = NULL
             WHERE submission IS NOT NULL AND state IN ('delivered', 'duplicate') AND updated_at < ?1",
        )
        .bind(before_ms)
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected())
    }

    async fn count_by_state(&self) -> StorageResult<Vec<(LeadState, u64)>> {
        read::count_by_state(&self.reader).await
    }

    async fn add_funnel_counts(&self, counts: &[FunnelCount]) -> StorageResult<()> {
        read::add_funnel_counts(&self.writer, counts).await
    }

    async fn funnel_counts(&self, since_day: &str) -> StorageResult<Vec<FunnelCount>> {
        read::funnel_counts(&self.reader, since_day).await
    }

    async fn check_writable(&self) -> StorageResult<()> {
        self.intake.check_running()?;
        sqlx::query(super::PROBE_WRITE)
            .bind(now_ms())
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn close(&self) {
        self.intake.close().await;
        self.checkpointer.close().await;
        self.reader.close().await;
        self.writer.close().await;
    }
}
