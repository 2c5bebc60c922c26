//! Durable lead storage: a trait per role (`roles.rs`) and [`Outbox`] for all
//! of them, SQLite (embedded default) and PostgreSQL behind them.

mod decode;
mod group_commit;
mod postgres;
mod resolve;
mod roles;
mod rows;
mod sql;
mod sqlite;
mod types;

use std::{sync::Arc, time::Duration};

pub use roles::{DeliveryQueue, LeadAdmin, LeadIntake, Upkeep};
pub use types::*;

use crate::{clock::Clock, config::StorageSettings};

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

/// The lead store and delivery queue: every role at once, for the app that
/// plays them all. Callers that need one role take that role instead, from
/// the methods below (a shared store handed out by role).
pub trait Outbox: LeadIntake + DeliveryQueue + LeadAdmin + Upkeep {
    /// This store, as intake takes it.
    fn intake(self: Arc<Self>) -> Arc<dyn LeadIntake>;
    /// This store, as the delivery worker takes it.
    fn queue(self: Arc<Self>) -> Arc<dyn DeliveryQueue>;
    /// This store, as upkeep takes it.
    fn upkeep(self: Arc<Self>) -> Arc<dyn Upkeep>;
    /// This store, as operators' commands take it.
    fn admin(self: Arc<Self>) -> Arc<dyn LeadAdmin>;
}

impl<T: LeadIntake + DeliveryQueue + LeadAdmin + Upkeep> Outbox for T {
    fn intake(self: Arc<Self>) -> Arc<dyn LeadIntake> {
        self
    }

    fn queue(self: Arc<Self>) -> Arc<dyn DeliveryQueue> {
        self
    }

    fn upkeep(self: Arc<Self>) -> Arc<dyn Upkeep> {
        self
    }

    fn admin(self: Arc<Self>) -> Arc<dyn LeadAdmin> {
        self
    }
}

/// When a lease taken at `now` (unix ms) for `lease` ends.
fn lease_end(now: i64, lease: Duration) -> i64 {
    now.saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX))
}

/// Says that some outcomes came after their leads changed hands.
fn warn_stale_outcomes(worker: &str, stale: u64) {
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

/// Opens the store the URL names (`sqlite://...` or `postgres://...`) and
/// migrates it; it reads the system's time (for commands, which have no app).
pub async fn open(settings: &StorageSettings) -> anyhow::Result<Arc<dyn Outbox>> {
    open_with_clock(settings, Clock::system()).await
}

/// [`open`], with the time it stamps leads and leases with read from `clock`
/// (the app's, which tests move by hand).
pub async fn open_with_clock(
    settings: &StorageSettings,
    clock: Clock,
) -> anyhow::Result<Arc<dyn Outbox>> {
    let url = settings.url.as_str();
    if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteOutbox::open(settings, clock).await?))
    } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
        Ok(Arc::new(
            postgres::PostgresOutbox::open(settings, clock).await?,
        ))
    } else {
        anyhow::bail!("storage.url must start with sqlite:// or postgres://")
    }
}
