use std::fmt;

use reqwest::Method;

use super::{
    classify::excerpt,
    directory::Directory,
    endpoint::{create_body, create_path},
    response::{parse_create_response, UnreadableResponse},
    transport::{Call, Transport},
    CreateResponse, ResolvedIds, UpstreamError,
};
use crate::{
    config::{EndpointKind, WorkspaceSettings},
    mapping::Member,
};

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
            directory: Directory::new(settings),
        })
    }

    /// The configured create endpoint.
    pub fn endpoint(&self) -> EndpointKind {
        self.endpoint
    }

    /// The company and client-role IDs: configured ones as they are, else
    /// discovered (cached with the workspace's TTL; concurrent misses share one
    /// companies call and one roles call).
    #[tracing::instrument(skip_all, fields(workspace = %self.name))]
    pub async fn resolve(&self) -> Result<ResolvedIds, UpstreamError> {
        self.directory.resolve(&self.transport).await
    }

    /// Creates the members in one call to the configured endpoint; `results`
    /// has one entry per member, in order. When Agencyhandy's answer says the
    /// IDs are stale (see [`names_stale_ids`]), they are re-resolved once and,
    /// if that changed them, the call is retried once. An empty slice makes no
    /// call (status 0, no results). A 2xx whose body is not JSON (a proxy's
    /// page, say) proves nothing was created and comes back as `Transient`.
    #[tracing::instrument(skip_all, fields(workspace = %self.name, endpoint = self.endpoint.as_str(), leads = members.len()))]
    pub async fn create_leads(&self, members: &[Member]) -> Result<CreateResponse, UpstreamError> {
        if members.is_empty() {
            return Ok(CreateResponse {
                status: 0,
                results: Vec::new(),
                excerpt: String::new(),
            });
        }
        let ids = self.resolve().await?;
        match self.send_create(&ids, members).await {
            Err(err) if self.directory.discovers() && names_stale_ids(&err) => {
                self.directory.invalidate().await;
                let fresh = self.resolve().await?;
                if fresh == ids {
                    return Err(err);
                }
                tracing::info!(error = %err, "Agencyhandy called the IDs stale; retrying with re-resolved ones");
                self.send_create(&fresh, members).await
            }
            outcome => outcome,
        }
    }

    async fn send_create(
        &self,
        ids: &ResolvedIds,
        members: &[Member],
    ) -> Result<CreateResponse, UpstreamError> {
        let body = create_body(self.endpoint, members, &ids.client_role_id);
        let reply = self
            .transport
            .send(Call {
                op: self.endpoint.as_str(),
                method: Method::POST,
                url: self
                    .transport
                    .url(&create_path(self.endpoint, &ids.company_id)),
                company_id: Some(&ids.company_id),
                json: Some(&body),
            })
            .await?;
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

/// Whether an error from a create call says the company or client role ID is
/// no longer valid: a 404 (the company in the path is gone), a 400/422 whose
/// body names the role or company, or a 403 that names the company (no longer
/// accessible under this key). Re-resolving costs a discovery; the create is
/// only retried when that discovery yields different IDs.
pub(crate) fn names_stale_ids(err: &UpstreamError) -> bool {
    match err {
        UpstreamError::Rejected { status: 404, .. } => true,
        UpstreamError::Rejected {
            status: 400 | 422,
            excerpt,
        } => {
            let lower = excerpt.to_lowercase();
            lower.contains("role") || lower.contains("company")
        }
        UpstreamError::Unauthorized {
            status: 403,
            excerpt,
        } => excerpt.to_lowercase().contains("company"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_ids_are_recognised_from_the_answer() {
        let rejected = |status, excerpt: &str| UpstreamError::Rejected {
            status,
            excerpt: excerpt.into(),
        };
        assert!(names_stale_ids(&rejected(404, "Company not found")));
        assert!(names_stale_ids(&rejected(
            400,
            r#"{"type":"ValidationError","message":"role not found"}"#
        )));
        assert!(names_stale_ids(&rejected(422, "invalid companyId")));
        assert!(!names_stale_ids(&rejected(
            400,
            "\"email\" must be a valid email"
        )));
        assert!(names_stale_ids(&UpstreamError::Unauthorized {
            status: 403,
            excerpt: "no access to this company".into()
        }));
        assert!(!names_stale_ids(&UpstreamError::Unauthorized {
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
