//! Liveness, readiness and metrics.

use std::sync::Arc;

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
    Json,
};

use crate::{domain::LeadState, startup::AppState};

/// `GET /healthz`: 200 while the process runs.
pub async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when storage answers (and not shutting down); 503 otherwise.
pub async fn readyz(State(app): State<Arc<AppState>>) -> impl IntoResponse {
    if !app.is_accepting() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "status": "shutting down" })),
        );
    }
    match app.outbox.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(serde_json::json!({ "status": "ready" })),
        ),
        Err(error) => {
            tracing::warn!(error = %error.0, "readiness check: storage does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({ "status": "storage unavailable" })),
            )
        }
    }
}

/// `GET /metrics`: Prometheus text; the outbox gauge is read from storage now.
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
