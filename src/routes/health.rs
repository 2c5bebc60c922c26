//! Liveness, readiness and metrics.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::State,
    http::{header, StatusCode},
    response::IntoResponse,
    Json,
};

use crate::{domain::LeadState, funnel::Step, outbox::FunnelCount, startup::AppState};

/// How long the readiness write may take (within `leadrelay healthcheck`'s 3 s).
const PROBE_TIMEOUT: Duration = Duration::from_secs(2);

/// `{"status": "..."}`: the body of the health replies.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct HealthReply {
    /// `ok`, `ready`, `shutting down` or `storage unavailable`.
    status: &'static str,
}

/// `GET /healthz`: 200 while the process runs.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "health",
    responses((status = 200, description = "The process runs", body = HealthReply))
)]
pub(crate) async fn healthz() -> impl IntoResponse {
    Json(HealthReply { status: "ok" })
}

/// `GET /readyz`: 200 when storage takes writes (and not shutting down); 503 otherwise.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "health",
    responses(
        (status = 200, description = "Storage takes writes: ready for traffic", body = HealthReply),
        (status = 503, description = "Storage does not take writes (down, disk full, read-only, writer stopped), or shutting down", body = HealthReply),
    )
)]
pub(crate) async fn readyz(State(app): State<Arc<AppState>>) -> impl IntoResponse {
    if !app.is_accepting() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(HealthReply {
                status: "shutting down",
            }),
        );
    }
    let probe = tokio::time::timeout(PROBE_TIMEOUT, app.outbox.check_writable()).await;
    let failure = match probe {
        Ok(Ok(())) => return (StatusCode::OK, Json(HealthReply { status: "ready" })),
        Ok(Err(error)) => error.0.to_string(),
        Err(_) => format!("no answer within {PROBE_TIMEOUT:?}"),
    };
    tracing::warn!(error = %failure, "readiness check: storage does not take writes");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(HealthReply {
            status: "storage unavailable",
        }),
    )
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
pub(crate) async fn metrics(State(app): State<Arc<AppState>>) -> impl IntoResponse {
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
    if let Ok(today) = app.funnel.today().await {
        set_funnel_today(&app, &today);
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(),
    )
}

/// `leadrelay_funnel_today{form,step}`: every configured form's counts of the
/// UTC day so far (0 included, so a new day reads as a reset).
fn set_funnel_today(app: &AppState, today: &[FunnelCount]) {
    for form in app.settings.forms.keys() {
        for step in Step::ALL {
            let count = today
                .iter()
                .find(|c| c.form == *form && c.step == step.as_str())
                .map_or(0, |c| c.count);
            metrics::gauge!("leadrelay_funnel_today", "form" => form.clone(), "step" => step.as_str())
                .set(count as f64);
        }
    }
}
