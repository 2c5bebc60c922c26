//! Logs (pretty or JSON, `RUST_LOG` wins over `log.level`) and the Prometheus
//! metrics registry.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tracing_subscriber::{fmt, layer::SubscriberExt, util::SubscriberInitExt, EnvFilter};

use crate::config::{LogFormat, LogSettings};

/// Installs the global tracing subscriber (once; later calls do nothing).
pub fn init_tracing(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&settings.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let registry = tracing_subscriber::registry().with(filter);
    let _ = match settings.format {
        LogFormat::Json => registry
            .with(
                fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true)
                    .with_span_list(false)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
        LogFormat::Pretty => registry
            .with(fmt::layer().compact().with_writer(std::io::stderr))
            .try_init(),
    };
}

/// The process-wide Prometheus registry (installed on first use).
pub fn metrics_handle() -> &'static PrometheusHandle {
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

fn describe_metrics() {
    metrics::describe_counter!(
        "leadrelay_leads_received_total",
        "Submissions received, by form and outcome"
    );
    metrics::describe_counter!(
        "leadrelay_leads_delivered_total",
        "Leads Agencyhandy accepted (created or already existing)"
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
        "leadrelay_workspace_paused",
        "1 while a workspace's delivery is paused (key refused or circuit open)"
    );
    metrics::describe_counter!(
        "leadrelay_upstream_requests_total",
        "Requests to Agencyhandy, by endpoint and status"
    );
    metrics::describe_histogram!(
        "leadrelay_upstream_request_duration_seconds",
        "Duration of requests to Agencyhandy"
    );
}
