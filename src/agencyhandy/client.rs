use crate::{
    config::{EndpointKind, WorkspaceSettings},
    mapping::Member,
};

use super::{CreateResponse, ResolvedIds, UpstreamError};

/// The Agencyhandy API of one workspace.
pub struct WorkspaceClient {
    endpoint: EndpointKind,
}

impl WorkspaceClient {
    /// Builds a client from a workspace's settings.
    pub fn new(_name: &str, settings: &WorkspaceSettings) -> anyhow::Result<Self> {
        Ok(Self {
            endpoint: settings.endpoint,
        })
    }

    /// The configured create endpoint.
    pub fn endpoint(&self) -> EndpointKind {
        self.endpoint
    }

    /// The company and client-role IDs (cached; concurrent misses coalesced).
    pub async fn resolve(&self) -> Result<ResolvedIds, UpstreamError> {
        Err(UpstreamError::Discovery("not yet implemented".into()))
    }

    /// Creates the members in one call; `results` has one entry per member, in order.
    pub async fn create_leads(&self, _members: &[Member]) -> Result<CreateResponse, UpstreamError> {
        Err(UpstreamError::Discovery("not yet implemented".into()))
    }
}
