//! The delivery worker: claim due leads, send them per workspace in batches,
//! record each outcome, back off. Woken by new leads through a `Notify`.

mod backoff;
mod gate;
mod send;

pub use backoff::{backoff_delay, next_delay};

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use self::{
    gate::{Closed, Gate},
    send::{send_leads, Signal},
};
use crate::{
    agencyhandy::WorkspaceClient,
    config::{DeliverySettings, Settings},
    domain::LeadId,
    outbox::{now_ms, ClaimedLead, Outbox},
};

/// What one round of [`Worker::try_deliver_batch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOutcome {
    /// Nothing was due.
    Idle,
    /// Leads were claimed; `sent` of them were attempted.
    Worked {
        /// Leads attempted (others went back to the queue).
        sent: usize,
    },
}

/// Delivers stored leads to Agencyhandy until cancelled.
pub struct Worker {
    id: String,
    outbox: Arc<dyn Outbox>,
    clients: HashMap<String, Arc<WorkspaceClient>>,
    settings: DeliverySettings,
    retention: Duration,
    wake: Arc<Notify>,
    cancel: CancellationToken,
    gates: HashMap<String, Gate>,
}

const PURGE_EVERY: Duration = Duration::from_secs(3600);

impl Worker {
    /// A worker for every configured workspace.
    pub fn new(
        settings: &Settings,
        outbox: Arc<dyn Outbox>,
        wake: Arc<Notify>,
        cancel: CancellationToken,
    ) -> anyhow::Result<Self> {
        let clients = settings
            .workspace_list()
            .map(|(name, ws)| Ok((name.to_owned(), Arc::new(WorkspaceClient::new(name, ws)?))))
            .collect::<anyhow::Result<_>>()?;
        Ok(Self {
            id: format!("{}-{}", hostname(), uuid::Uuid::now_v7().simple()),
            outbox,
            clients,
            settings: settings.delivery.clone(),
            retention: Duration::from_secs(u64::from(settings.storage.retention_days) * 86_400),
            wake,
            cancel,
            gates: HashMap::new(),
        })
    }

    /// Runs until the cancellation token fires; a batch in progress is finished first.
    pub async fn run(mut self) {
        match self.outbox.recover_abandoned().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                leads = n,
                "re-queued leads left in flight by a previous run"
            ),
            Err(error) => {
                tracing::error!(error = %error.0, "failed to re-queue leads left in flight")
            }
        }
        let mut last_purge: Option<Instant> = None;
        let poll = Duration::from_millis(self.settings.poll_interval_ms.max(10));
        while !self.cancel.is_cancelled() {
            if last_purge.is_none_or(|at| at.elapsed() >= PURGE_EVERY) {
                self.purge_old_submissions().await;
                last_purge = Some(Instant::now());
            }
            let wait = match self.try_deliver_batch().await {
                Ok(BatchOutcome::Worked { sent }) if sent > 0 => continue,
                Ok(_) => match self.outbox.next_due_at().await {
                    Ok(Some(due)) => {
                        Duration::from_millis((due - now_ms()).max(0) as u64).min(poll)
                    }
                    Ok(None) => poll,
                    Err(_) => poll,
                },
                Err(error) => {
                    tracing::error!(error = %error, "delivery round failed; retrying shortly");
                    poll
                }
            };
            tokio::select! {
                () = self.wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
                () = self.cancel.cancelled() => {}
            }
        }
        tracing::info!("delivery worker stopped");
    }

    /// Claims due leads and sends them, one workspace at a time.
    pub async fn try_deliver_batch(&mut self) -> anyhow::Result<BatchOutcome> {
        let limit = (self.settings.batch_size * 4).clamp(1, 800);
        let lease = Duration::from_secs(self.settings.lease_secs.max(1));
        let claimed = self.outbox.claim_due(&self.id, limit, lease).await?;
        if claimed.is_empty() {
            return Ok(BatchOutcome::Idle);
        }
        let mut by_workspace: BTreeMap<String, Vec<ClaimedLead>> = BTreeMap::new();
        for lead in claimed {
            by_workspace
                .entry(lead.workspace.clone())
                .or_default()
                .push(lead);
        }
        let mut sent = 0;
        for (workspace, leads) in by_workspace {
            sent += self.deliver_workspace(&workspace, leads).await?;
        }
        Ok(BatchOutcome::Worked { sent })
    }

    async fn deliver_workspace(
        &mut self,
        workspace: &str,
        mut leads: Vec<ClaimedLead>,
    ) -> anyhow::Result<usize> {
        let now = Instant::now();
        let per_minute = self.settings.max_per_minute;
        let gate = self
            .gates
            .entry(workspace.to_owned())
            .or_insert_with(|| Gate::new(per_minute, now));
        if let Some((_, until)) = gate.closed_until(now) {
            let ids: Vec<LeadId> = leads.iter().map(|l| l.id).collect();
            self.outbox.unclaim(&ids, deadline_ms(until, now)).await?;
            return Ok(0);
        }
        let (granted, wait) = gate.take_tokens(leads.len(), per_minute, now);
        if let Some(wait) = wait {
            let held: Vec<LeadId> = leads.split_off(granted).iter().map(|l| l.id).collect();
            self.outbox
                .unclaim(&held, now_ms() + wait.as_millis() as i64)
                .await?;
        }
        if leads.is_empty() {
            return Ok(0);
        }
        let Some(client) = self.clients.get(workspace).cloned() else {
            tracing::error!(
                workspace,
                "leads name a workspace that is not configured; holding them"
            );
            let ids: Vec<LeadId> = leads.iter().map(|l| l.id).collect();
            self.outbox.unclaim(&ids, now_ms() + 3_600_000).await?;
            return Ok(0);
        };
        let attempted = leads.len();
        let report = send_leads(&client, leads, &self.settings).await;
        let pause = Duration::from_secs(self.settings.pause_secs.max(1));
        let gate = self.gates.get_mut(workspace).expect("gate inserted above");
        let now = Instant::now();
        let mut hold_until = now_ms();
        match &report.signal {
            Some(Signal::Answered) => {
                if gate.record_success().is_some() {
                    tracing::info!(workspace, "Agencyhandy answers again; delivery resumed");
                }
                metrics::gauge!("leadrelay_workspace_paused", "workspace" => workspace.to_owned())
                    .set(0.0);
            }
            Some(Signal::KeyRefused(detail)) => {
                if gate.pause_for_key(now, pause) {
                    tracing::error!(
                        workspace,
                        detail = %detail,
                        pause_secs = pause.as_secs(),
                        "Agencyhandy refused the API key: delivery paused (leads are kept; fix the key)"
                    );
                }
                metrics::gauge!("leadrelay_workspace_paused", "workspace" => workspace.to_owned())
                    .set(1.0);
                hold_until += pause.as_millis() as i64;
            }
            Some(Signal::Transient) => {
                if gate.record_transient(now, self.settings.breaker_threshold, pause) {
                    tracing::warn!(
                        workspace,
                        pause_secs = pause.as_secs(),
                        "Agencyhandy keeps failing: backing off the whole workspace"
                    );
                    metrics::gauge!("leadrelay_workspace_paused", "workspace" => workspace.to_owned()).set(1.0);
                }
                if let Some((Closed::BreakerOpen, until)) = gate.closed_until(now) {
                    hold_until = deadline_ms(until, now);
                }
            }
            None => {}
        }
        if !report.untouched.is_empty() {
            self.outbox.unclaim(&report.untouched, hold_until).await?;
        }
        let untouched = report.untouched.len();
        if !report.outcomes.is_empty() {
            self.outbox.record(report.outcomes).await?;
        }
        Ok(attempted - untouched)
    }

    async fn purge_old_submissions(&self) {
        let before = now_ms() - self.retention.as_millis() as i64;
        match self.outbox.purge_submissions(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                leads = n,
                "purged original submissions past storage.retention_days"
            ),
            Err(error) => tracing::warn!(error = %error.0, "failed to purge old submissions"),
        }
    }
}

fn deadline_ms(until: Instant, now: Instant) -> i64 {
    now_ms() + until.saturating_duration_since(now).as_millis() as i64
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "leadrelay".into())
}
