//! The Agencyhandy API: discovery of the company and client role (cached),
//! and the two lead-creating endpoints.

mod classify;
mod client;
mod directory;
mod discovery;
mod endpoint;
mod response;
mod transport;

pub use classify::parse_retry_after;
pub use client::WorkspaceClient;
pub use directory::{Directory, ResolvedIds};
pub use discovery::{pick_client_role, pick_company};
pub use endpoint::wire_member;
pub(crate) use endpoint::{create_body, create_path};
pub use response::{parse_create_response, CreateResponse, LeadResult, UnreadableResponse};

use std::time::Duration;

/// A failed call to Agencyhandy, classified by what the caller should do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// 401/403: the key is wrong or revoked; pause the workspace, spend no attempts.
    #[error("Agencyhandy refused the API key (HTTP {status}): {excerpt}")]
    Unauthorized {
        /// HTTP status.
        status: u16,
        /// Start of the response body.
        excerpt: String,
    },
    /// 408/429/5xx, timeouts, connection errors: try again later.
    #[error("Agencyhandy is unavailable ({}): {message}", status.map_or_else(|| "no response".to_owned(), |s| format!("HTTP {s}")))]
    Transient {
        /// HTTP status, when a response came.
        status: Option<u16>,
        /// The server's `Retry-After`, when given.
        retry_after: Option<Duration>,
        /// What happened.
        message: String,
    },
    /// Another 4xx: Agencyhandy will not take this request as it is.
    #[error("Agencyhandy rejected the request (HTTP {status}): {excerpt}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Start of the response body.
        excerpt: String,
    },
    /// The account has no usable company or client role.
    #[error("{0}")]
    Discovery(String),
}

impl UpstreamError {
    /// The HTTP status, when a response came.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { status, .. } | Self::Rejected { status, .. } => Some(*status),
            Self::Transient { status, .. } => *status,
            Self::Discovery(_) => None,
        }
    }
}
