//! One submission through intake: guards (shutdown, origin, rate, auth), the
//! body, test mode, spam, mapping, then the lead committed to storage.

use std::net::SocketAddr;

use axum::{
    body::Body,
    http::{header, HeaderMap},
};
use serde::Serialize;
use serde_json::value::to_raw_value;

use super::{
    cors,
    forms::Door,
    reply::Status,
    request::{dedupe_hash, idempotency_key, read_body, request_meta},
};
use crate::{
    config::FormSettings,
    domain::{LeadId, LeadState},
    error::ApiError,
    intake::{self, auth, spam, test_mode, Limits, Submission, SubmissionMeta},
    mapping,
    outbox::{now_ms, NewLead},
    startup::AppState,
};

/// What is kept of a request beside its lead (`leads show`, `leads remap`,
/// the admin page), serialized straight to the stored text.
#[derive(Serialize)]
struct StoredSubmission<'a> {
    content_type: Option<&'a str>,
    submission: &'a Submission,
    meta: &'a SubmissionMeta,
    spam: Option<String>,
    /// Test leads: the create call the lead would have gone out as.
    #[serde(skip_serializing_if = "Option::is_none")]
    would_send: Option<&'a serde_json::Value>,
}

/// A stored submission, as its reply needs it.
pub struct Accepted {
    /// The lead's ID (the first one's, for a replay).
    pub id: LeadId,
    /// The received count's outcome label (`accepted`, `spam`, `held`,
    /// `replayed`, `test`).
    pub outcome: &'static str,
    /// The `_next` field, when sent.
    pub next: Option<String>,
    /// How the reply says it was stored.
    pub status: Status,
}

pub(super) async fn accept(
    app: &AppState,
    door: Door,
    form_name: &str,
    form: &FormSettings,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Body,
) -> Result<Accepted, ApiError> {
    let (meta, body) = admit(app, door, form, peer, headers, body).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let limits = Limits {
        max_fields: app.settings.server.max_fields,
        max_field_bytes: app.settings.server.max_field_bytes,
    };
    let mut submission = intake::parse_body(content_type, body, limits).await?;
    let test_header = headers
        .get(test_mode::TEST_HEADER)
        .and_then(|v| v.to_str().ok());
    let test = test_mode::take_test_token(form, test_header, &mut submission)
        .map_err(|refused| ApiError::Unauthorized(refused.to_string()))?;
    let next = submission.get("_next").map(str::to_owned);
    let ip = meta.ip.as_deref();
    let verdict = spam::judge(form_name, form, &submission, ip, now_ms(), test).await;
    // A mapping gap the visitor cannot fix is the config's: the lead is held.
    let (member, held) = match mapping::map_submission(&submission, &meta, form) {
        Ok(member) => (Some(member), None),
        Err(_) if verdict.is_some() => (None, None),
        Err(error) if door == Door::Form && error.visitor_can_fix => return Err(error.into()),
        Err(error) => (None, Some(error.reason())),
    };
    let would_send = match (&member, test) {
        (Some(member), true) => {
            let client = app.clients.get(&form.workspace).map(AsRef::as_ref);
            Some(test_mode::would_send(client, member).await)
        }
        _ => None,
    };
    let judged = Judged {
        test,
        verdict,
        member,
        held,
        would_send,
    };
    let stored = StoredSubmission {
        content_type,
        submission: &submission,
        meta: &meta,
        spam: judged.verdict.as_ref().map(spam::SpamVerdict::reason),
        would_send: judged.would_send.as_ref(),
    };
    let lead = new_lead(app, form_name, form, headers, &submission, &stored, &judged)?;
    let (id, outcome) = store(app, form_name, lead).await?;
    Ok(Accepted {
        id,
        outcome,
        next,
        status: judged.status(),
    })
}

/// The checks before the body is read, and the body: not shutting down, an
/// allowed origin, the rate limit, the size limit, the sender's proof.
async fn admit(
    app: &AppState,
    door: Door,
    form: &FormSettings,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Body,
) -> Result<(SubmissionMeta, bytes::Bytes), ApiError> {
    if !app.is_accepting() {
        return Err(ApiError::Unavailable("shutting down; retry shortly".into()));
    }
    let meta = request_meta(app, peer, headers);
    if door == Door::Form {
        cors::check_origin(form, headers)?;
    }
    // Only a `/hooks` sender that proves itself is exempt from the per-IP limit;
    // its proof is judged on the body, so a failed one is counted afterwards.
    let exempt_if_authenticated = door == Door::Hook && auth::is_required(form);
    if !exempt_if_authenticated {
        limit_by_ip(app, &meta)?;
    }
    let body = read_body(headers, body, app.settings.server.max_body_bytes).await?;
    // A form with a token or secret is a door for senders that prove themselves,
    // whichever route they post to.
    if door == Door::Hook || auth::is_required(form) {
        if let Err(refused) = auth::authenticate(form, headers, &body, now_ms() / 1000) {
            if exempt_if_authenticated {
                limit_by_ip(app, &meta)?;
            }
            return Err(ApiError::Unauthorized(refused.to_string()));
        }
    }
    Ok((meta, body))
}

/// What the pipeline made of a submission.
struct Judged {
    test: bool,
    verdict: Option<spam::SpamVerdict>,
    member: Option<mapping::Member>,
    /// Why no lead can be made with today's config, when none can.
    held: Option<String>,
    would_send: Option<serde_json::Value>,
}

impl Judged {
    fn state(&self) -> LeadState {
        match (self.test, &self.verdict, &self.held) {
            (true, _, _) => LeadState::Test,
            (false, Some(_), _) => LeadState::Spam,
            (false, None, Some(_)) => LeadState::Held,
            (false, None, None) => LeadState::Pending,
        }
    }

    /// What the reply says; spam is answered as accepted (bots learn nothing).
    fn status(&self) -> Status {
        match self.state() {
            LeadState::Test => Status::Test,
            LeadState::Held => Status::Held,
            _ => Status::Accepted,
        }
    }

    /// Why the lead is kept back, stored as its last error: a spam verdict
    /// (`CODE: reason`), why it is held, or what a test lead would have become.
    fn reason(&self) -> Option<String> {
        let verdict = self.verdict.as_ref().map(spam::SpamVerdict::note);
        if !self.test {
            return verdict.or_else(|| self.held.clone());
        }
        Some(match (verdict, &self.held) {
            (Some(verdict), _) => format!("test: would be kept as spam ({verdict}); never sent"),
            (None, Some(held)) => format!("test: would be held ({held}); never sent"),
            (None, None) => "test: would be sent to Agencyhandy as shown; never sent".to_owned(),
        })
    }
}

/// The lead to store. A test never answers for a real submission, nor a real
/// one for a test: their idempotency keys and dedupe hashes are kept apart.
fn new_lead(
    app: &AppState,
    form_name: &str,
    form: &FormSettings,
    headers: &HeaderMap,
    submission: &Submission,
    stored: &StoredSubmission<'_>,
    judged: &Judged,
) -> Result<NewLead, ApiError> {
    let member = judged.member.as_ref();
    let email = match member {
        Some(member) => member.email.normalized(),
        None => mapping::email_hint(submission),
    };
    let scope = |text: &str| {
        if judged.test {
            format!("test:{text}")
        } else {
            text.to_owned()
        }
    };
    Ok(NewLead {
        id: LeadId::new(),
        form: form_name.to_owned(),
        workspace: form.workspace.clone(),
        state: judged.state(),
        name: member.map(mapping::Member::full_name).unwrap_or_default(),
        member: to_raw_value(&member).map_err(anyhow::Error::from)?,
        submission: to_raw_value(stored).map_err(anyhow::Error::from)?,
        idempotency_key: idempotency_key(headers).map(|key| scope(&key)),
        dedupe_hash: dedupe_hash(&scope(form_name), &email, submission),
        email,
        reason: judged.reason(),
        dedupe_since_ms: now_ms() - (app.settings.storage.dedupe_window_secs * 1000) as i64,
    })
}

/// Commits the lead, counts it in the funnel, wakes the worker for a lead to
/// send; returns its ID (the first one's, for a replay) and the outcome label.
async fn store(
    app: &AppState,
    form_name: &str,
    lead: NewLead,
) -> Result<(LeadId, &'static str), ApiError> {
    let state = lead.state;
    let enqueued = app.outbox.enqueue(lead).await?;
    if enqueued.created {
        app.funnel.record_new_lead(form_name, state);
    }
    let outcome = match (enqueued.created, state) {
        (false, _) => "replayed",
        (true, LeadState::Test) => {
            tracing::info!(lead_id = %enqueued.id, form = form_name, "stored as a test");
            "test"
        }
        (true, LeadState::Spam) => {
            tracing::info!(lead_id = %enqueued.id, form = form_name, "stored as spam");
            "spam"
        }
        (true, LeadState::Held) => {
            tracing::warn!(
                lead_id = %enqueued.id,
                form = form_name,
                "stored as held: no lead can be made with this form's config (see `leadrelay leads show`)"
            );
            "held"
        }
        (true, _) => {
            app.wake.notify_one();
            tracing::info!(lead_id = %enqueued.id, form = form_name, "lead accepted");
            "accepted"
        }
    };
    Ok((enqueued.id, outcome))
}

/// The per-client-IP limit (`server.rate_limit_per_minute`).
fn limit_by_ip(app: &AppState, meta: &SubmissionMeta) -> Result<(), ApiError> {
    match meta.ip.as_deref().and_then(|ip| ip.parse().ok()) {
        Some(ip) => app.rate_limiter.check(ip).map_err(ApiError::RateLimited),
        None => Ok(()),
    }
}
