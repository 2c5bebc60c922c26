//! The two lead-creating endpoints: where they live and what their bodies look like.

use serde_json::{json, Map, Value};

use crate::{config::EndpointKind, mapping::Member};

/// The path segments of the create call: `company/{companyId}/members/bulk-client`
/// or `members/bulk-lead`.
pub(crate) fn create_path(kind: EndpointKind, company_id: &str) -> Vec<&str> {
    match kind {
        EndpointKind::CompanyMembers => vec!["company", company_id, "members", "bulk-client"],
        EndpointKind::BulkLead => vec!["members", "bulk-lead"],
    }
}

/// The request body: `{"members": [...]}` for company-members, a bare array for bulk-lead.
pub(crate) fn create_body(kind: EndpointKind, members: &[Member], client_role_id: &str) -> Value {
    let wire: Vec<Value> = members
        .iter()
        .map(|member| Value::Object(wire_member(kind, member, client_role_id)))
        .collect();
    match kind {
        EndpointKind::CompanyMembers => json!({ "members": wire }),
        EndpointKind::BulkLead => Value::Array(wire),
    }
}

/// One member as the endpoint takes it: the mapped fields (extra ones passed
/// through), `role` = the client role's outer `_id`, `isConvertedClient: false`;
/// for bulk-lead also `type` (`individual` unless the mapping chose one) and
/// `sendInvitationEmail` (false unless the form asked for it; Agencyhandy
/// defaults it to true). company-members never gets `sendInvitationEmail`.
pub fn wire_member(
    kind: EndpointKind,
    member: &Member,
    client_role_id: &str,
) -> Map<String, Value> {
    let mut fields = match serde_json::to_value(member) {
        Ok(Value::Object(fields)) => fields,
        // Member is a plain struct of strings and a JSON map: it always serializes to an object.
        _ => Map::new(),
    };
    fields.remove("sendInvitationEmail");
    let has_contact = member
        .contact_no
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty());
    if !has_contact {
        fields.remove("contactNo");
    }
    fields.insert("role".into(), Value::from(client_role_id));
    fields.insert("isConvertedClient".into(), Value::Bool(false));
    if kind == EndpointKind::BulkLead {
        let has_type = fields
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| matches!(t, "individual" | "leadCompanyMember"));
        if !has_type {
            fields.insert("type".into(), Value::from("individual"));
        }
        fields.insert(
            "sendInvitationEmail".into(),
            Value::Bool(member.send_invitation_email),
        );
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Email;

    fn member() -> Member {
        let mut extra = Map::new();
        extra.insert("companyName".into(), json!("Acme"));
        extra.insert("role".into(), json!("from-the-form"));
        Member {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            email: Email::parse("ada@example.com").unwrap(),
            contact_no: Some("123".into()),
            status: "New".into(),
            source: "website".into(),
            position_in_board: 1,
            send_invitation_email: false,
            extra,
        }
    }

    #[test]
    fn company_members_body_wraps_members_without_invitation_flag() {
        let body = create_body(EndpointKind::CompanyMembers, &[member()], "outer");
        let wire = &body["members"][0];
        assert_eq!(wire["firstName"], "Ada");
        assert_eq!(wire["email"], "ada@example.com");
        assert_eq!(wire["role"], "outer");
        assert_eq!(wire["isConvertedClient"], false);
        assert_eq!(wire["positionInBoard"], 1);
        assert_eq!(wire["contactNo"], "123");
        assert_eq!(wire["companyName"], "Acme");
        assert!(wire.get("sendInvitationEmail").is_none());
        assert!(wire.get("type").is_none());
    }

    #[test]
    fn bulk_lead_body_is_an_array_with_type_and_no_invitation() {
        let body = create_body(EndpointKind::BulkLead, &[member(), member()], "outer");
        let list = body.as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["type"], "individual");
        assert_eq!(list[0]["sendInvitationEmail"], false);
        assert_eq!(list[0]["role"], "outer");
    }

    #[test]
    fn invitation_is_sent_only_when_asked_and_contact_only_when_known() {
        let mut asked = member();
        asked.send_invitation_email = true;
        asked.contact_no = None;
        let wire = wire_member(EndpointKind::BulkLead, &asked, "r");
        assert_eq!(wire["sendInvitationEmail"], true);
        assert!(!wire.contains_key("contactNo"));
    }

    #[test]
    fn paths_by_endpoint() {
        assert_eq!(
            create_path(EndpointKind::CompanyMembers, "c1"),
            ["company", "c1", "members", "bulk-client"]
        );
        assert_eq!(
            create_path(EndpointKind::BulkLead, "c1"),
            ["members", "bulk-lead"]
        );
    }
}
