//! `GET /openapi.json`: the OpenAPI 3 description, generated from the
//! handlers' `#[utoipa::path]` annotations and the reply types.

use std::{collections::HashMap, sync::OnceLock};

use axum::{http::header, response::IntoResponse};
use utoipa::{
    openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
    Modify, OpenApi, ToSchema,
};

use super::{admin, admin_page, admin_summary, cors, embed, forms, funnel, health};

/// The whole API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "leadrelay",
        description = "Website forms and webhooks in, Agencyhandy leads out. Every reply carries `x-request-id` (the caller's, or a new one)."
    ),
    paths(
        forms::submit_form,
        cors::preflight,
        forms::submit_hook,
        embed::embed_js,
        funnel::report_step,
        health::healthz,
        health::readyz,
        health::metrics,
        openapi_json,
        admin::list_leads,
        admin::show_lead,
        admin::retry_lead,
        admin::release_lead,
        admin_summary::summary,
        admin_summary::bulk,
        admin_page::admin_page,
    ),
    components(schemas(FormFields)),
    modifiers(&SecuritySchemes),
    tags(
        (name = "submissions", description = "Form posts, fetch calls and webhooks"),
        (name = "health", description = "Liveness, readiness, metrics, this description"),
        (name = "admin", description = "Stored leads, behind `Authorization: Bearer <admin_token>`"),
    )
)]
struct ApiDoc;

/// A form post's fields by input name (`name`, `email`, `phone`, `message`, …).
#[derive(ToSchema)]
#[schema(example = json!({"name": "Ada Lovelace", "email": "ada@example.com", "phone": "+44 20 7946 0000", "message": "Hello"}))]
#[allow(dead_code)] // describes a body; never built
pub(crate) struct FormFields(HashMap<String, String>);

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(description))
                    .build(),
            )
        };
        components.add_security_scheme("admin_token", bearer("`server.admin_token`"));
        components.add_security_scheme(
            "hook_token",
            bearer("The form's `token`, when it has one (`forms.NAME.token`)"),
        );
    }
}

/// The description as JSON text, built once.
pub(super) fn openapi_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        ApiDoc::openapi()
            .to_pretty_json()
            .expect("the API description serializes")
    })
}

/// `GET /openapi.json`
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "health",
    responses((status = 200, description = "This description (OpenAPI 3)", body = Object))
)]
pub(crate) async fn openapi_json() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], openapi_text())
}
