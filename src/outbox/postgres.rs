//! PostgreSQL, for several replicas on one database.

use crate::config::StorageSettings;

/// Leads in PostgreSQL.
pub struct PostgresOutbox;

impl PostgresOutbox {
    /// Connects and migrates.
    pub async fn open(_settings: &StorageSettings) -> anyhow::Result<SqliteFallback> {
        anyhow::bail!("PostgreSQL storage is not available in this build yet")
    }
}

/// Placeholder type until the PostgreSQL backend lands.
pub type SqliteFallback = super::sqlite::SqliteOutbox;
