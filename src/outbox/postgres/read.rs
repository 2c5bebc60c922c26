//! Reads for operators (`leads`, `/admin`): one lead and listings (counts
//! and the funnel are read alike on both backends, in `outbox/rows.rs`).

use sqlx::PgPool;

use super::pg_text;
use crate::{
    domain::{LeadId, LeadState},
    outbox::{
        rows,
        sql::{self, SUMMARY_COLUMNS},
        LeadDetail, LeadFilter, LeadSummary, StorageResult,
    },
};

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
    rows::detail::<_, i32>(&row, &attempts).map(Some)
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
    rows.iter().map(rows::summary::<_, i32>).collect()
}
