//! The dedupe window, in memory. SQLite serves one process, whose writer sees
//! every new lead, so the window can live in the writer thread instead of in a
//! random-key index that would cost a WAL page per lead on every commit. It is
//! warmed from the database at start, so a restart keeps it.
//!
//! Leads arrive in time order, so expiry is first-in first-out: a map for
//! look-ups and a queue for age, about 70 bytes a lead, at most [`CAPACITY`].

use std::{
    collections::{HashMap, VecDeque},
    time::Duration,
};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

use super::parse_id;
use crate::{
    domain::LeadId,
    outbox::{Enqueued, NewLead, StorageResult},
};

/// Most hashes remembered; past it the oldest are forgotten first (double
/// clicks and sender retries come within seconds, far inside this).
const CAPACITY: usize = 100_000;

/// The first 128 bits of a dedupe hash: plenty to tell submissions apart.
type Key = [u8; 16];

/// Dedupe hash → the first lead stored with it, and when.
pub(super) struct DedupeWindow {
    window_ms: i64,
    recent: Recent,
}

#[derive(Default)]
struct Recent {
    by_key: HashMap<Key, (i64, LeadId)>,
    order: VecDeque<(i64, Key)>,
}

impl Recent {
    fn insert(&mut self, key: Key, created_at: i64, id: LeadId, window_ms: i64) {
        self.by_key.insert(key, (created_at, id));
        self.order.push_back((created_at, key));
        let oldest_kept = created_at - window_ms;
        while let Some(&(at, key)) = self.order.front() {
            if at >= oldest_kept && self.order.len() <= CAPACITY {
                break;
            }
            self.order.pop_front();
            if self
                .by_key
                .get(&key)
                .is_some_and(|(stored, _)| *stored == at)
            {
                self.by_key.remove(&key);
            }
        }
    }
}

fn key(hash: &str) -> Key {
    let mut key = [0; 16];
    // Intake's hashes are hex SHA-256; anything else is hashed to fit.
    if hex::decode_to_slice(hash.get(..32).unwrap_or_default(), &mut key).is_err() {
        key.copy_from_slice(&Sha256::digest(hash.as_bytes())[..16]);
    }
    key
}

impl DedupeWindow {
    /// Remembers the leads stored within the `window` that ends at `now` (unix ms).
    pub(super) fn load(connection: &Connection, window: Duration, now: i64) -> StorageResult<Self> {
        let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
        let mut statement = connection.prepare(
            "SELECT dedupe_hash, created_at, id FROM leads WHERE created_at >= ?1 ORDER BY created_at",
        )?;
        let mut rows = statement.query([now.saturating_sub(window_ms)])?;
        let mut recent = Recent::default();
        while let Some(row) = rows.next()? {
            let key = key(row.get_ref(0)?.as_str()?);
            if !recent.by_key.contains_key(&key) {
                let id = parse_id(row.get_ref(2)?.as_str()?)?;
                recent.insert(key, row.get(1)?, id, window_ms);
            }
        }
        Ok(Self { window_ms, recent })
    }

    /// For each hash (with the earliest creation time it may match), the
    /// first lead stored with it within the window, if any.
    pub(super) fn find_all<'a>(
        &self,
        hashes: impl Iterator<Item = (&'a str, i64)>,
    ) -> Vec<(&'a str, LeadId)> {
        hashes
            .filter_map(|(hash, since_ms)| {
                let (created_at, id) = self.recent.by_key.get(&key(hash))?;
                (*created_at >= since_ms).then_some((hash, *id))
            })
            .collect()
    }

    /// Remembers the leads of a committed batch that were stored (a hash seen
    /// again outside its window starts anew).
    pub(super) fn remember_all(&mut self, leads: &[NewLead], results: &[Enqueued], now: i64) {
        for (lead, result) in leads.iter().zip(results) {
            if result.created {
                let key = key(&lead.dedupe_hash);
                self.recent.insert(key, now, lead.id, self.window_ms);
            }
        }
    }

    /// Forgets everything (after an erasure no answer may name an erased lead).
    pub(super) fn clear(&mut self) {
        self.recent = Recent::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_what_left_the_window_and_what_overflows() {
        let mut recent = Recent::default();
        let (a, b) = (LeadId::new(), LeadId::new());
        recent.insert(key("aa"), 1_000, a, 500);
        recent.insert(key("bb"), 1_400, b, 500);
        assert!(recent.by_key.contains_key(&key("aa")));
        recent.insert(key("cc"), 1_600, LeadId::new(), 500);
        assert!(
            !recent.by_key.contains_key(&key("aa")),
            "older than the window"
        );
        assert_eq!(recent.by_key[&key("bb")], (1_400, b));
        for n in 0..CAPACITY + 10 {
            recent.insert(key(&format!("{n:064x}")), 2_000, LeadId::new(), 1_000_000);
        }
        assert!(recent.order.len() <= CAPACITY && recent.by_key.len() <= CAPACITY);
    }

    #[test]
    fn hex_hashes_key_by_their_first_128_bits() {
        let hash = "0123456789abcdef0123456789abcdef_and_the_rest";
        assert_eq!(key(hash)[..2], [0x01, 0x23]);
        assert_ne!(key("not hex at all"), key("other text here"));
    }
}
