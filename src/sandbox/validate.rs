//! The sandbox's request validation, as strict as each generation's docs:
//! one invalid lead rejects the whole call with `400 {"type": "ValidationError"}`.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::state::RoleEntry;
use crate::{
    agencyhandy::{Generation, LEAD_STATUSES, MAX_BULK_LEADS},
    domain::Email,
};

/// Checks every lead; returns the first problem as an Agencyhandy-style message.
/// `client_role` is the role the older generations require on each lead.
pub(crate) fn validate_members(
    members: &[Value],
    generation: Generation,
    client_role: Option<&RoleEntry>,
    rejected: &HashSet<String>,
) -> Result<(), String> {
    let list = match generation {
        Generation::CompanyBulkClient => "members",
        Generation::BulkLeadWithRole | Generation::BulkLead => "leads",
    };
    if members.is_empty() {
        return Err(format!("\"{list}\" must contain at least 1 item"));
    }
    if generation != Generation::CompanyBulkClient && members.len() > MAX_BULK_LEADS {
        return Err(format!(
            "\"{list}\" must contain less than or equal to {MAX_BULK_LEADS} items"
        ));
    }
    for (index, member) in members.iter().enumerate() {
        validate_member(member, generation, client_role, rejected)
            .map_err(|problem| format!("\"{list}[{index}]\" {problem}"))?;
    }
    Ok(())
}

fn validate_member(
    member: &Value,
    generation: Generation,
    client_role: Option<&RoleEntry>,
    rejected: &HashSet<String>,
) -> Result<(), String> {
    let Some(fields) = member.as_object() else {
        return Err("must be an object".into());
    };
    let email = match fields.get("email") {
        None => return Err("\"email\" is required".into()),
        Some(Value::String(raw)) => Email::parse(raw)
            .ok()
            .filter(|email| email.as_str() == raw)
            .ok_or_else(|| "\"email\" must be a valid email".to_owned())?,
        Some(_) => return Err("\"email\" must be a string".into()),
    };
    if rejected.contains(&email.normalized()) {
        return Err(format!("\"email\" {} is not accepted", email.as_str()));
    }
    for key in ["firstName", "lastName", "contactNo", "source", "status"] {
        if fields.get(key).is_some_and(|v| !v.is_string()) {
            return Err(format!("\"{key}\" must be a string"));
        }
    }
    match generation {
        Generation::CompanyBulkClient => with_role(fields, client_role),
        Generation::BulkLeadWithRole => {
            with_role(fields, client_role)?;
            for key in ["firstName", "lastName"] {
                let named = fields
                    .get(key)
                    .and_then(Value::as_str)
                    .is_some_and(|name| !name.trim().is_empty());
                if !named {
                    return Err(format!("\"{key}\" is required"));
                }
            }
            flag(fields, "sendInvitationEmail")
        }
        Generation::BulkLead => current_lead(fields),
    }
}

/// The older generations: the client role's OUTER `_id`, `isConvertedClient: false`.
fn with_role(fields: &Map<String, Value>, client_role: Option<&RoleEntry>) -> Result<(), String> {
    match (fields.get("role"), client_role) {
        (None, _) => return Err("\"role\" is required".into()),
        (Some(Value::String(role)), Some(client)) if *role == client.outer_id => {}
        (Some(_), _) => return Err("\"role\" role not found".into()),
    }
    match fields.get("isConvertedClient") {
        None => return Err("\"isConvertedClient\" is required".into()),
        Some(Value::Bool(false)) => {}
        Some(_) => return Err("\"isConvertedClient\" must be [false]".into()),
    }
    if fields
        .get("positionInBoard")
        .is_some_and(|position| !position.is_number())
    {
        return Err("\"positionInBoard\" must be a number".into());
    }
    Ok(())
}

/// The 2026-07 generation: `type` and `status` required, typed optional fields.
fn current_lead(fields: &Map<String, Value>) -> Result<(), String> {
    match fields.get("type").and_then(Value::as_str) {
        Some("individual" | "leadCompanyMember") => {}
        Some(_) => return Err("\"type\" must be one of [individual, leadCompanyMember]".into()),
        None => return Err("\"type\" is required".into()),
    }
    match fields.get("status").and_then(Value::as_str) {
        Some(status) if LEAD_STATUSES.contains(&status) => {}
        Some(_) => {
            return Err(format!(
                "\"status\" must be one of [{}]",
                LEAD_STATUSES.join(", ")
            ))
        }
        None => return Err("\"status\" is required".into()),
    }
    for key in [
        "country",
        "city",
        "state",
        "zipCode",
        "address",
        "companyName",
        "website",
        "leadValue",
        "agent",
    ] {
        if fields.get(key).is_some_and(|v| !v.is_string()) {
            return Err(format!("\"{key}\" must be a string"));
        }
    }
    flag(fields, "sendInvitationEmail")?;
    if let Some(category) = fields.get("category") {
        let ids_only = match category {
            Value::String(_) => true,
            Value::Array(ids) => ids.iter().all(Value::is_string),
            _ => false,
        };
        if !ids_only {
            return Err("\"category\" must be a label ID or a list of them".into());
        }
    }
    match fields.get("customFields") {
        None => Ok(()),
        Some(Value::Array(items)) if items.iter().all(is_custom_field_item) => Ok(()),
        Some(_) => Err(
            "\"customFields\" must be a list of {_id, stringValue | numberValue | dateValue | booleanValue}"
                .into(),
        ),
    }
}

fn flag(fields: &Map<String, Value>, key: &str) -> Result<(), String> {
    if fields.get(key).is_some_and(|v| !v.is_boolean()) {
        return Err(format!("\"{key}\" must be a boolean"));
    }
    Ok(())
}

fn is_custom_field_item(item: &Value) -> bool {
    let Some(item) = item.as_object() else {
        return false;
    };
    let has_id = item
        .get("_id")
        .and_then(Value::as_str)
        .is_some_and(|id| !id.is_empty());
    let typed = [
        ("stringValue", Value::is_string as fn(&Value) -> bool),
        ("numberValue", Value::is_number),
        ("dateValue", Value::is_string),
        ("booleanValue", Value::is_boolean),
    ];
    let values: Vec<bool> = typed
        .iter()
        .filter_map(|(key, check)| item.get(*key).map(check))
        .collect();
    has_id && values == [true]
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn role() -> RoleEntry {
        RoleEntry {
            outer_id: "outer".into(),
            inner_id: "inner".into(),
            name: "client",
        }
    }

    fn lead_of_2023() -> Value {
        json!({"email": "a@example.com", "role": "outer", "isConvertedClient": false,
               "firstName": "A", "lastName": "B"})
    }

    fn current_lead() -> Value {
        json!({"email": "a@example.com", "type": "individual", "status": "New"})
    }

    fn check(member: Value, generation: Generation) -> Result<(), String> {
        validate_members(&[member], generation, Some(&role()), &HashSet::new())
    }

    #[test]
    fn each_generation_takes_its_documented_lead() {
        assert_eq!(check(lead_of_2023(), Generation::CompanyBulkClient), Ok(()));
        assert_eq!(check(lead_of_2023(), Generation::BulkLeadWithRole), Ok(()));
        assert_eq!(check(current_lead(), Generation::BulkLead), Ok(()));
        assert!(
            check(current_lead(), Generation::CompanyBulkClient).is_err(),
            "no role"
        );
        assert!(
            check(lead_of_2023(), Generation::BulkLead).is_err(),
            "no type or status"
        );
    }

    #[test]
    fn the_inner_role_id_is_not_found() {
        let mut member = lead_of_2023();
        member["role"] = json!("inner");
        let err = check(member, Generation::CompanyBulkClient).unwrap_err();
        assert!(err.contains("role not found"), "{err}");
    }

    #[test]
    fn the_june_generation_requires_both_names() {
        let mut member = lead_of_2023();
        member["lastName"] = json!("");
        let err = check(member, Generation::BulkLeadWithRole).unwrap_err();
        assert!(err.contains("lastName"), "{err}");
    }

    #[test]
    fn the_current_generation_is_strict_on_its_fields() {
        for (key, value) in [
            ("email", Value::Null),
            ("email", json!("not-an-email")),
            ("type", json!("company")),
            ("type", Value::Null),
            ("status", json!("Lead")),
            ("status", Value::Null),
            ("leadValue", json!(1200)),
            ("sendInvitationEmail", json!("no")),
            ("customFields", json!([{"_id": "x", "value": 1}])),
            ("customFields", json!({"x": "y"})),
            ("category", json!(5)),
        ] {
            let mut member = current_lead();
            if value.is_null() {
                member.as_object_mut().unwrap().remove(key);
            } else {
                member[key] = value;
            }
            assert!(check(member, Generation::BulkLead).is_err(), "{key}");
        }
        let mut full = current_lead();
        full["customFields"] = json!([{"_id": "x", "numberValue": 1}]);
        full["leadValue"] = json!("1200");
        full["role"] = json!("stripped, not refused");
        assert_eq!(check(full, Generation::BulkLead), Ok(()));
    }

    #[test]
    fn bulk_lead_takes_at_most_200() {
        let many = vec![current_lead(); MAX_BULK_LEADS + 1];
        assert!(validate_members(&many, Generation::BulkLead, None, &HashSet::new()).is_err());
        assert!(
            validate_members(&[], Generation::CompanyBulkClient, None, &HashSet::new()).is_err()
        );
    }

    #[test]
    fn rejected_emails_are_refused_without_naming_a_setting() {
        let rejected = HashSet::from(["a@example.com".to_owned()]);
        let err =
            validate_members(&[current_lead()], Generation::BulkLead, None, &rejected).unwrap_err();
        assert!(
            !crate::agencyhandy::mentions_workspace_setting(&err),
            "{err}"
        );
    }
}
