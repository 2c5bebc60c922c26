//! When to try a failed lead again. Pure functions.

use std::time::Duration;

use rand::Rng;

/// The delay before attempt `attempts + 1`, after `attempts` failures:
/// `schedule[attempts - 1]` (the last entry repeats), ±20 % jitter so that a
/// burst of failures does not come back as a burst.
fn backoff_delay(schedule_secs: &[u64], attempts: u32, jitter: f64) -> Duration {
    let index = (attempts.max(1) as usize - 1).min(schedule_secs.len().saturating_sub(1));
    let base = schedule_secs.get(index).copied().unwrap_or(60) as f64;
    let factor = 1.0 + 0.2 * jitter.clamp(-1.0, 1.0);
    Duration::from_millis((base * factor * 1000.0) as u64)
}

/// [`backoff_delay`] with random jitter.
fn backoff_with_jitter(schedule_secs: &[u64], attempts: u32) -> Duration {
    backoff_delay(
        schedule_secs,
        attempts,
        rand::thread_rng().gen_range(-1.0..=1.0),
    )
}

/// The longest `Retry-After` honoured: a larger one (a buggy or hostile
/// answer) would park the lead for good, so it waits this long instead.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The next attempt's delay: the server's `Retry-After` exactly when given (at
/// most [`MAX_RETRY_AFTER`]), else the backoff.
pub(crate) fn next_delay(
    schedule_secs: &[u64],
    attempts: u32,
    retry_after: Option<Duration>,
) -> Duration {
    retry_after.map_or_else(
        || backoff_with_jitter(schedule_secs, attempts),
        |wait| wait.min(MAX_RETRY_AFTER),
    )
}

/// The moment (unix ms) `delay` after `now_ms`; saturates instead of overflowing.
pub(crate) fn due_after(now_ms: i64, delay: Duration) -> i64 {
    now_ms.saturating_add(i64::try_from(delay.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFAULT: [u64; 9] = [5, 30, 120, 600, 1800, 3600, 7200, 14400, 21600];

    #[test]
    fn a_huge_retry_after_is_capped_and_never_overflows() {
        let capped = next_delay(&DEFAULT, 1, Some(Duration::from_secs(u64::MAX)));
        assert_eq!(capped, MAX_RETRY_AFTER);
        assert_eq!(
            next_delay(&DEFAULT, 1, Some(Duration::from_secs(90))),
            Duration::from_secs(90)
        );
        assert_eq!(due_after(1_000, Duration::MAX), i64::MAX);
        assert_eq!(due_after(1_000, Duration::from_secs(1)), 2_000);
    }

    #[test]
    fn follows_the_schedule_and_repeats_its_last_step() {
        assert_eq!(backoff_delay(&DEFAULT, 1, 0.0), Duration::from_secs(5));
        assert_eq!(backoff_delay(&DEFAULT, 2, 0.0), Duration::from_secs(30));
        assert_eq!(backoff_delay(&DEFAULT, 6, 0.0), Duration::from_secs(3600));
        assert_eq!(backoff_delay(&DEFAULT, 40, 0.0), Duration::from_secs(21600));
    }

    #[test]
    fn jitter_stays_within_twenty_percent() {
        assert_eq!(backoff_delay(&DEFAULT, 1, 1.0), Duration::from_secs(6));
        assert_eq!(backoff_delay(&DEFAULT, 1, -1.0), Duration::from_secs(4));
        for _ in 0..200 {
            let d = backoff_with_jitter(&DEFAULT, 2);
            assert!(
                d >= Duration::from_secs(24) && d <= Duration::from_secs(36),
                "{d:?}"
            );
        }
    }

    #[test]
    fn default_schedule_spans_about_three_days_over_twenty_attempts() {
        let total: Duration = (1..20).map(|n| backoff_delay(&DEFAULT, n, 0.0)).sum();
        let days = total.as_secs_f64() / 86_400.0;
        assert!((2.5..3.5).contains(&days), "{days} days");
    }

    #[test]
    fn retry_after_wins_exactly() {
        assert_eq!(
            next_delay(&DEFAULT, 1, Some(Duration::from_secs(42))),
            Duration::from_secs(42)
        );
    }
}
