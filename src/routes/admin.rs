//! `/admin`: a JSON API over stored leads, behind `Authorization: Bearer <admin_token>`.
//! Without a configured token every admin route answers 404.

use std::sync::Arc;

use axum::{
    extract::{FromRequestParts, Query, State},
    http::request::Parts,
    routing::{get, post},
    Json, Router,
};
use secrecy::ExposeSecret;
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::name::Name;
use crate::{
    domain::{LeadId, LeadState},
    error::ApiError,
    intake::auth,
    outbox::{LeadDetail, LeadFilter, LeadSummary},
    startup::AppState,
};

/// The admin routes.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/leads", get(list_leads))
        .route("/admin/leads/{id}", get(show_lead))
        .route("/admin/leads/{id}/retry", post(retry_lead))
        .route("/admin/leads/{id}/release", post(release_lead))
}

/// Proof that the request carries the admin token.
pub(crate) struct Admin;

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = app.settings.admin_token() else {
            return Err(ApiError::NotFound(
                "the admin API is off (no admin_token configured)".into(),
            ));
        };
        let given = auth::bearer_token(&parts.headers).unwrap_or_default();
        if bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes())) {
            Ok(Admin)
        } else {
            Err(ApiError::Unauthorized(
                "a valid admin bearer token is required".into(),
            ))
        }
    }
}

/// Query of `GET /admin/leads`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only leads in this state (`pending`, `delivering`, `delivered`, `duplicate`,
    /// `retrying`, `dead`, `spam`, `held`, `test`).
    #[param(value_type = Option<LeadState>)]
    state: Option<String>,
    /// Only leads of this form.
    form: Option<String>,
    /// Only leads whose e-mail or name contains this text.
    q: Option<String>,
    /// Only leads received on this UTC day (`YYYY-MM-DD`) or later.
    #[param(format = Date)]
    from: Option<String>,
    /// Only leads received on this UTC day (`YYYY-MM-DD`) or earlier.
    #[param(format = Date)]
    to: Option<String>,
    /// At most this many, newest first (default 50, at most 1000).
    limit: Option<u32>,
}

impl ListQuery {
    fn filter(self) -> Result<LeadFilter, ApiError> {
        let state = non_empty(self.state)
            .as_deref()
            .map(str::parse::<LeadState>)
            .transpose()
            .map_err(|e| ApiError::Malformed(e.to_string()))?;
        Ok(LeadFilter {
            state,
            form: non_empty(self.form),
            search: non_empty(self.q),
            received_from_ms: non_empty(self.from)
                .map(|day| day_start_ms("from", &day, 0))
                .transpose()?,
            received_before_ms: non_empty(self.to)
                .map(|day| day_start_ms("to", &day, 1))
                .transpose()?,
            limit: Some(self.limit.unwrap_or(50).clamp(1, 1000)),
        })
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

/// The start (unix ms) of the UTC day `later` days after `day` (`YYYY-MM-DD`).
fn day_start_ms(key: &str, day: &str, later: u64) -> Result<i64, ApiError> {
    chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
        .ok()
        .and_then(|date| date.checked_add_days(chrono::Days::new(later)))
        .and_then(|date| date.and_hms_opt(0, 0, 0))
        .map(|start| start.and_utc().timestamp_millis())
        .ok_or_else(|| ApiError::Malformed(format!("{key} must be a day such as 2026-01-31")))
}

/// `{"id": "...", "status": "queued"}`: a lead was put back in the delivery queue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct QueuedReply {
    /// The lead's ID.
    id: LeadId,
    /// Always `queued`.
    status: &'static str,
}

/// `GET /admin/leads`: stored leads, newest first.
#[utoipa::path(
    get,
    path = "/admin/leads",
    tag = "admin",
    params(ListQuery),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Leads, newest first", body = [LeadSummary]),
        (status = 400, description = "Bad query (unknown state, a day that is not YYYY-MM-DD)", body = crate::error::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = crate::error::ErrorBody),
        (status = 404, description = "The admin API is off (no admin_token)", body = crate::error::ErrorBody),
    )
)]
async fn list_leads(
    _: Admin,
    State(app): State<Arc<AppState>>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<LeadSummary>>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::Malformed(e.body_text()))?;
    Ok(Json(app.outbox.list(&query.filter()?).await?))
}

pub(super) fn parse_id(id: &str) -> Result<LeadId, ApiError> {
    id.parse()
        .map_err(|_| ApiError::NotFound(format!("no lead {id:?}")))
}

/// `GET /admin/leads/{id}`: one lead with its submission, member and every attempt.
#[utoipa::path(
    get,
    path = "/admin/leads/{id}",
    tag = "admin",
    params(("id" = String, Path, description = "Lead ID")),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The lead", body = LeadDetail),
        (status = 401, description = "Missing or wrong admin token", body = crate::error::ErrorBody),
        (status = 404, description = "No such lead", body = crate::error::ErrorBody),
    )
)]
async fn show_lead(
    _: Admin,
    State(app): State<Arc<AppState>>,
    Name(id): Name,
) -> Result<Json<LeadDetail>, ApiError> {
    let id = parse_id(&id)?;
    app.outbox
        .get(id)
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::NotFound(format!("no lead {id}")))
}

/// `POST /admin/leads/{id}/retry`: re-queue a pending, retrying or dead lead now.
#[utoipa::path(
    post,
    path = "/admin/leads/{id}/retry",
    tag = "admin",
    params(("id" = String, Path, description = "Lead ID")),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Queued for delivery", body = QueuedReply),
        (status = 409, description = "The lead is in a state that cannot be retried", body = crate::error::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = crate::error::ErrorBody),
        (status = 404, description = "No such lead", body = crate::error::ErrorBody),
    )
)]
async fn retry_lead(
    _: Admin,
    State(app): State<Arc<AppState>>,
    Name(id): Name,
) -> Result<Json<QueuedReply>, ApiError> {
    let id = parse_id(&id)?;
    if app.outbox.retry(id).await? {
        app.wake.notify_one();
        Ok(Json(QueuedReply {
            id,
            status: "queued",
        }))
    } else {
        Err(not_changed(
            &app,
            id,
            "only pending, retrying or dead leads can be retried",
        )
        .await)
    }
}

/// `POST /admin/leads/{id}/release`: a lead held as spam goes to delivery.
#[utoipa::path(
    post,
    path = "/admin/leads/{id}/release",
    tag = "admin",
    params(("id" = String, Path, description = "Lead ID")),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Queued for delivery", body = QueuedReply),
        (status = 409, description = "The lead is not spam", body = crate::error::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = crate::error::ErrorBody),
        (status = 404, description = "No such lead", body = crate::error::ErrorBody),
    )
)]
async fn release_lead(
    _: Admin,
    State(app): State<Arc<AppState>>,
    Name(id): Name,
) -> Result<Json<QueuedReply>, ApiError> {
    let id = parse_id(&id)?;
    if app.outbox.release(id).await? {
        app.wake.notify_one();
        Ok(Json(QueuedReply {
            id,
            status: "queued",
        }))
    } else {
        Err(not_changed(&app, id, "only spam leads can be released").await)
    }
}

async fn not_changed(app: &AppState, id: LeadId, why: &str) -> ApiError {
    match app.outbox.get(id).await {
        Ok(Some(lead)) => ApiError::Conflict(format!("lead {id} is {}: {why}", lead.summary.state)),
        Ok(None) => ApiError::NotFound(format!("no lead {id}")),
        Err(error) => error.into(),
    }
}
