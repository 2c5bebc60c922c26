//! Reading rows back into leads, the same for both backends: columns are read
//! by name, and integers convert with `try_from` (a corrupt row is an error or
//! a zero, never a wrapped number); and the reads that are the same statement
//! on both (counts, the funnel, the next due time), generic over the pool. `Int4` is the type of the narrow integer
//! columns (`attempts`, `status`): `i64` on SQLite, `int4` (`i32`) on PostgreSQL.

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Pool, Row, Type};

use super::{
    decode::{parse_id, parse_json, parse_state},
    AttemptRecord, FunnelCount, LeadDetail, LeadSummary, StorageResult,
};
use crate::domain::LeadState;

/// A value a row of `DB` decodes to.
pub(crate) trait Column<'r, DB: Database>: Decode<'r, DB> + Type<DB> {}

impl<'r, DB: Database, T: Decode<'r, DB> + Type<DB>> Column<'r, DB> for T {}

/// A lead's summary from a row holding [`super::sql::SUMMARY_COLUMNS`].
pub(crate) fn summary<'r, R, Int4>(row: &'r R) -> StorageResult<LeadSummary>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    &'r str: Column<'r, R::Database>,
    String: Column<'r, R::Database>,
    Option<String>: Column<'r, R::Database>,
    i64: Column<'r, R::Database>,
    Int4: Column<'r, R::Database>,
    u32: TryFrom<Int4>,
{
    Ok(LeadSummary {
        id: parse_id(row.try_get("id")?)?,
        form: row.try_get("form")?,
        workspace: row.try_get("workspace")?,
        state: parse_state(row.try_get("state")?)?,
        email: row.try_get("email")?,
        name: row.try_get("name")?,
        attempts: u32::try_from(row.try_get::<Int4, _>("attempts")?).unwrap_or(0),
        last_error: row.try_get("last_error")?,
        member_id: row.try_get("member_id")?,
        created_at_ms: row.try_get("created_at")?,
        next_attempt_at_ms: row.try_get("next_attempt_at")?,
    })
}

/// One attempt, from a row of [`super::sql::ATTEMPTS_OF`].
fn attempt<'r, R, Int4>(row: &'r R) -> StorageResult<AttemptRecord>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Column<'r, R::Database>,
    i64: Column<'r, R::Database>,
    Option<Int4>: Column<'r, R::Database>,
    u16: TryFrom<Int4>,
{
    Ok(AttemptRecord {
        at_ms: row.try_get("at")?,
        status: row
            .try_get::<Option<Int4>, _>("status")?
            .and_then(|status| u16::try_from(status).ok()),
        excerpt: row.try_get("excerpt")?,
        duration_ms: u64::try_from(row.try_get::<i64, _>("duration_ms")?).unwrap_or(0),
    })
}

/// A lead with everything stored about it, from its row (the summary's
/// columns, `member` and `submission`) and the rows of its attempts.
pub(crate) fn detail<'r, R, Int4>(row: &'r R, attempts: &'r [R]) -> StorageResult<LeadDetail>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    &'r str: Column<'r, R::Database>,
    Option<&'r str>: Column<'r, R::Database>,
    String: Column<'r, R::Database>,
    Option<String>: Column<'r, R::Database>,
    i64: Column<'r, R::Database>,
    Int4: Column<'r, R::Database>,
    Option<Int4>: Column<'r, R::Database>,
    u32: TryFrom<Int4>,
    u16: TryFrom<Int4>,
{
    let submission: Option<&str> = row.try_get("submission")?;
    Ok(LeadDetail {
        summary: summary::<R, Int4>(row)?,
        member: parse_json(row.try_get("member")?)?,
        submission: submission.map(parse_json).transpose()?,
        attempt_log: attempts
            .iter()
            .map(attempt::<R, Int4>)
            .collect::<StorageResult<_>>()?,
    })
}

/// A state's count, from a row of [`super::sql::COUNT_BY_STATE`].
fn state_count<'r, R>(row: &'r R) -> StorageResult<(LeadState, u64)>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    &'r str: Column<'r, R::Database>,
    i64: Column<'r, R::Database>,
{
    let count = u64::try_from(row.try_get::<i64, _>("n")?).unwrap_or(0);
    Ok((parse_state(row.try_get("state")?)?, count))
}

/// A funnel count, from a row of [`super::sql::FUNNEL_READ`].
fn funnel_count<'r, R>(row: &'r R) -> StorageResult<FunnelCount>
where
    R: Row,
    &'static str: ColumnIndex<R>,
    String: Column<'r, R::Database>,
    i64: Column<'r, R::Database>,
{
    Ok(FunnelCount {
        form: row.try_get("form")?,
        day: row.try_get("day")?,
        step: row.try_get("step")?,
        count: u64::try_from(row.try_get::<i64, _>("count")?).unwrap_or(0),
    })
}

/// Lead counts by state, on either backend's pool.
pub(crate) async fn count_by_state<DB>(pool: &Pool<DB>) -> StorageResult<Vec<(LeadState, u64)>>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    &'static str: ColumnIndex<DB::Row>,
    for<'r> &'r str: Column<'r, DB>,
    for<'r> i64: Column<'r, DB>,
{
    let rows = sqlx::query(super::sql::COUNT_BY_STATE)
        .fetch_all(pool)
        .await?;
    rows.iter().map(state_count).collect()
}

/// The funnel's counts from `since_day` on, by `funnel_read` (the backend's
/// rendering of [`super::sql::FUNNEL_READ`]).
pub(crate) async fn funnel_counts<DB>(
    pool: &Pool<DB>,
    funnel_read: &str,
    since_day: &str,
) -> StorageResult<Vec<FunnelCount>>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    &'static str: ColumnIndex<DB::Row>,
    for<'r> String: Column<'r, DB>,
    for<'r> i64: Column<'r, DB>,
{
    let rows = sqlx::query(funnel_read)
        .bind(since_day)
        .fetch_all(pool)
        .await?;
    rows.iter().map(funnel_count).collect()
}

/// When the next lead is due or the next lease expires (unix ms), by
/// `next_due` (the backend's rendering of [`super::sql::NEXT_DUE`]).
pub(crate) async fn next_due_at<DB>(pool: &Pool<DB>, next_due: &str) -> StorageResult<Option<i64>>
where
    DB: Database,
    for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
    for<'q> DB::Arguments<'q>: IntoArguments<'q, DB>,
    usize: ColumnIndex<DB::Row>,
    for<'r> Option<i64>: Column<'r, DB>,
{
    let row = sqlx::query(next_due).fetch_one(pool).await?;
    Ok(row.try_get(0)?)
}
