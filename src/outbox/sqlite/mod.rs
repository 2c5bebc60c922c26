//! The embedded default: SQLite in WAL mode. One writer thread owns the
//! connection every write goes through ([`writer::Writer`]: intake, claims,
//! outcomes and operators' changes share its group commits), a pool of
//! readers serves reads, and a background task checkpoints the log.

mod checkpoint;
mod dedupe;
mod intake;
mod operate;
mod queue;
mod read;
mod writer;

use std::{path::Path, str::FromStr, time::Duration};

use anyhow::Context;
use async_trait::async_trait;
use rusqlite::{Connection, OpenFlags};
use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    SqlitePool,
};

use self::{checkpoint::Checkpointer, dedupe::DedupeWindow, writer::Writer};
use super::decode::parse_id;
use super::{rows, sql};
use super::{
    ClaimedLead, DeliveryOutcome, DeliveryQueue, Enqueued, FunnelCount, LeadAdmin, LeadDetail,
    LeadFilter, LeadIntake, LeadSummary, NewLead, StorageResult, Upkeep,
};
use crate::{
    clock::Clock,
    config::StorageSettings,
    domain::{LeadId, LeadState},
};

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");

/// How long a write waits for another process (a `leadrelay leads` command)
/// that holds the database's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Leads in a SQLite file.
pub(crate) struct SqliteOutbox {
    writer: Writer,
    reader: SqlitePool,
    checkpointer: Checkpointer,
}

impl SqliteOutbox {
    /// Opens (creating when absent) and migrates the database; its times are `clock`'s.
    pub(crate) async fn open(settings: &StorageSettings, clock: Clock) -> anyhow::Result<Self> {
        let options = SqliteConnectOptions::from_str(&settings.url)
            .with_context(|| format!("storage.url {:?} is not a SQLite URL", settings.url))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(BUSY_TIMEOUT);
        let path = options.get_filename().to_owned();
        if let Some(dir) = path.parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).with_context(|| {
                    format!("failed to create the storage directory {}", dir.display())
                })?;
            }
        }
        migrate(options.clone())
            .await
            .with_context(|| format!("failed to open {}", settings.url))?;
        let window = Duration::from_secs(settings.dedupe_window_secs);
        let writer = tokio::task::spawn_blocking(move || open_writer(&path, window, clock))
            .await
            .context("the SQLite writer failed to start")??;
        let checkpointer = Checkpointer::start(options.clone()).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(settings.pool_size.max(1))
            .connect_with(options.read_only(true))
            .await
            .context("failed to open SQLite readers")?;
        Ok(Self {
            writer,
            reader,
            checkpointer,
        })
    }
}

/// Creates and migrates the database on a connection of its own, closed afterwards.
async fn migrate(options: SqliteConnectOptions) -> anyhow::Result<()> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    let migrated = MIGRATOR.run(&pool).await;
    pool.close().await;
    migrated.context("failed to migrate the SQLite database")
}

/// Opens the writer's connection (WAL, `synchronous=FULL`), warms the dedupe
/// window from it, and starts the writer thread.
fn open_writer(path: &Path, window: Duration, clock: Clock) -> anyhow::Result<Writer> {
    let connection = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("failed to open {} for writing", path.display()))?;
    connection.busy_timeout(BUSY_TIMEOUT)?;
    // temp_store: the journal of each job's savepoint and the temporary
    // tables of a claim stay in memory instead of files created and deleted
    // on every group.
    connection.execute_batch(&format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
         PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {};",
        checkpoint::WRITER_AUTOCHECKPOINT_PAGES
    ))?;
    connection.set_prepared_statement_cache_capacity(32);
    let window = DedupeWindow::load(&connection, window, clock.now_ms())
        .context("failed to load the dedupe window")?;
    Writer::start(connection, window, clock).context("failed to start the SQLite writer thread")
}

#[async_trait]
impl LeadIntake for SqliteOutbox {
    async fn enqueue(&self, lead: NewLead) -> StorageResult<Enqueued> {
        self.writer.store(lead).await
    }
}

#[async_trait]
impl DeliveryQueue for SqliteOutbox {
    async fn claim_due(
        &self,
        worker: &str,
        limit: usize,
        lease: Duration,
    ) -> StorageResult<Vec<ClaimedLead>> {
        let worker = worker.to_owned();
        self.writer
            .run(move |db, _, now| queue::claim_due(db, &worker, limit, lease, now))
            .await
    }

    async fn recover_abandoned(&self) -> StorageResult<u64> {
        self.writer
            .run(|db, _, now| queue::recover_abandoned(db, now))
            .await
    }

    async fn record(&self, worker: &str, outcomes: Vec<DeliveryOutcome>) -> StorageResult<()> {
        let worker = worker.to_owned();
        self.writer
            .run(move |db, _, now| queue::record(db, &worker, &outcomes, now))
            .await
    }

    async fn unclaim(&self, worker: &str, ids: &[LeadId], due_at_ms: i64) -> StorageResult<()> {
        let (worker, ids) = (worker.to_owned(), ids.to_vec());
        self.writer
            .run(move |db, _, now| queue::unclaim(db, &worker, &ids, due_at_ms, None, now))
            .await
    }

    async fn renew(&self, worker: &str, lease: Duration) -> StorageResult<u64> {
        let worker = worker.to_owned();
        self.writer
            .run(move |db, _, now| queue::renew(db, &worker, lease, now))
            .await
    }

    async fn defer(
        &self,
        worker: &str,
        ids: &[LeadId],
        due_at_ms: i64,
        reason: &str,
    ) -> StorageResult<()> {
        let (worker, ids, reason) = (worker.to_owned(), ids.to_vec(), reason.to_owned());
        self.writer
            .run(move |db, _, now| queue::unclaim(db, &worker, &ids, due_at_ms, Some(&reason), now))
            .await
    }

    async fn next_due_at(&self) -> StorageResult<Option<i64>> {
        rows::next_due_at(&self.reader, sql::NEXT_DUE.sqlite()).await
    }
}

#[async_trait]
impl LeadAdmin for SqliteOutbox {
    async fn get(&self, id: LeadId) -> StorageResult<Option<LeadDetail>> {
        read::get(&self.reader, id).await
    }

    async fn list(&self, filter: &LeadFilter) -> StorageResult<Vec<LeadSummary>> {
        read::list(&self.reader, filter).await
    }

    async fn retry(&self, id: LeadId) -> StorageResult<bool> {
        self.writer
            .run(move |db, _, now| operate::retry(db, id, now))
            .await
    }

    async fn retry_state(&self, state: LeadState) -> StorageResult<u64> {
        self.writer
            .run(move |db, _, now| operate::retry_state(db, state, now))
            .await
    }

    async fn release(&self, id: LeadId) -> StorageResult<bool> {
        self.writer
            .run(move |db, _, now| operate::release(db, id, now))
            .await
    }

    async fn release_noted(&self, prefix: &str) -> StorageResult<u64> {
        let prefix = prefix.to_owned();
        self.writer
            .run(move |db, _, now| operate::release_noted(db, &prefix, now))
            .await
    }

    async fn replace_member(
        &self,
        id: LeadId,
        email: &str,
        name: &str,
        member: &serde_json::Value,
    ) -> StorageResult<bool> {
        let (email, name, member) = (email.to_owned(), name.to_owned(), member.to_string());
        self.writer
            .run(move |db, _, now| operate::replace_member(db, id, &email, &name, &member, now))
            .await
    }

    async fn erase_email(&self, email: &str) -> StorageResult<u64> {
        let email = email.to_owned();
        self.writer
            .run(move |db, window, _| operate::erase_email(db, window, &email))
            .await
    }
}

#[async_trait]
impl Upkeep for SqliteOutbox {
    async fn purge_submissions(&self, before_ms: i64) -> StorageResult<u64> {
        self.writer
            .run(move |db, _, _| operate::purge_submissions(db, before_ms))
            .await
    }

    async fn count_by_state(&self) -> StorageResult<Vec<(LeadState, u64)>> {
        rows::count_by_state(&self.reader).await
    }

    async fn add_funnel_counts(&self, counts: &[FunnelCount]) -> StorageResult<()> {
        let counts = counts.to_vec();
        self.writer
            .run(move |db, _, _| operate::add_funnel_counts(db, &counts))
            .await
    }

    async fn funnel_counts(&self, since_day: &str) -> StorageResult<Vec<FunnelCount>> {
        rows::funnel_counts(&self.reader, sql::FUNNEL_READ.sqlite(), since_day).await
    }

    async fn check_writable(&self) -> StorageResult<()> {
        self.writer.check_running()?;
        self.writer.run(|db, _, now| operate::probe(db, now)).await
    }

    async fn close(&self) {
        self.writer.close().await;
        self.checkpointer.close().await;
        self.reader.close().await;
    }
}

#[cfg(test)]
mod tests;
