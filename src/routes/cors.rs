//! CORS for browser forms, per form from `allowed_origins`.

use std::sync::Arc;

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use super::{forms::Door, name::Name};
use crate::{config::FormSettings, error::ApiError, startup::AppState};

/// `OPTIONS /forms/{form}`: the preflight.
#[utoipa::path(
    options,
    path = "/forms/{form}",
    tag = "submissions",
    params(
        ("form" = String, Path, description = "The form's name (`[forms.NAME]`)"),
        ("Origin" = String, Header, description = "The page's origin; must be in the form's `allowed_origins`"),
    ),
    responses(
        (status = 204, description = "Allowed: CORS headers for this origin"),
        (status = 403, description = "The origin is not in the form's `allowed_origins`", body = crate::error::ErrorBody),
        (status = 404, description = "No such form", body = crate::error::ErrorBody),
    )
)]
pub(crate) async fn preflight(
    State(app): State<Arc<AppState>>,
    Name(form_name): Name,
    headers: HeaderMap,
) -> Response {
    let Some(form) = app.settings.forms.get(&form_name) else {
        return ApiError::NotFound(format!("no form named {form_name:?}")).into_response();
    };
    let Some(origin) = allowed_origin(form, &headers) else {
        return ApiError::Forbidden(
            "the request's Origin is not in this form's allowed_origins".into(),
        )
        .into_response();
    };
    let mut response = StatusCode::NO_CONTENT.into_response();
    let out = response.headers_mut();
    out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST, OPTIONS"),
    );
    out.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static(
            "content-type, accept, idempotency-key, x-request-id, leadrelay-test",
        ),
    );
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    out.insert(header::VARY, HeaderValue::from_static("origin"));
    response
}

/// The request's `Origin`, when the form allows it.
fn allowed_origin(form: &FormSettings, headers: &HeaderMap) -> Option<HeaderValue> {
    let origin = headers.get(header::ORIGIN)?;
    let text = origin.to_str().ok()?.trim_end_matches('/');
    form.allowed_origins
        .iter()
        .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(text))
        .then(|| origin.clone())
}

/// Adds CORS headers to every reply to an allowed origin, errors included.
pub(crate) fn decorate(
    form: &FormSettings,
    door: Door,
    headers: &HeaderMap,
    mut response: Response,
) -> Response {
    if door == Door::Form {
        if let Some(origin) = allowed_origin(form, headers) {
            let out = response.headers_mut();
            out.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin);
            out.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static("x-request-id, retry-after"),
            );
            out.append(header::VARY, HeaderValue::from_static("origin"));
        }
    }
    response
}
