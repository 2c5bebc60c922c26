//! Operators' writes (commands, `/admin`) and upkeep, run by the writer
//! inside its transaction like every other write.

use rusqlite::{params, Connection};

use super::dedupe::DedupeWindow;
use crate::{
    domain::{LeadId, LeadState},
    outbox::{FunnelCount, StorageResult},
};

/// Re-queues one lead (dead, retrying, pending) for an immediate attempt.
pub(super) fn retry(connection: &Connection, id: LeadId, now: i64) -> StorageResult<bool> {
    let done = connection.execute(
        "UPDATE leads SET state = 'pending', attempts = 0, next_attempt_at = ?1, updated_at = ?1
         WHERE id = ?2 AND state IN ('dead', 'retrying', 'pending')",
        params![now, id.to_string()],
    )?;
    Ok(done > 0)
}

/// Re-queues every dead or retrying lead of `state`.
pub(super) fn retry_state(
    connection: &Connection,
    state: LeadState,
    now: i64,
) -> StorageResult<u64> {
    if !matches!(state, LeadState::Dead | LeadState::Retrying) {
        return Ok(0);
    }
    let done = connection.execute(
        "UPDATE leads SET state = 'pending', attempts = 0, next_attempt_at = ?1, updated_at = ?1
         WHERE state = ?2",
        params![now, state.as_str()],
    )?;
    Ok(done as u64)
}

/// Moves a spam lead to the queue.
pub(super) fn release(connection: &Connection, id: LeadId, now: i64) -> StorageResult<bool> {
    let done = connection.execute(
        "UPDATE leads SET state = 'pending', last_error = NULL, next_attempt_at = ?1, updated_at = ?1
         WHERE id = ?2 AND state = 'spam'",
        params![now, id.to_string()],
    )?;
    Ok(done > 0)
}

/// Moves the spam leads kept for a reason starting with `prefix` to the queue.
pub(super) fn release_noted(connection: &Connection, prefix: &str, now: i64) -> StorageResult<u64> {
    let done = connection.execute(crate::outbox::RELEASE_NOTED, params![now, prefix])?;
    Ok(done as u64)
}

/// Replaces a lead's member and name and re-queues it, by the rule shared
/// with PostgreSQL (`outbox::REPLACE_MEMBER`); the member itself sits in
/// `lead_bodies` here.
pub(super) fn replace_member(
    connection: &Connection,
    id: LeadId,
    email: &str,
    name: &str,
    member: &str,
    now: i64,
) -> StorageResult<bool> {
    let id = id.to_string();
    let done = connection.execute(
        crate::outbox::REPLACE_LEAD.as_str(),
        params![email, name, now, id],
    )?;
    if done > 0 {
        connection.execute(
            "UPDATE lead_bodies SET member = ?1 WHERE id = ?2",
            params![member, id],
        )?;
    }
    Ok(done > 0)
}

/// Adds to the funnel's counts.
pub(super) fn add_funnel_counts(
    connection: &Connection,
    counts: &[FunnelCount],
) -> StorageResult<()> {
    let mut add = connection.prepare_cached(crate::outbox::FUNNEL_ADD)?;
    for count in counts {
        add.execute(params![
            count.form,
            count.day,
            count.step,
            i64::try_from(count.count).unwrap_or(i64::MAX)
        ])?;
    }
    Ok(())
}

/// Removes every lead of this e-mail address with its body and attempts, and forgets
/// the dedupe window (no answer may name an erased lead).
pub(super) fn erase_email(
    connection: &Connection,
    window: &mut DedupeWindow,
    email: &str,
) -> StorageResult<u64> {
    connection.execute(
        "DELETE FROM attempts WHERE lead_id IN (SELECT id FROM leads WHERE email = ?1)",
        [email],
    )?;
    connection.execute(
        "DELETE FROM lead_bodies WHERE id IN (SELECT id FROM leads WHERE email = ?1)",
        [email],
    )?;
    let done = connection.execute("DELETE FROM leads WHERE email = ?1", [email])?;
    window.clear();
    Ok(done as u64)
}

/// Drops the original submissions of leads delivered before `before_ms`.
pub(super) fn purge_submissions(connection: &Connection, before_ms: i64) -> StorageResult<u64> {
    let done = connection.execute(
        "UPDATE lead_bodies SET submission = NULL
         WHERE submission IS NOT NULL AND id IN (SELECT id FROM leads
            WHERE state IN ('delivered', 'duplicate') AND updated_at < ?1)",
        [before_ms],
    )?;
    Ok(done as u64)
}

/// The readiness probe's one-row write.
pub(super) fn probe(connection: &Connection, now: i64) -> StorageResult<()> {
    connection
        .prepare_cached(crate::outbox::PROBE_WRITE)?
        .execute([now])?;
    Ok(())
}
