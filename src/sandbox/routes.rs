//! The sandbox's HTTP surface, shaped like Agencyhandy's: which routes the
//! current generation serves (others answer 404, as a route the API does not
//! have does), the API key, call counting, injected failures, the listings.

use std::sync::Arc;

use axum::{
    body::{to_bytes, Body},
    extract::{Request, State},
    http::{header::RETRY_AFTER, HeaderMap, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

use super::{create, state::Shared};
use crate::agencyhandy::Generation;

/// Largest create body the sandbox reads.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// An Agencyhandy-style error answer: `{"type", "message", "statusCode"}`.
pub(crate) struct Failure {
    status: StatusCode,
    kind: &'static str,
    message: String,
    retry_after: Option<HeaderValue>,
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let body =
            json!({"type": self.kind, "message": self.message, "statusCode": self.status.as_u16()});
        let mut response = (self.status, Json(body)).into_response();
        if let Some(value) = self.retry_after {
            response.headers_mut().insert(RETRY_AFTER, value);
        }
        response
    }
}

pub(crate) fn error(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Failure {
    Failure {
        status,
        kind,
        message: message.into(),
        retry_after: None,
    }
}

pub(crate) fn invalid(message: &str) -> Failure {
    error(StatusCode::BAD_REQUEST, "ValidationError", message)
}

fn route_not_found() -> Response {
    error(StatusCode::NOT_FOUND, "NotFoundError", "Route not found").into_response()
}

/// The API's routes, by what they do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ApiRoute {
    Companies,
    Roles,
    CompanyMembers,
    BulkLead,
    BulkClient,
    Other,
}

impl ApiRoute {
    fn of(path: &str) -> Self {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match segments[..] {
            ["accounts", "companies"] => Self::Companies,
            ["roles"] => Self::Roles,
            ["company", _, "members", "bulk-client"] => Self::CompanyMembers,
            ["members", "bulk-lead"] => Self::BulkLead,
            ["members", "bulk-client"] => Self::BulkClient,
            _ => Self::Other,
        }
    }

    /// Whether the generation has this route.
    fn served_by(self, generation: Generation) -> bool {
        match self {
            Self::Companies => true,
            Self::Roles => generation != Generation::BulkLead,
            Self::CompanyMembers => generation == Generation::CompanyBulkClient,
            Self::BulkLead => generation != Generation::CompanyBulkClient,
            Self::BulkClient => generation == Generation::BulkLead,
            Self::Other => false,
        }
    }

    fn creates_leads(self) -> bool {
        matches!(self, Self::CompanyMembers | Self::BulkLead)
    }
}

/// The API routes (authenticated by `x-api-key`) plus `GET /_sandbox/leads`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/accounts/companies", get(companies))
        .route("/roles", get(roles))
        .route(
            "/company/{company_id}/members/bulk-client",
            post(create::company_members),
        )
        .route("/members/bulk-lead", post(create::bulk_lead))
        .route("/members/bulk-client", post(create::bulk_client))
        .route_layer(middleware::from_fn_with_state(shared.clone(), gatekeeper));
    Router::new()
        .merge(api)
        .route("/_sandbox/leads", get(leads))
        .fallback(|| async { route_not_found() })
        .with_state(shared)
}

/// Counts the call, answers 404 for a route the generation lacks, waits the
/// configured latency, checks the key, injects failures into create calls
/// carrying leads, and counts 4xx answers.
async fn gatekeeper(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let route = ApiRoute::of(request.uri().path());
    let (request, empty_list) = if route.creates_leads() {
        buffered(request).await
    } else {
        (request, false)
    };
    let (generation, latency) = {
        let mut state = shared.lock();
        let stats = &mut state.stats;
        match route {
            ApiRoute::Companies => stats.companies_calls += 1,
            ApiRoute::Roles => stats.roles_calls += 1,
            ApiRoute::CompanyMembers | ApiRoute::BulkLead if empty_list => stats.probe_calls += 1,
            ApiRoute::CompanyMembers | ApiRoute::BulkLead => stats.create_calls += 1,
            ApiRoute::BulkClient => stats.bulk_client_calls += 1,
            ApiRoute::Other => {}
        }
        (state.generation, state.latency)
    };
    let response = if !route.served_by(generation) {
        route_not_found()
    } else {
        if !latency.is_zero() {
            tokio::time::sleep(latency).await;
        }
        match authorized(&shared, request.headers()) {
            Err(failure) => failure.into_response(),
            Ok(()) => match injected_failure(&shared, route, empty_list) {
                Err(failure) => failure.into_response(),
                Ok(()) => next.run(request).await,
            },
        }
    };
    if response.status().is_client_error() {
        shared.lock().stats.rejected_calls += 1;
    }
    response
}

/// The request with its body read, and whether that body is an empty list of leads.
async fn buffered(request: Request) -> (Request, bool) {
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let empty = match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Array(list)) => list.is_empty(),
        Ok(Value::Object(fields)) => fields
            .get("members")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty),
        _ => false,
    };
    (Request::from_parts(parts, Body::from(bytes)), empty)
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> Result<(), Failure> {
    let revoked = shared.lock().revoked;
    let key_ok = headers
        .get("x-api-key")
        .is_some_and(|key| key.as_bytes() == shared.api_key.as_bytes());
    if revoked || !key_ok {
        return Err(error(
            StatusCode::UNAUTHORIZED,
            "PermissionError",
            "Invalid or revoked API key",
        ));
    }
    Ok(())
}

/// Answers with an injected failure when one is pending (create calls carrying leads only).
fn injected_failure(shared: &Shared, route: ApiRoute, empty_list: bool) -> Result<(), Failure> {
    if !route.creates_leads() || empty_list {
        return Ok(());
    }
    let Some((status, retry_after)) = shared.lock().take_failure() else {
        return Ok(());
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut failure = error(status, "ServerError", "Sandbox: injected failure");
    failure.retry_after = retry_after.and_then(|v| HeaderValue::from_str(&v).ok());
    Err(failure)
}

async fn companies(State(shared): State<Arc<Shared>>) -> Json<Value> {
    let companies: Vec<Value> = shared
        .companies
        .iter()
        .map(|c| json!({"_id": c.id, "name": c.name, "logo": "", "extraSmallLogo": "", "largeLogo": ""}))
        .collect();
    Json(json!({"message": "Companies accosiated with API token.", "companies": companies}))
}

/// The `companyid` header: required, and a company the key can see.
pub(crate) fn company_header(shared: &Shared, headers: &HeaderMap) -> Result<String, Failure> {
    let Some(id) = headers.get("companyid").and_then(|v| v.to_str().ok()) else {
        return Err(invalid("\"companyid\" header is required"));
    };
    if !shared.has_company(id) {
        return Err(error(
            StatusCode::FORBIDDEN,
            "PermissionError",
            "You do not have access to this company",
        ));
    }
    Ok(id.to_owned())
}

async fn roles(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Result<Response, Failure> {
    let company_id = company_header(&shared, &headers)?;
    let state = shared.lock();
    let roles: Vec<Value> = state
        .roles
        .get(&company_id)
        .into_iter()
        .flatten()
        .map(|role| role.to_json(&company_id))
        .collect();
    Ok(Json(json!({"roles": roles})).into_response())
}

async fn leads(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(Value::Array(shared.lock().leads.clone()))
}
