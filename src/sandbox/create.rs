//! The sandbox's create calls, one per generation's route, each answering in
//! its generation's shape.
//!
//! - 2023: `POST /company/{id}/members/bulk-client`, `{"members": [...]}` →
//!   `{"message", "createdMembers": [{_id, name, status, role}]}`;
//! - 2026-06: `POST /members/bulk-lead` with `companyid`, a bare array → the same shape;
//! - 2026-07: `POST /members/bulk-lead`, the API key alone, a bare array →
//!   `{"success": true, "data": {"addedLeads", "notAddedLeads"}}`; a lead whose
//!   `category` names a label that does not exist is not added ("One or more
//!   category not found").
//!
//! Existing e-mails (and e-mails a test made skipped) are listed in
//! `notAddedLeads`, by the older shapes too (as a top-level list). 201 when
//! something was created, 200 when everything was skipped.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::{json, Value};

use super::{
    routes::{company_header, error, invalid, Failure},
    state::{object_id, Shared},
    validate::validate_members,
};
use crate::agencyhandy::Generation;

type Reply = Result<Response, Failure>;

/// What a create call did: the members created (with their new `_id`) and the
/// `notAddedLeads` entries of those skipped.
struct Accepted {
    created: Vec<(String, Value)>,
    skipped: Vec<Value>,
}

/// `POST /company/{id}/members/bulk-client` (2023).
pub(crate) async fn company_members(
    State(shared): State<Arc<Shared>>,
    Path(path_company): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
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
    let accepted = accept(
        &shared,
        Some(&company_id),
        &members,
        Generation::CompanyBulkClient,
    )?;
    Ok(created_members_answer(accepted))
}

/// `POST /members/bulk-lead` (2026-06 with `companyid` and roles; 2026-07 with the key alone).
pub(crate) async fn bulk_lead(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let generation = shared.lock().generation;
    let company_id = match generation {
        Generation::BulkLeadWithRole => Some(company_header(&shared, &headers)?),
        _ => None,
    };
    let Ok(Value::Array(members)) = serde_json::from_slice::<Value>(&body) else {
        return Err(invalid("the body must be a JSON array of leads"));
    };
    let accepted = accept(&shared, company_id.as_deref(), &members, generation)?;
    if generation == Generation::BulkLeadWithRole {
        return Ok(created_members_answer(accepted));
    }
    let Accepted { created, skipped } = accepted;
    let added: Vec<Value> = created
        .iter()
        .map(|(id, m)| {
            let name = format!("{} {}", text(m, "firstName"), text(m, "lastName"));
            json!({"_id": id, "type": m["type"], "email": m["email"], "firstName": text(m, "firstName"),
                   "lastName": text(m, "lastName"), "name": name.trim(), "status": m["status"],
                   "positionInBoard": 1, "source": text(m, "source"), "leadValue": text(m, "leadValue"),
                   "website": text(m, "website"), "isConvertedClient": false, "isAccountVerified": false})
        })
        .collect();
    let answer = json!({"success": true, "data": {"addedLeads": added, "notAddedLeads": skipped}});
    Ok((created_status(&created), Json(answer)).into_response())
}

/// `POST /members/bulk-client` (2026-07): creates CLIENTS, never leads; recorded
/// apart so that tests can prove leadrelay never calls it.
pub(crate) async fn bulk_client(State(shared): State<Arc<Shared>>, body: Bytes) -> Reply {
    let clients = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(list)) => list,
        _ => return Err(invalid("the body must be a JSON array of clients")),
    };
    let mut state = shared.lock();
    let mut added = Vec::new();
    for mut client in clients {
        let id = object_id();
        if let Value::Object(fields) = &mut client {
            fields.insert("_id".into(), Value::from(id.clone()));
        }
        added.push(json!({"_id": id, "email": client.get("email")}));
        state.clients.push(client);
    }
    Ok((
        StatusCode::CREATED,
        Json(json!({"success": true, "data": {"addedClients": added}})),
    )
        .into_response())
}

/// The older generations' answer, plus a top-level `notAddedLeads` when some were skipped.
fn created_members_answer(Accepted { created, skipped }: Accepted) -> Response {
    let created_json: Vec<Value> = created
        .iter()
        .map(|(id, m)| {
            let name = format!("{} {}", text(m, "firstName"), text(m, "lastName"));
            json!({"_id": id, "name": name.trim(), "status": m.get("status").and_then(Value::as_str).unwrap_or("New"), "role": "client"})
        })
        .collect();
    let mut answer = json!({
        "message": if created.is_empty() { "No new leads were created" } else { "Lead created successfully" },
        "createdMembers": created_json,
    });
    if !skipped.is_empty() {
        answer["notAddedLeads"] = Value::Array(skipped);
    }
    (created_status(&created), Json(answer)).into_response()
}

/// Validates the members, then creates the new ones and lists the others as
/// skipped (`notAddedLeads` entries), with their reason.
fn accept(
    shared: &Shared,
    company_id: Option<&str>,
    members: &[Value],
    generation: Generation,
) -> Result<Accepted, Failure> {
    let mut state = shared.lock();
    let client_role = match (generation, company_id) {
        (Generation::BulkLead, _) => None,
        (_, Some(company)) => Some(
            state
                .client_role(company)
                .cloned()
                .ok_or_else(|| invalid("role not found"))?,
        ),
        (_, None) => return Err(invalid("\"companyid\" header is required")),
    };
    validate_members(members, generation, client_role.as_ref(), &state.rejected)
        .map_err(|m| invalid(&m))?;
    let (mut created, mut skipped) = (Vec::new(), Vec::new());
    for member in members {
        let email = text(member, "email");
        let key = email.to_lowercase();
        *state.received.entry(key.clone()).or_default() += 1;
        let reason = if let Some(reason) = state.skipped.get(&key) {
            Some(reason.clone())
        } else if generation == Generation::BulkLead && !categories_exist(&state.categories, member)
        {
            Some("One or more category not found".to_owned())
        } else if !state.existing.insert(key) {
            Some("Email already exists".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            skipped.push(json!({"email": email, "reason": reason}));
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

fn categories_exist(known: &std::collections::HashSet<String>, member: &Value) -> bool {
    match member.get("category") {
        None => true,
        Some(Value::String(id)) => known.contains(id),
        Some(Value::Array(ids)) => ids
            .iter()
            .all(|id| id.as_str().is_some_and(|id| known.contains(id))),
        Some(_) => false,
    }
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
