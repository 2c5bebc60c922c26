//! Reads for operators (`leads`, `/admin`): one lead, listings, counts and the
//! funnel.

use sqlx::{postgres::PgRow, PgPool, Row};

use super::{parse_id, parse_json, parse_state, pg_text};
use crate::{
    domain::{LeadId, LeadState},
    outbox::{
        sql::{self, SUMMARY_COLUMNS},
        AttemptRecord, FunnelCount, LeadDetail, LeadFilter, LeadSummary, StorageResult,
    },
};

fn summary_from_row(row: &PgRow) -> StorageResult<LeadSummary> {
    Ok(LeadSummary {
        id: parse_id(row.try_get("id")?)?,
        form: row.try_get("form")?,
        workspace: row.try_get("workspace")?,
        state: parse_state(row.try_get("state")?)?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        attempts: u32::try_from(row.try_get::<i32, _>("attempts")?).unwrap_or(0),
        last_error: row.try_get("last_error")?,
        member_id: row.try_get("member_id")?,
        created_at_ms: row.try_get("created_at")?,
        next_attempt_at_ms: row.try_get("next_attempt_at")?,
    })
}

fn attempt_from_row(row: &PgRow) -> StorageResult<AttemptRecord> {
    Ok(AttemptRecord {
        at_ms: row.try_get("at")?,
        status: row
            .try_get::<Option<i32>, _>("status")?
            .and_then(|status| u16::try_from(status).ok()),
        excerpt: row.try_get("excerpt")?,
        duration_ms: u64::try_from(row.try_get::<i64, _>("duration_ms")?).unwrap_or(0),
    })
}

/// One lead with its attempts.
pub(super) async fn get(pool: &PgPool, id: LeadId) -> StorageResult<Option<LeadDetail>> {
    let id = id.to_string();
    let query = format!("SELECT {SUMMARY_COLUMNS}, member, submission FROM leads WHERE id = $1");
    let Some(row) = sqlx::query(&query).bind(&id).fetch_optional(pool).await? else {
        return Ok(None);
    };
    let attempts = sqlx::query(sql::ATTEMPTS_OF.postgres())
        .bind(&id)
        .fetch_all(pool)
        .await?;
    let submission: Option<&str> = row.try_get("submission")?;
    Ok(Some(LeadDetail {
        summary: summary_from_row(&row)?,
        member: parse_json(row.try_get("member")?)?,
        submission: submission.map(parse_json).transpose()?,
        attempt_log: attempts
            .iter()
            .map(attempt_from_row)
            .collect::<StorageResult<_>>()?,
    }))
}

/// Leads matching `filter`, newest first.
pub(super) async fn list(pool: &PgPool, filter: &LeadFilter) -> StorageResult<Vec<LeadSummary>> {
    let rows = sqlx::query(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM leads
         WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR form = $2)
           AND ($4::text IS NULL OR email ILIKE $4 ESCAPE '\\' OR name ILIKE $4 ESCAPE '\\')
           AND ($5::int8 IS NULL OR created_at >= $5) AND ($6::int8 IS NULL OR created_at < $6)
         ORDER BY created_at DESC, id DESC LIMIT $3"
    ))
    .bind(filter.state.map(LeadState::as_str))
    .bind(filter.form.as_deref().map(pg_text))
    .bind(i64::from(filter.limit.unwrap_or(50)))
    .bind(filter.search_pattern().map(|p| pg_text(&p).into_owned()))
    .bind(filter.received_from_ms)
    .bind(filter.received_before_ms)
    .fetch_all(pool)
    .await?;
    rows.iter().map(summary_from_row).collect()
}

/// Lead counts by state.
pub(super) async fn count_by_state(pool: &PgPool) -> StorageResult<Vec<(LeadState, u64)>> {
    let rows = sqlx::query(sql::COUNT_BY_STATE).fetch_all(pool).await?;
    rows.iter()
        .map(|row| {
            let count = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
            Ok((parse_state(row.try_get("state")?)?, count))
        })
        .collect()
}

/// The funnel's counts from `since_day` on.
pub(super) async fn funnel_counts(
    pool: &PgPool,
    since_day: &str,
) -> StorageResult<Vec<FunnelCount>> {
    let rows = sqlx::query(sql::FUNNEL_READ.postgres())
        .bind(since_day)
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|row| {
            Ok(FunnelCount {
                form: row.try_get("form")?,
                day: row.try_get("day")?,
                step: row.try_get("step")?,
                count: u64::try_from(row.try_get::<i64, _>("count")?).unwrap_or(0),
            })
        })
        .collect()
}
