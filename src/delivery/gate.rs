//! Per-workspace delivery gate: the pause after a workspace's fault (with
//! backoff, at most [`MAX_PAUSE`]), the circuit breaker after repeated
//! transient failures (open for `pause_secs`), the egress cap (a token bucket), and the evidence the
//! blame rule weighs (when a lead last went through, which leads wait unproven).

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use crate::domain::LeadId;

/// The longest a paused workspace waits before trying again.
const MAX_PAUSE: Duration = Duration::from_secs(300);

/// Most unproven leads remembered per workspace (beyond, the oldest are forgotten:
/// they are then judged as if refused for the first time, which kills none).
const MAX_UNPROVEN: usize = 10_000;

/// Why a workspace is not being sent to right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Closed {
    /// The workspace's fault (key, route, IDs, config, every lead refused): the reason and fix.
    Paused(String),
    /// Too many consecutive transient failures.
    BreakerOpen,
}

/// A lead refused alone that may or may not be at fault.
#[derive(Debug, Clone, Copy)]
struct Unproven {
    refused_at: Instant,
    times: u32,
}

/// The state of one workspace.
#[derive(Debug)]
pub(crate) struct Gate {
    closed: Option<(Closed, Instant)>,
    /// What the current pause is about (its fix), to tell a new pause from the same one.
    paused_for: Option<String>,
    consecutive_pauses: u32,
    consecutive_failures: u32,
    tokens: f64,
    refilled_at: Instant,
    last_success: Option<Instant>,
    unproven: HashMap<LeadId, Unproven>,
}

/// The delay of the `n`-th consecutive wait (from 0): `first`, doubling, at most [`MAX_PAUSE`].
fn pause_delay(first: Duration, n: u32) -> Duration {
    first
        .max(Duration::from_secs(1))
        .saturating_mul(2u32.saturating_pow(n.min(16)))
        .min(MAX_PAUSE)
}

impl Gate {
    /// An open gate with a full bucket of `per_minute` tokens (0 = uncapped).
    pub(crate) fn new(per_minute: u32, now: Instant) -> Self {
        Self {
            closed: None,
            paused_for: None,
            consecutive_pauses: 0,
            consecutive_failures: 0,
            tokens: f64::from(per_minute),
            refilled_at: now,
            last_success: None,
            unproven: HashMap::new(),
        }
    }

    /// When closed, why and until when.
    pub(crate) fn closed_until(&self, now: Instant) -> Option<(&Closed, Instant)> {
        self.closed
            .as_ref()
            .filter(|(_, until)| *until > now)
            .map(|(why, until)| (why, *until))
    }

    /// Pauses the workspace for its fault: `first`, doubling with each pause in
    /// a row, at most [`MAX_PAUSE`]. `reason` is shown on the waiting leads;
    /// `about` (the fix) tells one fault from another, whatever the details of
    /// each answer. Returns the reopening, and whether this pause is news (no
    /// pause since the last success, or one about something else).
    pub(crate) fn pause(
        &mut self,
        now: Instant,
        first: Duration,
        reason: &str,
        about: &str,
    ) -> (Instant, bool) {
        let newly = self.paused_for.as_deref() != Some(about);
        let until = now + pause_delay(first, self.consecutive_pauses);
        self.consecutive_pauses += 1;
        self.paused_for = Some(about.to_owned());
        self.closed = Some((Closed::Paused(reason.to_owned()), until));
        (until, newly)
    }

    /// Records a transient failure; returns true when it opened the breaker.
    pub(crate) fn record_transient(
        &mut self,
        now: Instant,
        threshold: u32,
        pause: Duration,
    ) -> bool {
        self.consecutive_failures += 1;
        if self.consecutive_failures >= threshold.max(1) && self.closed_until(now).is_none() {
            self.closed = Some((Closed::BreakerOpen, now + pause));
            true
        } else {
            false
        }
    }

    /// Records that a lead went through: the gate opens. Returns what it was
    /// closed for, if anything.
    pub(crate) fn record_success(&mut self, now: Instant) -> Option<Closed> {
        self.consecutive_failures = 0;
        self.consecutive_pauses = 0;
        self.paused_for = None;
        self.last_success = Some(now);
        self.closed.take().map(|(why, _)| why)
    }

    /// Whether a lead went through at or after `since`.
    pub(crate) fn success_since(&self, since: Instant) -> bool {
        self.last_success.is_some_and(|at| at >= since)
    }

    /// Whether `lead` was refused alone before, and a lead went through since.
    pub(crate) fn went_through_since_refused(&self, lead: LeadId) -> bool {
        self.unproven
            .get(&lead)
            .is_some_and(|u| self.success_after(u.refused_at))
    }

    /// Whether a lead other than `lead` was refused alone with nothing through since.
    pub(crate) fn others_unproven(&self, lead: LeadId) -> bool {
        self.unproven
            .iter()
            .any(|(id, u)| *id != lead && !self.success_after(u.refused_at))
    }

    fn success_after(&self, at: Instant) -> bool {
        self.last_success.is_some_and(|success| success > at)
    }

    /// Notes `lead` refused alone, unproven; returns how long it waits before it
    /// is sent again (`first`, doubling with each refusal, at most [`MAX_PAUSE`]).
    pub(crate) fn mark_unproven(
        &mut self,
        lead: LeadId,
        now: Instant,
        first: Duration,
    ) -> Duration {
        if self.unproven.len() >= MAX_UNPROVEN && !self.unproven.contains_key(&lead) {
            self.unproven.clear();
        }
        let entry = self.unproven.entry(lead).or_insert(Unproven {
            refused_at: now,
            times: 0,
        });
        entry.refused_at = now;
        entry.times += 1;
        pause_delay(first, entry.times - 1)
    }

    /// Forgets what was noted of a lead that has an outcome now.
    pub(crate) fn forget(&mut self, lead: LeadId) {
        self.unproven.remove(&lead);
    }

    /// Takes up to `wanted` tokens; returns how many were granted and, when
    /// fewer, how long until the next one.
    pub(crate) fn take_tokens(
        &mut self,
        wanted: usize,
        per_minute: u32,
        now: Instant,
    ) -> (usize, Option<Duration>) {
        if per_minute == 0 {
            return (wanted, None);
        }
        let rate_per_sec = f64::from(per_minute) / 60.0;
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * rate_per_sec).min(f64::from(per_minute));
        self.refilled_at = now;
        let granted = (self.tokens.floor() as usize).min(wanted);
        self.tokens -= granted as f64;
        if granted == wanted {
            (granted, None)
        } else {
            let missing = 1.0 - self.tokens.fract();
            (
                granted,
                Some(Duration::from_secs_f64(missing / rate_per_sec)),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaker_opens_after_threshold_and_closes_on_success() {
        let now = Instant::now();
        let mut gate = Gate::new(0, now);
        let pause = Duration::from_secs(60);
        assert!(!gate.record_transient(now, 3, pause));
        assert!(!gate.record_transient(now, 3, pause));
        assert!(gate.record_transient(now, 3, pause));
        assert_eq!(
            gate.closed_until(now).map(|c| c.0.clone()),
            Some(Closed::BreakerOpen)
        );
        assert!(gate.closed_until(now + pause).is_none());
        assert_eq!(gate.record_success(now), Some(Closed::BreakerOpen));
        assert!(gate.closed_until(now).is_none());
    }

    #[test]
    fn a_pause_is_news_once_per_reason_and_backs_off_to_five_minutes() {
        let now = Instant::now();
        let mut gate = Gate::new(0, now);
        let first = Duration::from_secs(60);
        let (until, newly) = gate.pause(now, first, "key refused (HTTP 401)", "fix the key");
        assert!(newly);
        assert_eq!(until - now, Duration::from_secs(60));
        let (until, newly) = gate.pause(now, first, "key refused (HTTP 403)", "fix the key");
        assert!(!newly, "the same fault, whatever the answer's details");
        assert_eq!(until - now, Duration::from_secs(120));
        assert!(
            gate.pause(now, first, "no route", "unpin").1,
            "another fault is news"
        );
        for _ in 0..10 {
            gate.pause(now, first, "no route", "unpin");
        }
        let (until, _) = gate.pause(now, first, "no route", "unpin");
        assert_eq!(until - now, MAX_PAUSE);
        assert_eq!(
            gate.closed_until(now).map(|(why, _)| why.clone()),
            Some(Closed::Paused("no route".into()))
        );
        gate.record_success(now);
        let (until, newly) = gate.pause(now, first, "no route", "unpin");
        assert!(newly, "a pause after a success is a new pause");
        assert_eq!(until - now, first, "the backoff starts over");
    }

    #[test]
    fn evidence_of_a_lead_refused_alone() {
        let start = Instant::now();
        let mut gate = Gate::new(0, start);
        let (x, y) = (LeadId::new(), LeadId::new());
        let first = Duration::from_secs(10);
        assert_eq!(gate.mark_unproven(x, start, first), first);
        assert!(gate.others_unproven(y), "x waits unproven");
        assert!(!gate.others_unproven(x));
        assert!(!gate.went_through_since_refused(x));
        let later = start + Duration::from_secs(1);
        gate.record_success(later);
        assert!(gate.went_through_since_refused(x));
        assert!(
            !gate.others_unproven(y),
            "a success since x's refusal clears it"
        );
        assert_eq!(gate.mark_unproven(x, later, first), 2 * first);
        assert!(
            !gate.went_through_since_refused(x),
            "refused again after the success"
        );
        gate.forget(x);
        assert!(!gate.others_unproven(y));
    }

    #[test]
    fn token_bucket_caps_and_refills() {
        let now = Instant::now();
        let mut gate = Gate::new(60, now);
        assert_eq!(gate.take_tokens(50, 60, now), (50, None));
        let (granted, wait) = gate.take_tokens(50, 60, now);
        assert_eq!(granted, 10);
        assert!(wait.unwrap() <= Duration::from_secs(1));
        assert_eq!(gate.take_tokens(5, 60, now + Duration::from_secs(5)).0, 5);
        assert_eq!(gate.take_tokens(1000, 0, now), (1000, None));
    }
}
