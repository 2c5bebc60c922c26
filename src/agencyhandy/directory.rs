//! The company and client-role IDs of a workspace: configured, or discovered
//! and cached (moka, TTL, concurrent misses coalesced into one discovery).

use std::time::Duration;

use moka::future::Cache;
use reqwest::Method;
use serde_json::Value;

use super::{
    classify::excerpt,
    discovery::{pick_client_role, pick_company},
    transport::{Call, Transport},
    UpstreamError,
};
use crate::config::WorkspaceSettings;

/// The IDs lead creation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedIds {
    /// The company's `_id`.
    pub company_id: String,
    /// The client role's OUTER `_id`.
    pub client_role_id: String,
}

/// Cache of resolved IDs: what is configured is used as is; what is not is
/// discovered once per TTL, however many callers ask at the same moment.
pub struct Directory {
    company_id: Option<String>,
    company_name: Option<String>,
    client_role_id: Option<String>,
    cache: Cache<(), ResolvedIds>,
}

impl Directory {
    /// A directory for a workspace's settings (empty configured IDs count as absent).
    pub fn new(settings: &WorkspaceSettings) -> Self {
        let configured = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Self {
            company_id: configured(&settings.company_id),
            company_name: configured(&settings.company_name),
            client_role_id: configured(&settings.client_role_id),
            cache: Cache::builder()
                .max_capacity(1)
                // A zero TTL would disable coalescing too; one second keeps bursts to one call.
                .time_to_live(Duration::from_secs(settings.cache_ttl_secs.max(1)))
                .build(),
        }
    }

    /// The IDs: configured ones directly, else from the cache or one coalesced discovery.
    pub(crate) async fn resolve(
        &self,
        transport: &Transport,
    ) -> Result<ResolvedIds, UpstreamError> {
        if let (Some(company_id), Some(client_role_id)) = (&self.company_id, &self.client_role_id) {
            return Ok(ResolvedIds {
                company_id: company_id.clone(),
                client_role_id: client_role_id.clone(),
            });
        }
        self.cache
            .try_get_with((), self.discover(transport))
            .await
            .map_err(|err| (*err).clone())
    }

    /// Forgets discovered IDs, so that the next [`Directory::resolve`] asks Agencyhandy again.
    pub async fn invalidate(&self) {
        self.cache.invalidate(&()).await;
    }

    /// Whether anything is discovered (re-resolving can change nothing otherwise).
    pub fn discovers(&self) -> bool {
        self.company_id.is_none() || self.client_role_id.is_none()
    }

    async fn discover(&self, transport: &Transport) -> Result<ResolvedIds, UpstreamError> {
        let company_id = match &self.company_id {
            Some(id) => id.clone(),
            None => {
                let body =
                    get_json(transport, "companies", &["accounts", "companies"], None).await?;
                pick_company(&body, self.company_name.as_deref())?
            }
        };
        let client_role_id = match &self.client_role_id {
            Some(id) => id.clone(),
            None => {
                let body = get_json(transport, "roles", &["roles"], Some(&company_id)).await?;
                pick_client_role(&body)?
            }
        };
        tracing::info!(%company_id, %client_role_id, "resolved Agencyhandy company and client role");
        Ok(ResolvedIds {
            company_id,
            client_role_id,
        })
    }
}

/// `GET`s a discovery listing and parses it as JSON.
#[tracing::instrument(skip_all, fields(op = op))]
async fn get_json(
    transport: &Transport,
    op: &'static str,
    segments: &[&str],
    company_id: Option<&str>,
) -> Result<Value, UpstreamError> {
    let mut url = transport.url(segments);
    if op == "roles" {
        url.query_pairs_mut().append_pair("type", "company");
    }
    let path = url.path().to_owned();
    let reply = transport
        .send(Call {
            op,
            method: Method::GET,
            url,
            company_id,
            json: None,
        })
        .await?;
    serde_json::from_slice(&reply.body).map_err(|_| {
        UpstreamError::Discovery(format!(
            "GET {path} at {} answered HTTP {} but not with JSON (is api_url right?): {}",
            transport.base(),
            reply.status,
            excerpt(&reply.body, transport.key_for_scrubbing())
        ))
    })
}
