//! WAL checkpoints on a connection of their own. SQLite's automatic checkpoint
//! runs inside the commit that pushes the log past its threshold: that commit
//! (and every request of its group-committed batch) waits while the log is
//! copied into the database and the database is synced. Here a background task
//! copies it instead (`PASSIVE`: it never blocks the writer), and the writer's
//! own automatic checkpoint only remains as a safety net for a long log.

use std::time::Duration;

use anyhow::Context;
use sqlx::{
    sqlite::{SqliteConnectOptions, SqlitePoolOptions},
    SqlitePool,
};
use tokio::{sync::Mutex, task::JoinHandle};
use tokio_util::sync::CancellationToken;

/// How often the log is copied into the database.
const EVERY: Duration = Duration::from_millis(100);

/// The writer's automatic checkpoint threshold, in pages (SQLite's default is 1000).
pub(super) const WRITER_AUTOCHECKPOINT_PAGES: &str = "10000";

/// The background checkpointing task and its connection.
pub(super) struct Checkpointer {
    pool: SqlitePool,
    stop: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl Checkpointer {
    /// Opens its connection and starts checkpointing every [`EVERY`].
    pub(super) async fn start(options: SqliteConnectOptions) -> anyhow::Result<Self> {
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .context("failed to open the SQLite checkpointer")?;
        let stop = CancellationToken::new();
        let task = tokio::spawn(run(pool.clone(), stop.clone()));
        Ok(Self {
            pool,
            stop,
            task: Mutex::new(Some(task)),
        })
    }

    /// Stops checkpointing (the writer's close checkpoints what is left).
    pub(super) async fn close(&self) {
        self.stop.cancel();
        if let Some(task) = self.task.lock().await.take() {
            let _ = task.await;
        }
        self.pool.close().await;
    }
}

async fn run(pool: SqlitePool, stop: CancellationToken) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(EVERY) => {}
            () = stop.cancelled() => return,
        }
        if let Err(error) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&pool)
            .await
        {
            tracing::warn!(%error, "failed to checkpoint the SQLite log");
        }
    }
}
