//! Sending one chunk of a workspace's claimed leads (at most `batch_size`):
//! one create call, a call refused as a whole split in halves until each part
//! goes through or is one lead refused alone, and each lead's share of the
//! answers under the blame rule. Leads refused alone are left for the caller,
//! which holds the workspace's evidence, to judge.

use std::{collections::VecDeque, time::Instant};

use super::{
    blame::{blame_call, share_answer, CallBlame, Share},
    lease::RoundLease,
    outcome::{dead, delivered, duplicate, failed_attempt, Call},
};
use crate::{
    agencyhandy::{CreateResponse, UpstreamError, WorkspaceClient},
    clock::Clock,
    config::DeliverySettings,
    domain::LeadId,
    mapping::Member,
    outbox::{ClaimedLead, DeliveryOutcome},
};

/// A workspace's fault met while sending.
#[derive(Debug, Clone)]
pub(crate) enum Fault {
    /// A call failed for the workspace (or every lead was refused alone).
    Call(UpstreamError),
    /// Agencyhandy did not add leads for a reason about the workspace.
    NotAdded(String),
}

/// A lead refused alone, to be judged against the workspace's evidence.
#[derive(Debug, Clone)]
pub(crate) struct Refusal {
    /// The lead.
    pub(crate) lead: ClaimedLead,
    /// The refused call.
    pub(crate) call: Call,
    /// The refusal, as Agencyhandy answered it.
    pub(crate) error: UpstreamError,
}

/// What sending a chunk produced.
#[derive(Debug, Default)]
pub(crate) struct SendReport {
    /// Outcomes to record (delivered, duplicate, dead, retrying).
    pub(crate) outcomes: Vec<DeliveryOutcome>,
    /// Leads refused alone, to judge.
    pub(crate) refused_alone: Vec<Refusal>,
    /// Leads that wait without an attempt: the workspace's fault, or not sent.
    pub(crate) waiting: Vec<LeadId>,
    /// The workspace's fault, if one was met (sending stopped there).
    pub(crate) fault: Option<Fault>,
    /// Whether a call failed transiently (sending stopped there).
    pub(crate) transient: bool,
    /// Whether a lead went through (created, or already there).
    pub(crate) went_through: bool,
}

/// Leads with the member each is sent as.
type Part = Vec<(ClaimedLead, Member)>;

/// Whether sending goes on after a part's call.
enum Next {
    /// On to the next part.
    Go,
    /// Stop: the rest waits.
    Stop,
}

/// Sends one chunk; see the module docs.
pub(crate) async fn send_chunk(
    client: &WorkspaceClient,
    leads: Vec<ClaimedLead>,
    settings: &DeliverySettings,
    lease: &RoundLease,
    clock: &Clock,
) -> SendReport {
    let mut report = SendReport::default();
    let mut queue: VecDeque<Part> = VecDeque::new();
    let members = readable_members(leads, &mut report, clock.now_ms());
    if !members.is_empty() {
        queue.push_back(members);
    }
    while let Some(part) = queue.pop_front() {
        if !lease.may_send() {
            tracing::warn!(
                leads = part.len() + queue.iter().map(Vec::len).sum::<usize>(),
                "the claim on these leads could not be renewed (storage unreachable?): \
                 leaving them unsent, for this or another worker once the lease ends"
            );
            queue.push_front(part);
            break;
        }
        let (result, timing) = create(client, &part, clock).await;
        let next = match result {
            Ok(response) => {
                let call = timing.call(Some(response.status), response.excerpt.clone());
                let answered_ms = clock.now_ms();
                record_answer(&mut report, part, response, (&call, answered_ms), settings);
                if report.fault.is_some() {
                    Next::Stop
                } else {
                    Next::Go
                }
            }
            Err(err) => {
                let call = timing.call(err.status(), err.to_string());
                let now_ms = clock.now_ms();
                record_failure(&mut report, &mut queue, part, err, (call, now_ms), settings)
            }
        };
        if let Next::Stop = next {
            break;
        }
    }
    report
        .waiting
        .extend(queue.into_iter().flatten().map(|(lead, _)| lead.id));
    report
}

/// When a create call started and how long it took.
struct Timing {
    at_ms: i64,
    duration_ms: u64,
}

impl Timing {
    /// The call as the attempt log keeps it.
    fn call(&self, status: Option<u16>, excerpt: String) -> Call {
        Call {
            at_ms: self.at_ms,
            status,
            excerpt,
            duration_ms: self.duration_ms,
        }
    }
}

/// One create call for `part`, timed.
async fn create(
    client: &WorkspaceClient,
    part: &Part,
    clock: &Clock,
) -> (Result<CreateResponse, UpstreamError>, Timing) {
    let at_ms = clock.now_ms();
    let started = Instant::now();
    let wire: Vec<Member> = part.iter().map(|(_, member)| member.clone()).collect();
    let result = client.create_leads(&wire).await;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    (result, Timing { at_ms, duration_ms })
}

/// A call that failed, by whose fault (rule 1 of the blame rule): a
/// transient failure spends an attempt on each lead; the workspace's makes
/// them wait; a call refused for its leads is split in halves, until the
/// lead refused alone is found. `now_ms` is when the failure was known.
fn record_failure(
    report: &mut SendReport,
    queue: &mut VecDeque<Part>,
    part: Part,
    err: UpstreamError,
    (call, now_ms): (Call, i64),
    settings: &DeliverySettings,
) -> Next {
    match blame_call(&err) {
        CallBlame::Transient => {
            let retry_after = match &err {
                UpstreamError::Transient { retry_after, .. } => *retry_after,
                _ => None,
            };
            report.transient = true;
            for (lead, _) in &part {
                report.outcomes.push(failed_attempt(
                    lead,
                    &call.excerpt,
                    retry_after,
                    settings,
                    &call,
                    now_ms,
                ));
            }
            Next::Stop
        }
        CallBlame::Workspace => {
            report.waiting.extend(part.iter().map(|(lead, _)| lead.id));
            report.fault = Some(Fault::Call(err));
            Next::Stop
        }
        CallBlame::Leads if part.len() > 1 => {
            tracing::info!(leads = part.len(), error = %err, "a call was refused as a whole; splitting it to find the lead(s) at fault");
            let mut first = part;
            let second = first.split_off(first.len() / 2);
            queue.push_front(second);
            queue.push_front(first);
            Next::Go
        }
        CallBlame::Leads => {
            let (lead, _) = part.into_iter().next().expect("a part of one lead");
            report.refused_alone.push(Refusal {
                lead,
                call,
                error: err,
            });
            Next::Go
        }
    }
}

/// The claimed leads whose stored member can be sent; the others are dead.
fn readable_members(
    leads: Vec<ClaimedLead>,
    report: &mut SendReport,
    now_ms: i64,
) -> Vec<(ClaimedLead, Member)> {
    let mut members = Vec::with_capacity(leads.len());
    for lead in leads {
        match serde_json::from_str::<Member>(&lead.member) {
            Ok(member) => members.push((lead, member)),
            Err(error) => {
                let message = format!("no lead can be sent from the stored member ({error}); fix the mapping and run `leadrelay leads remap {}`", lead.id);
                let call = Call {
                    at_ms: now_ms,
                    status: None,
                    excerpt: message.clone(),
                    duration_ms: 0,
                };
                report.outcomes.push(dead(&lead, message, &call));
            }
        }
    }
    members
}

/// Each lead's share of an answered call (rule 2 of the blame rule); the
/// answer came at `now_ms`.
fn record_answer(
    report: &mut SendReport,
    part: Part,
    response: CreateResponse,
    (call, now_ms): (&Call, i64),
    settings: &DeliverySettings,
) {
    let shares = share_answer(response.results);
    for ((lead, _), share) in part.into_iter().zip(
        shares
            .into_iter()
            .chain(std::iter::repeat(Share::Unaccounted)),
    ) {
        let outcome = match share {
            Share::Delivered(member_id) => {
                report.went_through = true;
                delivered(&lead, member_id, call)
            }
            Share::Duplicate(reason) => {
                report.went_through = true;
                duplicate(&lead, reason, call)
            }
            Share::Dead(reason) => {
                dead(&lead, format!("Agencyhandy did not add it: {reason}"), call)
            }
            Share::Waits(reason) => {
                report.waiting.push(lead.id);
                report.fault.get_or_insert(Fault::NotAdded(reason));
                continue;
            }
            Share::Unaccounted => {
                let message = "Agencyhandy's answer did not mention this lead; it is sent again (one that did arrive comes back as a duplicate)";
                failed_attempt(&lead, message, None, settings, call, now_ms)
            }
        };
        report.outcomes.push(outcome);
    }
}
