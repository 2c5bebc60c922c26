//! The delivery queue in PostgreSQL: replicas claim due leads with
//! `FOR UPDATE SKIP LOCKED` under a lease, and record what each attempt did.

use std::{borrow::Cow, sync::LazyLock, time::Duration};

use sqlx::{PgPool, Row};

use super::{intake::pg_text, parse_id};
use crate::{
    clock::Clock,
    domain::{LeadId, LeadState},
    outbox::{lease_end, sql, warn_stale_outcomes, ClaimedLead, DeliveryOutcome, StorageResult},
};

/// How many candidates per state a claim looks at, as a multiple of its limit.
const CANDIDATES_PER_CLAIM: usize = 4;

/// Claims (`$1` the worker, `$2` the lease's end, `$3` now, `$4` the limit,
/// `$5` the candidates per state).
///
/// Candidates: one ordered range of `leads_due` per state, each stopping at
/// [`CANDIDATES_PER_CLAIM`] × the limit. One `WHERE … OR … ORDER BY` query
/// instead made PostgreSQL scan and sort every due lead (47 ms and a sort
/// spilled to disk for a 200,000-lead backlog; this: 4 ms). The surplus
/// leaves room for candidates other replicas are locking right now.
static CLAIM: LazyLock<String> = LazyLock::new(|| {
    let due = format!(
        "state IN ({}) AND next_attempt_at <= $3",
        sql::states(&LeadState::CLAIMABLE)
    );
    let expired = format!("state = '{}' AND lease_until < $3", LeadState::Delivering);
    let ranges: Vec<String> = LeadState::CLAIMABLE
        .iter()
        .map(|state| format!("state = '{state}' AND next_attempt_at <= $3"))
        .chain([expired.clone()])
        .map(|range| {
            format!("(SELECT id FROM leads WHERE {range} ORDER BY next_attempt_at LIMIT $5)")
        })
        .collect();
    format!(
        "WITH candidates AS ({ranges}),
         due AS (
            SELECT id FROM leads
            WHERE id IN (SELECT id FROM candidates) AND (({due}) OR ({expired}))
            ORDER BY next_attempt_at
            LIMIT $4
            FOR UPDATE SKIP LOCKED)
         UPDATE leads SET state = '{delivering}', claimed_by = $1, lease_until = $2, updated_at = $3
         FROM due WHERE leads.id = due.id
         RETURNING leads.id, leads.form, leads.workspace, leads.member, leads.attempts",
        ranges = ranges.join(" UNION ALL "),
        delivering = LeadState::Delivering,
    )
});

/// Applies a round's outcomes to the leads their worker still holds (`$1` to
/// `$5` the outcomes' columns, `$6` now, `$7` the worker).
static RECORD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE leads SET state = o.state, attempts = leads.attempts + 1,
            next_attempt_at = COALESCE(o.next, leads.next_attempt_at), last_error = o.error,
            member_id = COALESCE(o.member_id, leads.member_id), claimed_by = NULL,
            lease_until = NULL, updated_at = $6
         FROM UNNEST($1::text[], $2::text[], $3::int8[], $4::text[], $5::text[])
           AS o(id, state, next, error, member_id)
         WHERE leads.id = o.id AND leads.state = '{delivering}' AND leads.claimed_by = $7",
        delivering = LeadState::Delivering,
    )
});

/// Returns claimed leads (`$3`, an array of IDs) to the queue.
static UNCLAIM: LazyLock<sql::Shared> = LazyLock::new(|| sql::unclaim("id = ANY($3)"));

/// Claims up to `limit` due leads (or leads whose lease expired) for `worker`.
///
/// Rows another replica is claiming right now are skipped, not waited for; a
/// row claimed and committed meanwhile is re-checked against the `WHERE` clause
/// and left out, so two live replicas never hold the same lead.
pub(super) async fn claim_due(
    pool: &PgPool,
    worker: &str,
    limit: usize,
    lease: Duration,
    now: i64,
) -> StorageResult<Vec<ClaimedLead>> {
    let lease_until = lease_end(now, lease);
    let rows = sqlx::query(&CLAIM)
        .bind(worker)
        .bind(lease_until)
        .bind(now)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(limit.saturating_mul(CANDIDATES_PER_CLAIM)).unwrap_or(i64::MAX))
        .fetch_all(pool)
        .await?;
    let mut leads = rows
        .iter()
        .map(|row| {
            Ok(ClaimedLead {
                id: parse_id(row.try_get("id")?)?,
                form: row.try_get("form")?,
                workspace: row.try_get("workspace")?,
                member: row.try_get("member")?,
                attempts: u32::try_from(row.try_get::<i32, _>("attempts")?).unwrap_or(0),
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    leads.sort_by_key(|lead| lead.id);
    Ok(leads)
}

/// Records attempts' outcomes and appends them to the audit log, in one
/// transaction. A lead erased meanwhile is skipped.
pub(super) async fn record(
    pool: &PgPool,
    worker: &str,
    outcomes: &[DeliveryOutcome],
    clock: &Clock,
) -> StorageResult<()> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = outcomes
        .iter()
        .map(|outcome| outcome.id.to_string())
        .collect();
    let states: Vec<&str> = outcomes
        .iter()
        .map(|outcome| outcome.state.as_str())
        .collect();
    let next: Vec<Option<i64>> = outcomes
        .iter()
        .map(|outcome| outcome.next_attempt_at_ms)
        .collect();
    // What Agencyhandy answered may hold a NUL, which PostgreSQL text cannot.
    let errors: Vec<Option<Cow<'_, str>>> = outcomes
        .iter()
        .map(|outcome| outcome.error.as_deref().map(pg_text))
        .collect();
    let members: Vec<Option<Cow<'_, str>>> = outcomes
        .iter()
        .map(|outcome| outcome.member_id.as_deref().map(pg_text))
        .collect();
    let mut tx = pool.begin().await?;
    let applied = sqlx::query(&RECORD)
        .bind(&ids)
        .bind(&states)
        .bind(&next)
        .bind(&errors)
        .bind(&members)
        .bind(clock.now_ms())
        .bind(worker)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    let at: Vec<i64> = outcomes
        .iter()
        .map(|outcome| outcome.attempt.at_ms)
        .collect();
    let statuses: Vec<Option<i32>> = outcomes
        .iter()
        .map(|outcome| outcome.attempt.status.map(i32::from))
        .collect();
    let excerpts: Vec<Cow<'_, str>> = outcomes
        .iter()
        .map(|outcome| pg_text(&outcome.attempt.excerpt))
        .collect();
    let durations: Vec<i64> = outcomes
        .iter()
        .map(|outcome| i64::try_from(outcome.attempt.duration_ms).unwrap_or(i64::MAX))
        .collect();
    sqlx::query(
        "INSERT INTO attempts (lead_id, at, status, excerpt, duration_ms)
         SELECT a.lead_id, a.at, a.status, a.excerpt, a.duration_ms
         FROM UNNEST($1::text[], $2::int8[], $3::int4[], $4::text[], $5::int8[]) WITH ORDINALITY
           AS a(lead_id, at, status, excerpt, duration_ms, ord)
         WHERE EXISTS (SELECT 1 FROM leads WHERE leads.id = a.lead_id)
         ORDER BY a.ord",
    )
    .bind(&ids)
    .bind(&at)
    .bind(&statuses)
    .bind(&excerpts)
    .bind(&durations)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    let sent = u64::try_from(outcomes.len()).unwrap_or(u64::MAX);
    warn_stale_outcomes(worker, sent.saturating_sub(applied));
    Ok(())
}

/// Returns claimed leads to the queue; `reason`, when given, becomes their last error.
pub(super) async fn unclaim(
    pool: &PgPool,
    worker: &str,
    ids: &[LeadId],
    (due_at_ms, now): (i64, i64),
    reason: Option<&str>,
) -> StorageResult<()> {
    let ids: Vec<String> = ids.iter().map(LeadId::to_string).collect();
    sqlx::query(UNCLAIM.postgres())
        .bind(due_at_ms)
        .bind(now)
        .bind(&ids)
        .bind(worker)
        .bind(reason.map(pg_text))
        .execute(pool)
        .await?;
    Ok(())
}

/// Extends the lease of every lead `worker` holds.
pub(super) async fn renew(
    pool: &PgPool,
    worker: &str,
    lease: Duration,
    now: i64,
) -> StorageResult<u64> {
    let done = sqlx::query(sql::RENEW.postgres())
        .bind(lease_end(now, lease))
        .bind(worker)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Makes pending leads a paused or capped gate postponed due now.
pub(super) async fn reopen_postponed(pool: &PgPool, now: i64) -> StorageResult<u64> {
    let done = sqlx::query(sql::REOPEN_POSTPONED.postgres())
        .bind(now)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
