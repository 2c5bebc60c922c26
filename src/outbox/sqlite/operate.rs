//! Operators' writes (commands, `/admin`) and upkeep, run by the writer
//! inside its transaction like every other write.

use std::sync::LazyLock;

use rusqlite::{params, Connection};

use super::dedupe::DedupeWindow;
use crate::{
    domain::{LeadId, LeadState},
    outbox::{sql, FunnelCount, StorageResult},
};

/// Drops the submissions of settled leads last changed before `?1`; the
/// submissions sit in `lead_bodies` here.
static PURGE_SUBMISSIONS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE lead_bodies SET submission = NULL
         WHERE submission IS NOT NULL AND id IN (SELECT id FROM leads
            WHERE state IN ({settled}) AND updated_at < ?1)",
        settled = sql::states(&LeadState::SETTLED),
    )
});

/// Rows changed, as storage counts them.
pub(super) fn count(rows: usize) -> u64 {
    u64::try_from(rows).unwrap_or(u64::MAX)
}

/// Re-queues one retryable lead for an immediate attempt.
pub(super) fn retry(connection: &Connection, id: LeadId, now: i64) -> StorageResult<bool> {
    let done = connection.execute(sql::RETRY.sqlite(), params![now, id.to_string()])?;
    Ok(done > 0)
}

/// Re-queues every lead of `state`, when that state may be retried at once.
pub(super) fn retry_state(
    connection: &Connection,
    state: LeadState,
    now: i64,
) -> StorageResult<u64> {
    let done = connection.execute(sql::RETRY_STATE.sqlite(), params![now, state.as_str()])?;
    Ok(count(done))
}

/// Moves a spam lead to the queue.
pub(super) fn release(connection: &Connection, id: LeadId, now: i64) -> StorageResult<bool> {
    let done = connection.execute(sql::RELEASE.sqlite(), params![now, id.to_string()])?;
    Ok(done > 0)
}

/// Moves the spam leads kept for a reason starting with `prefix` to the queue.
pub(super) fn release_noted(connection: &Connection, prefix: &str, now: i64) -> StorageResult<u64> {
    let done = connection.execute(sql::RELEASE_NOTED.sqlite(), params![now, prefix])?;
    Ok(count(done))
}

/// Replaces a lead's member and name and re-queues it, by the rule shared
/// with PostgreSQL (`sql::REPLACE_LEAD`); the member itself sits in
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
    let done = connection.execute(sql::REPLACE_LEAD.sqlite(), params![email, name, now, id])?;
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
    let mut add = connection.prepare_cached(sql::FUNNEL_ADD.sqlite())?;
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
    connection.execute(sql::ERASE_ATTEMPTS.sqlite(), [email])?;
    connection.execute(
        "DELETE FROM lead_bodies WHERE id IN (SELECT id FROM leads WHERE email = ?1)",
        [email],
    )?;
    let done = connection.execute(sql::ERASE_LEADS.sqlite(), [email])?;
    window.clear();
    Ok(count(done))
}

/// Drops the original submissions of leads delivered before `before_ms`.
pub(super) fn purge_submissions(connection: &Connection, before_ms: i64) -> StorageResult<u64> {
    let done = connection.execute(&PURGE_SUBMISSIONS, [before_ms])?;
    Ok(count(done))
}

/// The readiness probe's one-row write.
pub(super) fn probe(connection: &Connection, now: i64) -> StorageResult<()> {
    connection
        .prepare_cached(sql::PROBE_WRITE.sqlite())?
        .execute([now])?;
    Ok(())
}
