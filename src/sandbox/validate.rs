//! The sandbox's request validation, as strict as Agencyhandy's: one invalid
//! member rejects the whole call with `400 {"type": "ValidationError"}`.

use std::collections::HashSet;

use serde_json::Value;

use super::state::RoleEntry;
use crate::domain::Email;

/// Which create endpoint a body came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// `POST /company/{id}/members/bulk-client`.
    CompanyMembers,
    /// `POST /members/bulk-lead`.
    BulkLead,
}

/// Largest bulk-lead array.
pub(crate) const MAX_BULK_LEADS: usize = 200;

/// Checks every member; returns the first problem as Agencyhandy-style message.
pub(crate) fn validate_members(
    members: &[Value],
    flavor: Flavor,
    client_role: &RoleEntry,
    rejected: &HashSet<String>,
) -> Result<(), String> {
    let list = match flavor {
        Flavor::CompanyMembers => "members",
        Flavor::BulkLead => "leads",
    };
    if members.is_empty() {
        return Err(format!("\"{list}\" must contain at least 1 item"));
    }
    if flavor == Flavor::BulkLead && members.len() > MAX_BULK_LEADS {
        return Err(format!(
            "\"{list}\" must contain less than or equal to {MAX_BULK_LEADS} items"
        ));
    }
    for (index, member) in members.iter().enumerate() {
        validate_member(member, flavor, client_role, rejected)
            .map_err(|problem| format!("\"{list}[{index}]\" {problem}"))?;
    }
    Ok(())
}

fn validate_member(
    member: &Value,
    flavor: Flavor,
    client_role: &RoleEntry,
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
    match fields.get("role") {
        None => return Err("\"role\" is required".into()),
        Some(Value::String(role)) if *role == client_role.outer_id => {}
        Some(_) => return Err("\"role\" role not found".into()),
    }
    match fields.get("isConvertedClient") {
        None => return Err("\"isConvertedClient\" is required".into()),
        Some(Value::Bool(false)) => {}
        Some(_) => return Err("\"isConvertedClient\" must be [false]".into()),
    }
    for key in ["firstName", "lastName", "contactNo", "source", "status"] {
        if fields.get(key).is_some_and(|v| !v.is_string()) {
            return Err(format!("\"{key}\" must be a string"));
        }
    }
    if let Some(position) = fields.get("positionInBoard") {
        if !position.is_number() {
            return Err("\"positionInBoard\" must be a number".into());
        }
    }
    if flavor == Flavor::BulkLead {
        match fields.get("type").and_then(Value::as_str) {
            Some("individual" | "leadCompanyMember") => {}
            Some(_) => return Err("\"type\" must be one of [individual, leadCompanyMember]".into()),
            None => return Err("\"type\" is required".into()),
        }
        let has_status = fields
            .get("status")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.trim().is_empty());
        if !has_status {
            return Err("\"status\" is required".into());
        }
        if fields
            .get("sendInvitationEmail")
            .is_some_and(|v| !v.is_boolean())
        {
            return Err("\"sendInvitationEmail\" must be a boolean".into());
        }
    }
    Ok(())
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

    fn lead() -> Value {
        json!({"email": "a@example.com", "role": "outer", "isConvertedClient": false,
               "type": "individual", "status": "New", "firstName": "A"})
    }

    fn check(member: Value, flavor: Flavor) -> Result<(), String> {
        validate_members(&[member], flavor, &role(), &HashSet::new())
    }

    #[test]
    fn a_complete_member_passes_both_endpoints() {
        assert_eq!(check(lead(), Flavor::BulkLead), Ok(()));
        assert_eq!(check(lead(), Flavor::CompanyMembers), Ok(()));
    }

    #[test]
    fn the_inner_role_id_is_not_found() {
        let mut member = lead();
        member["role"] = json!("inner");
        let err = check(member, Flavor::CompanyMembers).unwrap_err();
        assert!(err.contains("role not found"), "{err}");
    }

    #[test]
    fn strict_on_required_fields() {
        for (key, value) in [
            ("email", Value::Null),
            ("email", json!("not-an-email")),
            ("isConvertedClient", json!(true)),
            ("isConvertedClient", Value::Null),
            ("type", json!("company")),
            ("status", json!("")),
        ] {
            let mut member = lead();
            if value.is_null() {
                member.as_object_mut().unwrap().remove(key);
            } else {
                member[key] = value;
            }
            assert!(check(member, Flavor::BulkLead).is_err(), "{key}");
        }
    }

    #[test]
    fn bulk_lead_takes_at_most_200() {
        let many = vec![lead(); MAX_BULK_LEADS + 1];
        assert!(validate_members(&many, Flavor::BulkLead, &role(), &HashSet::new()).is_err());
        assert!(validate_members(&[], Flavor::CompanyMembers, &role(), &HashSet::new()).is_err());
    }

    #[test]
    fn rejected_emails_are_refused_without_naming_ids() {
        let rejected = HashSet::from(["a@example.com".to_owned()]);
        let err = validate_members(&[lead()], Flavor::BulkLead, &role(), &rejected).unwrap_err();
        assert!(!err.contains("role") && !err.contains("company"), "{err}");
    }
}
