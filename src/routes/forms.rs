//! `POST /forms/{form}` (browsers, fetch) and `POST /hooks/{form}` (servers).
//! A lead is committed to storage before the reply; Agencyhandy is never waited on.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    body::Body,
    extract::{ConnectInfo, State},
    http::HeaderMap,
    response::Response,
};

use super::{cors, name::Name, reply, request};
pub(crate) use crate::intake::Door;
use crate::{error::ApiError, intake::SubmitRequest, startup::AppState};

/// `POST /forms/{form}`
#[utoipa::path(
    post,
    path = "/forms/{form}",
    tag = "submissions",
    params(("form" = String, Path, description = "The form's name (`[forms.NAME]`)")),
    request_body(
        description = "The submission. Input names are matched to lead fields through the alias table, the form's `preset` or its `fields`.",
        content(
            (crate::routes::openapi::FormFields = "application/x-www-form-urlencoded"),
            (crate::routes::openapi::FormFields = "multipart/form-data"),
            (Object = "application/json"),
            (String = "text/plain"),
        )
    ),
    responses(
        (status = 200, description = "Stored (a honeypot hit too): `accepted`, or `held` when no lead can be made and only the config can fix it (no e-mail input at all); delivered by `leads remap` once it can. JSON unless a browser form post without a redirect, which gets a thank-you page.", content(
            (crate::routes::reply::AcceptedReply = "application/json"),
            (String = "text/html"),
        )),
        (status = 303, description = "Browser form post: to `redirect` (or an allowed `_next`) after success; to `error_redirect?error=CODE` after an error", headers(("Location" = String))),
        (status = 400, description = "Malformed body", body = crate::error::ErrorBody),
        (status = 401, description = "The form has a `token` or signature secret and the proof is missing or wrong, or a wrong test token", body = crate::error::ErrorBody),
        (status = 403, description = "Origin not in `allowed_origins`", body = crate::error::ErrorBody),
        (status = 404, description = "No such form", body = crate::error::ErrorBody),
        (status = 413, description = "Body, a field or the field count over its limit", body = crate::error::ErrorBody),
        (status = 415, description = "Unsupported content type", body = crate::error::ErrorBody),
        (status = 422, description = "The e-mail address (or a required consent) is empty or invalid: the visitor can fix it; `fields` says which input", body = crate::error::ErrorBody),
        (status = 429, description = "Rate limited", body = crate::error::ErrorBody, headers(("Retry-After" = u64))),
        (status = 500, description = "Our fault (a bug, logged): nothing is known to be stored; retry later", body = crate::error::ErrorBody),
        (status = 503, description = "Storage unavailable, shutting down, or over `server.request_timeout_secs`: retry", body = crate::error::ErrorBody, headers(("Retry-After" = u64))),
    )
)]
pub(crate) async fn submit_form(
    State(app): State<Arc<AppState>>,
    Name(form): Name,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    submit(app, Door::Form, form, peer, headers, body).await
}

/// `POST /hooks/{form}`
#[utoipa::path(
    post,
    path = "/hooks/{form}",
    tag = "submissions",
    params(
        ("form" = String, Path, description = "The form's name (`[forms.NAME]`)"),
        ("Idempotency-Key" = Option<String>, Header, description = "Retries with the same key get the first reply; nothing is stored twice"),
        ("webhook-id" = Option<String>, Header, description = "Standard Webhooks message ID (signed forms; also an idempotency key)"),
        ("webhook-timestamp" = Option<String>, Header, description = "Standard Webhooks timestamp (signed forms)"),
        ("webhook-signature" = Option<String>, Header, description = "Standard Webhooks signature (signed forms)"),
    ),
    request_body(
        description = "The submission, as the sender shapes it (the form's `preset` reads known senders' shapes).",
        content(
            (Object = "application/json"),
            (crate::routes::openapi::FormFields = "application/x-www-form-urlencoded"),
            (crate::routes::openapi::FormFields = "multipart/form-data"),
            (String = "text/plain"),
        )
    ),
    security((), ("hook_token" = [])),
    responses(
        (status = 200, description = "Stored (a spam verdict too): `accepted`, or `held` when no lead can be made from it (no e-mail found, a payload of IDs); a held lead keeps its body and reason and is delivered by `leads remap` once the config maps it", body = crate::routes::reply::AcceptedReply),
        (status = 400, description = "Malformed body", body = crate::error::ErrorBody),
        (status = 401, description = "Missing or wrong token or signature", body = crate::error::ErrorBody),
        (status = 404, description = "No such form", body = crate::error::ErrorBody),
        (status = 413, description = "Body, a field or the field count over its limit", body = crate::error::ErrorBody),
        (status = 415, description = "Unsupported content type", body = crate::error::ErrorBody),
        (status = 429, description = "Rate limited: a sender that does not authenticate (the form has no token or signature, or the proof failed) is limited per client IP", body = crate::error::ErrorBody, headers(("Retry-After" = u64))),
        (status = 500, description = "Our fault (a bug, logged): nothing is known to be stored; retry later", body = crate::error::ErrorBody),
        (status = 503, description = "Storage unavailable, shutting down, or over `server.request_timeout_secs`: retry", body = crate::error::ErrorBody, headers(("Retry-After" = u64))),
    )
)]
pub(crate) async fn submit_hook(
    State(app): State<Arc<AppState>>,
    Name(form): Name,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    submit(app, Door::Hook, form, peer, headers, body).await
}

async fn submit(
    app: Arc<AppState>,
    door: Door,
    form_name: String,
    peer: SocketAddr,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let Some(form) = app.settings.forms.get(&form_name) else {
        let error = ApiError::NotFound(format!("no form named {form_name:?}"));
        return refused(&app, door, &form_name, &headers, error);
    };
    let browser = door == Door::Form && reply::is_browser_post(&headers);
    let submission = SubmitRequest {
        form_name: &form_name,
        door,
        client_ip: request::client_ip(&app, peer, &headers),
        headers: &headers,
    };
    let max_body_bytes = app.settings.server.max_body_bytes;
    let body = request::read_body(&headers, body, max_body_bytes);
    match app.intake.submit(submission, body).await {
        Ok(submitted) => {
            count_received(&form_name, submitted.outcome());
            let response = reply::accepted(form, door, &submitted, browser);
            cors::decorate(form, door, &headers, response)
        }
        Err(error) => refused(&app, door, &form_name, &headers, error.into()),
    }
}

/// Which door and form a request path names (`/forms/NAME`, `/hooks/NAME`).
pub(crate) fn door_of(path: &str) -> Option<(Door, &str)> {
    let (door, rest) = if let Some(rest) = path.strip_prefix("/forms/") {
        (Door::Form, rest)
    } else {
        (Door::Hook, path.strip_prefix("/hooks/")?)
    };
    (!rest.is_empty() && !rest.contains('/')).then_some((door, rest))
}

/// The reply to a submission that was refused, whatever refused it (a guard,
/// storage, or the request's timeout or a panic caught around the handler):
/// logged, counted, in the error shape (or the form's `error_redirect` for a
/// browser post), with the form's CORS headers.
pub(crate) fn refused(
    app: &AppState,
    door: Door,
    form_name: &str,
    headers: &HeaderMap,
    error: ApiError,
) -> Response {
    let Some(form) = app.settings.forms.get(form_name) else {
        // Not logged: the name is the caller's, and anyone may ask for any.
        count_received("unknown", outcome_label(&error));
        return reply::error(None, door, headers, error);
    };
    tracing::info!(
        form = %form_name,
        code = error.code(),
        status = error.status().as_u16(),
        "submission refused"
    );
    count_received(form_name, outcome_label(&error));
    let response = reply::error(Some(form), door, headers, error);
    cors::decorate(form, door, headers, response)
}

fn count_received(form: &str, outcome: &'static str) {
    metrics::counter!("leadrelay_leads_received_total", "form" => form.to_owned(), "outcome" => outcome).increment(1);
}

fn outcome_label(error: &ApiError) -> &'static str {
    match error {
        ApiError::Unprocessable(_) => "invalid",
        ApiError::Unauthorized(_) | ApiError::Forbidden(_) => "refused",
        ApiError::RateLimited(_) => "rate_limited",
        ApiError::NotFound(_) => "not_found",
        ApiError::Unavailable(_) | ApiError::Internal(_) => "error",
        _ => "malformed",
    }
}
