//! The lead state machine: which state each transition starts from and where
//! it leads. Storage builds its statements' state lists from these, so a rule
//! is written here once and not again beside each backend's SQL.
//!
//! - intake stores a lead `pending` (or `spam`, `held`, `test`, never sent);
//! - a claim takes a [`LeadState::CLAIMABLE`] lead that is due, or a
//!   `delivering` one whose lease expired, and makes it `delivering`;
//! - renewing a lease keeps a `delivering` lead with its worker;
//! - a delivery outcome (`delivered`, `duplicate`, `retrying` or `dead`) ends
//!   a claim;
//! - releasing a claim (unclaim, or recovery after a crash) puts the lead back
//!   as [`LeadState::requeued`];
//! - an operator's retry, release (spam) or remap queues a lead `pending`
//!   from [`LeadState::RETRYABLE`], [`LeadState::RELEASABLE`] or
//!   [`LeadState::REMAPPABLE`];
//! - retention drops the submissions of [`LeadState::SETTLED`] leads.

use super::LeadState;

impl LeadState {
    /// The states a due lead is claimed from (besides `delivering` leads whose
    /// lease expired); they are also the states that wait for a due time.
    pub(crate) const CLAIMABLE: [LeadState; 2] = [Self::Pending, Self::Retrying];

    /// The states an operator's retry of one lead re-queues (with its attempts
    /// reset): not `delivered`, nor a lead being sent.
    pub(crate) const RETRYABLE: [LeadState; 3] = [Self::Dead, Self::Retrying, Self::Pending];

    /// The states whose every lead an operator can re-queue at once.
    pub(crate) const BULK_RETRYABLE: [LeadState; 2] = [Self::Dead, Self::Retrying];

    /// The states an operator's release moves to the queue.
    pub(crate) const RELEASABLE: [LeadState; 1] = [Self::Spam];

    /// The states `leads remap` maps again from the stored submission: a lead
    /// not yet delivered nor being sent. A remapped lead is queued, except a
    /// spam lead, which stays spam until released.
    pub(crate) const REMAPPABLE: [LeadState; 5] = [
        Self::Pending,
        Self::Retrying,
        Self::Dead,
        Self::Spam,
        Self::Held,
    ];

    /// The final states whose original submissions retention drops.
    pub(crate) const SETTLED: [LeadState; 2] = [Self::Delivered, Self::Duplicate];

    /// Whether an operator can re-queue every lead in this state at once.
    pub(crate) fn can_retry_all(self) -> bool {
        Self::BULK_RETRYABLE.contains(&self)
    }

    /// The state a claimed lead goes back to when its claim is released
    /// without an attempt (unclaimed, or abandoned by a crashed process):
    /// `retrying` once it has been tried, else `pending`.
    pub(crate) fn requeued(attempts: u32) -> LeadState {
        if attempts > 0 {
            Self::Retrying
        } else {
            Self::Pending
        }
    }
}

/// What the tests state the machine with; storage reads only the lists above.
#[cfg(test)]
impl LeadState {
    /// What a delivery attempt can make of a claimed lead.
    const OUTCOMES: [LeadState; 4] = [Self::Delivered, Self::Duplicate, Self::Retrying, Self::Dead];

    /// Whether a claim takes a due lead in this state.
    fn can_claim(self) -> bool {
        Self::CLAIMABLE.contains(&self)
    }

    /// Whether an operator's retry re-queues a lead in this state.
    fn can_retry(self) -> bool {
        Self::RETRYABLE.contains(&self)
    }

    /// Whether an operator's release moves a lead in this state to the queue.
    fn can_release(self) -> bool {
        Self::RELEASABLE.contains(&self)
    }

    /// Whether `leads remap` maps a lead in this state again.
    fn can_remap(self) -> bool {
        Self::REMAPPABLE.contains(&self)
    }

    /// Whether a delivery attempt may leave a lead in this state.
    fn is_outcome(self) -> bool {
        Self::OUTCOMES.contains(&self)
    }

    /// Whether retention drops the submission of a lead in this state.
    fn is_settled(self) -> bool {
        Self::SETTLED.contains(&self)
    }

    /// The state a remapped lead in this state takes: queued, except spam,
    /// which stays spam until released.
    fn remapped(self) -> LeadState {
        match self {
            Self::Spam => Self::Spam,
            _ => Self::Pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_takes_dead_retrying_and_pending_leads_only() {
        let retryable: Vec<_> = LeadState::ALL
            .into_iter()
            .filter(|state| state.can_retry())
            .collect();
        assert_eq!(
            retryable,
            [LeadState::Pending, LeadState::Retrying, LeadState::Dead]
        );
        assert!(!LeadState::Delivered.can_retry());
        assert!(!LeadState::Delivering.can_retry());
    }

    #[test]
    fn bulk_retry_is_for_dead_and_retrying_leads() {
        assert!(LeadState::Dead.can_retry_all() && LeadState::Retrying.can_retry_all());
        assert!(!LeadState::Pending.can_retry_all());
        assert!(LeadState::BULK_RETRYABLE.iter().all(|s| s.can_retry()));
    }

    #[test]
    fn claims_take_queued_leads_and_release_puts_them_back() {
        assert!(LeadState::Pending.can_claim() && LeadState::Retrying.can_claim());
        assert!(!LeadState::Dead.can_claim() && !LeadState::Held.can_claim());
        assert_eq!(LeadState::requeued(0), LeadState::Pending);
        assert_eq!(LeadState::requeued(3), LeadState::Retrying);
        assert!(LeadState::requeued(0).can_claim() && LeadState::requeued(1).can_claim());
    }

    #[test]
    fn only_spam_is_released() {
        let releasable: Vec<_> = LeadState::ALL
            .into_iter()
            .filter(|state| state.can_release())
            .collect();
        assert_eq!(releasable, [LeadState::Spam]);
    }

    #[test]
    fn remap_queues_undelivered_leads_and_keeps_spam_spam() {
        for state in [LeadState::Delivering, LeadState::Delivered, LeadState::Test] {
            assert!(!state.can_remap(), "{state}");
        }
        assert_eq!(LeadState::Held.remapped(), LeadState::Pending);
        assert_eq!(LeadState::Dead.remapped(), LeadState::Pending);
        assert_eq!(LeadState::Spam.remapped(), LeadState::Spam);
    }

    #[test]
    fn outcomes_end_a_claim_and_settled_leads_are_final() {
        assert!(!LeadState::Delivering.is_outcome() && !LeadState::Pending.is_outcome());
        assert!(LeadState::SETTLED.iter().all(|state| state.is_outcome()));
        assert!(!LeadState::Dead.is_settled() && !LeadState::Retrying.is_settled());
    }
}
