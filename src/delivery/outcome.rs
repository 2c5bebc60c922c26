//! The outcomes a delivery attempt records on a lead, and the metrics that count them.

use std::time::Duration;

use super::backoff::{due_after, next_delay};
use crate::{
    config::DeliverySettings,
    domain::LeadState,
    outbox::{AttemptRecord, ClaimedLead, DeliveryOutcome},
};

/// Longest error or excerpt kept on a lead, in characters.
const EXCERPT_CHARS: usize = 300;

/// One create call, as the attempt log keeps it.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// When it started (unix ms).
    pub(crate) at_ms: i64,
    /// HTTP status, when an answer came.
    pub(crate) status: Option<u16>,
    /// A short excerpt of the answer, or the error.
    pub(crate) excerpt: String,
    /// How long it took.
    pub(crate) duration_ms: u64,
}

impl Call {
    fn attempt(&self) -> AttemptRecord {
        AttemptRecord {
            at_ms: self.at_ms,
            status: self.status,
            excerpt: truncate(&self.excerpt),
            duration_ms: self.duration_ms,
        }
    }
}

/// Agencyhandy created the lead.
pub(crate) fn delivered(
    lead: &ClaimedLead,
    member_id: Option<String>,
    call: &Call,
) -> DeliveryOutcome {
    metrics::counter!("leadrelay_leads_delivered_total").increment(1);
    outcome(lead, LeadState::Delivered, member_id, None, None, call)
}

/// Agencyhandy already had the lead: final.
pub(crate) fn duplicate(lead: &ClaimedLead, reason: String, call: &Call) -> DeliveryOutcome {
    metrics::counter!("leadrelay_leads_duplicate_total").increment(1);
    outcome(lead, LeadState::Duplicate, None, Some(reason), None, call)
}

/// The lead is at fault: no more attempts (kept, replayable).
pub(crate) fn dead(lead: &ClaimedLead, error: String, call: &Call) -> DeliveryOutcome {
    metrics::counter!("leadrelay_leads_dead_total").increment(1);
    outcome(
        lead,
        LeadState::Dead,
        None,
        Some(truncate(&error)),
        None,
        call,
    )
}

/// An attempt that did not land: another is scheduled (`Retry-After` when
/// given, else the backoff), unless it was the last one allowed.
pub(crate) fn failed_attempt(
    lead: &ClaimedLead,
    message: &str,
    retry_after: Option<Duration>,
    settings: &DeliverySettings,
    call: &Call,
    now_ms: i64,
) -> DeliveryOutcome {
    let attempts = lead.attempts + 1;
    let message = truncate(message);
    if attempts >= settings.max_attempts {
        return dead(
            lead,
            format!("gave up after {attempts} attempts; last: {message}"),
            call,
        );
    }
    let delay = next_delay(&settings.backoff_secs, attempts, retry_after);
    let next = due_after(now_ms, delay);
    outcome(
        lead,
        LeadState::Retrying,
        None,
        Some(message),
        Some(next),
        call,
    )
}

fn outcome(
    lead: &ClaimedLead,
    state: LeadState,
    member_id: Option<String>,
    error: Option<String>,
    next_attempt_at_ms: Option<i64>,
    call: &Call,
) -> DeliveryOutcome {
    DeliveryOutcome {
        id: lead.id,
        form: lead.form.clone(),
        state,
        member_id,
        next_attempt_at_ms,
        error,
        attempt: call.attempt(),
    }
}

/// `text`, cut at [`EXCERPT_CHARS`] characters (an ellipsis marks a cut).
fn truncate(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
