//! The time the service reads: the system's, or in tests a hand-moved one.
//!
//! Whatever compares time (a form's fill time, a signature's timestamp, the
//! dedupe window's start, when a lead was received) asks a [`Clock`] for it,
//! so that a test moves the clock instead of sleeping.

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc,
    },
    time::Duration,
};

use chrono::{DateTime, Utc};

/// Wall-clock time in Unix milliseconds. Cheap to clone; clones share the time.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// The hand-moved time, or `None` for the system's.
    manual: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &self.manual {
            Some(ms) => ms.load(Ordering::Relaxed),
            None => Utc::now().timestamp_millis(),
        }
    }

    /// Whole seconds since the Unix epoch.
    pub fn now_secs(&self) -> i64 {
        self.now_ms() / 1000
    }

    /// Now, as a date and time in UTC (to the millisecond).
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default()
    }
}

/// A clock that stands still until a test moves it; its [`ManualClock::clock`]
/// is handed to the code under test.
#[derive(Debug, Clone)]
pub struct ManualClock {
    ms: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock standing at `ms` (Unix milliseconds).
    pub fn at(ms: i64) -> Self {
        Self {
            ms: Arc::new(AtomicI64::new(ms)),
        }
    }

    /// A clock standing at the system's time now.
    pub fn starting_now() -> Self {
        Self::at(Clock::system().now_ms())
    }

    /// The clock to hand out; it reads whatever time this one is moved to.
    pub fn clock(&self) -> Clock {
        Clock {
            manual: Some(self.ms.clone()),
        }
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |ms| {
                Some(ms.saturating_add(by))
            })
            .ok();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clock_reads_the_systems_time() {
        let before = Utc::now().timestamp_millis();
        let now = Clock::system().now_ms();
        assert!((before..=Utc::now().timestamp_millis()).contains(&now));
    }

    #[test]
    fn a_manual_clock_stands_still_until_moved_and_its_clocks_follow() {
        let manual = ManualClock::at(1_700_000_000_123);
        let clock = manual.clock();
        assert_eq!(clock.now_ms(), 1_700_000_000_123);
        assert_eq!(clock.now_secs(), 1_700_000_000);

        manual.advance(Duration::from_secs(90));

        assert_eq!(clock.clone().now_ms(), 1_700_000_090_123);
        assert_eq!(
            clock
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "2023-11-14T22:14:50.123Z"
        );
    }
}
