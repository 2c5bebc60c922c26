//! Delivering one workspace's claimed leads: through its gate, in chunks, and
//! settling each chunk's report: outcomes recorded, leads refused alone judged
//! by the blame rule, and a workspace's fault turned into a pause whose reason
//! the waiting leads carry.

use std::time::{Duration, Instant};

use super::{
    backoff::due_after,
    blame::{blame_lone, LoneBlame, LoneEvidence},
    gate::{Closed, Gate},
    lease::RoundLease,
    outcome::dead,
    send::{send_chunk, Fault, SendReport},
    Worker,
};
use crate::{
    agencyhandy::{UpstreamError, WorkspaceClient},
    domain::{LeadId, LeadState},
    funnel::Step,
    outbox::{ClaimedLead, DeliveryOutcome},
};

/// Where the rest of a round's leads go when a chunk stops it.
struct Hold {
    due_at_ms: i64,
    reason: Option<String>,
}

/// What is left of a report once its leads refused alone are judged.
#[derive(Default)]
struct Judged {
    outcomes: Vec<DeliveryOutcome>,
    unproven: Vec<(LeadId, Duration, String)>,
    waiting: Vec<LeadId>,
    fault: Option<Fault>,
}

impl Worker {
    /// Sends one workspace's claimed leads; returns how many were attempted.
    pub(super) async fn deliver_workspace(
        &mut self,
        workspace: &str,
        mut leads: Vec<ClaimedLead>,
        lease: &RoundLease,
    ) -> anyhow::Result<usize> {
        let now = Instant::now();
        let per_minute = self.settings.max_per_minute;
        let gate = self
            .gates
            .entry(workspace.to_owned())
            .or_insert_with(|| Gate::new(per_minute, now));
        if let Some((why, until)) = gate.closed_until(now) {
            let reason = waiting_reason(why);
            let due = deadline_ms(until, now, self.clock.now_ms());
            self.queue
                .defer(&self.id, &ids(&leads), due, &reason)
                .await?;
            return Ok(0);
        }
        let (granted, wait) = gate.take_tokens(leads.len(), per_minute, now);
        if let Some(wait) = wait {
            let held = ids(&leads.split_off(granted));
            let due = due_after(self.clock.now_ms(), wait);
            self.queue.unclaim(&self.id, &held, due).await?;
        }
        if leads.is_empty() {
            return Ok(0);
        }
        let Some(client) = self.clients.get(workspace).cloned() else {
            tracing::error!(
                workspace,
                "leads name a workspace that is not configured; holding them"
            );
            let reason = format!("waiting: workspace {workspace:?} is not configured (define [workspaces.{workspace}])");
            self.queue
                .defer(
                    &self.id,
                    &ids(&leads),
                    self.clock.now_ms() + 3_600_000,
                    &reason,
                )
                .await?;
            return Ok(0);
        };
        let batch_size = self.settings.batch_size.max(1);
        let round_started = Instant::now();
        let mut sent = 0;
        while !leads.is_empty() {
            let rest = leads.split_off(leads.len().min(batch_size));
            let chunk = std::mem::replace(&mut leads, rest);
            let report = send_chunk(&client, chunk, &self.settings, lease, &self.clock).await;
            sent += report.outcomes.len() + report.refused_alone.len();
            if let Some(hold) = self
                .settle(workspace, &client, report, round_started)
                .await?
            {
                self.return_leads(&ids(&leads), &hold).await?;
                break;
            }
        }
        Ok(sent)
    }

    /// Records a chunk's outcomes, judges its leads refused alone, and pauses
    /// or backs off the workspace when the chunk says so; `Some` when the rest
    /// of the round must wait.
    async fn settle(
        &mut self,
        workspace: &str,
        client: &WorkspaceClient,
        report: SendReport,
        round_started: Instant,
    ) -> anyhow::Result<Option<Hold>> {
        let now = Instant::now();
        let now_ms = self.clock.now_ms();
        let first = Duration::from_secs(self.settings.pause_secs.max(1));
        let threshold = self.settings.breaker_threshold;
        let gate = self
            .gates
            .get_mut(workspace)
            .expect("gate made before sending");
        if report.went_through && gate.record_success(now).is_some() {
            tracing::info!(workspace, "Agencyhandy takes leads again: delivery resumed");
            set_paused(workspace, false);
        }
        let transient = report.transient;
        let judged = judge(gate, report, round_started, now, first);
        for outcome in &judged.outcomes {
            gate.forget(outcome.id);
        }
        let hold = match &judged.fault {
            Some(fault) => Some(pause_for(
                gate,
                (workspace, client),
                fault,
                (now, now_ms),
                first,
            )),
            None if transient => Some(back_off(gate, workspace, threshold, (now, now_ms), first)),
            None => None,
        };
        // Recorded per create call, so a crash re-sends at most one call's leads.
        if !judged.outcomes.is_empty() {
            let delivered: Vec<String> = judged
                .outcomes
                .iter()
                .filter(|outcome| outcome.state == LeadState::Delivered)
                .map(|outcome| outcome.form.clone())
                .collect();
            self.queue.record(&self.id, judged.outcomes).await?;
            for form in delivered {
                self.funnel.record(&form, Step::Delivered);
            }
        }
        for (id, wait, reason) in &judged.unproven {
            let due = due_after(self.clock.now_ms(), *wait);
            self.queue.defer(&self.id, &[*id], due, reason).await?;
        }
        if !judged.waiting.is_empty() {
            let now_hold = Hold {
                due_at_ms: self.clock.now_ms(),
                reason: None,
            };
            self.return_leads(&judged.waiting, hold.as_ref().unwrap_or(&now_hold))
                .await?;
        }
        Ok(hold)
    }

    /// Returns claimed leads to the queue as `hold` says, with its reason when it has one.
    async fn return_leads(&self, ids: &[LeadId], hold: &Hold) -> anyhow::Result<()> {
        match &hold.reason {
            Some(reason) => {
                self.queue
                    .defer(&self.id, ids, hold.due_at_ms, reason)
                    .await?
            }
            None => self.queue.unclaim(&self.id, ids, hold.due_at_ms).await?,
        }
        Ok(())
    }
}

/// Pauses the workspace for its fault: one error log per pause, the gauge at
/// 1, and the reason and fix for the waiting leads.
fn pause_for(
    gate: &mut Gate,
    (workspace, client): (&str, &WorkspaceClient),
    fault: &Fault,
    (now, now_ms): (Instant, i64),
    first: Duration,
) -> Hold {
    let diagnosis = match fault {
        Fault::Call(err) => client.diagnose(err),
        Fault::NotAdded(reason) => client.diagnose_not_added(reason),
    };
    let shown = diagnosis.to_string();
    let (until, newly) = gate.pause(now, first, &shown, &diagnosis.fix);
    let retry_in_secs = until.saturating_duration_since(now).as_secs();
    if newly {
        tracing::error!(workspace, reason = %diagnosis.reason, fix = %diagnosis.fix, retry_in_secs,
            "delivery to this workspace is paused: its leads wait, spending no attempt, and go out by themselves once Agencyhandy takes them");
    } else {
        tracing::info!(workspace, retry_in_secs, "workspace still paused");
    }
    set_paused(workspace, true);
    Hold {
        due_at_ms: deadline_ms(until, now, now_ms),
        reason: Some(waiting_reason(&Closed::Paused(shown))),
    }
}

/// After a transient failure: the breaker may open; the rest waits a little at least.
fn back_off(
    gate: &mut Gate,
    workspace: &str,
    threshold: u32,
    (now, now_ms): (Instant, i64),
    first: Duration,
) -> Hold {
    if gate.record_transient(now, threshold, first) {
        tracing::warn!(
            workspace,
            pause_secs = first.as_secs(),
            "Agencyhandy keeps failing: backing off the whole workspace"
        );
        set_paused(workspace, true);
    }
    match gate.closed_until(now) {
        Some((why, until)) => Hold {
            due_at_ms: deadline_ms(until, now, now_ms),
            reason: Some(waiting_reason(why)),
        },
        // The next chunk would most likely fail the same way: let it wait a little.
        None => Hold {
            due_at_ms: now_ms + 1000,
            reason: None,
        },
    }
}

/// Judges the leads refused alone (rule 3 of the blame rule) against the gate's evidence.
fn judge(
    gate: &mut Gate,
    report: SendReport,
    round_started: Instant,
    now: Instant,
    first: Duration,
) -> Judged {
    let SendReport {
        outcomes,
        refused_alone,
        waiting,
        fault,
        went_through,
        ..
    } = report;
    let mut judged = Judged {
        outcomes,
        waiting,
        fault,
        ..Judged::default()
    };
    let others_went_through = went_through || gate.success_since(round_started);
    let refused = refused_alone.len();
    for refusal in refused_alone {
        let id = refusal.lead.id;
        if judged.fault.is_some() {
            judged.waiting.push(id);
            continue;
        }
        let evidence = LoneEvidence {
            others_went_through,
            went_through_since_refused: gate.went_through_since_refused(id),
            others_refused: refused > 1 || gate.others_unproven(id),
        };
        match blame_lone(evidence) {
            LoneBlame::Lead => judged.outcomes.push(dead(
                &refusal.lead,
                format!(
                    "Agencyhandy refused this lead while other leads went through: {}",
                    refusal.error
                ),
                &refusal.call,
            )),
            LoneBlame::Workspace => {
                judged.waiting.push(id);
                judged.fault = Some(Fault::Call(refusal.error));
            }
            LoneBlame::Unproven => {
                let wait = gate.mark_unproven(id, now, first);
                tracing::warn!(lead = %id, error = %refusal.error, retry_in_secs = wait.as_secs(),
                    "Agencyhandy refused a lead sent alone: it waits, spending no attempt, until other leads show whether it or the workspace is at fault");
                judged
                    .unproven
                    .push((id, wait, unproven_reason(&refusal.error)));
            }
        }
    }
    judged
}

fn unproven_reason(err: &UpstreamError) -> String {
    format!(
        "waiting: Agencyhandy refused this lead, sent alone ({err}); no attempt spent. It is dead if other leads go through while it is refused; if they are refused too, the workspace pauses"
    )
}

/// What a waiting lead shows as its last error.
fn waiting_reason(why: &Closed) -> String {
    match why {
        Closed::Paused(diagnosis) => format!(
            "waiting, workspace paused (no attempt spent): {diagnosis}"
        ),
        Closed::BreakerOpen => "waiting: Agencyhandy kept failing, so this workspace is backed off for a while (tried again by itself)".to_owned(),
    }
}

fn set_paused(workspace: &str, paused: bool) {
    metrics::gauge!("leadrelay_workspace_paused", "workspace" => workspace.to_owned())
        .set(if paused { 1.0 } else { 0.0 });
}

fn ids(leads: &[ClaimedLead]) -> Vec<LeadId> {
    leads.iter().map(|lead| lead.id).collect()
}

/// The wall-clock moment of `until`, `now` being `now_ms`.
fn deadline_ms(until: Instant, now: Instant, now_ms: i64) -> i64 {
    due_after(now_ms, until.saturating_duration_since(now))
}
