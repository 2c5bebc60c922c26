//! Intake's writes: one group-committed batch of new leads in a handful of
//! statements (one look-up for the dedupe window, one for idempotency keys when
//! any lead has one, multi-row inserts), not two statements per lead. Every
//! statement is a round trip to SQLite's worker thread; on a small machine
//! those hops, not SQLite's own work, bounded intake.

use std::collections::HashMap;

use sqlx::{QueryBuilder, Sqlite, SqlitePool, Transaction};

use super::parse_id;
use crate::{
    domain::LeadId,
    outbox::{now_ms, Enqueued, NewLead, StorageResult},
};

/// Most rows (or look-up keys) per statement: well under SQLite's 32 766 variables.
const ROWS_PER_STATEMENT: usize = 200;

/// Stores a batch in one transaction; one result per lead, in order. A lead
/// whose idempotency key (per form) or dedupe hash (within its window) is
/// already stored, earlier in the database or earlier in this batch, answers
/// with that lead's ID and is not stored again.
pub(super) async fn insert_batch(
    pool: &SqlitePool,
    leads: Vec<NewLead>,
) -> StorageResult<Vec<Enqueued>> {
    let mut tx = pool.begin().await?;
    let stored = StoredMatches::find(&mut tx, &leads).await?;
    let mut by_key: HashMap<(&str, &str), LeadId> = HashMap::new();
    let mut by_hash: HashMap<&str, LeadId> = HashMap::new();
    let mut fresh = Vec::with_capacity(leads.len());
    let mut results = Vec::with_capacity(leads.len());
    for lead in &leads {
        let key = lead
            .idempotency_key
            .as_deref()
            .map(|key| (lead.form.as_str(), key));
        let earlier = key
            .and_then(|key| stored.by_key(key).or_else(|| by_key.get(&key)))
            .or_else(|| stored.earliest(&lead.dedupe_hash, lead.dedupe_since_ms))
            .or_else(|| by_hash.get(lead.dedupe_hash.as_str()));
        if let Some(id) = earlier {
            results.push(Enqueued {
                id: *id,
                created: false,
            });
            continue;
        }
        if let Some(key) = key {
            by_key.insert(key, lead.id);
        }
        by_hash.entry(&lead.dedupe_hash).or_insert(lead.id);
        fresh.push(lead);
        results.push(Enqueued {
            id: lead.id,
            created: true,
        });
    }
    let now = now_ms();
    for rows in fresh.chunks(ROWS_PER_STATEMENT) {
        insert_rows(&mut tx, rows, now).await?;
    }
    tx.commit().await?;
    Ok(results)
}

/// Stored leads a batch's leads may be answered with.
#[derive(Default)]
struct StoredMatches {
    /// Form → idempotency key → lead.
    by_form_key: HashMap<String, HashMap<String, LeadId>>,
    /// Dedupe hash → `(created_at, lead)`.
    by_hash: HashMap<String, Vec<(i64, LeadId)>>,
}

impl StoredMatches {
    async fn find(tx: &mut Transaction<'_, Sqlite>, leads: &[NewLead]) -> StorageResult<Self> {
        let mut found = Self::default();
        let mut keys: HashMap<&str, Vec<&str>> = HashMap::new();
        for lead in leads {
            if let Some(key) = lead.idempotency_key.as_deref() {
                keys.entry(lead.form.as_str()).or_default().push(key);
            }
        }
        for (form, keys) in keys {
            for keys in keys.chunks(ROWS_PER_STATEMENT) {
                let mut query = QueryBuilder::<Sqlite>::new(
                    "SELECT idempotency_key, id FROM leads WHERE form = ",
                );
                query.push_bind(form).push(" AND idempotency_key IN (");
                let mut list = query.separated(", ");
                for key in keys {
                    list.push_bind(*key);
                }
                query.push(")");
                let rows: Vec<(String, String)> =
                    query.build_query_as().fetch_all(&mut **tx).await?;
                for (key, id) in rows {
                    found
                        .by_form_key
                        .entry(form.to_owned())
                        .or_default()
                        .insert(key, parse_id(&id)?);
                }
            }
        }
        let since = leads.iter().map(|lead| lead.dedupe_since_ms).min();
        for batch in leads.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::<Sqlite>::new(
                "SELECT dedupe_hash, created_at, id FROM leads WHERE created_at >= ",
            );
            query.push_bind(since).push(" AND dedupe_hash IN (");
            let mut list = query.separated(", ");
            for lead in batch {
                list.push_bind(lead.dedupe_hash.as_str());
            }
            query.push(")");
            let rows: Vec<(String, i64, String)> =
                query.build_query_as().fetch_all(&mut **tx).await?;
            for (hash, created_at, id) in rows {
                found
                    .by_hash
                    .entry(hash)
                    .or_default()
                    .push((created_at, parse_id(&id)?));
            }
        }
        Ok(found)
    }

    /// The stored lead of this form with this idempotency key.
    fn by_key(&self, (form, key): (&str, &str)) -> Option<&LeadId> {
        self.by_form_key.get(form)?.get(key)
    }

    /// The oldest stored lead with this hash created at or after `since_ms`.
    fn earliest(&self, hash: &str, since_ms: i64) -> Option<&LeadId> {
        self.by_hash
            .get(hash)?
            .iter()
            .filter(|(created_at, _)| *created_at >= since_ms)
            .min_by_key(|(created_at, _)| *created_at)
            .map(|(_, id)| id)
    }
}

async fn insert_rows(
    tx: &mut Transaction<'_, Sqlite>,
    rows: &[&NewLead],
    now: i64,
) -> StorageResult<()> {
    let mut query = QueryBuilder::<Sqlite>::new(
        "INSERT INTO leads (id, form, workspace, state, email, member, submission, idempotency_key,
            dedupe_hash, attempts, next_attempt_at, created_at, updated_at) ",
    );
    query.push_values(rows, |mut row, lead| {
        row.push_bind(lead.id.to_string())
            .push_bind(lead.form.as_str())
            .push_bind(lead.workspace.as_str())
            .push_bind(lead.state.as_str())
            .push_bind(lead.email.as_str())
            .push_bind(lead.member.to_string())
            .push_bind(lead.submission.to_string())
            .push_bind(lead.idempotency_key.as_deref())
            .push_bind(lead.dedupe_hash.as_str())
            .push_bind(0_i64)
            .push_bind(now)
            .push_bind(now)
            .push_bind(now);
    });
    query.build().execute(&mut **tx).await?;
    Ok(())
}
