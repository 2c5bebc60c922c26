//! The dedupe window, in memory. SQLite serves one process, whose writer sees
//! every new lead, so the window can live beside it instead of in a random-key
//! index that would cost a WAL page per lead on every commit. It is warmed from
//! the database at start, so a restart keeps it.

use std::time::Duration;

use moka::sync::Cache;
use sqlx::SqlitePool;

use super::parse_id;
use crate::{
    domain::LeadId,
    outbox::{now_ms, StorageResult},
};

/// Most hashes remembered; beyond it the least used are forgotten first.
const CAPACITY: u64 = 200_000;

/// Dedupe hash → the first lead stored with it, and when.
pub(super) struct DedupeWindow {
    recent: Cache<String, (i64, LeadId)>,
}

impl DedupeWindow {
    /// Remembers the leads stored within the last `window`.
    pub(super) async fn load(pool: &SqlitePool, window: Duration) -> StorageResult<Self> {
        let recent = Cache::builder()
            .max_capacity(CAPACITY)
            .time_to_live(window.max(Duration::from_secs(1)))
            .build();
        let since = now_ms() - window.as_millis() as i64;
        let rows: Vec<(String, i64, String)> = sqlx::query_as(
            "SELECT dedupe_hash, created_at, id FROM leads WHERE created_at >= ?1 ORDER BY created_at",
        )
        .bind(since)
        .fetch_all(pool)
        .await?;
        for (hash, created_at, id) in rows {
            if !recent.contains_key(&hash) {
                recent.insert(hash, (created_at, parse_id(&id)?));
            }
        }
        Ok(Self { recent })
    }

    /// The first lead stored with `hash` at or after `since_ms`.
    pub(super) fn find(&self, hash: &str, since_ms: i64) -> Option<LeadId> {
        self.recent
            .get(hash)
            .filter(|(created_at, _)| *created_at >= since_ms)
            .map(|(_, id)| id)
    }

    /// Remembers a committed lead (an older entry for the hash is kept only while in its window).
    pub(super) fn remember(&self, hash: &str, created_at: i64, id: LeadId) {
        self.recent.insert(hash.to_owned(), (created_at, id));
    }

    /// Forgets everything (after an erasure, no answer may name an erased lead).
    pub(super) fn clear(&self) {
        self.recent.invalidate_all();
    }
}
