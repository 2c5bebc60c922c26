//! The lead made of a judged submission, and its storing.

use axum::http::header;
use serde::Serialize;
use serde_json::value::to_raw_value;

use super::{judge::Judged, Pipeline, SubmitError, SubmitRequest};
use crate::{
    config::FormSettings,
    domain::{LeadId, LeadState},
    intake::{dedupe::Sameness, spam, Submission, SubmissionMeta},
    mapping,
    outbox::{Enqueued, NewLead},
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

impl Pipeline {
    /// The lead to store.
    pub(super) fn new_lead(
        &self,
        request: &SubmitRequest<'_>,
        form: &FormSettings,
        meta: &SubmissionMeta,
        judged: &Judged,
    ) -> Result<NewLead, SubmitError> {
        let stored = StoredSubmission {
            content_type: request
                .headers
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok()),
            submission: &judged.submission,
            meta,
            spam: judged.verdict.as_ref().map(spam::SpamVerdict::reason),
            would_send: judged.would_send.as_ref(),
        };
        let member = judged.member.as_ref();
        let email = match member {
            Some(member) => member.email.normalized(),
            None => mapping::email_hint(&judged.submission),
        };
        let sameness = Sameness::of(
            request.form_name,
            &email,
            &judged.submission,
            request.headers,
            judged.test,
            self.parts.clock.now_ms(),
            self.parts.settings.storage.dedupe_window_secs,
        );
        Ok(NewLead {
            id: LeadId::new(),
            form: request.form_name.to_owned(),
            workspace: form.workspace.clone(),
            state: judged.state(),
            name: member.map(mapping::Member::full_name).unwrap_or_default(),
            member: to_raw_value(&member).map_err(anyhow::Error::from)?,
            submission: to_raw_value(&stored).map_err(anyhow::Error::from)?,
            idempotency_key: sameness.idempotency_key,
            dedupe_hash: sameness.dedupe_hash,
            email,
            reason: judged.reason(),
            dedupe_since_ms: sameness.dedupe_since_ms,
        })
    }

    /// Commits the lead, counts it in the funnel, wakes the worker for a lead
    /// to send; says which lead answers for it (the first one's, for a replay).
    pub(super) async fn store(
        &self,
        form_name: &str,
        lead: NewLead,
    ) -> Result<Enqueued, SubmitError> {
        let state = lead.state;
        let enqueued = self.parts.outbox.enqueue(lead).await?;
        if !enqueued.created {
            return Ok(enqueued);
        }
        self.parts.funnel.record_new_lead(form_name, state);
        let lead_id = enqueued.id;
        match state {
            LeadState::Test => tracing::info!(%lead_id, form = form_name, "stored as a test"),
            LeadState::Spam => tracing::info!(%lead_id, form = form_name, "stored as spam"),
            LeadState::Held => tracing::warn!(
                %lead_id,
                form = form_name,
                "stored as held: no lead can be made with this form's config (see `leadrelay leads show`)"
            ),
            _ => {
                self.parts.wake.notify_one();
                tracing::info!(%lead_id, form = form_name, "lead accepted");
            }
        }
        Ok(enqueued)
    }
}
