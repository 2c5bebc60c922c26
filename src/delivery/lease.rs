//! Keeping a round's claim alive: while a worker sends the leads it claimed,
//! their lease is renewed in the background, and the worker sends a lead only
//! while the lease has time left for the call. Without it, a round longer than
//! the lease (slow answers, bisection, several chunks) would let another
//! replica claim the same leads and send them a second time.

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::Duration,
};

use crate::{clock::Clock, outbox::DeliveryQueue};

/// The lease of one round's claim, renewed every quarter of the lease until dropped.
pub(crate) struct RoundLease {
    held_until_ms: Arc<AtomicI64>,
    lease: Duration,
    clock: Clock,
    renewer: tokio::task::JoinHandle<()>,
}

impl RoundLease {
    /// Starts keeping `worker`'s claim. Call it just before claiming: the
    /// claim's own lease runs from a moment after this one.
    /// Time is `clock`'s.
    pub(crate) fn start(
        outbox: Arc<dyn DeliveryQueue>,
        worker: String,
        lease: Duration,
        clock: Clock,
    ) -> Self {
        let held_until_ms = Arc::new(AtomicI64::new(clock.now_ms() + millis(lease)));
        let renewer = tokio::spawn(renew_until_dropped(
            outbox,
            worker,
            lease,
            held_until_ms.clone(),
            clock.clone(),
        ));
        Self {
            held_until_ms,
            lease,
            clock,
            renewer,
        }
    }

    /// Whether a create call may start now: at least half the lease is left,
    /// which `delivery.lease_secs` (at least twice every workspace's
    /// `timeout_secs`) makes enough for the call. False once renewals have
    /// failed for half a lease (storage unreachable): another replica may
    /// take the leads when the lease ends, so this one must not send them.
    pub(crate) fn may_send(&self) -> bool {
        self.held_until_ms.load(Ordering::Acquire) - self.clock.now_ms() >= millis(self.lease / 2)
    }
}

impl Drop for RoundLease {
    fn drop(&mut self) {
        self.renewer.abort();
    }
}

async fn renew_until_dropped(
    outbox: Arc<dyn DeliveryQueue>,
    worker: String,
    lease: Duration,
    held_until_ms: Arc<AtomicI64>,
    clock: Clock,
) {
    let every = (lease / 4).max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        let asked_at = clock.now_ms();
        match outbox.renew(&worker, lease).await {
            Ok(_) => held_until_ms.store(asked_at + millis(lease), Ordering::Release),
            Err(error) => {
                tracing::warn!(error = %error.0, "failed to renew the lease of the leads being sent; they are sent only while it lasts")
            }
        }
    }
}

fn millis(duration: Duration) -> i64 {
    i64::try_from(duration.as_millis()).unwrap_or(i64::MAX)
}
