//! Intake's writes, inside the writer's transaction: a group of new leads,
//! each answered with itself or with the earlier lead it repeats (by
//! idempotency key, or within the dedupe window, answered from memory by
//! [`DedupeWindow`]). Statements are prepared once and run in the writer's
//! thread: a lead costs two executions of cached `INSERT`s, its row and its
//! body (member and submission, in `lead_bodies`).

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use super::{dedupe::DedupeWindow, parse_id};
use crate::{
    domain::LeadId,
    outbox::{
        resolve::{answers, resolve, to_insert, Earlier},
        sql, Enqueued, NewLead, StorageResult,
    },
};

/// Stores a batch (in the caller's transaction); one result per lead, in
/// order. A lead whose idempotency key (per form) or dedupe hash (within its
/// window) is already stored, earlier in the database or earlier in this
/// batch, answers with that lead's ID and is not stored again.
pub(super) fn insert_batch(
    connection: &Connection,
    window: &DedupeWindow,
    leads: &[NewLead],
    now: i64,
) -> StorageResult<Vec<Enqueued>> {
    let candidates = window.find_all(
        leads
            .iter()
            .map(|lead| (lead.dedupe_hash.as_str(), lead.dedupe_since_ms)),
    );
    let stored = Stored {
        keys: stored_keys(connection, leads)?,
        remembered: still_stored(connection, candidates)?,
    };
    let resolutions = resolve(leads, &stored);
    let fresh = to_insert(leads, &resolutions);
    let mut insert = connection.prepare_cached(
        "INSERT INTO leads (id, form, workspace, state, email, name, idempotency_key,
            dedupe_hash, last_error, attempts, next_attempt_at, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 0, ?10, ?10, ?10)",
    )?;
    let mut insert_body = connection
        .prepare_cached("INSERT INTO lead_bodies (id, member, submission) VALUES (?1, ?2, ?3)")?;
    for lead in fresh {
        let id = lead.id.to_string();
        insert.execute(params![
            id,
            lead.form,
            lead.workspace,
            lead.state.as_str(),
            lead.email,
            lead.name,
            lead.idempotency_key,
            lead.dedupe_hash,
            lead.reason,
            now,
        ])?;
        insert_body.execute(params![id, lead.member.get(), lead.submission.get()])?;
    }
    answers(leads, &resolutions)
}

/// What the database holds that a batch repeats.
struct Stored<'a> {
    keys: StoredKeys<'a>,
    /// By dedupe hash: the window's answers, still stored.
    remembered: HashMap<&'a str, LeadId>,
}

impl Earlier for Stored<'_> {
    fn with_key(&self, lead: &NewLead) -> Option<LeadId> {
        let key = lead.idempotency_key.as_deref()?;
        self.keys.get(&(lead.form.as_str(), key)).copied()
    }

    fn with_hash(&self, _: usize, lead: &NewLead) -> Option<LeadId> {
        self.remembered.get(lead.dedupe_hash.as_str()).copied()
    }
}

/// Stored leads by (form, idempotency key), for the batch's leads that carry a key.
type StoredKeys<'a> = HashMap<(&'a str, &'a str), LeadId>;

fn stored_keys<'a>(connection: &Connection, leads: &'a [NewLead]) -> StorageResult<StoredKeys<'a>> {
    let mut found = HashMap::new();
    if leads.iter().all(|lead| lead.idempotency_key.is_none()) {
        return Ok(found);
    }
    let mut find = connection.prepare_cached(sql::FIND_KEY.sqlite())?;
    for lead in leads {
        if let Some(key) = lead.idempotency_key.as_deref() {
            let id: Option<String> = find
                .query_row(params![lead.form, key], |row| row.get(0))
                .optional()?;
            if let Some(id) = id {
                found.insert((lead.form.as_str(), key), parse_id(&id)?);
            }
        }
    }
    Ok(found)
}

/// The dedupe window's answers for this batch, checked against the database:
/// a lead erased since (by another process, `leads erase`) answers for nobody.
fn still_stored<'a>(
    connection: &Connection,
    remembered: Vec<(&'a str, LeadId)>,
) -> StorageResult<HashMap<&'a str, LeadId>> {
    let mut present = HashMap::with_capacity(remembered.len());
    if remembered.is_empty() {
        return Ok(present);
    }
    let mut exists = connection.prepare_cached("SELECT 1 FROM leads WHERE id = ?1")?;
    for (hash, id) in remembered {
        if exists.exists([id.to_string()])? {
            present.insert(hash, id);
        }
    }
    Ok(present)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LeadState;

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

    fn stored(connection: &Connection) -> i64 {
        let count = |table: &str| -> i64 {
            connection
                .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |row| {
                    row.get(0)
                })
                .unwrap()
        };
        assert_eq!(count("leads"), count("lead_bodies"), "a body per lead");
        count("leads")
    }

    fn store(
        connection: &Connection,
        window: &mut DedupeWindow,
        leads: Vec<NewLead>,
    ) -> Vec<Enqueued> {
        let results = insert_batch(connection, window, &leads, 1_000).unwrap();
        window.remember_all(&leads, &results, 1_000);
        results
    }

    #[tokio::test]
    async fn repeats_answer_with_the_first_lead_by_key_and_by_content() {
        let dir = tempfile::tempdir().unwrap();
        let connection = super::super::tests::migrated(&dir).await;
        let mut window =
            DedupeWindow::load(&connection, std::time::Duration::from_secs(600), 1_000).unwrap();
        let first = store(
            &connection,
            &mut window,
            vec![lead(1, Some("k")), lead(2, None)],
        );

        // The same key, the same content (dedupe window), a new lead, and a
        // repeat of that new lead within the same batch.
        let again = store(
            &connection,
            &mut window,
            vec![
                lead(3, Some("k")),
                lead(2, None),
                lead(4, None),
                lead(4, None),
            ],
        );

        let answered_by = |earlier: &Enqueued| Enqueued {
            id: earlier.id,
            created: false,
        };
        assert_eq!(again[0], answered_by(&first[0]));
        assert_eq!(again[1], answered_by(&first[1]));
        assert!(again[2].created);
        assert_eq!(again[3], answered_by(&again[2]));
        assert_eq!(stored(&connection), 3);
    }
}
