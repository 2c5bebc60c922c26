//! Liveness, readiness and metrics.

use std::sync::Arc;

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
    Json,
};

use crate::{domain::LeadState, startup::AppState};

/// `{"status": "..."}`: the body of the health replies.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct HealthReply {
    /// `ok`, `ready`, `shutting down` or `storage unavailable`.
    pub status: &'static str,
}

/// `GET /healthz`: 200 while the process runs.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses((status = 200, description = "The process runs", body = HealthReply))
)]
pub async fn healthz() -> impl IntoResponse {
    Json(HealthReply { status: "ok" })
}

/// `GET /readyz`: 200 when storage answers (and not shutting down); 503 otherwise.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "Storage answers: ready for traffic", body = HealthReply),
        (status = 503, description = "Storage does not answer, or shutting down", body = HealthReply),
    )
)]
pub async fn readyz(State(app): State<Arc<AppState>>) -> impl IntoResponse {
    if !app.is_accepting() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(HealthReply {
                status: "shutting down",
            }),
        );
    }
    match app.outbox.ping().await {
        Ok(()) => (StatusCode::OK, Json(HealthReply { status: "ready" })),
        Err(error) => {
            tracing::warn!(error = %error.0, "readiness check: storage does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(HealthReply {
                    status: "storage unavailable",
                }),
            )
        }
    }
}

/// `GET /metrics`: Prometheus text; the outbox gauge is read from storage now.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "health",
    responses((
        status = 200,
        description = "Prometheus text exposition format",
        body = String,
        content_type = "text/plain; version=0.0.4"
    ))
)]
pub async fn metrics(State(app): State<Arc<AppState>>) -> impl IntoResponse {
    if let Ok(counts) = app.outbox.count_by_state().await {
        let waiting: u64 = counts
            .iter()
            .filter(|(state, _)| {
                matches!(
                    state,
                    LeadState::Pending | LeadState::Retrying | LeadState::Delivering
                )
            })
            .map(|(_, n)| n)
            .sum();
        metrics::gauge!("leadrelay_outbox_pending").set(waiting as f64);
        for state in LeadState::ALL {
            let n = counts
                .iter()
                .find(|(s, _)| *s == state)
                .map_or(0, |(_, n)| *n);
            metrics::gauge!("leadrelay_leads_stored", "state" => state.as_str()).set(n as f64);
        }
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(),
    )
}
