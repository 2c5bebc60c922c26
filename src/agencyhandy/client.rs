use std::{collections::BTreeMap, fmt};

use reqwest::Method;
use serde::Serialize;

use super::{
    classify::{excerpt, mentions_company, mentions_company_or_role},
    diagnose::{diagnose, diagnose_not_added, Diagnosis, Setting},
    directory::Directory,
    probe::{probe_route, Probed, RouteProbe},
    response::{parse_create_response, UnreadableResponse},
    route::Route,
    transport::{Call, Transport},
    CreateResponse, UpstreamError,
};
use crate::{
    config::{workspace_key, EndpointKind, WorkspaceSettings},
    mapping::Member,
};

/// The create call a lead would go out as (kept with test leads).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub(crate) struct CreatePreview {
    /// Always `POST`.
    method: &'static str,
    /// The create route's URL.
    url: String,
    /// The headers that say who calls (the API key redacted).
    headers: BTreeMap<String, String>,
    /// The exact request body.
    body: serde_json::Value,
    /// The API's generation the route belongs to.
    generation: String,
}

/// The Agencyhandy API of one workspace. Cheap to share (`Send + Sync`); its
/// `Debug` never shows the API key.
pub struct WorkspaceClient {
    name: String,
    endpoint: EndpointKind,
    transport: Transport,
    directory: Directory,
}

impl fmt::Debug for WorkspaceClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkspaceClient")
            .field("name", &self.name)
            .field("endpoint", &self.endpoint)
            .field("api_url", &self.transport.base().as_str())
            .field("api_key", &"[redacted]")
            .finish()
    }
}

impl WorkspaceClient {
    /// Builds a client from a workspace's settings (fails without an API key or
    /// with an `api_url` that is not an http(s) URL).
    pub fn new(name: &str, settings: &WorkspaceSettings) -> anyhow::Result<Self> {
        Ok(Self {
            name: name.to_owned(),
            endpoint: settings.endpoint,
            transport: Transport::new(name, settings)?,
            directory: Directory::new(name, settings),
        })
    }

    /// The route leads take: fixed by config, else found out (cached with the
    /// workspace's TTL; concurrent misses share one discovery). See the
    /// discovery rules in `detect`.
    #[tracing::instrument(skip_all, fields(workspace = %self.name))]
    pub async fn resolve(&self) -> Result<Route, UpstreamError> {
        self.directory.resolve(&self.transport).await
    }

    /// Sends the route an empty list (which creates nothing) to learn whether it
    /// exists: `Err(RouteMissing)` when it answers 404.
    pub async fn probe(&self, route: &Route) -> Result<RouteProbe, UpstreamError> {
        match probe_route(&self.transport, route).await? {
            Probed::Exists(answer) => Ok(answer),
            Probed::Missing(answer) => Err(UpstreamError::RouteMissing {
                path: format!("POST /{}", route.path().join("/")),
                excerpt: answer.excerpt,
            }),
        }
    }

    /// Creates the members in one call on the workspace's route; `results` has
    /// one entry per member, in order. When the answer says the route or IDs
    /// are stale (see [`calls_for_rediscovery`]), the route is found out again
    /// and, if that changed it, the same members are sent once more by the new
    /// one: the refused call created nothing. An empty slice makes no call
    /// (status 0, no results). A 2xx whose body is not JSON (a proxy's page,
    /// say) proves nothing was created and comes back as `Transient`.
    #[tracing::instrument(skip_all, fields(workspace = %self.name, leads = members.len()))]
    pub async fn create_leads(&self, members: &[Member]) -> Result<CreateResponse, UpstreamError> {
        if members.is_empty() {
            return Ok(CreateResponse {
                status: 0,
                results: Vec::new(),
                excerpt: String::new(),
            });
        }
        let route = self.resolve().await?;
        match self.send_create(&route, members).await {
            Err(err) if self.directory.discovers() && calls_for_rediscovery(&err) => {
                self.directory.invalidate().await;
                let fresh = self.resolve().await?;
                if fresh == route {
                    return Err(err);
                }
                tracing::info!(error = %err, "the route was stale; sending the same leads by the one found now");
                self.send_create(&fresh, members).await
            }
            outcome => outcome,
        }
    }

    /// The create call `member` would go out as now, on the route leads take
    /// (found out when not known yet; finding out creates nothing). The API
    /// key is shown as `[redacted]`.
    pub(crate) async fn preview_create(
        &self,
        member: &Member,
    ) -> Result<CreatePreview, UpstreamError> {
        let route = self.resolve().await?;
        let mut headers = BTreeMap::from([("x-api-key".to_owned(), "[redacted]".to_owned())]);
        if let Some(company) = route.company_header() {
            headers.insert("companyid".to_owned(), company.to_owned());
        }
        Ok(CreatePreview {
            method: "POST",
            url: self.transport.url(&route.path()).to_string(),
            headers,
            body: route.create_body(std::slice::from_ref(member)),
            generation: route.generation().to_string(),
        })
    }

    /// What a failure means for the workspace and how to fix it, naming the config key.
    pub fn diagnose(&self, err: &UpstreamError) -> Diagnosis {
        diagnose(err, &self.setting())
    }

    /// What a `notAddedLeads` reason about the workspace means and how to fix it.
    pub(crate) fn diagnose_not_added(&self, reason: &str) -> Diagnosis {
        diagnose_not_added(reason, &self.setting())
    }

    fn setting(&self) -> Setting {
        Setting {
            key: workspace_key(&self.name),
            endpoint: self.endpoint,
            company_configured: self.directory.company_configured(),
        }
    }

    async fn send_create(
        &self,
        route: &Route,
        members: &[Member],
    ) -> Result<CreateResponse, UpstreamError> {
        let body = route.create_body(members);
        let reply = self
            .transport
            .send(Call {
                op: route.op(),
                method: Method::POST,
                url: self.transport.url(&route.path()),
                company_id: route.company_header(),
                json: Some(&body),
                expects_refusal: false,
            })
            .await
            .map_err(|err| match err {
                UpstreamError::Rejected {
                    status: 404,
                    excerpt,
                } => UpstreamError::RouteMissing {
                    path: format!("POST /{}", route.path().join("/")),
                    excerpt,
                },
                other => other,
            })?;
        let excerpt = excerpt(&reply.body, self.transport.key_for_scrubbing());
        match parse_create_response(&reply.body, members) {
            Ok(results) => Ok(CreateResponse {
                status: reply.status,
                results,
                excerpt,
            }),
            Err(UnreadableResponse::NotJson) => Err(UpstreamError::Transient {
                status: None,
                retry_after: None,
                message: format!(
                    "HTTP {} with a body that is not JSON, so nothing is known to be created: {excerpt}",
                    reply.status
                ),
            }),
            Err(UnreadableResponse::NotSuccessful) => Err(UpstreamError::Rejected {
                status: reply.status,
                excerpt,
            }),
        }
    }
}

/// Whether a create call's failure says the route or the IDs it used are no
/// longer valid: a 404 (the route, or the company in its path, is gone), a
/// 400/422 whose answer names the role or company, or a 403 that names the
/// company (no longer accessible under this key). Finding out again costs a
/// discovery; the leads are only sent again when that finds another route.
fn calls_for_rediscovery(err: &UpstreamError) -> bool {
    match err {
        UpstreamError::RouteMissing { .. } => true,
        UpstreamError::Rejected {
            status: 400 | 422,
            excerpt,
        } => mentions_company_or_role(excerpt),
        UpstreamError::Unauthorized {
            status: 403,
            excerpt,
        } => mentions_company(excerpt),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_routes_are_recognised_from_the_answer() {
        let rejected = |status, excerpt: &str| UpstreamError::Rejected {
            status,
            excerpt: excerpt.into(),
        };
        assert!(calls_for_rediscovery(&UpstreamError::RouteMissing {
            path: "POST /members/bulk-lead".into(),
            excerpt: "Route not found".into()
        }));
        assert!(calls_for_rediscovery(&rejected(
            400,
            r#"{"type":"ValidationError","message":"role not found"}"#
        )));
        assert!(calls_for_rediscovery(&rejected(422, "invalid company")));
        assert!(!calls_for_rediscovery(&rejected(
            400,
            "\"email\" must be a valid email"
        )));
        assert!(calls_for_rediscovery(&UpstreamError::Unauthorized {
            status: 403,
            excerpt: "no access to this company".into()
        }));
        assert!(!calls_for_rediscovery(&UpstreamError::Unauthorized {
            status: 401,
            excerpt: "company".into()
        }));
    }

    #[test]
    fn client_is_send_sync_and_debug_hides_the_key() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<WorkspaceClient>();
        let settings = WorkspaceSettings {
            api_key: Some("sk-top-secret".to_owned().into()),
            ..WorkspaceSettings::default()
        };
        let client = WorkspaceClient::new("default", &settings).unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("sk-top-secret"), "{debug}");
        assert!(debug.contains("[redacted]"));
    }

    #[test]
    fn a_missing_key_or_bad_url_is_a_clear_error() {
        let no_key = WorkspaceClient::new("shop", &WorkspaceSettings::default()).unwrap_err();
        assert!(no_key.to_string().contains("shop") && no_key.to_string().contains("api_key"));
        let bad_url = WorkspaceSettings {
            api_key: Some("k".to_owned().into()),
            api_url: "ftp://x".into(),
            ..WorkspaceSettings::default()
        };
        assert!(WorkspaceClient::new("shop", &bad_url).is_err());
    }
}
