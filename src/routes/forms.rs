//! `POST /forms/{form}` (browsers, fetch) and `POST /hooks/{form}` (servers).
//! A lead is committed to storage before the reply; Agencyhandy is never waited on.

use std::{net::SocketAddr, sync::Arc};

use serde::Serialize;
use serde_json::value::to_raw_value;

use axum::{
    body::Body,
    extract::{ConnectInfo, Path, State},
    http::{header, HeaderMap},
    response::Response,
};

use super::{
    cors, reply,
    request::{dedupe_hash, idempotency_key, read_body, request_meta},
};
use crate::{
    config::FormSettings,
    domain::{LeadId, LeadState},
    error::ApiError,
    intake::{self, auth, spam, Limits, Submission, SubmissionMeta},
    mapping,
    outbox::{now_ms, NewLead},
    startup::AppState,
};

/// Which door a submission came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    /// `/forms/{form}`: browsers and fetch; CORS, rate limit, redirects.
    Form,
    /// `/hooks/{form}`: servers; token or signature; always JSON; limited by IP
    /// unless the sender authenticates.
    Hook,
}

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
pub async fn submit_form(
    State(app): State<Arc<AppState>>,
    Path(form): Path<String>,
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
pub async fn submit_hook(
    State(app): State<Arc<AppState>>,
    Path(form): Path<String>,
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
    match accept(&app, door, &form_name, form, peer, &headers, body).await {
        Ok(accepted) => {
            count_received(&form_name, accepted.outcome);
            let status = if accepted.held {
                reply::Status::Held
            } else {
                reply::Status::Accepted
            };
            let response =
                reply::accepted(form, accepted.id, status, accepted.next.as_deref(), browser);
            cors::decorate(form, door, &headers, response)
        }
        Err(error) => refused(&app, door, &form_name, &headers, error),
    }
}

/// Which door and form a request path names (`/forms/NAME`, `/hooks/NAME`).
pub fn door_of(path: &str) -> Option<(Door, &str)> {
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
pub fn refused(
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

/// What is kept of a request beside its lead (`leads show`, `leads remap`),
/// serialized straight to the stored text.
#[derive(Serialize)]
struct StoredSubmission<'a> {
    content_type: Option<&'a str>,
    submission: &'a Submission,
    meta: &'a SubmissionMeta,
    spam: Option<String>,
}

struct Accepted {
    id: LeadId,
    outcome: &'static str,
    /// Stored as held: answered `"status": "held"`.
    held: bool,
    next: Option<String>,
}

async fn accept(
    app: &AppState,
    door: Door,
    form_name: &str,
    form: &FormSettings,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Body,
) -> Result<Accepted, ApiError> {
    if !app.is_accepting() {
        return Err(ApiError::Unavailable("shutting down; retry shortly".into()));
    }
    let meta = request_meta(app, peer, headers);
    if door == Door::Form {
        cors::check_origin(form, headers)?;
    }
    // Only a `/hooks` sender that proves itself is exempt from the per-IP limit;
    // its proof is judged on the body, so a failed one is counted afterwards.
    let exempt_if_authenticated = door == Door::Hook && auth::is_required(form);
    if !exempt_if_authenticated {
        limit_by_ip(app, &meta)?;
    }
    let body = read_body(headers, body, app.settings.server.max_body_bytes).await?;
    // A form with a token or secret is a door for senders that prove themselves,
    // whichever route they post to.
    if door == Door::Hook || auth::is_required(form) {
        if let Err(refused) = auth::authenticate(form, headers, &body, now_ms() / 1000) {
            if exempt_if_authenticated {
                limit_by_ip(app, &meta)?;
            }
            return Err(ApiError::Unauthorized(refused.to_string()));
        }
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let limits = Limits {
        max_fields: app.settings.server.max_fields,
        max_field_bytes: app.settings.server.max_field_bytes,
    };
    let submission = intake::parse_body(content_type, body, limits).await?;
    let next = submission.get("_next").map(str::to_owned);

    let verdict = spam::judge(form_name, form, &submission, meta.ip.as_deref(), now_ms()).await;
    let (member, held) = match mapping::map_submission(&submission, &meta, form) {
        Ok(member) => (Some(member), None),
        Err(_) if verdict.is_some() => (None, None),
        Err(error) if door == Door::Form && error.visitor_can_fix => return Err(error.into()),
        Err(error) => (None, Some(error.reason())),
    };
    let email = match &member {
        Some(member) => member.email.normalized(),
        None => mapping::email_hint(&submission),
    };
    let idempotency_key = idempotency_key(headers);
    let dedupe_hash = dedupe_hash(form_name, &email, &submission);
    let stored_submission = StoredSubmission {
        content_type,
        submission: &submission,
        meta: &meta,
        spam: verdict.as_ref().map(spam::SpamVerdict::reason),
    };
    let lead = NewLead {
        id: LeadId::new(),
        form: form_name.to_owned(),
        workspace: form.workspace.clone(),
        state: match (&verdict, &held) {
            (Some(_), _) => LeadState::Spam,
            (None, Some(_)) => LeadState::Held,
            (None, None) => LeadState::Pending,
        },
        email,
        member: to_raw_value(&member).map_err(anyhow::Error::from)?,
        submission: to_raw_value(&stored_submission).map_err(anyhow::Error::from)?,
        idempotency_key,
        dedupe_hash,
        reason: verdict
            .as_ref()
            .map(spam::SpamVerdict::note)
            .or(held.clone()),
        dedupe_since_ms: now_ms() - (app.settings.storage.dedupe_window_secs * 1000) as i64,
    };
    let is_spam = verdict.is_some();
    let enqueued = app.outbox.enqueue(lead).await?;
    let outcome = if !enqueued.created {
        "replayed"
    } else if is_spam {
        tracing::info!(lead_id = %enqueued.id, form = form_name, "stored as spam");
        "spam"
    } else if held.is_some() {
        tracing::warn!(
            lead_id = %enqueued.id,
            form = form_name,
            "stored as held: no lead can be made with this form's config (see `leadrelay leads show`)"
        );
        "held"
    } else {
        app.wake.notify_one();
        tracing::info!(lead_id = %enqueued.id, form = form_name, "lead accepted");
        "accepted"
    };
    Ok(Accepted {
        id: enqueued.id,
        outcome,
        held: held.is_some() && !is_spam,
        next,
    })
}

/// The per-client-IP limit (`server.rate_limit_per_minute`).
fn limit_by_ip(app: &AppState, meta: &SubmissionMeta) -> Result<(), ApiError> {
    match meta.ip.as_deref().and_then(|ip| ip.parse().ok()) {
        Some(ip) => app.rate_limiter.check(ip).map_err(ApiError::RateLimited),
        None => Ok(()),
    }
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
