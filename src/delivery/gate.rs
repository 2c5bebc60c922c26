//! Per-workspace delivery gate: the pause after a refused key, the circuit
//! breaker after repeated transient failures, and the egress cap (a token bucket).

use std::time::{Duration, Instant};

/// Why a workspace is not being sent to right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// Agencyhandy refused the key (401/403); probing again at the deadline.
    KeyRefused,
    /// Too many consecutive transient failures.
    BreakerOpen,
}

/// The state of one workspace.
#[derive(Debug)]
pub struct Gate {
    closed: Option<(Closed, Instant)>,
    consecutive_failures: u32,
    tokens: f64,
    refilled_at: Instant,
}

impl Gate {
    /// An open gate with a full bucket of `per_minute` tokens (0 = uncapped).
    pub fn new(per_minute: u32, now: Instant) -> Self {
        Self {
            closed: None,
            consecutive_failures: 0,
            tokens: f64::from(per_minute),
            refilled_at: now,
        }
    }

    /// When closed, why and until when.
    pub fn closed_until(&self, now: Instant) -> Option<(Closed, Instant)> {
        self.closed.filter(|(_, until)| *until > now)
    }

    /// Closes the gate after a refused key. Returns true when it was not already paused for that.
    pub fn pause_for_key(&mut self, now: Instant, pause: Duration) -> bool {
        let newly = !matches!(self.closed, Some((Closed::KeyRefused, _)));
        self.closed = Some((Closed::KeyRefused, now + pause));
        newly
    }

    /// Records a transient failure; returns true when it opened the breaker.
    pub fn record_transient(&mut self, now: Instant, threshold: u32, pause: Duration) -> bool {
        self.consecutive_failures += 1;
        if self.consecutive_failures >= threshold.max(1) && self.closed_until(now).is_none() {
            self.closed = Some((Closed::BreakerOpen, now + pause));
            true
        } else {
            false
        }
    }

    /// Records an answer from Agencyhandy that was not a failure: the gate opens.
    /// Returns what it was closed for, if anything.
    pub fn record_success(&mut self) -> Option<Closed> {
        self.consecutive_failures = 0;
        self.closed.take().map(|(why, _)| why)
    }

    /// Takes up to `wanted` tokens; returns how many were granted and, when
    /// fewer, how long until the next one.
    pub fn take_tokens(
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
            gate.closed_until(now).map(|c| c.0),
            Some(Closed::BreakerOpen)
        );
        assert!(gate.closed_until(now + pause).is_none());
        assert_eq!(gate.record_success(), Some(Closed::BreakerOpen));
        assert!(gate.closed_until(now).is_none());
    }

    #[test]
    fn key_pause_is_reported_once() {
        let now = Instant::now();
        let mut gate = Gate::new(0, now);
        assert!(gate.pause_for_key(now, Duration::from_secs(5)));
        assert!(!gate.pause_for_key(now, Duration::from_secs(5)));
        assert_eq!(
            gate.closed_until(now).map(|c| c.0),
            Some(Closed::KeyRefused)
        );
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
