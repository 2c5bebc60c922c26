//! One Agencyhandy workspace: `[agencyhandy]` or `[workspaces.NAME]`.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// One Agencyhandy workspace (`[agencyhandy]` or `[workspaces.NAME]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkspaceSettings {
    /// Base URL of the Agencyhandy API.
    pub api_url: String,
    /// The workspace's API key (a secret: never logged, never echoed).
    pub api_key: Option<SecretString>,
    /// Which create endpoint to call: `auto` (find out which generation of the
    /// API answers), or a pin: `company-members` or `bulk-lead`.
    pub endpoint: EndpointKind,
    /// Company ID; when set, company discovery is skipped (sent only where the
    /// API's generation needs it).
    pub company_id: Option<String>,
    /// Company name to pick among several companies (else the first).
    pub company_name: Option<String>,
    /// Client role ID (the OUTER `_id`); when set, role discovery is skipped
    /// (sent only where the API's generation needs it).
    pub client_role_id: Option<String>,
    /// How long the discovered generation and IDs are cached, in seconds.
    pub cache_ttl_secs: u64,
    /// Request timeout towards Agencyhandy, in seconds.
    pub timeout_secs: u64,
}

impl Default for WorkspaceSettings {
    fn default() -> Self {
        Self {
            api_url: "https://api.agencyhandy.com".into(),
            api_key: None,
            endpoint: EndpointKind::Auto,
            company_id: None,
            company_name: None,
            client_role_id: None,
            cache_ttl_secs: 3600,
            timeout_secs: 15,
        }
    }
}

/// Which of Agencyhandy's lead-creating endpoints to call.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum EndpointKind {
    /// Per workspace, find out which generation of the API answers and use its
    /// route (found again when a route answers 404).
    Auto,
    /// Pinned: `POST /company/{companyId}/members/bulk-client`, body `{"members": [...]}`.
    CompanyMembers,
    /// Pinned: `POST /members/bulk-lead`, body `[...]` (at most 200).
    BulkLead,
}

impl EndpointKind {
    /// The name used in config and metrics.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::CompanyMembers => "company-members",
            Self::BulkLead => "bulk-lead",
        }
    }
}
