//! Per-client-IP limit on browser submissions (`server.rate_limit_per_minute`).

use std::{net::IpAddr, num::NonZeroU32};

use governor::{clock::Clock, DefaultKeyedRateLimiter, Quota};

/// A keyed token bucket: `per_minute` submissions per IP, refilled evenly.
pub struct RateLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl RateLimiter {
    /// `per_minute = 0` turns the limit off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            limiter: NonZeroU32::new(per_minute)
                .map(|n| governor::RateLimiter::keyed(Quota::per_minute(n))),
        }
    }

    /// `Ok` when `ip` may submit now; otherwise the seconds to wait.
    pub fn check(&self, ip: IpAddr) -> Result<(), u64> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(governor::clock::DefaultClock::default().now());
            wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
        })?;
        if limiter.len() > 100_000 {
            limiter.retain_recent();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
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
    fn zero_means_unlimited() {
        let limiter = RateLimiter::new(0);
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!((0..1000).all(|_| limiter.check(ip).is_ok()));
    }
}
