//! `POST /funnel/{form}?step=view|start`: a page reports that its form was
//! shown, or first touched (`embed.js` sends it with `navigator.sendBeacon`).
//! Only a count per form and day is kept: no cookie is read or set, nothing of
//! the visitor is stored. A request with `DNT: 1` or `Sec-GPC: 1` is answered
//! alike and not counted.

use std::{net::SocketAddr, sync::Arc};

use axum::{
    extract::{ConnectInfo, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{cors, forms::Door, name::Name, request::client_ip};
use crate::{error::ApiError, funnel::Step, intake::origin, startup::AppState};

/// Query of `POST /funnel/{form}`.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct StepQuery {
    /// `view` (the form was shown) or `start` (first interaction).
    #[param(required = true, pattern = "^(view|start)$")]
    step: Option<String>,
}

/// `POST /funnel/{form}`
#[utoipa::path(
    post,
    path = "/funnel/{form}",
    tag = "submissions",
    params(("form" = String, Path, description = "The form's name (`[forms.NAME]`)"), StepQuery),
    responses(
        (status = 204, description = "Counted (or, under Do Not Track or Global Privacy Control, not counted)"),
        (status = 400, description = "No step, or no such step", body = crate::error::ErrorBody),
        (status = 403, description = "The page's origin is not in the form's `allowed_origins`", body = crate::error::ErrorBody),
        (status = 404, description = "No such form", body = crate::error::ErrorBody),
        (status = 429, description = "Over `server.funnel_rate_limit_per_minute` for this client IP: not counted", body = crate::error::ErrorBody, headers(("Retry-After" = u64))),
    )
)]
pub(crate) async fn report_step(
    State(app): State<Arc<AppState>>,
    Name(form_name): Name,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    query: Result<Query<StepQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let Some(form) = app.settings.forms.get(&form_name) else {
        return ApiError::NotFound(format!("no form named {form_name:?}")).into_response();
    };
    let counted = count(&app, &form_name, peer, &headers, query);
    let response = match counted {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => error.into_response(),
    };
    cors::decorate(form, Door::Form, &headers, response)
}

fn count(
    app: &AppState,
    form_name: &str,
    peer: SocketAddr,
    headers: &HeaderMap,
    query: Result<Query<StepQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<(), ApiError> {
    let Query(query) = query.map_err(|e| ApiError::Malformed(e.body_text()))?;
    let step = query
        .step
        .as_deref()
        .and_then(Step::reported)
        .ok_or_else(|| ApiError::Malformed("step must be `view` or `start`".into()))?;
    if let Some(form) = app.settings.forms.get(form_name) {
        origin::check_origin(form, headers)?;
    }
    if asks_not_to_be_tracked(headers) {
        return Ok(());
    }
    app.funnel_limiter
        .check(client_ip(app, peer, headers))
        .map_err(ApiError::RateLimited)?;
    app.funnel.record(form_name, step);
    Ok(())
}

/// `DNT: 1` (Do Not Track) or `Sec-GPC: 1` (Global Privacy Control).
fn asks_not_to_be_tracked(headers: &HeaderMap) -> bool {
    ["dnt", "sec-gpc"].iter().any(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim() == "1")
    })
}
