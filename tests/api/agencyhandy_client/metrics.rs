//! Upstream calls are counted by endpoint and status, and timed.

use leadrelay::{config::EndpointKind, sandbox::Sandbox};
use metrics_exporter_prometheus::PrometheusBuilder;

use super::{member, sandbox_client};

#[test]
fn upstream_requests_are_counted_and_timed() {
    let recorder = PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    // A current-thread runtime keeps every task on this thread, where the local recorder is installed.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    metrics::with_local_recorder(&recorder, || {
        runtime.block_on(async {
            let sandbox = Sandbox::start().await.unwrap();
            let client = sandbox_client(&sandbox, EndpointKind::Auto);
            client
                .create_leads(&[member("a@example.com")])
                .await
                .unwrap();
            sandbox.set_key_revoked(true);
            client
                .create_leads(&[member("b@example.com")])
                .await
                .unwrap_err();
        })
    });

    let text = handle.render();
    for line in [
        r#"leadrelay_upstream_requests_total{endpoint="companies",status="200"} 1"#,
        r#"leadrelay_upstream_requests_total{endpoint="roles",status="404"} 1"#,
        r#"leadrelay_upstream_requests_total{endpoint="probe",status="400"} 1"#,
        r#"leadrelay_upstream_requests_total{endpoint="bulk-lead",status="201"} 1"#,
        r#"leadrelay_upstream_requests_total{endpoint="bulk-lead",status="401"} 1"#,
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
    assert!(
        text.contains(
            r#"leadrelay_upstream_request_duration_seconds_count{endpoint="bulk-lead"} 2"#
        ),
        "{text}"
    );
}
