//! Whether a create route exists, asked without creating anything: the route
//! is sent an empty list of leads, which creates nothing by construction.
//! Any answer but a 404 (Agencyhandy's validation refusing the empty list, as
//! a strict API does) means the route is there.

use reqwest::Method;

use super::{
    route::Route,
    transport::{Call, Transport},
    UpstreamError,
};

/// What a create route answered to an empty list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteProbe {
    /// HTTP status.
    pub status: u16,
    /// Start of the answer (API key scrubbed).
    pub(crate) excerpt: String,
}

/// Whether a route exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Probed {
    /// It answered something other than a 404.
    Exists(RouteProbe),
    /// It answered 404.
    Missing(RouteProbe),
}

/// Probes the route; a refused key or an unavailable API comes back as the error.
pub(super) async fn probe_route(
    transport: &Transport,
    route: &Route,
) -> Result<Probed, UpstreamError> {
    let body = route.create_body(&[]);
    let answer = transport
        .send(Call {
            op: "probe",
            method: Method::POST,
            url: transport.url(&route.path()),
            company_id: route.company_header(),
            json: Some(&body),
            expects_refusal: true,
        })
        .await;
    match answer {
        Ok(reply) => Ok(Probed::Exists(RouteProbe {
            status: reply.status,
            excerpt: super::classify::excerpt(&reply.body, transport.key_for_scrubbing()),
        })),
        Err(UpstreamError::Rejected {
            status: 404,
            excerpt,
        }) => Ok(Probed::Missing(RouteProbe {
            status: 404,
            excerpt,
        })),
        Err(UpstreamError::Rejected { status, excerpt }) => {
            Ok(Probed::Exists(RouteProbe { status, excerpt }))
        }
        Err(other) => Err(other),
    }
}
