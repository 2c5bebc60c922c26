//! The delivery queue's statements: claim, record, unclaim, renew, recover
//! (run by the writer, inside its transaction).

use std::{sync::LazyLock, time::Duration};

use rusqlite::{params, Connection};

use super::{operate::count, parse_id};
use crate::{
    domain::{LeadId, LeadState},
    outbox::{lease_end, sql, warn_stale_outcomes, ClaimedLead, DeliveryOutcome, StorageResult},
};

/// Claims (`?1` the worker, `?2` the lease's end, `?3` now, `?4` the limit).
///
/// One ordered range of `leads_due` per state, each stopping at the limit,
/// then the earliest of those: the same leads as one `WHERE … OR …` query,
/// which SQLite answers by sorting every due lead (a backlog of 200,000 took
/// tens of milliseconds per claim, with intake waiting).
static CLAIM: LazyLock<String> = LazyLock::new(|| {
    let due =
        LeadState::CLAIMABLE.map(|state| format!("state = '{state}' AND next_attempt_at <= ?3"));
    let expired = format!("state = '{}' AND lease_until < ?3", LeadState::Delivering);
    let ranges: Vec<String> = due
        .iter()
        .chain([&expired])
        .map(|range| {
            format!(
                "SELECT * FROM (SELECT id, next_attempt_at FROM leads
                    WHERE {range} ORDER BY next_attempt_at LIMIT ?4)"
            )
        })
        .collect();
    format!(
        "UPDATE leads SET state = '{delivering}', claimed_by = ?1, lease_until = ?2, updated_at = ?3
         WHERE id IN (
            SELECT id FROM ({ranges})
            ORDER BY next_attempt_at LIMIT ?4)
         RETURNING id, form, workspace,
            (SELECT member FROM lead_bodies WHERE lead_bodies.id = leads.id), attempts",
        delivering = LeadState::Delivering,
        ranges = ranges.join("\n                UNION ALL\n                "),
    )
});

/// Applies one outcome to a lead its worker still holds (`?1` state, `?2`
/// next attempt, `?3` error, `?4` member ID, `?5` now, `?6` lead, `?7` worker).
static RECORD: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE leads SET state = ?1, attempts = attempts + 1,
            next_attempt_at = COALESCE(?2, next_attempt_at), last_error = ?3,
            member_id = COALESCE(?4, member_id), claimed_by = NULL, lease_until = NULL,
            updated_at = ?5
         WHERE id = ?6 AND state = '{delivering}' AND claimed_by = ?7",
        delivering = LeadState::Delivering,
    )
});

/// Returns one claimed lead (`$3`) to the queue.
static UNCLAIM: LazyLock<sql::Shared> = LazyLock::new(|| sql::unclaim("id = $3"));

/// Releases every claim a crashed process left (`?1` now).
static RECOVER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE leads SET state = {requeued},
            claimed_by = NULL, lease_until = NULL, next_attempt_at = ?1, updated_at = ?1
         WHERE state = '{delivering}'",
        requeued = sql::requeued(),
        delivering = LeadState::Delivering,
    )
});

/// Claims up to `limit` due leads (or leads whose lease expired) for `worker`.
pub(super) fn claim_due(
    connection: &Connection,
    worker: &str,
    limit: usize,
    lease: Duration,
    now: i64,
) -> StorageResult<Vec<ClaimedLead>> {
    let mut claim = connection.prepare_cached(&CLAIM)?;
    let lease_until = lease_end(now, lease);
    let mut rows = claim.query(params![
        worker,
        lease_until,
        now,
        i64::try_from(limit).unwrap_or(i64::MAX)
    ])?;
    let mut leads = Vec::with_capacity(limit);
    while let Some(row) = rows.next()? {
        leads.push(ClaimedLead {
            id: parse_id(row.get_ref(0)?.as_str()?)?,
            form: row.get(1)?,
            workspace: row.get(2)?,
            member: row.get(3)?,
            attempts: u32::try_from(row.get::<_, i64>(4)?).unwrap_or(0),
        });
    }
    leads.sort_by_key(|lead| lead.id);
    Ok(leads)
}

/// Extends the lease of every lead `worker` holds; returns how many.
pub(super) fn renew(
    connection: &Connection,
    worker: &str,
    lease: Duration,
    now: i64,
) -> StorageResult<u64> {
    let renewed = connection
        .prepare_cached(sql::RENEW.sqlite())?
        .execute(params![lease_end(now, lease), worker])?;
    Ok(count(renewed))
}

/// Makes leads left `delivering` by a crashed process due again.
pub(super) fn recover_abandoned(connection: &Connection, now: i64) -> StorageResult<u64> {
    let recovered = connection.execute(&RECOVER, [now])?;
    connection.execute(sql::REOPEN_POSTPONED.sqlite(), [now])?;
    Ok(count(recovered))
}

/// Applies outcomes to the leads `worker` still holds, and logs every attempt.
pub(super) fn record(
    connection: &Connection,
    worker: &str,
    outcomes: &[DeliveryOutcome],
    now: i64,
) -> StorageResult<()> {
    let mut update = connection.prepare_cached(&RECORD)?;
    let mut log = connection.prepare_cached(
        "INSERT INTO attempts (lead_id, at, status, excerpt, duration_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    // A lead erased while it was being delivered has no row left to log against;
    // failing here would fail the whole batch and have its other leads sent again.
    let mut log_if_stored = connection.prepare_cached(
        "INSERT INTO attempts (lead_id, at, status, excerpt, duration_ms)
         SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM leads WHERE id = ?1)",
    )?;
    let mut stale = 0;
    for outcome in outcomes {
        let id = outcome.id.to_string();
        let applied = update.execute(params![
            outcome.state.as_str(),
            outcome.next_attempt_at_ms,
            outcome.error,
            outcome.member_id,
            now,
            id,
            worker,
        ])?;
        let attempt = &outcome.attempt;
        let attempt = params![
            id,
            attempt.at_ms,
            attempt.status,
            attempt.excerpt,
            i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX),
        ];
        if applied > 0 {
            log.execute(attempt)?;
        } else {
            stale += 1;
            log_if_stored.execute(attempt)?;
        }
    }
    warn_stale_outcomes(worker, stale);
    Ok(())
}

/// Returns claimed leads to the queue; `reason`, when given, becomes their last error.
pub(super) fn unclaim(
    connection: &Connection,
    worker: &str,
    ids: &[LeadId],
    due_at_ms: i64,
    reason: Option<&str>,
    now: i64,
) -> StorageResult<()> {
    let mut unclaim = connection.prepare_cached(UNCLAIM.sqlite())?;
    for id in ids {
        unclaim.execute(params![due_at_ms, now, id.to_string(), worker, reason])?;
    }
    Ok(())
}
