//! Picking the company and the client role out of Agencyhandy's listings.
//! Pure functions over the parsed JSON bodies; an `Err` says what is missing.

use serde_json::Value;

/// Picks the company from `GET /accounts/companies`: the one whose `name`
/// equals `wanted_name` (ignoring case) when a name is configured, else the first.
pub(crate) fn pick_company(body: &Value, wanted_name: Option<&str>) -> Result<String, String> {
    let companies: Vec<(&str, &str)> = body
        .get("companies")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|company| {
                    let id = company.get("_id")?.as_str()?;
                    let name = company.get("name").and_then(Value::as_str).unwrap_or("");
                    (!id.is_empty()).then_some((id, name))
                })
                .collect()
        })
        .unwrap_or_default();
    if companies.is_empty() {
        return Err(
            "the API key gives access to no company (GET /accounts/companies listed none)".into(),
        );
    }
    let wanted = wanted_name.map(str::trim).filter(|name| !name.is_empty());
    let Some(wanted) = wanted else {
        return Ok(companies[0].0.to_owned());
    };
    let wanted_lower = wanted.to_lowercase();
    companies
        .iter()
        .find(|(_, name)| name.trim().to_lowercase() == wanted_lower)
        .map(|(id, _)| (*id).to_owned())
        .ok_or_else(|| {
            let available = companies
                .iter()
                .map(|(id, name)| format!("{name:?} ({id})"))
                .collect::<Vec<_>>()
                .join(", ");
            format!(
                "no company named {wanted:?} is accessible with this API key; available: {available}"
            )
        })
}

/// Picks the client role from `GET /roles?type=company`: the entry, at any
/// index, whose `role.name` is `client` (ignoring case); returns its OUTER `_id`
/// (never `role._id`, which Agencyhandy rejects when creating leads).
pub(crate) fn pick_client_role(body: &Value) -> Result<String, String> {
    let roles = body.get("roles").and_then(Value::as_array);
    let client = roles.into_iter().flatten().find(|entry| {
        entry
            .get("role")
            .and_then(|role| role.get("name"))
            .and_then(Value::as_str)
            .is_some_and(|name| name.trim().eq_ignore_ascii_case("client"))
    });
    let Some(client) = client else {
        let names = roles
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.get("role")?.get("name")?.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(format!(
            "the company has no role named \"client\" (roles found: {})",
            if names.is_empty() { "none" } else { &names }
        ));
    };
    client
        .get("_id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| "the client role has no _id".to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn companies() -> Value {
        json!({"message": "Companies accosiated with API token.", "companies": [
            {"_id": "c1", "name": "onethread123", "logo": ""},
            {"_id": "c2", "name": "Other Agency"}
        ]})
    }

    #[test]
    fn first_company_without_a_configured_name() {
        assert_eq!(pick_company(&companies(), None).unwrap(), "c1");
        assert_eq!(pick_company(&companies(), Some("  ")).unwrap(), "c1");
    }

    #[test]
    fn company_by_name_ignores_case() {
        assert_eq!(
            pick_company(&companies(), Some("other agency")).unwrap(),
            "c2"
        );
    }

    #[test]
    fn absent_company_name_lists_what_is_available() {
        let err = pick_company(&companies(), Some("Nope"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"Nope\""), "{err}");
        assert!(
            err.contains("Other Agency") && err.contains("onethread123"),
            "{err}"
        );
    }

    #[test]
    fn no_companies_is_a_discovery_error() {
        for body in [
            json!({"companies": []}),
            json!({}),
            json!("<html>"),
            json!({"companies": [{"name": "x"}]}),
        ] {
            assert!(pick_company(&body, None).is_err(), "{body}");
        }
    }

    #[test]
    fn client_role_at_any_index_gives_its_outer_id() {
        let body = json!({"roles": [
            {"_id": "outer-admin", "role": {"_id": "inner-admin", "name": "admin"}},
            {"_id": "outer-member", "role": {"_id": "inner-member", "name": "member"}},
            {"_id": "outer-client", "role": {"_id": "inner-client", "name": "Client"}, "type": "company"}
        ]});
        assert_eq!(pick_client_role(&body).unwrap(), "outer-client");
    }

    #[test]
    fn missing_client_role_names_the_roles_found() {
        let body = json!({"roles": [{"_id": "a", "role": {"_id": "b", "name": "admin"}}]});
        let err = pick_client_role(&body).unwrap_err().to_string();
        assert!(err.contains("client") && err.contains("admin"), "{err}");
        assert!(pick_client_role(&json!(null)).is_err());
        assert!(pick_client_role(&json!({"roles": "x"})).is_err());
    }
}
