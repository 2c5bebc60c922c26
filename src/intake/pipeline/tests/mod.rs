//! The intake service without a socket: a temporary SQLite store, a clock
//! moved by hand. `stored.rs`: what is stored and answered; `refused.rs`: the
//! guards, and what they refuse.

mod refused;
mod stored;

use axum::http::{header, HeaderName, HeaderValue};
use futures::FutureExt;
use serde_json::Value;

use super::*;
use crate::{
    clock::ManualClock,
    outbox::{self, LeadFilter, LeadSummary, Outbox},
};

const SIGNING_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

const CONFIG: &str = r#"
[storage]
dedupe_window_secs = 600

[forms.contact]
allowed_origins = ["https://example.com"]
honeypot = "_gotcha"
min_fill_secs = 3
test_token = "t0k"

[forms.zap]
token = "hook-token"

[forms.signed]
signing_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
"#;

/// A pipeline over a temporary SQLite store, with a hand-moved clock.
struct Harness {
    pipeline: Pipeline,
    outbox: Arc<dyn Outbox>,
    wake: Arc<Notify>,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// Every test submission comes from one IP: only the limit's test limits it.
    async fn start() -> Self {
        Self::limited_to(0).await
    }

    async fn limited_to(per_minute: u32) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut settings = Settings::from_toml(CONFIG).expect("test config is valid");
        settings.server.rate_limit_per_minute = per_minute;
        settings.storage.url = format!("sqlite://{}/leads.db", dir.path().display());
        let outbox = outbox::open(&settings.storage).await.expect("store opens");
        let wake = Arc::new(Notify::new());
        let clock = ManualClock::starting_now();
        let pipeline = Pipeline::new(PipelineParts {
            settings: Arc::new(settings),
            outbox: outbox.clone().intake(),
            wake: wake.clone(),
            funnel: Arc::new(Funnel::new(outbox.clone())),
            clients: HashMap::new(),
            clock: clock.clock(),
        });
        Self {
            pipeline,
            outbox,
            wake,
            clock,
            _dir: dir,
        }
    }

    /// Submits `body` as JSON with `headers` (name, value) from 192.0.2.1.
    async fn submit(
        &self,
        form_name: &str,
        door: Door,
        headers: &[(&str, &str)],
        body: &Value,
    ) -> Result<Submitted, SubmitError> {
        let body = Bytes::from(body.to_string());
        self.submit_bytes(form_name, door, headers, body).await
    }

    async fn submit_bytes(
        &self,
        form_name: &str,
        door: Door,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Result<Submitted, SubmitError> {
        let mut map = HeaderMap::new();
        map.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("header name");
            map.insert(name, HeaderValue::from_str(value).expect("header value"));
        }
        let request = SubmitRequest {
            form_name,
            door,
            client_ip: "192.0.2.1".parse().expect("an IP"),
            headers: &map,
        };
        self.pipeline.submit(request, async { Ok(body) }).await
    }

    async fn stored(&self) -> Vec<LeadSummary> {
        self.outbox
            .list(&LeadFilter::default())
            .await
            .expect("leads list")
    }

    /// Whether the worker was woken since the last look.
    fn worker_woken(&self) -> bool {
        self.wake.notified().now_or_never().is_some()
    }
}
