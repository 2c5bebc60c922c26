//! The intake service: one submission, from its request to a stored lead.
//!
//! [`Pipeline::submit`] runs the steps in order: the guards before the body
//! (`admit.rs`: shutdown, origin, the per-IP limit), the body and the sender's
//! proof, the judgement (`judge.rs`: test mode, spam, mapping), and the lead
//! committed to storage (`store.rs`). The routes translate a request into a
//! [`SubmitRequest`] and the [`Submitted`] or [`SubmitError`] into a reply.

mod admit;
mod error;
mod judge;
mod store;
#[cfg(test)]
mod tests;

use std::{
    collections::HashMap,
    future::Future,
    net::IpAddr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use axum::http::HeaderMap;
use bytes::Bytes;
use tokio::sync::Notify;

pub(crate) use error::{BodyError, SubmitError};

use super::RateLimiter;
use crate::{
    agencyhandy::WorkspaceClient,
    clock::Clock,
    config::Settings,
    domain::{LeadId, LeadState},
    funnel::Funnel,
    outbox::LeadIntake,
};

/// Which door a submission came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Door {
    /// `/forms/{form}`: browsers and fetch; CORS, rate limit, redirects.
    Form,
    /// `/hooks/{form}`: servers; token or signature; always JSON; limited by IP
    /// unless the sender authenticates.
    Hook,
}

/// One submission as the service takes it; its body comes separately (see
/// [`Pipeline::submit`]). No `Debug`: its headers may carry a sender's secret.
#[derive(Clone, Copy)]
pub(crate) struct SubmitRequest<'a> {
    /// The form's name (`[forms.NAME]`).
    pub(crate) form_name: &'a str,
    /// The door it came through.
    pub(crate) door: Door,
    /// The client's address (the peer's, or a forwarded one the config trusts).
    pub(crate) client_ip: IpAddr,
    /// The request's headers: content type, origin and referer, user agent,
    /// idempotency key, the sender's token or signature, the test token.
    pub(crate) headers: &'a HeaderMap,
}

/// A stored submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Submitted {
    /// The lead's ID (the first one's, for a replay).
    pub(crate) id: LeadId,
    /// How this submission was judged: pending, spam, held or test.
    pub(crate) state: LeadState,
    /// An earlier lead answered for it (same idempotency key, or a double
    /// click within the dedupe window): nothing new was stored.
    replayed: bool,
    /// The `_next` field, when sent.
    pub(crate) next: Option<String>,
}

impl Submitted {
    /// The received count's outcome label (`accepted`, `spam`, `held`,
    /// `replayed`, `test`).
    pub(crate) fn outcome(&self) -> &'static str {
        match (self.replayed, self.state) {
            (true, _) => "replayed",
            (false, LeadState::Test) => "test",
            (false, LeadState::Spam) => "spam",
            (false, LeadState::Held) => "held",
            (false, _) => "accepted",
        }
    }
}

/// What the service works with, shared with the rest of the application.
pub(crate) struct PipelineParts {
    /// The configuration.
    pub(crate) settings: Arc<Settings>,
    /// Where new leads are stored.
    pub(crate) outbox: Arc<dyn LeadIntake>,
    /// Wakes the delivery worker when a lead to send is stored.
    pub(crate) wake: Arc<Notify>,
    /// The form funnel's counts.
    pub(crate) funnel: Arc<Funnel>,
    /// Each workspace's Agencyhandy client (test leads show what they would send).
    pub(crate) clients: HashMap<String, Arc<WorkspaceClient>>,
    /// The time.
    pub(crate) clock: Clock,
}

/// The intake service (see the module's docs).
pub struct Pipeline {
    parts: PipelineParts,
    /// Per-IP limit on submissions (`server.rate_limit_per_minute`).
    rate_limiter: RateLimiter,
    /// False once shutdown has begun: new submissions are refused.
    accepting: AtomicBool,
}

impl Pipeline {
    /// The service, taking submissions.
    pub(crate) fn new(parts: PipelineParts) -> Self {
        Self {
            rate_limiter: RateLimiter::new(parts.settings.server.rate_limit_per_minute),
            accepting: AtomicBool::new(true),
            parts,
        }
    }

    /// Whether new submissions are taken.
    pub(crate) fn is_accepting(&self) -> bool {
        self.accepting.load(Ordering::Relaxed)
    }

    /// Refuses new submissions from now on (shutdown has begun).
    pub fn stop_accepting(&self) {
        self.accepting.store(false, Ordering::Relaxed);
    }

    /// Takes one submission to a stored lead. `body` reads the request's body;
    /// it is awaited only once the guards that need no body have passed, so a
    /// refused sender's body is never read.
    pub(crate) async fn submit(
        &self,
        request: SubmitRequest<'_>,
        body: impl Future<Output = Result<Bytes, BodyError>>,
    ) -> Result<Submitted, SubmitError> {
        let form = self
            .parts
            .settings
            .forms
            .get(request.form_name)
            .ok_or_else(|| SubmitError::NoSuchForm(request.form_name.to_owned()))?;
        let meta = self.admit(&request, form)?;
        let body = body.await?;
        self.authenticate(&request, form, &body)?;
        let judged = self.judge(&request, form, &meta, body).await?;
        let lead = self.new_lead(&request, form, &meta, &judged)?;
        let enqueued = self.store(request.form_name, lead).await?;
        Ok(Submitted {
            id: enqueued.id,
            state: judged.state(),
            replayed: !enqueued.created,
            next: judged.next,
        })
    }
}
