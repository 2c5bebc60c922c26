//! HTTP surfaces, one file each, and the middleware every route shares.

mod admin;
mod admin_page;
mod admin_summary;
mod cors;
mod embed;
mod forms;
mod funnel;
mod guard;
mod health;
pub mod openapi;
mod reply;
mod request;

use std::sync::Arc;

use axum::{
    extract::DefaultBodyLimit,
    http::{HeaderName, Request},
    middleware,
    routing::{get, post},
    Router,
};
use tower::ServiceBuilder;
use tower_http::{
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::{DefaultOnResponse, TraceLayer},
};

use crate::{error::ApiError, startup::AppState};

/// The header carrying each request's ID.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route (and `extra`, such as the demo's page), with request IDs,
/// tracing, the request timeout and a caught panic.
pub fn router(state: Arc<AppState>, extra: Option<Router>) -> Router {
    let api = Router::new()
        .route(
            "/forms/{form}",
            post(forms::submit_form).options(cors::preflight),
        )
        .route("/hooks/{form}", post(forms::submit_hook))
        .route("/embed.js", get(embed::embed_js))
        .route("/funnel/{form}", post(funnel::report_step))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(health::metrics))
        .route("/openapi.json", get(openapi::openapi_json))
        .merge(admin::routes())
        .merge(admin_summary::routes())
        .merge(admin_page::routes())
        .fallback(not_found)
        // Bodies are read with our own limit, so that 413 comes in our JSON shape.
        .layer(DefaultBodyLimit::disable())
        .with_state(state.clone())
        .merge(extra.unwrap_or_default());
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
            // Innermost: its timeout and panic replies pass through the layers above,
            // which give them the request ID and log them in the request's span.
            .layer(middleware::from_fn_with_state(
                state,
                guard::contain_failures,
            )),
    )
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}
