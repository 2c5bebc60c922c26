//! What a workspace-level failure means and how to fix it, naming the config
//! key: the words `check` prints and a paused workspace logs and shows on its
//! waiting leads.

use std::fmt;

use super::{
    classify::{mentions_company, mentions_plan, mentions_workspace_setting},
    UpstreamError,
};
use crate::config::EndpointKind;

/// Why a workspace cannot deliver, and what to change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// What Agencyhandy said, in a sentence.
    pub(crate) reason: String,
    /// What to change, naming the config key.
    pub fix: String,
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; fix: {}", self.reason, self.fix)
    }
}

/// The workspace settings a fix refers to.
pub(super) struct Setting {
    /// `agencyhandy` or `workspaces.NAME`.
    pub(crate) key: String,
    pub(crate) endpoint: EndpointKind,
    pub(crate) company_configured: bool,
}

fn diagnosis(reason: String, fix: String) -> Diagnosis {
    Diagnosis { reason, fix }
}

/// Diagnoses a failed call.
pub(super) fn diagnose(err: &UpstreamError, setting: &Setting) -> Diagnosis {
    let key = &setting.key;
    match err {
        UpstreamError::Unauthorized { status: 403, excerpt } if mentions_company(excerpt) => diagnosis(
            format!("Agencyhandy refused access to the company (HTTP 403: {excerpt})"),
            format!("set {key}.company_id to a company this API key can access, or remove it to use the key's first company ({key}.company_name picks another)"),
        ),
        UpstreamError::Unauthorized { status, excerpt } => diagnosis(
            format!("Agencyhandy refused the API key (HTTP {status}: {excerpt})"),
            format!("put a current key in {key}.api_key (a workspace SuperAdmin or Admin makes one in Agencyhandy at <your workspace URL>/workspace-config?tab=api-key; regenerating a key revokes the old one); a 403 also comes from an expired subscription"),
        ),
        UpstreamError::RouteMissing { path, excerpt } => diagnosis(
            if path.starts_with("POST /company/") {
                format!("{path} answered HTTP 404 ({excerpt}): this API has no such route, or the company in it is gone")
            } else {
                format!("{path} answered HTTP 404 ({excerpt}): this API has no such route")
            },
            match setting.endpoint {
                _ if setting.company_configured && path.starts_with("POST /company/") => format!("check {key}.company_id: it must be a company this key can access (remove it to discover the company); if this API has no company-members route, set {key}.endpoint = \"auto\""),
                EndpointKind::Auto => format!("check {key}.api_url"),
                pinned => format!("set {key}.endpoint = \"auto\" (instead of \"{}\"): leadrelay then finds the route this workspace's API has", pinned.as_str()),
            },
        ),
        UpstreamError::Rejected { status, excerpt } if mentions_workspace_setting(excerpt) => diagnosis(
            format!("Agencyhandy refused the call over a workspace setting (HTTP {status}: {excerpt})"),
            format!("check {key}.company_id and {key}.client_role_id (remove them to have them discovered), and the category, agent and customFields IDs the forms send"),
        ),
        UpstreamError::Rejected { status, excerpt } => diagnosis(
            format!("Agencyhandy refused every lead it was sent (HTTP {status}: {excerpt})"),
            "its answer names the field at fault; `leadrelay map --form NAME` shows the body a submission becomes".to_owned(),
        ),
        UpstreamError::Discovery { problem, fix } => diagnosis(problem.clone(), fix.clone()),
        UpstreamError::Transient { .. } => diagnosis(
            err.to_string(),
            format!("none needed: leadrelay tries again; if it lasts, check {key}.api_url and the network"),
        ),
    }
}

/// Diagnoses a `notAddedLeads` reason that is about the workspace (a
/// category or other ID it does not know, the plan's cap).
pub(super) fn diagnose_not_added(reason: &str, setting: &Setting) -> Diagnosis {
    let fix = if mentions_plan(reason) {
        "the workspace's plan caps its leads: raise the plan, or make room in Agencyhandy"
            .to_owned()
    } else {
        format!(
            "a form sends an ID this workspace ({}) does not know: check the category (label), agent and customFields IDs in the forms' fields and constants",
            setting.key
        )
    };
    diagnosis(format!("Agencyhandy did not add leads: {reason}"), fix)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(endpoint: EndpointKind) -> Setting {
        Setting {
            key: "workspaces.shop".into(),
            endpoint,
            company_configured: false,
        }
    }

    #[test]
    fn every_failure_names_the_key_to_fix() {
        let auto = setting(EndpointKind::Auto);
        let key = diagnose(
            &UpstreamError::Unauthorized {
                status: 401,
                excerpt: "Invalid or revoked API key".into(),
            },
            &auto,
        );
        assert!(key.reason.contains("HTTP 401"), "{key}");
        assert!(key.fix.contains("workspaces.shop.api_key"), "{key}");
        let company = diagnose(
            &UpstreamError::Unauthorized {
                status: 403,
                excerpt: "You do not have access to this company".into(),
            },
            &auto,
        );
        assert!(
            company.fix.contains("workspaces.shop.company_id"),
            "{company}"
        );
        let route = UpstreamError::RouteMissing {
            path: "POST /members/bulk-lead".into(),
            excerpt: "Route not found".into(),
        };
        let pinned = diagnose(&route, &setting(EndpointKind::BulkLead));
        assert!(pinned.fix.contains("endpoint = \"auto\""), "{pinned}");
        let role = diagnose(
            &UpstreamError::Rejected {
                status: 400,
                excerpt: "\"[0].role\" role not found".into(),
            },
            &auto,
        );
        assert!(role.fix.contains("client_role_id"), "{role}");
    }

    #[test]
    fn not_added_reasons_name_the_ids_or_the_plan() {
        let auto = setting(EndpointKind::Auto);
        let category = diagnose_not_added("One or more category not found", &auto);
        assert!(category.reason.contains("category not found"));
        assert!(category.fix.contains("category"), "{category}");
        let plan = diagnose_not_added("Lead limit reached for your plan", &auto);
        assert!(plan.fix.contains("plan"), "{plan}");
    }
}
