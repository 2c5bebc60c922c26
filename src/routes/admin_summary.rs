//! The admin API beside the lead list: the counts an operator reads first
//! (leads per state, the funnel per form), and bulk retry and release.

use std::sync::Arc;

use axum::{
    extract::{rejection::JsonRejection, Query, State},
    routing::{get, post},
    Json, Router,
};
use serde::{Deserialize, Serialize};

use super::admin::{parse_id, Admin};
use crate::{
    domain::{LeadId, LeadState},
    error::ApiError,
    funnel::{FormFunnel, Step},
    startup::AppState,
};

/// Most leads one bulk request may name.
const MAX_BULK_IDS: usize = 1000;

/// The summary and bulk routes.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin/summary", get(summary))
        .route("/admin/leads/bulk", post(bulk))
}

/// Query of `GET /admin/summary`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct SummaryQuery {
    /// The funnel's period in days, today included (default 14, at most 90).
    days: Option<u32>,
}

/// How many stored leads are in one state.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct StateCount {
    /// The state.
    state: LeadState,
    /// How many leads are in it.
    count: u64,
}

/// `GET /admin/summary`: every state's count, and each form's funnel.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct Summary {
    /// Every lead state, in lifecycle order, with its count (0 included).
    states: Vec<StateCount>,
    /// The configured forms.
    forms: Vec<String>,
    /// The funnel's steps, in order.
    steps: Vec<&'static str>,
    /// The funnel's period, in days.
    days: u32,
    /// Each form's funnel over the period.
    funnel: Vec<FormFunnel>,
}

/// `GET /admin/summary`
#[utoipa::path(
    get,
    path = "/admin/summary",
    tag = "admin",
    params(SummaryQuery),
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Counts per state and the funnel per form", body = Summary),
        (status = 400, description = "Bad query (`days` not a number)", body = crate::error::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = crate::error::ErrorBody),
        (status = 404, description = "The admin API is off (no admin_token)", body = crate::error::ErrorBody),
    )
)]
async fn summary(
    _: Admin,
    State(app): State<Arc<AppState>>,
    query: Result<Query<SummaryQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Summary>, ApiError> {
    let Query(query) = query.map_err(|e| ApiError::Malformed(e.body_text()))?;
    let days = query.days.unwrap_or(14).clamp(1, 90);
    let counts = app.outbox.count_by_state().await?;
    let states = LeadState::ALL
        .into_iter()
        .map(|state| StateCount {
            state,
            count: counts
                .iter()
                .find(|(s, _)| *s == state)
                .map_or(0, |(_, n)| *n),
        })
        .collect();
    let forms: Vec<&str> = app.settings.forms.keys().map(String::as_str).collect();
    let funnel = app.funnel.report(&forms, days).await?;
    Ok(Json(Summary {
        states,
        forms: forms.into_iter().map(str::to_owned).collect(),
        steps: Step::ALL.map(Step::as_str).to_vec(),
        days,
        funnel,
    }))
}

/// What to do with every lead of a bulk request.
#[derive(Debug, Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum BulkAction {
    /// Re-queue pending, retrying or dead leads now.
    Retry,
    /// Send leads held as spam.
    Release,
}

/// `POST /admin/leads/bulk`: one action on several leads.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct BulkRequest {
    /// `retry` or `release`.
    action: BulkAction,
    /// The leads (at most 1000).
    ids: Vec<String>,
}

/// What a bulk request did.
#[derive(Debug, Serialize, utoipa::ToSchema)]
struct BulkReply {
    /// Leads put back in the delivery queue.
    changed: Vec<LeadId>,
    /// Leads left as they were: unknown, or in a state the action does not apply to.
    unchanged: Vec<String>,
}

/// `POST /admin/leads/bulk`
#[utoipa::path(
    post,
    path = "/admin/leads/bulk",
    tag = "admin",
    request_body = BulkRequest,
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Which leads were queued and which were left as they were", body = BulkReply),
        (status = 400, description = "Not a bulk request, or over 1000 IDs", body = crate::error::ErrorBody),
        (status = 401, description = "Missing or wrong admin token", body = crate::error::ErrorBody),
        (status = 404, description = "The admin API is off (no admin_token)", body = crate::error::ErrorBody),
    )
)]
async fn bulk(
    _: Admin,
    State(app): State<Arc<AppState>>,
    request: Result<Json<BulkRequest>, JsonRejection>,
) -> Result<Json<BulkReply>, ApiError> {
    let Json(request) = request.map_err(|e| ApiError::Malformed(e.body_text()))?;
    if request.ids.len() > MAX_BULK_IDS {
        return Err(ApiError::Malformed(format!(
            "at most {MAX_BULK_IDS} leads in one request"
        )));
    }
    let mut reply = BulkReply {
        changed: Vec::new(),
        unchanged: Vec::new(),
    };
    for raw in request.ids {
        let Ok(id) = parse_id(&raw) else {
            reply.unchanged.push(raw);
            continue;
        };
        let changed = match request.action {
            BulkAction::Retry => app.outbox.retry(id).await?,
            BulkAction::Release => app.outbox.release(id).await?,
        };
        if changed {
            reply.changed.push(id);
        } else {
            reply.unchanged.push(raw);
        }
    }
    if !reply.changed.is_empty() {
        app.wake.notify_one();
    }
    Ok(Json(reply))
}
