//! Intake's writes: one group-committed batch of new leads in a handful of
//! statements (one look-up for idempotency keys when any lead has one,
//! multi-row inserts), not two statements per lead. Every statement is a round
//! trip to SQLite's worker thread; on a small machine those hops bounded
//! intake. The dedupe window is answered from memory ([`DedupeWindow`]).

use std::collections::{HashMap, HashSet};

use sqlx::{QueryBuilder, Sqlite, SqlitePool, Transaction};

use super::{dedupe::DedupeWindow, parse_id};
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
///
/// The common batch (no idempotency keys, nothing in the dedupe window) needs
/// no look-up, and goes to SQLite's thread as one round trip: `BEGIN`, the
/// inserts and `COMMIT` in one script. The others run the look-ups and the
/// inserts in one transaction, statement by statement.
pub(super) async fn insert_batch(
    pool: &SqlitePool,
    window: &DedupeWindow,
    leads: Vec<NewLead>,
) -> StorageResult<Vec<Enqueued>> {
    let candidates = window.find_all(
        leads
            .iter()
            .map(|lead| (lead.dedupe_hash.as_str(), lead.dedupe_since_ms)),
    );
    let has_keys = leads.iter().any(|lead| lead.idempotency_key.is_some());
    let now = now_ms();
    let (fresh, results) = if candidates.is_empty() && !has_keys {
        let (fresh, results) = resolve(&leads, &StoredMatches::default(), &HashMap::new());
        insert_in_one_round_trip(pool, &fresh, now).await?;
        (fresh, results)
    } else {
        let mut tx = pool.begin().await?;
        let stored = StoredMatches::find(&mut tx, &leads).await?;
        let remembered = still_stored(&mut tx, candidates.into_iter().collect()).await?;
        let (fresh, results) = resolve(&leads, &stored, &remembered);
        for rows in fresh.chunks(ROWS_PER_STATEMENT) {
            let mut query = QueryBuilder::new("");
            push_insert(&mut query, rows, now);
            query.build().execute(&mut *tx).await?;
        }
        tx.commit().await?;
        (fresh, results)
    };
    window.remember_all(
        fresh
            .iter()
            .map(|lead| (lead.dedupe_hash.as_str(), now, lead.id)),
    );
    Ok(results)
}

/// Which leads are new (to insert) and what each lead answers, in order: an
/// earlier lead with its idempotency key (stored, or earlier in the batch),
/// else with its dedupe hash (remembered and still stored, or earlier in the batch).
fn resolve<'a>(
    leads: &'a [NewLead],
    stored: &StoredMatches,
    remembered: &HashMap<&str, LeadId>,
) -> (Vec<&'a NewLead>, Vec<Enqueued>) {
    let mut by_key: HashMap<(&str, &str), LeadId> = HashMap::new();
    let mut by_hash: HashMap<&str, LeadId> = HashMap::new();
    let mut fresh = Vec::with_capacity(leads.len());
    let mut results = Vec::with_capacity(leads.len());
    for lead in leads {
        let key = lead
            .idempotency_key
            .as_deref()
            .map(|key| (lead.form.as_str(), key));
        let earlier = key
            .and_then(|key| stored.by_key(key).or_else(|| by_key.get(&key)))
            .copied()
            .or_else(|| remembered.get(lead.dedupe_hash.as_str()).copied())
            .or_else(|| by_hash.get(lead.dedupe_hash.as_str()).copied());
        if let Some(id) = earlier {
            results.push(Enqueued { id, created: false });
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
    (fresh, results)
}

/// `BEGIN IMMEDIATE`, the inserts and `COMMIT` as one script: one round trip
/// to SQLite's thread instead of one per statement. On an error the
/// transaction is rolled back, so the connection goes back to the pool clean.
async fn insert_in_one_round_trip(
    pool: &SqlitePool,
    rows: &[&NewLead],
    now: i64,
) -> StorageResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let mut script = QueryBuilder::<Sqlite>::new("BEGIN IMMEDIATE; ");
    for rows in rows.chunks(ROWS_PER_STATEMENT) {
        push_insert(&mut script, rows, now);
        script.push("; ");
    }
    script.push("COMMIT");
    let mut connection = pool.acquire().await?;
    if let Err(error) = script.build().execute(&mut *connection).await {
        // Fails harmlessly when BEGIN itself failed: no transaction is open.
        let _ = sqlx::query("ROLLBACK").execute(&mut *connection).await;
        return Err(error.into());
    }
    Ok(())
}

/// The dedupe window's answers for this batch, checked against the database:
/// a lead erased since (by another process, `leads erase`) answers for nobody.
async fn still_stored<'a>(
    tx: &mut Transaction<'_, Sqlite>,
    mut remembered: HashMap<&'a str, LeadId>,
) -> StorageResult<HashMap<&'a str, LeadId>> {
    if remembered.is_empty() {
        return Ok(remembered);
    }
    let mut query = QueryBuilder::<Sqlite>::new("SELECT id FROM leads WHERE id IN (");
    let mut list = query.separated(", ");
    for id in remembered.values() {
        list.push_bind(id.to_string());
    }
    query.push(")");
    let present: HashSet<String> = query
        .build_query_scalar()
        .fetch_all(&mut **tx)
        .await?
        .into_iter()
        .collect();
    remembered.retain(|_, id| present.contains(&id.to_string()));
    Ok(remembered)
}

/// Stored leads a batch's leads may be answered with.
#[derive(Default)]
struct StoredMatches {
    /// Form → idempotency key → lead.
    by_form_key: HashMap<String, HashMap<String, LeadId>>,
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
        Ok(found)
    }

    /// The stored lead of this form with this idempotency key.
    fn by_key(&self, (form, key): (&str, &str)) -> Option<&LeadId> {
        self.by_form_key.get(form)?.get(key)
    }
}

/// Appends one multi-row `INSERT` of these leads to `query`.
fn push_insert<'q>(query: &mut QueryBuilder<'q, Sqlite>, rows: &[&'q NewLead], now: i64) {
    query.push(
        "INSERT INTO leads (id, form, workspace, state, email, name, member, submission,
            idempotency_key, dedupe_hash, last_error, attempts, next_attempt_at, created_at,
            updated_at) ",
    );
    query.push_values(rows, |mut row, lead| {
        row.push_bind(lead.id.to_string())
            .push_bind(lead.form.as_str())
            .push_bind(lead.workspace.as_str())
            .push_bind(lead.state.as_str())
            .push_bind(lead.email.as_str())
            .push_bind(lead.name.as_str())
            .push_bind(lead.member.get())
            .push_bind(lead.submission.get())
            .push_bind(lead.idempotency_key.as_deref())
            .push_bind(lead.dedupe_hash.as_str())
            .push_bind(lead.reason.as_deref())
            .push_bind(0_i64)
            .push_bind(now)
            .push_bind(now)
            .push_bind(now);
    });
}

#[cfg(test)]
mod tests {
    use std::{str::FromStr, time::Duration};

    use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};

    use super::*;
    use crate::domain::LeadState;

    async fn writer(dir: &tempfile::TempDir) -> SqlitePool {
        let url = format!("sqlite://{}", dir.path().join("intake.db").display());
        let options = SqliteConnectOptions::from_str(&url)
            .unwrap()
            .create_if_missing(true);
        let pool = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        super::super::MIGRATOR.run(&pool).await.unwrap();
        pool
    }

    fn lead(n: usize, key: Option<&str>) -> NewLead {
        let json = |text: String| serde_json::value::RawValue::from_string(text).unwrap();
        NewLead {
            id: LeadId::new(),
            form: "contact".into(),
            workspace: "default".into(),
            state: LeadState::Pending,
            email: format!("p{n}@example.com"),
            name: String::new(),
            member: json(format!(r#"{{"email":"p{n}@example.com"}}"#)),
            submission: json("{}".into()),
            idempotency_key: key.map(str::to_owned),
            // The window keys on the first 128 bits, as of a SHA-256 hex digest.
            dedupe_hash: format!("{n:032x}{:032x}", 0),
            dedupe_since_ms: 0,
            reason: None,
        }
    }

    async fn stored(pool: &SqlitePool) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM leads")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_batch_over_one_statement_goes_in_one_script() {
        let dir = tempfile::tempdir().unwrap();
        let pool = writer(&dir).await;
        let window = DedupeWindow::load(&pool, Duration::from_secs(600))
            .await
            .unwrap();
        let count = ROWS_PER_STATEMENT * 2 + 50;

        let results = insert_batch(&pool, &window, (0..count).map(|n| lead(n, None)).collect())
            .await
            .unwrap();

        assert_eq!(results.len(), count);
        assert!(results.iter().all(|result| result.created));
        assert_eq!(stored(&pool).await, count as i64);
    }

    #[tokio::test]
    async fn the_look_up_path_answers_repeats_with_the_first_lead() {
        let dir = tempfile::tempdir().unwrap();
        let pool = writer(&dir).await;
        let window = DedupeWindow::load(&pool, Duration::from_secs(600))
            .await
            .unwrap();
        let first = insert_batch(&pool, &window, vec![lead(1, Some("k")), lead(2, None)])
            .await
            .unwrap();

        // The same key, the same content (dedupe window), and a new lead.
        let again = insert_batch(
            &pool,
            &window,
            vec![lead(3, Some("k")), lead(2, None), lead(4, None)],
        )
        .await
        .unwrap();

        assert_eq!(
            again[0],
            Enqueued {
                id: first[0].id,
                created: false
            }
        );
        assert_eq!(
            again[1],
            Enqueued {
                id: first[1].id,
                created: false
            }
        );
        assert!(again[2].created);
        assert_eq!(stored(&pool).await, 3);
    }
}
