//! Logs (pretty or JSON, `RUST_LOG` wins over `log.level`) and the Prometheus
//! metrics registry.

mod json;

use std::{io::IsTerminal, sync::OnceLock, time::Duration};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tokio_util::sync::CancellationToken;
use tracing_subscriber::{
    fmt::{self, format::JsonFields},
    layer::SubscriberExt,
    util::SubscriberInitExt,
    EnvFilter,
};

use self::json::FlatJson;
use crate::config::{LogFormat, LogSettings};

/// Installs the global tracing subscriber (once; later calls do nothing).
/// `RUST_LOG`, when set and not empty, wins over `log.level`.
pub(crate) fn init_tracing(settings: &LogSettings) {
    let _ = match settings.format {
        LogFormat::Json => tracing_subscriber::registry()
            .with(log_filter(settings))
            .with(
                fmt::layer()
                    .fmt_fields(JsonFields::new())
                    .event_format(FlatJson)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => tracing_subscriber::registry()
            .with(log_filter(settings))
            .with(
                fmt::layer()
                    .compact()
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
}

fn log_filter(settings: &LogSettings) -> EnvFilter {
    std::env::var("RUST_LOG")
        .ok()
        .filter(|directives| !directives.trim().is_empty())
        .and_then(|directives| EnvFilter::try_new(directives).ok())
        .or_else(|| EnvFilter::try_new(&settings.level).ok())
        .unwrap_or_else(|| EnvFilter::new("info"))
}

/// The process-wide Prometheus registry (installed on first use).
pub(crate) fn metrics_handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Suffix("duration_seconds".into()),
                &[
                    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                ],
            )
            .expect("bucket list is not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Another recorder may already be installed (tests embedding several apps); then
        // this handle still renders what is recorded through it.
        let _ = metrics::set_global_recorder(recorder);
        describe_metrics();
        handle
    })
}

/// Drains recorded histogram samples into the registry every few seconds, so
/// memory stays flat between scrapes (and when nothing scrapes at all).
pub(crate) async fn run_metrics_upkeep(stop: CancellationToken) {
    let handle = metrics_handle();
    let mut every = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = every.tick() => handle.run_upkeep(),
            () = stop.cancelled() => return,
        }
    }
}

fn describe_metrics() {
    metrics::describe_counter!(
        "leadrelay_leads_received_total",
        "Submissions received, by form and outcome"
    );
    metrics::describe_counter!(
        "leadrelay_leads_delivered_total",
        "Leads Agencyhandy created"
    );
    metrics::describe_counter!(
        "leadrelay_leads_duplicate_total",
        "Leads Agencyhandy already had (final, not retried)"
    );
    metrics::describe_counter!(
        "leadrelay_leads_dead_total",
        "Leads that ran out of attempts or were refused for good"
    );
    metrics::describe_gauge!(
        "leadrelay_outbox_pending",
        "Leads waiting for delivery (pending, retrying, delivering)"
    );
    metrics::describe_gauge!(
        "leadrelay_leads_stored",
        "Stored leads by state (read from storage at each scrape)"
    );
    metrics::describe_gauge!(
        "leadrelay_workspace_paused",
        "1 while a workspace's delivery is paused (its fault: key, route, IDs, config; or the breaker open)"
    );
    metrics::describe_gauge!(
        "leadrelay_funnel_today",
        "Each form's funnel counts of the UTC day so far, by step (read from storage at each scrape)"
    );
    metrics::describe_counter!(
        "leadrelay_funnel_events_total",
        "Funnel steps counted by this process, by form and step"
    );
    metrics::describe_counter!(
        crate::intake::captcha::UNAVAILABLE_TOTAL,
        "Submissions kept as spam because their CAPTCHA provider did not answer, by form and provider"
    );
    metrics::describe_counter!(
        "leadrelay_upstream_requests_total",
        "Requests to Agencyhandy, by endpoint and status"
    );
    metrics::describe_histogram!(
        "leadrelay_upstream_request_duration_seconds",
        "Duration of requests to Agencyhandy"
    );
    // Present at 0 from the start, so dashboards and `increase()` alerts see them
    // before the first lead is delivered or dies.
    for name in [
        "leadrelay_leads_delivered_total",
        "leadrelay_leads_duplicate_total",
        "leadrelay_leads_dead_total",
    ] {
        metrics::counter!(name).increment(0);
    }
    metrics::gauge!("leadrelay_outbox_pending").increment(0.0);
}
