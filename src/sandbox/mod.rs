//! A faithful in-process Agencyhandy fake, for `demo` and for tests.
//!
//! A real HTTP server on `127.0.0.1:0` serving one generation of Agencyhandy's
//! API at a time (switchable while it runs), as strict as that generation's
//! docs. Routes a generation lacks answer `404 {"type": "NotFoundError"}`.
//! `x-api-key` must match (else `401 {"type": "PermissionError"}`). Two
//! companies ("Sandbox Agency", then "Other Agency"); per company four roles
//! with the client role third and every inner `role._id` different from the
//! outer `_id`.
//!
//! - 2023 ([`Generation::CompanyBulkClient`]): `/accounts/companies`, `/roles`
//!   (`companyid` required: missing → 400, unknown → 403) and
//!   `POST /company/{id}/members/bulk-client` with `{"members": [...]}`; each
//!   member's `role` must be the OUTER client role `_id` (else `400
//!   ValidationError` "role not found"), `isConvertedClient` present and
//!   false, `email` valid. No `/members/bulk-lead`.
//! - 2026-06 ([`Generation::BulkLeadWithRole`]): `POST /members/bulk-lead`
//!   with `companyid`, a bare array of 1–200 leads, each as above plus
//!   `firstName` and `lastName`. No company-scoped route.
//! - 2026-07 ([`Generation::BulkLead`], the default): `POST /members/bulk-lead`
//!   with the key alone; each lead needs `type`, a valid `email` and one of
//!   the six statuses; `leadValue` a string, `customFields` typed items,
//!   `category` label IDs that exist (else not added: "One or more category
//!   not found"); other fields are kept as sent. No `/roles`, no
//!   company-scoped route. `POST /members/bulk-client` creates CLIENTS (kept
//!   apart, see [`Sandbox::clients`]).
//!
//! An e-mail created once exists from then on. Existing e-mails are skipped,
//! not errors, and listed in `notAddedLeads` (`reason: "Email already
//! exists"`): under `data` on 2026-07, at the top level beside the older
//! generations' `{"message", "createdMembers": [{_id, name, status, role}]}`.
//! 201 when something was created, 200 when everything was skipped.

mod create;
mod routes;
mod state;
mod validate;

use std::{fmt, net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use self::state::{Failures, Shared};
pub use crate::agencyhandy::Generation;

/// How a sandbox starts.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    /// The only API key accepted.
    pub api_key: String,
    /// Delay before every API answer.
    pub latency: Duration,
    /// The generation of the API served (the newest by default).
    pub generation: Generation,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            api_key: "sandbox-key".into(),
            latency: Duration::ZERO,
            generation: Generation::BulkLead,
        }
    }
}

/// Calls the sandbox received (authenticated or not, served or 404).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SandboxStats {
    /// `GET /accounts/companies` calls.
    pub companies_calls: usize,
    /// `GET /roles` calls.
    pub roles_calls: usize,
    /// Calls carrying leads to a lead-creating route (company-scoped or
    /// bulk-lead), whatever their outcome.
    pub create_calls: usize,
    /// Calls carrying an empty list to a lead-creating route (route probes).
    pub probe_calls: usize,
    /// `POST /members/bulk-client` calls (the 2026-07 route that creates clients).
    pub bulk_client_calls: usize,
    /// API calls answered with a 4xx (bad key, validation, a route not served, injected 4xx).
    pub rejected_calls: usize,
}

/// A running sandbox. Clones share it; it stops on [`Sandbox::shutdown`],
/// when the last clone is dropped, or when the tokio runtime ends.
#[derive(Clone)]
pub struct Sandbox {
    shared: Arc<Shared>,
    server: Arc<Server>,
}

struct Server {
    addr: SocketAddr,
    stop: CancellationToken,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sandbox").field("url", &self.url()).finish()
    }
}

impl Sandbox {
    /// Starts a sandbox on `127.0.0.1:0` with the default options.
    pub async fn start() -> anyhow::Result<Sandbox> {
        Self::start_with(SandboxOptions::default()).await
    }

    /// Starts a sandbox on `127.0.0.1:0`.
    pub async fn start_with(opts: SandboxOptions) -> anyhow::Result<Sandbox> {
        let shared = Arc::new(Shared::new(opts.api_key, opts.latency, opts.generation));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("failed to bind the sandbox listener")?;
        let addr = listener
            .local_addr()
            .context("failed to read the sandbox address")?;
        let stop = CancellationToken::new();
        let app = routes::router(shared.clone());
        let stopped = stop.clone().cancelled_owned();
        tokio::spawn(async move {
            if let Err(err) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::error!(error = %err, "the sandbox server failed");
            }
        });
        Ok(Sandbox {
            shared,
            server: Arc::new(Server { addr, stop }),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr)
    }

    /// The API key it accepts.
    pub fn api_key(&self) -> &str {
        &self.shared.api_key
    }

    /// The first company's `_id`.
    pub fn company_id(&self) -> &str {
        &self.shared.companies[0].id
    }

    /// The `_id` of the company with this name (ignoring case).
    pub fn company_id_named(&self, name: &str) -> Option<&str> {
        let name = name.to_lowercase();
        self.shared
            .companies
            .iter()
            .find(|c| c.name.to_lowercase() == name)
            .map(|c| c.id.as_str())
    }

    /// The OUTER `_id` of the first company's client role, as it was at start
    /// (see [`Sandbox::rotate_client_role`]).
    pub fn client_role_id(&self) -> &str {
        &self.shared.initial_client_role_id
    }

    /// The inner `role._id` of the first company's client role: the trap.
    pub fn client_role_inner_id(&self) -> String {
        let state = self.shared.lock();
        state
            .client_role(self.company_id())
            .map(|r| r.inner_id.clone())
            .unwrap_or_default()
    }

    /// Recreates the first company's client role with new IDs (the old outer
    /// `_id` is "role not found" from now on); returns the new outer `_id`.
    pub fn rotate_client_role(&self) -> String {
        let company_id = self.company_id().to_owned();
        self.shared
            .lock()
            .rotate_client_role(&company_id)
            .unwrap_or_default()
    }

    /// The generation of the API served now.
    pub fn generation(&self) -> Generation {
        self.shared.lock().generation
    }

    /// Serves another generation from now on (the API changing under a running relay).
    pub fn set_generation(&self, generation: Generation) {
        self.shared.lock().generation = generation;
    }

    /// A label (category) ID that exists.
    pub fn category_id(&self) -> String {
        let state = self.shared.lock();
        state.categories.iter().next().cloned().unwrap_or_default()
    }

    /// Makes a label (category) ID exist.
    pub fn add_category(&self, id: &str) {
        self.shared.lock().categories.insert(id.to_owned());
    }

    /// While missing, the first company has no role named "client" (it is "customer").
    pub fn set_client_role_missing(&self, missing: bool) {
        let company_id = self.company_id().to_owned();
        self.shared
            .lock()
            .set_client_role_missing(&company_id, missing);
    }

    /// Members created as clients by `POST /members/bulk-client` (leadrelay must never call it).
    pub fn clients(&self) -> Vec<Value> {
        self.shared.lock().clients.clone()
    }

    /// Every member accepted, in order, as sent (plus the `_id` given to it).
    pub fn leads(&self) -> Vec<Value> {
        self.shared.lock().leads.clone()
    }

    /// How many members were accepted so far (cheap: nothing is cloned).
    pub fn lead_count(&self) -> usize {
        self.shared.lock().leads.len()
    }

    /// The e-mails of [`Sandbox::leads`], in order.
    pub fn lead_emails(&self) -> Vec<String> {
        let state = self.shared.lock();
        state
            .leads
            .iter()
            .filter_map(|lead| lead.get("email")?.as_str().map(str::to_owned))
            .collect()
    }

    /// The e-mails that came in more than one valid create call (created or
    /// skipped), with how many: a lead sent twice shows here.
    pub fn emails_sent_more_than_once(&self) -> Vec<(String, usize)> {
        let mut twice: Vec<(String, usize)> = self
            .shared
            .lock()
            .received
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(email, n)| (email.clone(), *n))
            .collect();
        twice.sort();
        twice
    }

    /// The calls received so far.
    pub fn stats(&self) -> SandboxStats {
        self.shared.lock().stats
    }

    /// The next `n` create calls answer `status` (with `Retry-After` when given).
    pub fn fail_next(&self, n: usize, status: u16, retry_after: Option<String>) {
        self.shared.lock().failures = (n > 0).then_some(Failures {
            remaining: n,
            status,
            retry_after,
        });
    }

    /// While revoked, every API call answers `401 PermissionError`.
    pub fn set_key_revoked(&self, revoked: bool) {
        self.shared.lock().revoked = revoked;
    }

    /// Any create call containing this e-mail answers `400 ValidationError`
    /// (naming the lead's e-mail, no workspace setting).
    pub fn reject_email(&self, email: &str) {
        self.shared
            .lock()
            .rejected
            .insert(email.trim().to_lowercase());
    }

    /// Undoes [`Sandbox::reject_email`]: creates with this e-mail succeed again.
    pub fn accept_email(&self, email: &str) {
        self.shared
            .lock()
            .rejected
            .remove(&email.trim().to_lowercase());
    }

    /// Creates skip this e-mail, listing it in `notAddedLeads` with `reason`.
    pub fn skip_email(&self, email: &str, reason: &str) {
        self.shared
            .lock()
            .skipped
            .insert(email.trim().to_lowercase(), reason.to_owned());
    }

    /// Makes this e-mail exist already: creates skip it as a duplicate.
    pub fn add_existing_email(&self, email: &str) {
        self.shared
            .lock()
            .existing
            .insert(email.trim().to_lowercase());
    }

    /// Delay before every API answer from now on.
    pub fn set_latency(&self, d: Duration) {
        self.shared.lock().latency = d;
    }

    /// The same routes, for mounting in another app; plus `GET /_sandbox/leads`.
    pub fn router(&self) -> axum::Router {
        routes::router(self.shared.clone())
    }

    /// Stops the server (connections in flight are finished).
    pub fn shutdown(&self) {
        self.server.stop.cancel();
    }
}
