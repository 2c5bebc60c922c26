//! Reads for operators (`leads`, `/admin`): one lead, listings, counts and the
//! funnel, all on the reader pool (writes go through the writer thread).

use sqlx::{sqlite::SqliteRow, Row, SqlitePool};

use super::{parse_id, parse_json, parse_state};
use crate::{
    domain::{LeadId, LeadState},
    outbox::{
        sql::{self, SUMMARY_COLUMNS},
        AttemptRecord, FunnelCount, LeadDetail, LeadFilter, LeadSummary, StorageResult,
    },
};

fn summary_from_row(row: &SqliteRow) -> StorageResult<LeadSummary> {
    Ok(LeadSummary {
        id: parse_id(row.try_get("id")?)?,
        form: row.try_get("form")?,
        workspace: row.try_get("workspace")?,
        state: parse_state(row.try_get("state")?)?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(0),
        last_error: row.try_get("last_error")?,
        member_id: row.try_get("member_id")?,
        created_at_ms: row.try_get("created_at")?,
        next_attempt_at_ms: row.try_get("next_attempt_at")?,
    })
}

fn attempt_from_row(row: &SqliteRow) -> StorageResult<AttemptRecord> {
    Ok(AttemptRecord {
        at_ms: row.try_get("at")?,
        status: row
            .try_get::<Option<i64>, _>("status")?
            .and_then(|status| u16::try_from(status).ok()),
        excerpt: row.try_get("excerpt")?,
        duration_ms: u64::try_from(row.try_get::<i64, _>("duration_ms")?).unwrap_or(0),
    })
}

/// One lead with its attempts.
pub(super) async fn get(reader: &SqlitePool, id: LeadId) -> StorageResult<Option<LeadDetail>> {
    let id = id.to_string();
    let Some(row) = sqlx::query(&format!(
        "SELECT {SUMMARY_COLUMNS}, member, submission
         FROM leads JOIN lead_bodies USING (id) WHERE leads.id = ?1"
    ))
    .bind(&id)
    .fetch_optional(reader)
    .await?
    else {
        return Ok(None);
    };
    let attempts = sqlx::query(sql::ATTEMPTS_OF.sqlite())
        .bind(&id)
        .fetch_all(reader)
        .await?;
    let submission: Option<String> = row.try_get("submission")?;
    Ok(Some(LeadDetail {
        summary: summary_from_row(&row)?,
        member: parse_json(row.try_get("member")?)?,
        submission: submission.as_deref().map(parse_json).transpose()?,
        attempt_log: attempts
            .iter()
            .map(attempt_from_row)
            .collect::<StorageResult<_>>()?,
    }))
}

/// Leads matching `filter`, newest first.
pub(super) async fn list(
    reader: &SqlitePool,
    filter: &LeadFilter,
) -> StorageResult<Vec<LeadSummary>> {
    let rows = sqlx::query(&format!(
        "SELECT {SUMMARY_COLUMNS} FROM leads
         WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR form = ?2)
           AND (?4 IS NULL OR email LIKE ?4 ESCAPE '\\' OR name LIKE ?4 ESCAPE '\\')
           AND (?5 IS NULL OR created_at >= ?5) AND (?6 IS NULL OR created_at < ?6)
         ORDER BY created_at DESC, id DESC LIMIT ?3"
    ))
    .bind(filter.state.map(LeadState::as_str))
    .bind(&filter.form)
    .bind(i64::from(filter.limit.unwrap_or(50)))
    .bind(filter.search_pattern())
    .bind(filter.received_from_ms)
    .bind(filter.received_before_ms)
    .fetch_all(reader)
    .await?;
    rows.iter().map(summary_from_row).collect()
}

/// Lead counts by state.
pub(super) async fn count_by_state(reader: &SqlitePool) -> StorageResult<Vec<(LeadState, u64)>> {
    let rows = sqlx::query(sql::COUNT_BY_STATE).fetch_all(reader).await?;
    rows.iter()
        .map(|row| {
            Ok((
                parse_state(row.try_get("state")?)?,
                u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0),
            ))
        })
        .collect()
}

/// The funnel's counts from `since_day` on.
pub(super) async fn funnel_counts(
    reader: &SqlitePool,
    since_day: &str,
) -> StorageResult<Vec<FunnelCount>> {
    let rows = sqlx::query(sql::FUNNEL_READ.sqlite())
        .bind(since_day)
        .fetch_all(reader)
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
