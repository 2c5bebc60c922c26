//! Operators' writes (commands, `/admin`) and upkeep on PostgreSQL, by the
//! statements shared with SQLite (`outbox::sql`).

use std::sync::LazyLock;

use sqlx::PgPool;

use super::pg_text;
use crate::{
    domain::{LeadId, LeadState},
    outbox::{sql, FunnelCount, StorageResult},
};

/// Drops the submissions of settled leads last changed before `$1`.
static PURGE_SUBMISSIONS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE leads SET submission = NULL
         WHERE submission IS NOT NULL AND state IN ({settled}) AND updated_at < $1",
        settled = sql::states(&LeadState::SETTLED),
    )
});

/// Re-queues one retryable lead for an immediate attempt.
pub(super) async fn retry(pool: &PgPool, id: LeadId, now: i64) -> StorageResult<bool> {
    let done = sqlx::query(sql::RETRY.postgres())
        .bind(now)
        .bind(id.to_string())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Re-queues every lead of `state`, when that state may be retried at once.
pub(super) async fn retry_state(pool: &PgPool, state: LeadState, now: i64) -> StorageResult<u64> {
    let done = sqlx::query(sql::RETRY_STATE.postgres())
        .bind(now)
        .bind(state.as_str())
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Moves a spam lead to the queue.
pub(super) async fn release(pool: &PgPool, id: LeadId, now: i64) -> StorageResult<bool> {
    let done = sqlx::query(sql::RELEASE.postgres())
        .bind(now)
        .bind(id.to_string())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Moves the spam leads kept for a reason starting with `prefix` to the queue.
pub(super) async fn release_noted(pool: &PgPool, prefix: &str, now: i64) -> StorageResult<u64> {
    let done = sqlx::query(sql::RELEASE_NOTED.postgres())
        .bind(now)
        .bind(prefix)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Replaces a lead's e-mail, name and member and re-queues it.
pub(super) async fn replace_member(
    pool: &PgPool,
    id: LeadId,
    (email, name, member): (&str, &str, &serde_json::Value),
    now: i64,
) -> StorageResult<bool> {
    let done = sqlx::query(sql::REPLACE_MEMBER.postgres())
        .bind(email)
        .bind(pg_text(name))
        .bind(now)
        .bind(id.to_string())
        .bind(member.to_string())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// Removes every lead of this e-mail address with its attempts.
pub(super) async fn erase_email(pool: &PgPool, email: &str) -> StorageResult<u64> {
    let mut tx = pool.begin().await?;
    sqlx::query(sql::ERASE_ATTEMPTS.postgres())
        .bind(email)
        .execute(&mut *tx)
        .await?;
    let done = sqlx::query(sql::ERASE_LEADS.postgres())
        .bind(email)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(done.rows_affected())
}

/// Drops the original submissions of leads settled before `before_ms`.
pub(super) async fn purge_submissions(pool: &PgPool, before_ms: i64) -> StorageResult<u64> {
    let done = sqlx::query(&PURGE_SUBMISSIONS)
        .bind(before_ms)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Adds to the funnel's counts in one transaction (rows in key order, so that
/// replicas adding to the same rows lock them in one order).
pub(super) async fn add_funnel_counts(pool: &PgPool, counts: &[FunnelCount]) -> StorageResult<()> {
    if counts.is_empty() {
        return Ok(());
    }
    let mut sorted: Vec<&FunnelCount> = counts.iter().collect();
    sorted.sort_by(|a, b| (&a.form, &a.day, &a.step).cmp(&(&b.form, &b.day, &b.step)));
    let mut tx = pool.begin().await?;
    for count in sorted {
        sqlx::query(sql::FUNNEL_ADD.postgres())
            .bind(&count.form)
            .bind(&count.day)
            .bind(&count.step)
            .bind(i64::try_from(count.count).unwrap_or(i64::MAX))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The readiness probe's one-row write.
pub(super) async fn probe(pool: &PgPool, now: i64) -> StorageResult<()> {
    sqlx::query(sql::PROBE_WRITE.postgres())
        .bind(now)
        .execute(pool)
        .await?;
    Ok(())
}
