//! The Agencyhandy API: finding out which generation a workspace speaks (with
//! its company and client role, cached), creating leads on that route, and
//! saying what a failure means and how to fix it.

mod classify;
mod client;
mod detect;
mod diagnose;
mod directory;
mod discovery;
mod endpoint;
mod fields;
mod probe;
mod response;
mod route;
mod transport;

pub(crate) use classify::mentions_workspace_setting;
pub use client::WorkspaceClient;
pub(crate) use endpoint::{create_body, create_path};
pub(crate) use fields::{canonical_status, LEAD_STATUSES, MAX_SOURCE_CHARS};
pub(crate) use probe::RouteProbe;
pub(crate) use response::CreateResponse;
pub use response::LeadResult;
pub(crate) use route::MAX_BULK_LEADS;
pub use route::{Generation, ResolvedIds, Route};

use std::time::Duration;

/// A failed call to Agencyhandy, classified by what the caller should do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum UpstreamError {
    /// 401/403: the key is wrong or revoked (or, for a 403, lacks access to the
    /// company, or the subscription expired): pause the workspace, spend no attempts.
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
    /// A create call answered 404: the route (or the company in its path) is
    /// not there. Nothing was created.
    #[error("{path} answered HTTP 404: {excerpt}")]
    RouteMissing {
        /// The call, such as `POST /members/bulk-lead`.
        path: String,
        /// Start of the response body.
        excerpt: String,
    },
    /// Another 4xx: Agencyhandy will not take this request as it is.
    #[error("Agencyhandy rejected the request (HTTP {status}): {excerpt}")]
    Rejected {
        /// HTTP status.
        status: u16,
        /// Start of the response body.
        excerpt: String,
    },
    /// Finding out where leads go failed: no company, no client role where the
    /// API needs one, no create route, an answer that is not Agencyhandy's.
    #[error("{problem}; {fix}")]
    Discovery {
        /// What is missing or wrong.
        problem: String,
        /// What to change, naming the config key.
        fix: String,
    },
}

impl UpstreamError {
    /// The HTTP status, when a response came.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { status, .. } | Self::Rejected { status, .. } => Some(*status),
            Self::Transient { status, .. } => *status,
            Self::RouteMissing { .. } => Some(404),
            Self::Discovery { .. } => None,
        }
    }
}
