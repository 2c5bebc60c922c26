//! The sandbox's HTTP surface, shaped like Agencyhandy's.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, Request, State},
    http::{header::RETRY_AFTER, HeaderMap, HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post},
    Json, Router,
};
use serde_json::{json, Value};

use super::{
    state::{object_id, Shared},
    validate::{validate_members, Flavor},
};

type Reply = Result<Response, Failure>;

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

/// What a create call did: the members created (with their new `_id`) and the
/// `notAddedLeads` entries of those skipped.
struct Accepted {
    created: Vec<(String, Value)>,
    skipped: Vec<Value>,
}

/// The API routes (authenticated by `x-api-key`) plus `GET /_sandbox/leads`.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let api = Router::new()
        .route("/accounts/companies", get(companies))
        .route("/roles", get(roles))
        .route(
            "/company/{company_id}/members/bulk-client",
            post(bulk_client),
        )
        .route("/members/bulk-lead", post(bulk_lead))
        .route_layer(middleware::from_fn_with_state(shared.clone(), authenticate));
    Router::new()
        .merge(api)
        .route("/_sandbox/leads", get(leads))
        .fallback(|| async {
            error(StatusCode::NOT_FOUND, "NotFoundError", "Route not found").into_response()
        })
        .with_state(shared)
}

fn error(status: StatusCode, kind: &'static str, message: impl Into<String>) -> Failure {
    Failure {
        status,
        kind,
        message: message.into(),
        retry_after: None,
    }
}

/// Counts the call, waits the configured latency, checks the key, and counts 4xx answers.
async fn authenticate(State(shared): State<Arc<Shared>>, request: Request, next: Next) -> Response {
    let latency = {
        let mut state = shared.lock();
        match request.uri().path() {
            "/accounts/companies" => state.stats.companies_calls += 1,
            "/roles" => state.stats.roles_calls += 1,
            _ => state.stats.create_calls += 1,
        }
        state.latency
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let revoked = shared.lock().revoked;
    let key_ok = request
        .headers()
        .get("x-api-key")
        .is_some_and(|key| key.as_bytes() == shared.api_key.as_bytes());
    let response = if revoked || !key_ok {
        error(
            StatusCode::UNAUTHORIZED,
            "PermissionError",
            "Invalid or revoked API key",
        )
        .into_response()
    } else {
        next.run(request).await
    };
    if response.status().is_client_error() {
        shared.lock().stats.rejected_calls += 1;
    }
    response
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
fn company_header(shared: &Shared, headers: &HeaderMap) -> Result<String, Failure> {
    let Some(id) = headers.get("companyid").and_then(|v| v.to_str().ok()) else {
        return Err(error(
            StatusCode::BAD_REQUEST,
            "ValidationError",
            "\"companyid\" header is required",
        ));
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

async fn roles(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Reply {
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

async fn bulk_client(
    State(shared): State<Arc<Shared>>,
    Path(path_company): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    injected_failure(&shared)?;
    if !shared.has_company(&path_company) {
        return Err(error(
            StatusCode::NOT_FOUND,
            "NotFoundError",
            "Company not found",
        ));
    }
    let company_id = company_header(&shared, &headers)?;
    if company_id != path_company {
        return Err(error(
            StatusCode::FORBIDDEN,
            "PermissionError",
            "The companyid header does not match the company in the URL",
        ));
    }
    let members = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(mut fields)) => match fields.remove("members") {
            Some(Value::Array(members)) => members,
            _ => return Err(invalid("\"members\" must be an array")),
        },
        _ => return Err(invalid("the body must be a JSON object with \"members\"")),
    };
    let Accepted { created, skipped } =
        accept(&shared, &company_id, &members, Flavor::CompanyMembers)?;
    let created_json: Vec<Value> = created
        .iter()
        .map(|(id, m)| {
            let name = format!("{} {}", text(m, "firstName"), text(m, "lastName"));
            json!({"_id": id, "name": name.trim(), "status": text(m, "status"), "role": "client"})
        })
        .collect();
    let mut answer = json!({
        "message": if created.is_empty() { "No new leads were created" } else { "Lead created successfully" },
        "createdMembers": created_json,
    });
    // Documented sandbox behaviour: existing e-mails are listed as bulk-lead lists them.
    if !skipped.is_empty() {
        answer["notAddedLeads"] = Value::Array(skipped);
    }
    Ok((created_status(&created), Json(answer)).into_response())
}

async fn bulk_lead(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Reply {
    injected_failure(&shared)?;
    let company_id = company_header(&shared, &headers)?;
    let Ok(Value::Array(members)) = serde_json::from_slice::<Value>(&body) else {
        return Err(invalid("the body must be a JSON array of leads"));
    };
    let Accepted { created, skipped } = accept(&shared, &company_id, &members, Flavor::BulkLead)?;
    let added: Vec<Value> = created
        .iter()
        .map(|(id, m)| {
            json!({"_id": id, "email": m["email"], "firstName": text(m, "firstName"),
                   "lastName": text(m, "lastName"), "status": m["status"], "type": m["type"]})
        })
        .collect();
    let answer = json!({"success": true, "data": {"addedLeads": added, "notAddedLeads": skipped}});
    Ok((created_status(&created), Json(answer)).into_response())
}

async fn leads(State(shared): State<Arc<Shared>>) -> Json<Value> {
    Json(Value::Array(shared.lock().leads.clone()))
}

fn invalid(message: &str) -> Failure {
    error(StatusCode::BAD_REQUEST, "ValidationError", message)
}

fn text<'a>(member: &'a Value, key: &str) -> &'a str {
    member.get(key).and_then(Value::as_str).unwrap_or("")
}

fn created_status(created: &[(String, Value)]) -> StatusCode {
    if created.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    }
}

/// Answers with an injected failure when one is pending.
fn injected_failure(shared: &Shared) -> Result<(), Failure> {
    let Some((status, retry_after)) = shared.lock().take_failure() else {
        return Ok(());
    };
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut failure = error(status, "ServerError", "Sandbox: injected failure");
    failure.retry_after = retry_after.and_then(|v| HeaderValue::from_str(&v).ok());
    Err(failure)
}

/// Validates the members, then creates the new ones and lists the existing
/// ones as skipped: `(created (_id, member), notAddedLeads)`.
fn accept(
    shared: &Shared,
    company_id: &str,
    members: &[Value],
    flavor: Flavor,
) -> Result<Accepted, Failure> {
    let mut state = shared.lock();
    let Some(client_role) = state.client_role(company_id).cloned() else {
        return Err(invalid("role not found"));
    };
    validate_members(members, flavor, &client_role, &state.rejected).map_err(|m| invalid(&m))?;
    let (mut created, mut skipped) = (Vec::new(), Vec::new());
    for member in members {
        let email = text(member, "email");
        if !state.existing.insert(email.to_lowercase()) {
            skipped.push(json!({"email": email, "reason": "Email already exists"}));
            continue;
        }
        let id = object_id();
        let mut stored = member.clone();
        if let Value::Object(fields) = &mut stored {
            fields.insert("_id".into(), Value::from(id.clone()));
        }
        state.leads.push(stored);
        created.push((id, member.clone()));
    }
    Ok(Accepted { created, skipped })
}
