//! Per-client limit on submissions (`server.rate_limit_per_minute`): a token
//! bucket per source, where a source is an IPv4 address or an IPv6 /64. A /64
//! is one subscriber's network, whose addresses rotate for free; keying on the
//! whole IPv6 address would give each of them a bucket of its own.
//!
//! Memory stays bounded under a flood of distinct sources, and no request waits
//! on a scan: a source's bucket is kept only while it is not full again (about
//! a minute at most), and the buckets are swept off the request path, on a
//! blocking thread, each time their number has doubled since the last sweep
//! (so a sweep's cost is paid by as many new sources as it scans: amortized
//! O(1) per request). Past [`MAX_SOURCES`] live buckets, which takes a flood
//! from a very large network, sources are no longer told apart: they share one
//! bucket until the flood drains.

use std::{
    net::IpAddr,
    num::NonZeroU32,
    sync::{
        atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering},
        Arc, Mutex,
    },
    time::{Duration, Instant},
};

use governor::{
    clock::{Clock, DefaultClock},
    DefaultDirectRateLimiter, DefaultKeyedRateLimiter, NotUntil, Quota,
};

/// Live buckets beyond which sources share one bucket (about 50 MB of them).
const MAX_SOURCES: usize = 1_000_000;

/// The first sweep waits for this many buckets; below it, they are not worth one.
const FIRST_SWEEP_AT: usize = 16_384;

/// The number of buckets is looked at once every this many checks.
const CHECKS_PER_LOOK: u64 = 256;

/// While sources share one bucket, sweeps (which alone can end that) run at most this often.
const SATURATED_SWEEP_EVERY: Duration = Duration::from_secs(1);

/// Where a submission comes from, as the limit sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Source {
    /// An IPv4 address (an IPv4-mapped IPv6 address counts as one).
    V4(u32),
    /// The first 64 bits of an IPv6 address.
    V6Network(u64),
}

impl From<IpAddr> for Source {
    fn from(ip: IpAddr) -> Self {
        match ip.to_canonical() {
            IpAddr::V4(v4) => Self::V4(v4.into()),
            IpAddr::V6(v6) => Self::V6Network((u128::from(v6) >> 64) as u64),
        }
    }
}

/// A keyed token bucket: `per_minute` submissions per source, refilled evenly.
pub struct RateLimiter {
    limits: Option<Limits>,
}

struct Limits {
    sweeper: Arc<Sweeper>,
    /// Used instead of the per-source buckets while they are saturated.
    shared: DefaultDirectRateLimiter,
    checks: AtomicU64,
}

/// The per-source buckets and when to sweep them.
struct Sweeper {
    per_source: DefaultKeyedRateLimiter<Source>,
    sweep_at: AtomicUsize,
    sweeping: AtomicBool,
    saturated: AtomicBool,
    last_sweep: Mutex<Instant>,
    sweeps: AtomicU64,
}

impl RateLimiter {
    /// `per_minute = 0` turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        let limits = NonZeroU32::new(per_minute).map(|n| Limits {
            sweeper: Arc::new(Sweeper {
                per_source: governor::RateLimiter::keyed(Quota::per_minute(n)),
                sweep_at: AtomicUsize::new(FIRST_SWEEP_AT),
                sweeping: AtomicBool::new(false),
                saturated: AtomicBool::new(false),
                last_sweep: Mutex::new(Instant::now()),
                sweeps: AtomicU64::new(0),
            }),
            shared: governor::RateLimiter::direct(Quota::per_minute(n)),
            checks: AtomicU64::new(0),
        });
        Self { limits }
    }

    /// `Ok` when `ip` may submit now; otherwise the seconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let Some(limits) = &self.limits else {
            return Ok(());
        };
        let sweeper = &limits.sweeper;
        let verdict = if sweeper.saturated.load(Ordering::Relaxed) {
            limits.shared.check()
        } else {
            sweeper.per_source.check_key(&Source::from(ip))
        };
        if limits.checks.fetch_add(1, Ordering::Relaxed) % CHECKS_PER_LOOK == 0 {
            sweeper.sweep_if_due();
        }
        verdict.map_err(|not_until| wait_secs(&not_until))
    }

    /// How many sources have a bucket now.
    #[cfg(test)]
    fn tracked_sources(&self) -> usize {
        self.limits
            .as_ref()
            .map_or(0, |limits| limits.sweeper.per_source.len())
    }

    /// How many sweeps have run.
    #[cfg(test)]
    fn sweeps(&self) -> u64 {
        self.limits
            .as_ref()
            .map_or(0, |limits| limits.sweeper.sweeps.load(Ordering::Relaxed))
    }
}

impl Sweeper {
    /// Starts a sweep when the buckets doubled (or, saturated, a second went
    /// by), unless one runs: on a blocking thread when there is a runtime.
    fn sweep_if_due(self: &Arc<Self>) {
        let due = if self.saturated.load(Ordering::Relaxed) {
            self.last_sweep
                .lock()
                .map_or(true, |at| at.elapsed() >= SATURATED_SWEEP_EVERY)
        } else {
            self.per_source.len() >= self.sweep_at.load(Ordering::Relaxed)
        };
        if !due || self.sweeping.swap(true, Ordering::AcqRel) {
            return;
        }
        let sweeper = Arc::clone(self);
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn_blocking(move || sweeper.sweep())),
            Err(_) => sweeper.sweep(),
        }
    }

    /// Drops the buckets that are full again, and sets the next sweep's size.
    fn sweep(&self) {
        self.per_source.retain_recent();
        self.per_source.shrink_to_fit();
        let left = self.per_source.len();
        self.sweep_at.store(
            (left * 2).clamp(FIRST_SWEEP_AT, MAX_SOURCES),
            Ordering::Relaxed,
        );
        // Saturated past half the cap: below it, a sweep at the cap scans at most
        // twice what was added since the last one.
        let saturated = left > MAX_SOURCES / 2;
        if self.saturated.swap(saturated, Ordering::Relaxed) != saturated {
            if saturated {
                tracing::warn!(
                    sources = left,
                    "rate limit: too many distinct sources to track; all sources now share one limit until the flood drains"
                );
            } else {
                tracing::info!(sources = left, "rate limit: sources are told apart again");
            }
        }
        if let Ok(mut at) = self.last_sweep.lock() {
            *at = Instant::now();
        }
        self.sweeps.fetch_add(1, Ordering::Relaxed);
        self.sweeping.store(false, Ordering::Release);
    }
}

/// Whole seconds until `not_until`, rounded up (for `Retry-After`).
fn wait_secs(not_until: &NotUntil<<DefaultClock as Clock>::Instant>) -> u64 {
    let wait = not_until.wait_time_from(DefaultClock::default().now());
    wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    #[test]
    fn limits_each_ip_separately() {
        let limiter = RateLimiter::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert!(limiter.check(a).is_ok());
        assert!(limiter.check(a).is_ok());
        let wait = limiter.check(a).unwrap_err();
        assert!((1..=30).contains(&wait), "wait {wait}");
        assert!(limiter.check(b).is_ok());
    }

    #[test]
    fn an_ipv6_slash_64_is_one_source() {
        let limiter = RateLimiter::new(2);
        let same_network = [
            "2001:db8:1:2::1",
            "2001:db8:1:2:ffff:ffff:ffff:ffff",
            "2001:db8:1:2:dead:beef:0:7",
        ];
        assert!(limiter.check(same_network[0].parse().unwrap()).is_ok());
        assert!(limiter.check(same_network[1].parse().unwrap()).is_ok());
        assert!(limiter.check(same_network[2].parse().unwrap()).is_err());
        assert!(limiter.check("2001:db8:1:3::1".parse().unwrap()).is_ok());
        assert_eq!(
            Source::from(IpAddr::from(
                "::ffff:192.0.2.9".parse::<Ipv6Addr>().unwrap()
            )),
            Source::from("192.0.2.9".parse::<IpAddr>().unwrap()),
            "an IPv4-mapped address is its IPv4 address"
        );
    }

    #[test]
    fn sweeps_are_amortized_and_memory_stays_bounded() {
        let limiter = RateLimiter::new(60);
        let sources = 300_000_u64;

        for n in 0..sources {
            let ip = Ipv6Addr::from(u128::from(n) << 64);
            let _ = limiter.check(IpAddr::V6(ip));
        }

        // Doubling from 16 384 to past 300 000: about five sweeps, never one per
        // request; each sweep kept what was still limited, all of it here.
        let sweeps = limiter.sweeps();
        assert!((1..=6).contains(&sweeps), "{sweeps} sweeps");
        assert!(limiter.tracked_sources() <= sources as usize);
    }

    #[test]
    fn sources_whose_buckets_refilled_are_swept_away() {
        // 6 000 000 a minute: a bucket is full again 10 µs after its only check.
        let limiter = RateLimiter::new(6_000_000);

        for n in 0..200_000_u64 {
            let ip = Ipv6Addr::from(u128::from(n) << 64);
            let _ = limiter.check(IpAddr::V6(ip));
        }

        assert!(limiter.sweeps() >= 5, "{} sweeps", limiter.sweeps());
        let left = limiter.tracked_sources();
        assert!(
            left < 2 * FIRST_SWEEP_AT + CHECKS_PER_LOOK as usize,
            "{left} buckets kept for 200 000 one-off sources"
        );
    }

    #[test]
    fn zero_means_unlimited() {
        let limiter = RateLimiter::new(0);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..1000).all(|_| limiter.check(ip).is_ok()));
    }
}
