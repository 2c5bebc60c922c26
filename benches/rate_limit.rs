//! The per-source rate limit under a flood of distinct sources: does it raise
//! the latency of everyone else's checks? Run with `cargo bench --bench rate_limit`
//! (`FLOOD_SOURCES=N` to change the flood, default 300 000 distinct IPv6 /64s).
//!
//! Three phases on a tokio runtime, as the service runs the limiter, each
//! timing 200 000 `check` calls of 1 000 regular clients (IPv4), one by one:
//! - quiet: nothing else;
//! - flood 100k/s: another thread checks distinct IPv6 /64s (each new: a new
//!   bucket) at 100 000 a second, about four times what the HTTP server takes
//!   on this machine (BENCHMARKS.md); timing starts once 100 000 were seen,
//!   and the flood goes on (to `FLOOD_SOURCES` at least) until it ends;
//! - flood max: the same, as fast as one thread can.
//!
//! It prints each phase's latency percentiles (one `check` call, in µs), the
//! flood's size and rate, and the process's resident memory after the phase.
//! Only `RateLimiter::new` and `check` are used, so the same file measures any
//! version of the limiter.

use std::{
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use leadrelay::intake::RateLimiter;

const REGULAR_CLIENTS: u32 = 1_000;
const TIMED_CHECKS: usize = 200_000;
/// Distinct flood sources seen before the regular clients are timed.
const SOURCES_BEFORE_TIMING: u64 = 100_000;

fn main() {
    let flood_sources: u64 = std::env::var("FLOOD_SOURCES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(300_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let quiet = runtime.block_on(phase(0, None));
    let paced = runtime.block_on(phase(flood_sources, Some(100_000)));
    let flood = runtime.block_on(phase(flood_sources, None));
    println!(
        "rate limiter, {} timed checks from {REGULAR_CLIENTS} regular clients, limit 60/min",
        TIMED_CHECKS
    );
    println!("phase           flood sources  flood checks/s   p50 µs   p99 µs  p99.9 µs    max µs  RSS MiB");
    for (name, result) in [
        ("quiet", quiet),
        ("flood 100k/s", paced),
        ("flood max", flood),
    ] {
        println!(
            "{name:<14}  {:>13}  {:>14.0}  {:>7.2} {:>8.2} {:>9.2} {:>9.1} {:>8.1}",
            result.flood_sources,
            result.flood_rate,
            result.percentile(0.50),
            result.percentile(0.99),
            result.percentile(0.999),
            result.percentile(1.0),
            result.rss_mib,
        );
    }
}

struct PhaseResult {
    /// Sorted check latencies, in µs.
    latencies: Vec<f64>,
    flood_sources: u64,
    flood_rate: f64,
    rss_mib: f64,
}

impl PhaseResult {
    fn percentile(&self, p: f64) -> f64 {
        let index = ((self.latencies.len() - 1) as f64 * p).round() as usize;
        self.latencies[index]
    }
}

/// Times the regular clients' checks while (when `flood_sources > 0`) a flood
/// runs, at `per_second` distinct sources when given, else as fast as it can.
async fn phase(flood_sources: u64, per_second: Option<u64>) -> PhaseResult {
    let limiter = Arc::new(RateLimiter::new(60));
    let done = Arc::new(AtomicBool::new(false));
    let flooded = Arc::new(AtomicU64::new(0));
    let flood = (flood_sources > 0).then(|| {
        let (limiter, done, flooded) = (limiter.clone(), done.clone(), flooded.clone());
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let mut n: u64 = 0;
            while n < flood_sources || !done.load(Ordering::Relaxed) {
                let network = Ipv6Addr::from((0x2001_0db8_u128 << 96) | (u128::from(n) << 64) | 1);
                let _ = limiter.check(IpAddr::V6(network));
                n += 1;
                if n % 1024 == 0 {
                    flooded.store(n, Ordering::Relaxed);
                    pace(started, n, per_second);
                }
            }
            flooded.store(n, Ordering::Relaxed);
            n as f64 / started.elapsed().as_secs_f64()
        })
    });
    while flood.is_some() && flooded.load(Ordering::Relaxed) < SOURCES_BEFORE_TIMING {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let timer = {
        let limiter = limiter.clone();
        tokio::task::spawn_blocking(move || {
            let mut latencies = Vec::with_capacity(TIMED_CHECKS);
            for n in 0..TIMED_CHECKS {
                let client = Ipv4Addr::from(0xc633_6400 + (n as u32 % REGULAR_CLIENTS));
                let started = Instant::now();
                let _ = limiter.check(IpAddr::V4(client));
                latencies.push(started.elapsed().as_secs_f64() * 1e6);
            }
            latencies
        })
    };
    let mut latencies = timer.await.expect("the timed checks run");
    done.store(true, Ordering::Relaxed);
    let flood_rate = match flood {
        Some(flood) => flood.await.expect("the flood runs"),
        None => 0.0,
    };
    latencies.sort_by(f64::total_cmp);
    PhaseResult {
        latencies,
        flood_sources: flooded.load(Ordering::Relaxed),
        flood_rate,
        rss_mib: resident_mib(),
    }
}

/// Holds the flood to `per_second` sources (a pacing wait, nothing is awaited).
fn pace(started: Instant, sent: u64, per_second: Option<u64>) {
    if let Some(per_second) = per_second {
        let due = Duration::from_secs_f64(sent as f64 / per_second as f64);
        if let Some(ahead) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(ahead);
        }
    }
}

/// This process's resident memory (`VmRSS`), in MiB.
fn resident_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<f64>().ok()
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
