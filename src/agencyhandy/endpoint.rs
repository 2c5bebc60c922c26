//! What a create call's body looks like on each generation of the API.

use serde_json::{json, Map, Value};

use super::{
    fields::apply_field_rules,
    route::{Generation, ResolvedIds, Route},
};
use crate::{config::EndpointKind, mapping::Member};

impl Route {
    /// The request body: `{"members": [...]}` for company-members, a bare array for bulk-lead.
    pub(crate) fn create_body(&self, members: &[Member]) -> Value {
        let generation = self.generation();
        let role = self.ids().map(|ids| ids.client_role_id.as_str());
        let wire: Vec<Value> = members
            .iter()
            .map(|member| Value::Object(wire_member(generation, member, role)))
            .collect();
        match self {
            Self::CompanyMembers(_) => json!({ "members": wire }),
            Self::BulkLeadWithRole(_) | Self::BulkLead => Value::Array(wire),
        }
    }
}

/// The route an endpoint setting stands for when Agencyhandy cannot be asked
/// (`leadrelay map`): `auto` shows the newest generation.
fn assumed_route(kind: EndpointKind, company_id: &str, client_role_id: &str) -> Route {
    let ids = ResolvedIds {
        company_id: company_id.to_owned(),
        client_role_id: client_role_id.to_owned(),
    };
    match kind {
        EndpointKind::Auto => Route::BulkLead,
        EndpointKind::CompanyMembers => Route::CompanyMembers(ids),
        EndpointKind::BulkLead => Route::BulkLeadWithRole(ids),
    }
}

/// The create call's path segments for an endpoint setting, without asking
/// Agencyhandy (see [`assumed_route`]).
pub(crate) fn create_path(kind: EndpointKind, company_id: &str) -> Vec<String> {
    assumed_route(kind, company_id, "")
        .path()
        .into_iter()
        .map(str::to_owned)
        .collect()
}

/// The request body for an endpoint setting, without asking Agencyhandy (see [`assumed_route`]).
pub(crate) fn create_body(kind: EndpointKind, members: &[Member], client_role_id: &str) -> Value {
    assumed_route(kind, "", client_role_id).create_body(members)
}

/// One member as the generation takes it: the mapped fields (extra ones passed
/// through) under Agencyhandy's field rules; where the generation wants them
/// `role` (the client role's outer `_id`), `isConvertedClient: false` and
/// `positionInBoard`, else none of the three; on bulk-lead `type`
/// (`individual` unless the mapping chose one) and `sendInvitationEmail`
/// (false unless the form asked: Agencyhandy defaults it to true). The
/// 2026-06 generation requires both names: an empty `firstName` becomes the
/// e-mail's local part, an empty `lastName` a `-`.
fn wire_member(
    generation: Generation,
    member: &Member,
    client_role_id: Option<&str>,
) -> Map<String, Value> {
    let mut fields = match serde_json::to_value(member) {
        Ok(Value::Object(fields)) => fields,
        // Member is a plain struct of strings and a JSON map: it always serializes to an object.
        _ => Map::new(),
    };
    for owned in ["sendInvitationEmail", "role", "isConvertedClient"] {
        fields.remove(owned);
    }
    let has_contact = member
        .contact_no
        .as_deref()
        .is_some_and(|n| !n.trim().is_empty());
    if !has_contact {
        fields.remove("contactNo");
    }
    apply_field_rules(&mut fields);
    if generation.takes_company_and_role() {
        fields.insert(
            "role".into(),
            Value::from(client_role_id.unwrap_or_default()),
        );
        fields.insert("isConvertedClient".into(), Value::Bool(false));
    } else {
        fields.remove("positionInBoard");
    }
    if generation != Generation::CompanyBulkClient {
        add_bulk_lead_fields(&mut fields, member);
    }
    if generation == Generation::BulkLeadWithRole {
        fill_required_names(&mut fields, member);
    }
    fields
}

fn add_bulk_lead_fields(fields: &mut Map<String, Value>, member: &Member) {
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

fn fill_required_names(fields: &mut Map<String, Value>, member: &Member) {
    if member.first_name.trim().is_empty() {
        let local = member.email.as_str().split('@').next().unwrap_or_default();
        fields.insert("firstName".into(), Value::from(local));
    }
    if member.last_name.trim().is_empty() {
        fields.insert("lastName".into(), Value::from("-"));
    }
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

    fn ids() -> ResolvedIds {
        ResolvedIds {
            company_id: "c1".into(),
            client_role_id: "outer".into(),
        }
    }

    #[test]
    fn company_members_body_wraps_members_without_invitation_flag() {
        let body = Route::CompanyMembers(ids()).create_body(&[member()]);
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
    fn bulk_lead_with_role_is_an_array_with_type_role_and_no_invitation() {
        let body = Route::BulkLeadWithRole(ids()).create_body(&[member(), member()]);
        let list = body.as_array().unwrap();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0]["type"], "individual");
        assert_eq!(list[0]["sendInvitationEmail"], false);
        assert_eq!(list[0]["role"], "outer");
        assert_eq!(list[0]["isConvertedClient"], false);
    }

    #[test]
    fn the_newest_bulk_lead_gets_no_role_conversion_flag_or_board_position() {
        let body = Route::BulkLead.create_body(&[member()]);
        let wire = &body[0];
        assert_eq!(wire["type"], "individual");
        assert_eq!(wire["status"], "New");
        assert_eq!(wire["sendInvitationEmail"], false);
        for absent in ["role", "isConvertedClient", "positionInBoard"] {
            assert!(wire.get(absent).is_none(), "{absent}: {wire}");
        }
        assert_eq!(wire["companyName"], "Acme");
    }

    #[test]
    fn names_are_filled_only_where_the_generation_requires_them() {
        let mut nameless = member();
        nameless.first_name = String::new();
        nameless.last_name = " ".into();
        let june = wire_member(Generation::BulkLeadWithRole, &nameless, Some("r"));
        assert_eq!(
            (&june["firstName"], &june["lastName"]),
            (&json!("ada"), &json!("-"))
        );
        let july = wire_member(Generation::BulkLead, &nameless, None);
        assert_eq!(july["firstName"], "");
    }

    #[test]
    fn invitation_is_sent_only_when_asked_and_contact_only_when_known() {
        let mut asked = member();
        asked.send_invitation_email = true;
        asked.contact_no = None;
        let wire = wire_member(Generation::BulkLead, &asked, None);
        assert_eq!(wire["sendInvitationEmail"], true);
        assert!(!wire.contains_key("contactNo"));
    }

    #[test]
    fn endpoint_settings_assume_a_route_when_nobody_is_asked() {
        assert_eq!(
            create_path(EndpointKind::CompanyMembers, "c1"),
            ["company", "c1", "members", "bulk-client"]
        );
        assert_eq!(
            create_path(EndpointKind::Auto, "c1"),
            ["members", "bulk-lead"]
        );
        assert!(create_body(EndpointKind::Auto, &[member()], "r")[0]
            .get("role")
            .is_none());
        assert_eq!(
            create_body(EndpointKind::BulkLead, &[member()], "r")[0]["role"],
            "r"
        );
    }
}
