//! Reads for operators (`leads`, `/admin`): one lead and listings, on the
//! reader pool (writes go through the writer thread). Counts and the funnel
//! are read alike on both backends, in `outbox/rows.rs`.

use sqlx::SqlitePool;

use crate::{
    domain::{LeadId, LeadState},
    outbox::{
        rows,
        sql::{self, SUMMARY_COLUMNS},
        LeadDetail, LeadFilter, LeadSummary, StorageResult,
    },
};

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
    rows::detail::<_, i64>(&row, &attempts).map(Some)
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
    rows.iter().map(rows::summary::<_, i64>).collect()
}
