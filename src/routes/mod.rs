//! HTTP surfaces, one file each, and the middleware every route shares.

mod admin;
mod admin_page;
mod admin_summary;
mod cors;
#[cfg(test)]
mod docs_check;
mod embed;
mod forms;
mod funnel;
mod guard;
mod health;
mod name;
mod openapi;
mod reply;
mod request;

use std::sync::Arc;

use axum::{
    extract::DefaultBodyLimit,
    http::{HeaderName, Method, Request},
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
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every route (and `extra`, such as the demo's page), with request IDs,
/// tracing, the request timeout and a caught panic.
pub(crate) fn router(state: Arc<AppState>, extra: Option<Router>) -> Router {
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
        .method_not_allowed_fallback(method_not_allowed)
        // Bodies are read with our own limit, so that 413 comes in our JSON shape.
        .layer(DefaultBodyLimit::disable())
        .with_state(state.clone())
        .merge(extra.unwrap_or_default());
    api.layer(
        ServiceBuilder::new()
            .layer(middleware::map_request(drop_unfit_request_id))
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

/// Longest request ID taken from a caller.
const MAX_REQUEST_ID_LEN: usize = 128;

/// A caller's request ID is kept when it looks like one (at most
/// [`MAX_REQUEST_ID_LEN`] visible ASCII characters); otherwise a new one is
/// made, so no caller can bloat every log line of its request or forge
/// fields in them.
async fn drop_unfit_request_id(
    mut request: Request<axum::body::Body>,
) -> Request<axum::body::Body> {
    let unfit = request.headers().get(REQUEST_ID).is_some_and(|id| {
        id.len() > MAX_REQUEST_ID_LEN || !id.as_bytes().iter().all(u8::is_ascii_graphic)
    });
    if unfit {
        request.headers_mut().remove(REQUEST_ID);
    }
    request
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

/// A known route asked with a method it does not take; axum adds the `Allow` header.
async fn method_not_allowed(method: Method) -> ApiError {
    ApiError::MethodNotAllowed(format!("this route does not take {method}"))
}
