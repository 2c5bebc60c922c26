//! The generations of Agencyhandy's lead-creating API, and the route one
//! workspace's leads take: which call, which headers, which IDs.

use std::fmt;

use crate::config::EndpointKind;

/// A documented generation of Agencyhandy's lead-creating API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Generation {
    /// 2023 (the first documented flow): `GET /accounts/companies`, `GET /roles?type=company`,
    /// then `POST /company/{id}/members/bulk-client` with `{"members": [...]}`.
    /// There is no `/members/bulk-lead`.
    CompanyBulkClient,
    /// 2026-06: `POST /members/bulk-lead` with the `companyid` header and each
    /// lead's `role` (the client role's outer `_id`); the company-scoped route is gone.
    BulkLeadWithRole,
    /// 2026-07 and later: `POST /members/bulk-lead` with the API key alone; no
    /// company or role ID, no `/roles`; `type`, `email`, `status` required.
    BulkLead,
}

impl Generation {
    /// Every generation, oldest first.
    pub const ALL: [Generation; 3] = [
        Self::CompanyBulkClient,
        Self::BulkLeadWithRole,
        Self::BulkLead,
    ];

    /// When its documentation dates from: `2023`, `2026-06`, `2026-07`.
    fn dated(self) -> &'static str {
        match self {
            Self::CompanyBulkClient => "2023",
            Self::BulkLeadWithRole => "2026-06",
            Self::BulkLead => "2026-07",
        }
    }

    /// The endpoint setting that pins this generation's create route.
    fn endpoint(self) -> EndpointKind {
        match self {
            Self::CompanyBulkClient => EndpointKind::CompanyMembers,
            Self::BulkLeadWithRole | Self::BulkLead => EndpointKind::BulkLead,
        }
    }

    /// Whether each lead carries `role`, `isConvertedClient` and `positionInBoard`,
    /// and the call the `companyid` header.
    pub(crate) fn takes_company_and_role(self) -> bool {
        !matches!(self, Self::BulkLead)
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            Self::CompanyBulkClient => "company-members, with company and client role",
            Self::BulkLeadWithRole => "bulk-lead, with company and client role",
            Self::BulkLead => "bulk-lead, with the API key alone",
        };
        write!(f, "{} ({what})", self.dated())
    }
}

/// The IDs the older generations need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedIds {
    /// The company's `_id`.
    pub company_id: String,
    /// The client role's OUTER `_id`.
    pub client_role_id: String,
}

/// Where one workspace's leads are created, as found out or configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `POST /company/{companyId}/members/bulk-client` (the 2023 generation).
    CompanyMembers(ResolvedIds),
    /// `POST /members/bulk-lead` with `companyid` and each lead's `role` (2026-06).
    BulkLeadWithRole(ResolvedIds),
    /// `POST /members/bulk-lead` with the API key alone (2026-07 and later).
    BulkLead,
}

/// Most leads Agencyhandy's bulk-lead endpoint takes in one call.
pub(crate) const MAX_BULK_LEADS: usize = 200;

impl Route {
    /// The route the generation takes with these IDs (`None`: the newest needs none).
    #[cfg(test)]
    fn new(generation: Generation, ids: Option<ResolvedIds>) -> Option<Self> {
        match (generation, ids) {
            (Generation::BulkLead, _) => Some(Self::BulkLead),
            (Generation::CompanyBulkClient, Some(ids)) => Some(Self::CompanyMembers(ids)),
            (Generation::BulkLeadWithRole, Some(ids)) => Some(Self::BulkLeadWithRole(ids)),
            (_, None) => None,
        }
    }

    /// The generation this route belongs to.
    pub fn generation(&self) -> Generation {
        match self {
            Self::CompanyMembers(_) => Generation::CompanyBulkClient,
            Self::BulkLeadWithRole(_) => Generation::BulkLeadWithRole,
            Self::BulkLead => Generation::BulkLead,
        }
    }

    /// The company and client role sent, where the generation sends them.
    pub fn ids(&self) -> Option<&ResolvedIds> {
        match self {
            Self::CompanyMembers(ids) | Self::BulkLeadWithRole(ids) => Some(ids),
            Self::BulkLead => None,
        }
    }

    /// Metrics label of the create call: `company-members` or `bulk-lead`.
    pub(crate) fn op(&self) -> &'static str {
        self.generation().endpoint().as_str()
    }

    /// The create call's path segments.
    pub(crate) fn path(&self) -> Vec<&str> {
        match self {
            Self::CompanyMembers(ids) => {
                vec!["company", &ids.company_id, "members", "bulk-client"]
            }
            Self::BulkLeadWithRole(_) | Self::BulkLead => vec!["members", "bulk-lead"],
        }
    }

    /// The `companyid` header's value, where the generation sends it.
    pub(crate) fn company_header(&self) -> Option<&str> {
        self.ids().map(|ids| ids.company_id.as_str())
    }
}

impl fmt::Display for Route {
    /// `POST /members/bulk-lead (headers x-api-key, companyid 65…; role 65…)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "POST /{}", self.path().join("/"))?;
        match self.ids() {
            Some(ids) => write!(
                f,
                " (headers x-api-key, companyid {}; each lead's role {})",
                ids.company_id, ids.client_role_id
            ),
            None => f.write_str(" (header x-api-key alone)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids() -> ResolvedIds {
        ResolvedIds {
            company_id: "c1".into(),
            client_role_id: "r1".into(),
        }
    }

    #[test]
    fn each_generation_has_its_route() {
        let company_route = Route::new(Generation::CompanyBulkClient, Some(ids())).unwrap();
        assert_eq!(
            company_route.path(),
            ["company", "c1", "members", "bulk-client"]
        );
        assert_eq!(company_route.company_header(), Some("c1"));
        let june = Route::new(Generation::BulkLeadWithRole, Some(ids())).unwrap();
        assert_eq!(june.path(), ["members", "bulk-lead"]);
        assert_eq!(june.company_header(), Some("c1"));
        let july = Route::new(Generation::BulkLead, Some(ids())).unwrap();
        assert_eq!(
            july,
            Route::BulkLead,
            "the newest sends no IDs, even known ones"
        );
        assert_eq!(july.company_header(), None);
        assert_eq!(Route::new(Generation::CompanyBulkClient, None), None);
        for generation in Generation::ALL {
            let route = Route::new(generation, Some(ids())).unwrap();
            assert_eq!(route.generation(), generation);
        }
    }

    #[test]
    fn routes_describe_their_call() {
        let june = Route::BulkLeadWithRole(ids());
        assert_eq!(
            june.to_string(),
            "POST /members/bulk-lead (headers x-api-key, companyid c1; each lead's role r1)"
        );
        assert_eq!(
            Route::BulkLead.to_string(),
            "POST /members/bulk-lead (header x-api-key alone)"
        );
        assert_eq!(
            Generation::BulkLead.to_string(),
            "2026-07 (bulk-lead, with the API key alone)"
        );
        assert_eq!(Route::BulkLead.op(), "bulk-lead");
        assert_eq!(Route::CompanyMembers(ids()).op(), "company-members");
    }
}
