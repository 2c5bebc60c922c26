//! `GET /admin`: the admin page for a browser. A static page and script: the
//! token is typed into a login form, kept in `sessionStorage` (gone when the tab
//! closes) and sent as `Authorization: Bearer` to the JSON API. No cookie is
//! ever set, so no other site can make the browser act with it (no CSRF).

use std::sync::Arc;

use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use crate::{error::ApiError, startup::AppState};

const PAGE: &str = include_str!("admin.html");
const SCRIPT: &str = include_str!("admin.js");

/// Lead data is rendered as text by a script from this origin only.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The page and its script.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin", get(admin_page))
        .route("/admin/admin.js", get(admin_script))
}

/// `GET /admin`: the admin page (a login form, then the recent leads).
#[utoipa::path(
    get,
    path = "/admin",
    tag = "admin",
    responses(
        (status = 200, description = "The admin page; it asks for the admin token", content_type = "text/html"),
        (status = 404, description = "The admin API is off (no admin_token)", body = crate::error::ErrorBody),
    )
)]
pub async fn admin_page(State(app): State<Arc<AppState>>) -> Response {
    serve(&app, "text/html; charset=utf-8", PAGE)
}

async fn admin_script(State(app): State<Arc<AppState>>) -> Response {
    serve(&app, "text/javascript; charset=utf-8", SCRIPT)
}

fn serve(app: &AppState, content_type: &'static str, body: &'static str) -> Response {
    if app.settings.admin_token().is_none() {
        return ApiError::NotFound("the admin API is off (no admin_token configured)".into())
            .into_response();
    }
    let mut response = body.into_response();
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, content_type),
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
