//! HTTP surfaces, one file each, and the middleware every route shares.

mod admin;
mod admin_page;
mod cors;
mod forms;
mod health;
pub mod openapi;
mod reply;
mod request;

use std::{sync::Arc, time::Duration};

use axum::{
    extract::DefaultBodyLimit,
    http::{HeaderName, Request, StatusCode},
    routing::{get, post},
    Router,
};
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::{error::ApiError, startup::AppState};

/// The header carrying each request's ID.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route, with request IDs, tracing and timeouts.
pub fn router(state: Arc<AppState>) -> Router {
    let timeout = Duration::from_secs(state.settings.server.request_timeout_secs);
    let api = Router::new()
        .route(
            "/forms/{form}",
            post(forms::submit_form).options(cors::preflight),
        )
        .route("/hooks/{form}", post(forms::submit_hook))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/openapi.json", get(openapi::openapi_json))
        .merge(admin::routes())
        .merge(admin_page::routes())
        .fallback(not_found)
        // Bodies are read with our own limit, so that 413 comes in our JSON shape.
        .layer(DefaultBodyLimit::disable())
        .with_state(state);
    api.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
            .layer(
                TraceLayer::new_for_http()
                    .make_span_with(|request: &Request<_>| {
                        let request_id = request
                            .headers()
                            .get(REQUEST_ID)
                            .and_then(|v| v.to_str().ok())
                            .unwrap_or_default();
                        tracing::info_span!(
                            "request",
                            method = %request.method(),
                            path = %request.uri().path(),
                            request_id = %request_id,
                        )
                    })
                    // One info line per submission comes from the handler ("lead accepted" or
                    // "submission refused"); the generic access line is debug, so a busy
                    // service does not log twice per lead.
                    .on_response(DefaultOnResponse::new().level(tracing::Level::DEBUG)),
            )
            .layer(PropagateRequestIdLayer::new(REQUEST_ID))
            .layer(TimeoutLayer::with_status_code(
                StatusCode::REQUEST_TIMEOUT,
                timeout,
            )),
    )
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}
