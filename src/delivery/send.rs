//! Sending one workspace's claimed leads: create calls of up to `batch_size`,
//! a rejected batch split in halves to find the lead(s) at fault, and each
//! lead's outcome (delivered, duplicate, retrying, dead).

use std::{
    collections::VecDeque,
    time::{Duration, Instant},
};

use crate::{
    agencyhandy::{LeadResult, UpstreamError, WorkspaceClient},
    config::DeliverySettings,
    domain::{LeadId, LeadState},
    mapping::Member,
    outbox::{now_ms, AttemptRecord, ClaimedLead, DeliveryOutcome},
};

use super::backoff::next_delay;

/// How a round of sending ended, for the workspace's gate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// Agencyhandy answered (some leads may have been refused).
    Answered,
    /// The key was refused: pause, spend nothing.
    KeyRefused(String),
    /// A transient failure.
    Transient,
}

/// What sending a workspace's leads produced.
#[derive(Debug, Default)]
pub struct SendReport {
    /// Outcomes to record.
    pub outcomes: Vec<DeliveryOutcome>,
    /// Leads not attempted, to return to the queue.
    pub untouched: Vec<LeadId>,
    /// The last signal seen, if any call was made.
    pub signal: Option<Signal>,
}

const EXCERPT_CHARS: usize = 300;

/// Sends one chunk (at most `batch_size` leads of one workspace) in one create
/// call; a rejected chunk is split in halves until the lead(s) at fault are
/// found. Stops early on a refused key or a transient failure.
pub async fn send_chunk(
    client: &WorkspaceClient,
    leads: Vec<ClaimedLead>,
    settings: &DeliverySettings,
) -> SendReport {
    let mut report = SendReport::default();
    let mut members = Vec::with_capacity(leads.len());
    for lead in leads {
        match serde_json::from_value::<Member>(lead.member.clone()) {
            Ok(member) => members.push((lead, member)),
            Err(error) => report.outcomes.push(final_outcome(
                &lead,
                LeadState::Dead,
                None,
                format!("no lead can be sent from the stored member ({error}); fix the mapping and run `leadrelay leads remap {}`", lead.id),
                None,
                0,
            )),
        }
    }
    let mut queue: VecDeque<Vec<(ClaimedLead, Member)>> = VecDeque::new();
    if !members.is_empty() {
        queue.push_back(members);
    }
    while let Some(chunk) = queue.pop_front() {
        let started_ms = now_ms();
        let started = Instant::now();
        let wire: Vec<Member> = chunk.iter().map(|(_, member)| member.clone()).collect();
        let result = client.create_leads(&wire).await;
        let duration_ms = started.elapsed().as_millis() as u64;
        match result {
            Ok(response) => {
                report.signal = Some(Signal::Answered);
                let excerpt = truncate(&response.excerpt);
                let mut results = response.results.into_iter();
                for (lead, _) in &chunk {
                    let result = results.next().unwrap_or(LeadResult::NotAdded {
                        reason: "Agencyhandy's answer did not account for this lead".into(),
                    });
                    let attempt = AttemptRecord {
                        at_ms: started_ms,
                        status: Some(response.status),
                        excerpt: excerpt.clone(),
                        duration_ms,
                    };
                    report.outcomes.push(match result {
                        LeadResult::Created { member_id } => {
                            metrics::counter!("leadrelay_leads_delivered_total").increment(1);
                            outcome(lead, LeadState::Delivered, member_id, None, None, attempt)
                        }
                        LeadResult::Duplicate { reason } => {
                            metrics::counter!("leadrelay_leads_duplicate_total").increment(1);
                            outcome(
                                lead,
                                LeadState::Duplicate,
                                None,
                                Some(reason),
                                None,
                                attempt,
                            )
                        }
                        LeadResult::NotAdded { reason } => {
                            metrics::counter!("leadrelay_leads_dead_total").increment(1);
                            outcome(
                                lead,
                                LeadState::Dead,
                                None,
                                Some(format!("Agencyhandy did not add it: {reason}")),
                                None,
                                attempt,
                            )
                        }
                    });
                }
            }
            Err(UpstreamError::Rejected { status, .. }) if chunk.len() > 1 => {
                tracing::info!(
                    status,
                    leads = chunk.len(),
                    "batch rejected; splitting it to find the lead at fault"
                );
                report.signal = Some(Signal::Answered);
                let mut first = chunk;
                let second = first.split_off(first.len() / 2);
                queue.push_front(second);
                queue.push_front(first);
            }
            Err(UpstreamError::Rejected { status, excerpt }) => {
                report.signal = Some(Signal::Answered);
                let (lead, _) = &chunk[0];
                metrics::counter!("leadrelay_leads_dead_total").increment(1);
                let error = format!(
                    "Agencyhandy rejected this lead (HTTP {status}): {}",
                    truncate(&excerpt)
                );
                report.outcomes.push(final_outcome(
                    lead,
                    LeadState::Dead,
                    Some(status),
                    error,
                    None,
                    duration_ms,
                ));
            }
            Err(UpstreamError::Unauthorized { status, excerpt }) => {
                report.signal = Some(Signal::KeyRefused(format!(
                    "HTTP {status}: {}",
                    truncate(&excerpt)
                )));
                report
                    .untouched
                    .extend(chunk.iter().map(|(lead, _)| lead.id));
                break;
            }
            Err(error) => {
                let retry_after = match &error {
                    UpstreamError::Transient { retry_after, .. } => *retry_after,
                    _ => None,
                };
                report.signal = Some(Signal::Transient);
                let message = truncate(&error.to_string());
                for (lead, _) in &chunk {
                    report.outcomes.push(failed_attempt(
                        lead,
                        &error,
                        &message,
                        retry_after,
                        settings,
                        started_ms,
                        duration_ms,
                    ));
                }
                break;
            }
        }
    }
    report
        .untouched
        .extend(queue.into_iter().flatten().map(|(lead, _)| lead.id));
    report
}

fn failed_attempt(
    lead: &ClaimedLead,
    error: &UpstreamError,
    message: &str,
    retry_after: Option<Duration>,
    settings: &DeliverySettings,
    started_ms: i64,
    duration_ms: u64,
) -> DeliveryOutcome {
    let attempts = lead.attempts + 1;
    let attempt = AttemptRecord {
        at_ms: started_ms,
        status: error.status(),
        excerpt: message.to_owned(),
        duration_ms,
    };
    if attempts >= settings.max_attempts {
        metrics::counter!("leadrelay_leads_dead_total").increment(1);
        let error = format!("gave up after {attempts} attempts; last: {message}");
        return outcome(lead, LeadState::Dead, None, Some(error), None, attempt);
    }
    let delay = next_delay(&settings.backoff_secs, attempts, retry_after);
    let next = now_ms() + delay.as_millis() as i64;
    outcome(
        lead,
        LeadState::Retrying,
        None,
        Some(message.to_owned()),
        Some(next),
        attempt,
    )
}

fn final_outcome(
    lead: &ClaimedLead,
    state: LeadState,
    status: Option<u16>,
    error: String,
    member_id: Option<String>,
    duration_ms: u64,
) -> DeliveryOutcome {
    let attempt = AttemptRecord {
        at_ms: now_ms(),
        status,
        excerpt: truncate(&error),
        duration_ms,
    };
    outcome(lead, state, member_id, Some(error), None, attempt)
}

fn outcome(
    lead: &ClaimedLead,
    state: LeadState,
    member_id: Option<String>,
    error: Option<String>,
    next_attempt_at_ms: Option<i64>,
    attempt: AttemptRecord,
) -> DeliveryOutcome {
    DeliveryOutcome {
        id: lead.id,
        state,
        member_id,
        next_attempt_at_ms,
        error,
        attempt,
    }
}

fn truncate(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
