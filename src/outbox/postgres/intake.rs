//! Intake for PostgreSQL: each group-committed batch is one transaction that
//! looks up idempotency keys and the dedupe window for the whole batch, then
//! stores the new leads with one `INSERT ... SELECT FROM UNNEST`.
//!
//! Another replica may store the same idempotency key between the look-up and
//! the insert; the unique index and `ON CONFLICT DO NOTHING` catch that, and the
//! lead is answered with the row that won. The dedupe window has no such index:
//! two replicas racing on the same content may, rarely, both store it.

use std::{
    borrow::Cow,
    collections::{HashMap, HashSet},
};

use sqlx::{PgPool, Postgres, Row, Transaction};

use super::parse_id;
use crate::{
    clock::Clock,
    domain::LeadId,
    outbox::{
        resolve::{answers, resolve, to_insert, Earlier, Resolution},
        sql, Enqueued, NewLead, StorageError, StorageResult,
    },
};

/// Stores a batch of leads in one transaction; one answer per lead, in order.
pub(super) async fn insert_batch(
    pool: &PgPool,
    leads: Vec<NewLead>,
    clock: &Clock,
) -> StorageResult<Vec<Enqueued>> {
    let mut tx = pool.begin().await?;
    let stored = Stored {
        keys: find_stored_keys(&mut tx, &leads).await?,
        duplicates: find_stored_duplicates(&mut tx, &leads).await?,
    };
    let mut resolutions = resolve(&leads, &stored);
    let inserted = insert_new(&mut tx, &leads, &resolutions, clock.now_ms()).await?;
    for (lead, resolution) in leads.iter().zip(resolutions.iter_mut()) {
        if *resolution == Resolution::Insert && !inserted.contains(&lead.id) {
            *resolution = Resolution::Existing(find_key_winner(&mut tx, lead).await?);
        }
    }
    tx.commit().await?;
    answers(&leads, &resolutions)
}

/// Leads already stored under one of the batch's idempotency keys, by (form, key).
async fn find_stored_keys(
    tx: &mut Transaction<'_, Postgres>,
    leads: &[NewLead],
) -> StorageResult<HashMap<(String, String), LeadId>> {
    let (forms, keys): (Vec<String>, Vec<String>) = leads
        .iter()
        .filter_map(|lead| {
            let key = lead.idempotency_key.as_deref()?;
            Some((pg_text(&lead.form).into_owned(), pg_text(key).into_owned()))
        })
        .unzip();
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = sqlx::query(
        "SELECT l.form, l.idempotency_key, l.id FROM leads l
         JOIN UNNEST($1::text[], $2::text[]) AS k(form, key)
           ON l.form = k.form AND l.idempotency_key = k.key",
    )
    .bind(&forms)
    .bind(&keys)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            let key = (row.try_get("form")?, row.try_get("idempotency_key")?);
            Ok((key, parse_id(row.try_get("id")?)?))
        })
        .collect()
}

/// For each lead of the batch, the first stored lead with its dedupe hash inside its window.
async fn find_stored_duplicates(
    tx: &mut Transaction<'_, Postgres>,
    leads: &[NewLead],
) -> StorageResult<Vec<Option<LeadId>>> {
    let hashes: Vec<&str> = leads.iter().map(|lead| lead.dedupe_hash.as_str()).collect();
    let since: Vec<i64> = leads.iter().map(|lead| lead.dedupe_since_ms).collect();
    let rows = sqlx::query(
        "SELECT d.ord, (SELECT l.id FROM leads l
                        WHERE l.dedupe_hash = d.hash AND l.created_at >= d.since
                        ORDER BY l.created_at LIMIT 1) AS id
         FROM UNNEST($1::text[], $2::int8[]) WITH ORDINALITY AS d(hash, since, ord)
         ORDER BY d.ord",
    )
    .bind(&hashes)
    .bind(&since)
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| {
            row.try_get::<Option<&str>, _>("id")?
                .map(parse_id)
                .transpose()
        })
        .collect()
}

/// What the database holds that a batch repeats.
struct Stored {
    /// By (form, idempotency key), as stored (NUL replaced).
    keys: HashMap<(String, String), LeadId>,
    /// For each lead of the batch, the first stored lead with its hash inside its window.
    duplicates: Vec<Option<LeadId>>,
}

impl Earlier for Stored {
    fn with_key(&self, lead: &NewLead) -> Option<LeadId> {
        let key = lead.idempotency_key.as_deref()?;
        let stored = (pg_text(&lead.form).into_owned(), pg_text(key).into_owned());
        self.keys.get(&stored).copied()
    }

    fn with_hash(&self, index: usize, _: &NewLead) -> Option<LeadId> {
        self.duplicates.get(index).copied().flatten()
    }
}

/// Inserts the leads resolved as new; returns the IDs actually inserted (a
/// lead whose key another replica stored meanwhile is missing).
async fn insert_new(
    tx: &mut Transaction<'_, Postgres>,
    leads: &[NewLead],
    resolutions: &[Resolution],
    now: i64,
) -> StorageResult<HashSet<LeadId>> {
    let new = to_insert(leads, resolutions);
    if new.is_empty() {
        return Ok(HashSet::new());
    }
    let column =
        |f: fn(&NewLead) -> String| new.iter().map(|lead| f(lead)).collect::<Vec<String>>();
    let keys: Vec<Option<String>> = new
        .iter()
        .map(|lead| {
            lead.idempotency_key
                .as_deref()
                .map(|key| pg_text(key).into_owned())
        })
        .collect();
    // Sorted by key so that two replicas inserting the same keys lock them in one order.
    let rows = sqlx::query(
        "INSERT INTO leads (id, form, workspace, state, email, name, member, submission,
            idempotency_key, dedupe_hash, last_error, attempts, next_attempt_at, created_at,
            updated_at)
         SELECT n.id, n.form, n.workspace, n.state, n.email, n.name, n.member, n.submission,
            n.idempotency_key, n.dedupe_hash, n.last_error, 0, $10, $10, $10
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::text[], $9::text[], $11::text[], $12::text[])
           AS n(id, form, workspace, state, email, member, submission, idempotency_key, dedupe_hash,
                last_error, name)
         ORDER BY n.form, n.idempotency_key
         ON CONFLICT (form, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
         RETURNING id",
    )
    .bind(column(|lead| lead.id.to_string()))
    .bind(column(|lead| pg_text(&lead.form).into_owned()))
    .bind(column(|lead| pg_text(&lead.workspace).into_owned()))
    .bind(column(|lead| lead.state.as_str().to_owned()))
    .bind(column(|lead| pg_text(&lead.email).into_owned()))
    .bind(column(|lead| lead.member.get().to_owned()))
    .bind(column(|lead| lead.submission.get().to_owned()))
    .bind(keys)
    .bind(column(|lead| lead.dedupe_hash.clone()))
    .bind(now)
    .bind(
        new.iter()
            .map(|lead| lead.reason.as_deref().map(|r| pg_text(r).into_owned()))
            .collect::<Vec<Option<String>>>(),
    )
    .bind(column(|lead| pg_text(&lead.name).into_owned()))
    .fetch_all(&mut **tx)
    .await?;
    rows.iter()
        .map(|row| parse_id(row.try_get("id")?))
        .collect()
}

/// The lead another replica stored under this lead's idempotency key.
async fn find_key_winner(
    tx: &mut Transaction<'_, Postgres>,
    lead: &NewLead,
) -> StorageResult<LeadId> {
    let missing = || {
        StorageError(anyhow::anyhow!(
            "lead {} was neither stored nor found",
            lead.id
        ))
    };
    let key = lead.idempotency_key.as_deref().ok_or_else(missing)?;
    let id: Option<String> = sqlx::query_scalar(sql::FIND_KEY.postgres())
        .bind(pg_text(&lead.form))
        .bind(pg_text(key))
        .fetch_optional(&mut **tx)
        .await?;
    parse_id(&id.ok_or_else(missing)?)
}

/// PostgreSQL text cannot hold NUL: one such character from outside must not
/// fail the whole batch it shares with other senders' leads.
pub(super) fn pg_text(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{fffd}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_replaced() {
        assert_eq!(pg_text("a\0b"), "a\u{fffd}b");
        assert!(matches!(pg_text("ab"), Cow::Borrowed("ab")));
    }
}
