//! The route of a workspace: fixed by its config, or found out and cached
//! (moka, TTL, concurrent misses coalesced into one discovery), logged when
//! first found and again whenever it changes.

use std::{
    sync::{Mutex, PoisonError},
    time::Duration,
};

use moka::future::Cache;

use super::{
    detect::{discover, Setup},
    route::Route,
    transport::Transport,
    UpstreamError,
};
use crate::config::{workspace_key, WorkspaceSettings};

/// Cache of a workspace's route.
pub(crate) struct Directory {
    setup: Setup,
    cache: Cache<(), Route>,
    announced: Mutex<Option<Route>>,
}

impl Directory {
    /// A directory for a workspace's settings (empty configured IDs count as absent).
    pub(crate) fn new(workspace: &str, settings: &WorkspaceSettings) -> Self {
        let configured = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        Self {
            setup: Setup {
                key: workspace_key(workspace),
                endpoint: settings.endpoint,
                company_id: configured(&settings.company_id),
                company_name: configured(&settings.company_name),
                client_role_id: configured(&settings.client_role_id),
            },
            cache: Cache::builder()
                .max_capacity(1)
                // A zero TTL would disable coalescing too; one second keeps bursts to one call.
                .time_to_live(Duration::from_secs(settings.cache_ttl_secs.max(1)))
                .build(),
            announced: Mutex::new(None),
        }
    }

    /// The route: fixed by config, else from the cache or one coalesced discovery.
    pub(crate) async fn resolve(&self, transport: &Transport) -> Result<Route, UpstreamError> {
        if let Some(route) = self.setup.fixed_route() {
            return Ok(route);
        }
        self.cache
            .try_get_with((), async {
                let route = discover(transport, &self.setup).await?;
                self.announce(&route);
                Ok::<_, UpstreamError>(route)
            })
            .await
            .map_err(|err| (*err).clone())
    }

    /// Forgets the discovered route, so that the next [`Directory::resolve`] asks Agencyhandy again.
    pub(crate) async fn invalidate(&self) {
        self.cache.invalidate(&()).await;
    }

    /// Whether anything is found out (finding out again can change nothing otherwise).
    pub(crate) fn discovers(&self) -> bool {
        self.setup.fixed_route().is_none()
    }

    /// Whether the company ID is configured (rather than discovered).
    pub(crate) fn company_configured(&self) -> bool {
        self.setup.company_id.is_some()
    }

    /// Logs the route when it is new or differs from the last one found (the
    /// caller's span names the workspace).
    fn announce(&self, route: &Route) {
        let mut last = self
            .announced
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        match last.as_ref() {
            None => tracing::info!(
                generation = %route.generation(),
                create = %route,
                "found Agencyhandy's API: leads go by this route"
            ),
            Some(previous) if previous != route => tracing::warn!(
                generation = %route.generation(),
                previous = %previous.generation(),
                create = %route,
                "Agencyhandy's API changed: leads now go by this route"
            ),
            Some(_) => {
                tracing::debug!(create = %route, "Agencyhandy's route confirmed")
            }
        }
        *last = Some(route.clone());
    }
}
