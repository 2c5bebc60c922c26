//! The delivery queue's statements: claim, record, unclaim, recover, next due.
//! All writes go through the one writer connection.

use std::time::Duration;

use sqlx::{Row, SqlitePool};

use super::{parse_id, parse_json};
use crate::{
    domain::LeadId,
    outbox::{
        now_ms, warn_stale_outcomes, AttemptRecord, ClaimedLead, DeliveryOutcome, StorageResult,
    },
};

pub(super) async fn claim_due(
    writer: &SqlitePool,
    worker: &str,
    limit: usize,
    lease: Duration,
) -> StorageResult<Vec<ClaimedLead>> {
    let now = now_ms();
    // One ordered range of `leads_due` per state, each stopping at the limit,
    // then the earliest of those: the same leads as one `WHERE … OR …` query,
    // which SQLite answers by sorting every due lead (a backlog of 200,000
    // took tens of milliseconds per claim, with intake's writer waiting).
    let rows = sqlx::query(
        "UPDATE leads SET state = 'delivering', claimed_by = ?1, lease_until = ?2, updated_at = ?3
         WHERE id IN (
            SELECT id FROM (
                SELECT * FROM (SELECT id, next_attempt_at FROM leads
                    WHERE state = 'pending' AND next_attempt_at <= ?3
                    ORDER BY next_attempt_at LIMIT ?4)
                UNION ALL
                SELECT * FROM (SELECT id, next_attempt_at FROM leads
                    WHERE state = 'retrying' AND next_attempt_at <= ?3
                    ORDER BY next_attempt_at LIMIT ?4)
                UNION ALL
                SELECT * FROM (SELECT id, next_attempt_at FROM leads
                    WHERE state = 'delivering' AND lease_until < ?3
                    ORDER BY next_attempt_at LIMIT ?4))
            ORDER BY next_attempt_at LIMIT ?4)
         RETURNING id, form, workspace, member, attempts",
    )
    .bind(worker)
    .bind(now + lease.as_millis() as i64)
    .bind(now)
    .bind(limit as i64)
    .fetch_all(writer)
    .await?;
    let mut leads = rows
        .iter()
        .map(|row| {
            Ok(ClaimedLead {
                id: parse_id(row.try_get("id")?)?,
                form: row.try_get("form")?,
                workspace: row.try_get("workspace")?,
                member: parse_json(row.try_get("member")?)?,
                attempts: row.try_get::<i64, _>("attempts")? as u32,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    leads.sort_by_key(|lead| lead.id);
    Ok(leads)
}

pub(super) async fn renew(
    writer: &SqlitePool,
    worker: &str,
    lease: Duration,
) -> StorageResult<u64> {
    let done = sqlx::query(
        "UPDATE leads SET lease_until = ?1 WHERE state = 'delivering' AND claimed_by = ?2",
    )
    .bind(now_ms().saturating_add(lease.as_millis() as i64))
    .bind(worker)
    .execute(writer)
    .await?;
    Ok(done.rows_affected())
}

pub(super) async fn recover_abandoned(writer: &SqlitePool) -> StorageResult<u64> {
    let now = now_ms();
    let mut tx = writer.begin().await?;
    let done = sqlx::query(
        "UPDATE leads SET state = CASE WHEN attempts > 0 THEN 'retrying' ELSE 'pending' END,
            claimed_by = NULL, lease_until = NULL, next_attempt_at = ?1, updated_at = ?1
         WHERE state = 'delivering'",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    // A pending lead is only ever scheduled later by a paused or capped
    // workspace of the previous run; this run starts with open gates.
    sqlx::query(
        "UPDATE leads SET next_attempt_at = ?1 WHERE state = 'pending' AND next_attempt_at > ?1",
    )
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

pub(super) async fn record(
    writer: &SqlitePool,
    worker: &str,
    outcomes: Vec<DeliveryOutcome>,
) -> StorageResult<()> {
    let mut tx = writer.begin().await?;
    let now = now_ms();
    let mut stale = 0;
    for outcome in &outcomes {
        let id = outcome.id.to_string();
        let applied = sqlx::query(
            "UPDATE leads SET state = ?1, attempts = attempts + 1, next_attempt_at = COALESCE(?2, next_attempt_at),
                last_error = ?3, member_id = COALESCE(?4, member_id), claimed_by = NULL, lease_until = NULL,
                updated_at = ?5
             WHERE id = ?6 AND state = 'delivering' AND claimed_by = ?7",
        )
        .bind(outcome.state.as_str())
        .bind(outcome.next_attempt_at_ms)
        .bind(&outcome.error)
        .bind(&outcome.member_id)
        .bind(now)
        .bind(&id)
        .bind(worker)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        stale += u64::from(applied == 0);
        insert_attempt(&mut tx, &id, &outcome.attempt).await?;
    }
    tx.commit().await?;
    warn_stale_outcomes(worker, stale);
    Ok(())
}

/// Returns claimed leads to the queue; `reason`, when given, becomes their last error.
pub(super) async fn unclaim(
    writer: &SqlitePool,
    worker: &str,
    ids: &[LeadId],
    due_at_ms: i64,
    reason: Option<&str>,
) -> StorageResult<()> {
    let mut tx = writer.begin().await?;
    for id in ids {
        sqlx::query(
            "UPDATE leads SET state = CASE WHEN attempts > 0 THEN 'retrying' ELSE 'pending' END,
                claimed_by = NULL, lease_until = NULL, next_attempt_at = ?1, updated_at = ?2,
                last_error = COALESCE(?5, last_error)
             WHERE id = ?3 AND state = 'delivering' AND claimed_by = ?4",
        )
        .bind(due_at_ms)
        .bind(now_ms())
        .bind(id.to_string())
        .bind(worker)
        .bind(reason)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn next_due_at(reader: &SqlitePool) -> StorageResult<Option<i64>> {
    let due: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(t) FROM (
            SELECT MIN(next_attempt_at) AS t FROM leads WHERE state IN ('pending', 'retrying')
            UNION ALL SELECT MIN(lease_until) FROM leads WHERE state = 'delivering')",
    )
    .fetch_one(reader)
    .await?;
    Ok(due)
}

async fn insert_attempt(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    lead_id: &str,
    attempt: &AttemptRecord,
) -> StorageResult<()> {
    // A lead erased while it was being delivered has no row left to log against;
    // failing here would fail the whole batch and have its other leads sent again.
    sqlx::query(
        "INSERT INTO attempts (lead_id, at, status, excerpt, duration_ms)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM leads WHERE id = ?1)",
    )
    .bind(lead_id)
    .bind(attempt.at_ms)
    .bind(attempt.status.map(i64::from))
    .bind(&attempt.excerpt)
    .bind(attempt.duration_ms as i64)
    .execute(&mut **tx)
    .await?;
    Ok(())
}
