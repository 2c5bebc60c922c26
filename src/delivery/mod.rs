//! The delivery worker: claim due leads, send them per workspace in batches,
//! record each outcome, back off. Woken by new leads through a `Notify`.

mod backoff;
mod blame;
mod gate;
mod lease;
mod outcome;
mod send;
mod workspace;

pub use backoff::MAX_RETRY_AFTER;

use std::{
    collections::{BTreeMap, HashMap},
    sync::Arc,
    time::{Duration, Instant},
};

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use self::{gate::Gate, lease::RoundLease};
use crate::{
    agencyhandy::WorkspaceClient,
    clock::Clock,
    config::{DeliverySettings, Settings},
    funnel::Funnel,
    outbox::{ClaimedLead, DeliveryQueue, Outbox, Upkeep},
};

/// What one round of [`Worker::try_deliver_batch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BatchOutcome {
    /// Nothing was due.
    Idle,
    /// Leads were claimed; `sent` of them were attempted.
    Worked {
        /// Leads attempted (others went back to the queue).
        sent: usize,
    },
}

/// Delivers stored leads to Agencyhandy until cancelled.
pub(crate) struct Worker {
    id: String,
    queue: Arc<dyn DeliveryQueue>,
    /// Retention's purge.
    upkeep: Arc<dyn Upkeep>,
    clients: HashMap<String, Arc<WorkspaceClient>>,
    settings: DeliverySettings,
    retention: Duration,
    wake: Arc<Notify>,
    cancel: CancellationToken,
    gates: HashMap<String, Gate>,
    funnel: Arc<Funnel>,
    clock: Clock,
}

const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// While every gate is closed, how long new leads gather before they are held in one round.
const HOLD_GATHER: Duration = Duration::from_millis(200);

/// How long a claim that does not fill its create calls waits for more leads
/// before it is sent anyway: leads arriving one by one still go out in full
/// calls, and a lone lead waits this long at most.
const SEND_GATHER: Duration = Duration::from_millis(20);

/// While gathering, how often the claim is topped up.
const GATHER_STEP: Duration = Duration::from_millis(5);

impl Worker {
    /// A worker for every configured workspace; deliveries count in `funnel`;
    /// time is `clock`'s.
    pub(crate) fn new(
        settings: &Settings,
        outbox: Arc<dyn Outbox>,
        wake: Arc<Notify>,
        cancel: CancellationToken,
        funnel: Arc<Funnel>,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let clients = settings
            .workspace_list()
            .map(|(name, ws)| Ok((name.to_owned(), Arc::new(WorkspaceClient::new(name, ws)?))))
            .collect::<anyhow::Result<HashMap<_, _>>>()?;
        // The registry is installed on first use: before the gauges below, or they are lost.
        crate::telemetry::metrics_handle();
        for workspace in clients.keys() {
            metrics::gauge!("leadrelay_workspace_paused", "workspace" => workspace.clone())
                .set(0.0);
        }
        for warning in settings.agencyhandy_warnings() {
            tracing::warn!("config: {warning}");
        }
        Ok(Self {
            id: format!("{}-{}", hostname(), uuid::Uuid::now_v7().simple()),
            queue: outbox.clone().queue(),
            upkeep: outbox.upkeep(),
            clients,
            settings: settings.delivery.clone(),
            retention: Duration::from_secs(u64::from(settings.storage.retention_days) * 86_400),
            wake,
            cancel,
            gates: HashMap::new(),
            funnel,
            clock,
        })
    }

    /// The workspaces' Agencyhandy clients, shared with whoever else asks
    /// Agencyhandy (test mode shows the request a lead would go out as).
    pub(crate) fn clients(&self) -> HashMap<String, Arc<WorkspaceClient>> {
        self.clients.clone()
    }

    /// Runs until the cancellation token fires; a batch in progress is finished first.
    pub(crate) async fn run(mut self) {
        match self.queue.recover_abandoned().await {
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
            if let Some(until) = self.all_gates_closed_until(Instant::now()) {
                // The round below only re-schedules due leads to the reopening (so
                // that they show when they will go); run per wake-up, that took two
                // commits from intake's writer for every lead of a spike. Gather first.
                let gathered = until.min(Instant::now() + HOLD_GATHER);
                tokio::select! {
                    () = tokio::time::sleep_until(gathered.into()) => {}
                    () = self.cancel.cancelled() => continue,
                }
            }
            let wait = match self.try_deliver_batch().await {
                Ok(BatchOutcome::Worked { sent }) if sent > 0 => continue,
                Ok(_) => match self.queue.next_due_at().await {
                    Ok(Some(due)) => {
                        let wait = due.saturating_sub(self.clock.now_ms());
                        Duration::from_millis(u64::try_from(wait).unwrap_or(0)).min(poll)
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

    /// When every configured workspace's gate is closed (key refused, breaker
    /// open), the moment the first one reopens.
    fn all_gates_closed_until(&self, now: Instant) -> Option<Instant> {
        self.clients
            .keys()
            .map(|workspace| {
                let gate = self.gates.get(workspace)?;
                gate.closed_until(now).map(|(_, until)| until)
            })
            .collect::<Option<Vec<_>>>()?
            .into_iter()
            .min()
    }

    /// Claims due leads and sends them, one workspace at a time, renewing the
    /// claim's lease while the round lasts.
    async fn try_deliver_batch(&mut self) -> anyhow::Result<BatchOutcome> {
        let batch_size = self.settings.batch_size.max(1);
        let limit = (batch_size * 4).clamp(1, 800);
        let lease = Duration::from_secs(self.settings.lease_secs.max(1));
        let round_lease = RoundLease::start(
            self.queue.clone(),
            self.id.clone(),
            lease,
            self.clock.clone(),
        );
        let mut claimed = self.queue.claim_due(&self.id, limit, lease).await?;
        if claimed.is_empty() {
            return Ok(BatchOutcome::Idle);
        }
        self.fill_last_call(&mut claimed, batch_size, limit, lease)
            .await?;
        let mut by_workspace: BTreeMap<String, Vec<ClaimedLead>> = BTreeMap::new();
        for lead in claimed {
            by_workspace
                .entry(lead.workspace.clone())
                .or_default()
                .push(lead);
        }
        let mut sent = 0;
        for (workspace, leads) in by_workspace {
            sent += self
                .deliver_workspace(&workspace, leads, &round_lease)
                .await?;
        }
        Ok(BatchOutcome::Worked { sent })
    }

    /// Tops `claimed` up, for at most [`SEND_GATHER`], until its leads fill
    /// whole create calls of `batch_size` (the last call of a claim is the
    /// one that may be short).
    async fn fill_last_call(
        &self,
        claimed: &mut Vec<ClaimedLead>,
        batch_size: usize,
        limit: usize,
        lease: Duration,
    ) -> anyhow::Result<()> {
        let full = claimed.len().div_ceil(batch_size) * batch_size;
        let full = full.min(limit);
        let deadline = tokio::time::Instant::now() + SEND_GATHER;
        while claimed.len() < full && !self.cancel.is_cancelled() {
            let now = tokio::time::Instant::now();
            if now >= deadline {
                break;
            }
            tokio::select! {
                () = tokio::time::sleep_until((now + GATHER_STEP).min(deadline)) => {}
                () = self.cancel.cancelled() => break,
            }
            let more = full - claimed.len();
            claimed.extend(self.queue.claim_due(&self.id, more, lease).await?);
        }
        Ok(())
    }

    async fn purge_old_submissions(&self) {
        let retention = i64::try_from(self.retention.as_millis()).unwrap_or(i64::MAX);
        let before = self.clock.now_ms().saturating_sub(retention);
        match self.upkeep.purge_submissions(before).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(
                leads = n,
                "purged original submissions past storage.retention_days"
            ),
            Err(error) => tracing::warn!(error = %error.0, "failed to purge old submissions"),
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "leadrelay".into())
}
