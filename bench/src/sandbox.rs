//! The benchmark's fast fake Agencyhandy: leadrelay's own [`Sandbox`] (the
//! newest generation of the API) with no added latency, plus a control
//! surface for `bench/run.sh`:
//!
//! - `POST /_bench/pause`: the key is refused (401), so leadrelay holds its leads;
//! - `POST /_bench/release`: the key works again; calls are counted from here;
//! - `GET /_bench/wait?leads=N&timeout_ms=T`: waits until the sandbox holds N
//!   leads created since the release (or `T` ms passed: `timeout_ms=0` reads
//!   the counts now), then answers the drain's numbers as JSON.
//!
//! Usage: `bench-sandbox ADDRESS` (e.g. `127.0.0.1:18082`). Not part of leadrelay.

use std::{
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    extract::{Query, Request, State},
    http::header::CONTENT_LENGTH,
    middleware::{self, Next},
    response::Response,
    routing::{get, post},
    Json, Router,
};
use leadrelay::sandbox::{Sandbox, SandboxStats};
use serde::Deserialize;
use serde_json::{json, Value};

/// What the control surface shares with the timing middleware.
struct Bench {
    sandbox: Sandbox,
    timing: Mutex<Timing>,
}

/// The moments a drain is measured between.
#[derive(Default)]
struct Timing {
    released_at: Option<Instant>,
    first_create: Option<Instant>,
    stats_at_release: SandboxStats,
    leads_at_release: usize,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18082".into());
    let sandbox = Sandbox::start().await?;
    let bench = Arc::new(Bench {
        sandbox: sandbox.clone(),
        timing: Mutex::new(Timing::default()),
    });
    let api = sandbox
        .router()
        .layer(middleware::from_fn_with_state(bench.clone(), time_creates));
    let control = Router::new()
        .route("/_bench/pause", post(pause))
        .route("/_bench/release", post(release))
        .route("/_bench/wait", get(wait))
        .with_state(bench);
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!(
        "listening on {} key {}",
        listener.local_addr()?,
        sandbox.api_key()
    );
    axum::serve(listener, control.merge(api)).await?;
    Ok(())
}

/// Notes when the first create call after a release arrives (route probes,
/// which carry an empty list, `[]` or `{"members":[]}`, do not count).
async fn time_creates(State(bench): State<Arc<Bench>>, request: Request, next: Next) -> Response {
    let carries_leads = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<usize>().ok())
        .is_some_and(|length| length > r#"{"members":[]}"#.len());
    if carries_leads && request.uri().path().contains("/members/bulk-") {
        let mut timing = bench.timing.lock().expect("timing lock");
        if timing.released_at.is_some() && timing.first_create.is_none() {
            timing.first_create = Some(Instant::now());
        }
    }
    next.run(request).await
}

async fn pause(State(bench): State<Arc<Bench>>) -> Json<Value> {
    bench.sandbox.set_key_revoked(true);
    *bench.timing.lock().expect("timing lock") = Timing::default();
    Json(json!({"paused": true}))
}

async fn release(State(bench): State<Arc<Bench>>) -> Json<Value> {
    {
        let mut timing = bench.timing.lock().expect("timing lock");
        *timing = Timing {
            released_at: Some(Instant::now()),
            first_create: None,
            stats_at_release: bench.sandbox.stats(),
            leads_at_release: bench.sandbox.lead_count(),
        };
    }
    bench.sandbox.set_key_revoked(false);
    Json(json!({"released": true}))
}

#[derive(Deserialize)]
struct WaitFor {
    leads: usize,
    timeout_ms: u64,
}

async fn wait(State(bench): State<Arc<Bench>>, Query(want): Query<WaitFor>) -> Json<Value> {
    let deadline = Instant::now() + Duration::from_millis(want.timeout_ms);
    let base = bench.timing.lock().expect("timing lock").leads_at_release;
    let delivered = loop {
        let delivered = bench.sandbox.lead_count() - base;
        if delivered >= want.leads || Instant::now() >= deadline {
            break delivered;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    let done = Instant::now();
    let timing = bench.timing.lock().expect("timing lock");
    let now = bench.sandbox.stats();
    let before = timing.stats_at_release;
    let ms = |from: Option<Instant>| from.map(|at| done.duration_since(at).as_secs_f64() * 1000.0);
    Json(json!({
        "complete": delivered >= want.leads,
        "leads": delivered,
        "since_release_ms": ms(timing.released_at),
        "drain_ms": ms(timing.first_create),
        "create_calls": now.create_calls - before.create_calls,
        "companies_calls": now.companies_calls - before.companies_calls,
        "roles_calls": now.roles_calls - before.roles_calls,
        "probe_calls": now.probe_calls - before.probe_calls,
        "rejected_calls": now.rejected_calls - before.rejected_calls,
    }))
}
