//! Finding out where a workspace's leads go: which generation of the API
//! answers, and the company and client role where that generation needs them.
//!
//! 1. The company: `company_id`, else `GET /accounts/companies` (the one named
//!    `company_name`, else the first). A 404 there leaves it unknown, and so
//!    does finding none to pick on an API without roles (which needs none).
//! 2. The client role: `client_role_id`, else `GET /roles?type=company` with
//!    the company; its OUTER `_id`. A 404 there (the 2026-07 generation has no
//!    roles) leaves it unknown.
//! 3. The route, by the `endpoint` setting:
//!    - `auto`: `POST /members/bulk-lead` if it exists, with `companyid` and
//!      each lead's role when both are known (2026-06), else with the API key
//!      alone (2026-07); otherwise `POST /company/{id}/members/bulk-client` if
//!      it exists (2023). A route exists when an empty list sent to it is
//!      answered with anything but a 404;
//!    - `bulk-lead`: that route, with both IDs when both are known;
//!    - `company-members`: the 2023 route, which needs both IDs.
//!
//! Nothing is created on the way: probes carry empty lists.

use reqwest::Method;
use serde_json::Value;

use super::{
    classify::excerpt,
    discovery::{pick_client_role, pick_company},
    probe::{probe_route, Probed},
    route::{ResolvedIds, Route},
    transport::{Call, Transport},
    UpstreamError,
};
use crate::config::EndpointKind;

/// What discovery starts from: a workspace's endpoint setting and configured IDs.
#[derive(Debug, Clone)]
pub(super) struct Setup {
    /// The workspace's config key (`agencyhandy`, `workspaces.NAME`), for fixes.
    pub(crate) key: String,
    pub(crate) endpoint: EndpointKind,
    pub(crate) company_id: Option<String>,
    pub(crate) company_name: Option<String>,
    pub(crate) client_role_id: Option<String>,
}

impl Setup {
    /// The route when nothing needs finding out: a pinned endpoint with both IDs configured.
    pub(crate) fn fixed_route(&self) -> Option<Route> {
        let ids = ResolvedIds {
            company_id: self.company_id.clone()?,
            client_role_id: self.client_role_id.clone()?,
        };
        match self.endpoint {
            EndpointKind::Auto => None,
            EndpointKind::CompanyMembers => Some(Route::CompanyMembers(ids)),
            EndpointKind::BulkLead => Some(Route::BulkLeadWithRole(ids)),
        }
    }

    fn problem(&self, problem: impl Into<String>, fix: impl Into<String>) -> UpstreamError {
        UpstreamError::Discovery {
            problem: problem.into(),
            fix: fix.into(),
        }
    }
}

/// Finds out the route (see the module docs).
pub(super) async fn discover(transport: &Transport, setup: &Setup) -> Result<Route, UpstreamError> {
    let company_id = match &setup.company_id {
        Some(id) => Some(id.clone()),
        None => match find_company(transport, setup).await {
            Ok(found) => found,
            // No company to pick matters only to a generation with roles: the
            // 2026-07 API, which has none, needs no company.
            Err(err @ UpstreamError::Discovery { .. })
                if setup.endpoint != EndpointKind::CompanyMembers
                    && !has_roles(transport).await? =>
            {
                tracing::debug!(error = %err, "no company picked; this API needs none");
                None
            }
            Err(err) => return Err(err),
        },
    };
    let client_role_id = match (&setup.client_role_id, &company_id) {
        (Some(id), _) => Some(id.clone()),
        (None, Some(company)) => find_client_role(transport, setup, company).await?,
        (None, None) => None,
    };
    let ids = company_id
        .zip(client_role_id)
        .map(|(company_id, client_role_id)| ResolvedIds {
            company_id,
            client_role_id,
        });
    match setup.endpoint {
        EndpointKind::Auto => choose_route(transport, setup, ids).await,
        EndpointKind::BulkLead => Ok(ids.map_or(Route::BulkLead, Route::BulkLeadWithRole)),
        EndpointKind::CompanyMembers => ids.map(Route::CompanyMembers).ok_or_else(|| {
            setup.problem(
                "the company-members route needs a company and a client role, and this API lists no roles (GET /roles answered 404, as the 2026-07 generation does)",
                format!("set {}.endpoint = \"auto\" (or \"bulk-lead\")", setup.key),
            )
        }),
    }
}

async fn find_company(
    transport: &Transport,
    setup: &Setup,
) -> Result<Option<String>, UpstreamError> {
    let Some(body) = get_listing(
        transport,
        setup,
        "companies",
        &["accounts", "companies"],
        None,
    )
    .await?
    else {
        return Ok(None);
    };
    let fix = match &setup.company_name {
        Some(_) => format!(
            "set {}.company_name to one of them (or remove it for the first)",
            setup.key
        ),
        None => "check that the API key belongs to the right Agencyhandy workspace".to_owned(),
    };
    pick_company(&body, setup.company_name.as_deref())
        .map(Some)
        .map_err(|problem| setup.problem(problem, fix))
}

async fn find_client_role(
    transport: &Transport,
    setup: &Setup,
    company_id: &str,
) -> Result<Option<String>, UpstreamError> {
    let Some(body) = get_listing(transport, setup, "roles", &["roles"], Some(company_id)).await?
    else {
        return Ok(None);
    };
    pick_client_role(&body).map(Some).map_err(|problem| {
        setup.problem(
            problem,
            format!(
                "create a role named \"client\" in Agencyhandy, or set {}.client_role_id to the OUTER _id of the role leads should get",
                setup.key
            ),
        )
    })
}

/// Whether the API lists roles (`GET /roles` answered with anything but a 404,
/// even a refusal for want of a company): the generations that need a company.
async fn has_roles(transport: &Transport) -> Result<bool, UpstreamError> {
    let mut url = transport.url(&["roles"]);
    url.query_pairs_mut().append_pair("type", "company");
    let answer = transport
        .send(Call {
            op: "roles",
            method: Method::GET,
            url,
            company_id: None,
            json: None,
            expects_refusal: true,
        })
        .await;
    match answer {
        Ok(_) => Ok(true),
        Err(UpstreamError::Rejected { status, .. }) => Ok(status != 404),
        Err(other) => Err(other),
    }
}

/// The route `auto` takes: bulk-lead if it exists, else the 2023 route if it exists.
async fn choose_route(
    transport: &Transport,
    setup: &Setup,
    ids: Option<ResolvedIds>,
) -> Result<Route, UpstreamError> {
    let bulk_lead = ids.clone().map_or(Route::BulkLead, Route::BulkLeadWithRole);
    let missing = match probe_route(transport, &bulk_lead).await? {
        Probed::Exists(_) => return Ok(bulk_lead),
        Probed::Missing(answer) => answer,
    };
    let Some(ids) = ids else {
        return Err(setup.problem(
            format!("POST /members/bulk-lead answered 404 ({}), and the older company-members route needs a company and a client role this API does not list", missing.excerpt),
            format!("check {}.api_url: it should be Agencyhandy's API (https://api.agencyhandy.com)", setup.key),
        ));
    };
    let company_members = Route::CompanyMembers(ids);
    match probe_route(transport, &company_members).await? {
        Probed::Exists(_) => Ok(company_members),
        Probed::Missing(seed) => Err(setup.problem(
            format!(
                "neither create route exists: POST /members/bulk-lead answered 404 ({}), POST /{} answered 404 ({})",
                missing.excerpt,
                company_members.path().join("/"),
                seed.excerpt
            ),
            if setup.company_id.is_some() {
                format!("check {key}.api_url and {key}.company_id (or remove it to discover the company)", key = setup.key)
            } else {
                format!("check {}.api_url", setup.key)
            },
        )),
    }
}

/// `GET`s a discovery listing: `None` when the API has no such route (404).
#[tracing::instrument(skip_all, fields(op = op))]
async fn get_listing(
    transport: &Transport,
    setup: &Setup,
    op: &'static str,
    segments: &[&str],
    company_id: Option<&str>,
) -> Result<Option<Value>, UpstreamError> {
    let mut url = transport.url(segments);
    if op == "roles" {
        url.query_pairs_mut().append_pair("type", "company");
    }
    let path = url.path().to_owned();
    let answer = transport
        .send(Call {
            op,
            method: Method::GET,
            url,
            company_id,
            json: None,
            expects_refusal: op == "roles",
        })
        .await;
    let reply = match answer {
        Ok(reply) => reply,
        Err(UpstreamError::Rejected { status: 404, .. }) => return Ok(None),
        Err(UpstreamError::Rejected { status, excerpt }) => {
            return Err(setup.problem(
                format!("GET {path} answered HTTP {status}: {excerpt}"),
                format!("check {}.api_url and the IDs set in it", setup.key),
            ))
        }
        Err(other) => return Err(other),
    };
    serde_json::from_slice(&reply.body).map(Some).map_err(|_| {
        setup.problem(
            format!(
                "GET {path} at {} answered HTTP {} but not with JSON: {}",
                transport.base(),
                reply.status,
                excerpt(&reply.body, transport.key_for_scrubbing())
            ),
            format!(
                "check {}.api_url: it should be Agencyhandy's API (https://api.agencyhandy.com)",
                setup.key
            ),
        )
    })
}
