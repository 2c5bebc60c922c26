//! `GET /admin`: the admin page for a browser. A static page, its stylesheet
//! and its script modules (`admin_page/`): the token is typed into a login
//! form, kept in `sessionStorage` (gone when the tab closes) and sent as
//! `Authorization: Bearer` to the JSON API. No cookie is ever set, so no other
//! site can make the browser act with it (no CSRF).

use std::sync::Arc;

use axum::{
    extract::State,
    http::{header, HeaderValue},
    response::{IntoResponse, Response},
    routing::get,
    Router,
};

use super::name::Name;
use crate::{error::ApiError, startup::AppState};

const PAGE: &str = include_str!("admin_page/index.html");

/// The page's files under `/admin/ui/`: name, content type, text.
const ASSETS: [(&str, &str, &str); 6] = [
    (
        "admin.css",
        "text/css; charset=utf-8",
        include_str!("admin_page/admin.css"),
    ),
    ("admin.js", JS, include_str!("admin_page/admin.js")),
    ("api.js", JS, include_str!("admin_page/api.js")),
    ("lead.js", JS, include_str!("admin_page/lead.js")),
    ("list.js", JS, include_str!("admin_page/list.js")),
    ("overview.js", JS, include_str!("admin_page/overview.js")),
];

const JS: &str = "text/javascript; charset=utf-8";

/// Lead data is rendered as text by scripts from this origin only; styles
/// come from this origin only too (charts are drawn with SVG attributes).
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; form-action 'none'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The page and its files.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/admin", get(admin_page))
        .route("/admin/ui/{file}", get(admin_asset))
}

/// `GET /admin`: the admin page (a login form, then counts, funnel, leads).
#[utoipa::path(
    get,
    path = "/admin",
    tag = "admin",
    responses(
        (status = 200, description = "The admin page; it asks for the admin token", content_type = "text/html"),
        (status = 404, description = "The admin API is off (no admin_token)", body = crate::error::ErrorBody),
    )
)]
async fn admin_page(State(app): State<Arc<AppState>>) -> Response {
    serve(&app, "text/html; charset=utf-8", PAGE)
}

async fn admin_asset(State(app): State<Arc<AppState>>, Name(file): Name) -> Response {
    match ASSETS.iter().find(|(name, _, _)| *name == file) {
        Some((_, content_type, text)) => serve(&app, content_type, text),
        None => ApiError::NotFound(format!("no admin file {file:?}")).into_response(),
    }
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
