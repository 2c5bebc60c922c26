//! Shared harness for black-box tests: the app on port 0 with a temp SQLite
//! database, talking to the in-process sandbox Agencyhandy; polling with a
//! deadline. The submodules hold the rest (child processes, storage, the
//! browser); `tests/api/README.md` lists them.

pub mod alone;
pub mod binary;
pub mod browser;
pub mod process;
pub mod relay;
pub mod secrets;
pub mod storage;

use std::{future::Future, sync::Arc, time::Duration};

use leadrelay::{
    config::Settings,
    sandbox::{Generation, Sandbox, SandboxOptions},
    startup::{AppState, Application},
};
use tokio_util::sync::CancellationToken;

/// A running app and its fake upstream.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    /// A client that does not follow redirects.
    pub http: reqwest::Client,
    /// The fake Agencyhandy.
    pub sandbox: Sandbox,
    /// The app's shared state (storage, settings).
    pub state: Arc<AppState>,
    /// Stops the app.
    pub shutdown: CancellationToken,
    /// The server task; resolves when the app stopped.
    pub stopped: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// Keeps the database directory alive.
    pub dir: Arc<tempfile::TempDir>,
}

/// Forms most tests use.
pub const FORMS: &str = r#"
[forms.contact]
redirect = "https://example.com/thanks"
error_redirect = "https://example.com/oops"
allowed_origins = ["https://example.com"]
honeypot = "_gotcha"

[forms.ajax]
allowed_origins = ["https://example.com"]

[forms.plain]

[forms.zap]
token = "test-hook-token"
"#;

/// Starts the app with [`FORMS`] plus `extra` TOML, against a new sandbox.
pub async fn spawn_app(extra: &str) -> TestApp {
    let sandbox = Sandbox::start().await.expect("sandbox starts");
    spawn_app_with(&format!("{FORMS}\n{extra}"), sandbox).await
}

/// Like [`spawn_app`], against a sandbox serving `generation` of Agencyhandy's API.
pub async fn spawn_app_at(generation: Generation, extra: &str) -> TestApp {
    spawn_app_with(&format!("{FORMS}\n{extra}"), sandbox_at(generation).await).await
}

/// A sandbox serving `generation` of Agencyhandy's API.
pub async fn sandbox_at(generation: Generation) -> Sandbox {
    Sandbox::start_with(SandboxOptions {
        generation,
        ..SandboxOptions::default()
    })
    .await
    .expect("sandbox starts")
}

/// Starts the app with exactly `toml` (plus test plumbing) against `sandbox`.
pub async fn spawn_app_with(toml: &str, sandbox: Sandbox) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
    spawn_app_in(toml, sandbox, dir).await
}

/// Like [`spawn_app_with`], reusing a database directory (restarts).
pub async fn spawn_app_in(toml: &str, sandbox: Sandbox, dir: Arc<tempfile::TempDir>) -> TestApp {
    let settings = test_settings(toml, &sandbox, &dir);
    let app = Application::build(settings).await.expect("app builds");
    let address = format!("http://127.0.0.1:{}", app.port());
    let state = app.state();
    let shutdown = app.shutdown_token();
    let stopped = tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        sandbox,
        state,
        shutdown,
        stopped,
        dir,
    }
}

/// Settings for a test: the given TOML, listening on port 0, storing in `dir`,
/// sending to `sandbox`, polling fast.
pub fn test_settings(toml: &str, sandbox: &Sandbox, dir: &tempfile::TempDir) -> Settings {
    let mut settings = Settings::from_toml(toml).expect("test config is valid");
    settings.server.listen = "127.0.0.1:0".into();
    if !toml.contains("rate_limit_per_minute") {
        // Every test request comes from 127.0.0.1: only rate tests keep the default limit.
        settings.server.rate_limit_per_minute = 0;
    }
    settings.storage.url = format!("sqlite://{}/leads.db", dir.path().display());
    settings.agencyhandy.api_url = sandbox.url();
    if settings.agencyhandy.api_key.is_none() {
        settings.agencyhandy.api_key = Some(sandbox.api_key().to_owned().into());
    }
    for workspace in settings.workspaces.values_mut() {
        workspace.api_url = sandbox.url();
        if workspace.api_key.is_none() {
            workspace.api_key = Some(sandbox.api_key().to_owned().into());
        }
    }
    if !toml.contains("poll_interval_ms") {
        settings.delivery.poll_interval_ms = 50;
    }
    settings
}

impl TestApp {
    /// `POST /forms/{form}` with a JSON body.
    pub async fn post_json(&self, form: &str, body: &serde_json::Value) -> reqwest::Response {
        self.http
            .post(format!("{}/forms/{form}", self.address))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// `POST /forms/{form}` as a browser form post (urlencoded).
    pub async fn post_form(&self, form: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}/forms/{form}", self.address))
            .form(fields)
            .send()
            .await
            .expect("request sent")
    }

    /// `POST {path}` with a raw body and content type.
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.address))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Asserts that the app still answers `GET /healthz` with 200.
    pub async fn assert_healthy(&self) {
        let health = self
            .http
            .get(format!("{}/healthz", self.address))
            .send()
            .await
            .expect("request sent");
        assert_eq!(health.status(), 200, "the service is still up");
    }

    /// Stops the app gracefully and waits for it.
    pub async fn stop(self) -> (Sandbox, Arc<tempfile::TempDir>) {
        self.shutdown.cancel();
        let _ = tokio::time::timeout(Duration::from_secs(30), self.stopped).await;
        (self.sandbox, self.dir)
    }
}

/// Polls `check` until it returns `Some`, or panics after `timeout` with `what`.
pub async fn eventually<T, F, Fut>(what: &str, timeout: Duration, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check().await {
            return value;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("timed out after {timeout:?} waiting for: {what}");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until no stored lead waits for delivery (none pending, retrying or
/// delivering). From then on nothing reaches the sandbox unless a new lead is
/// stored: how a test says "nothing else was sent" without sleeping.
pub async fn settled(app: &TestApp) {
    use leadrelay::domain::LeadState;
    eventually(
        "no lead waiting for delivery",
        Duration::from_secs(15),
        || async {
            let counts = app.state.outbox.count_by_state().await.ok()?;
            let waiting = counts.iter().any(|(state, n)| {
                *n > 0
                    && matches!(
                        state,
                        LeadState::Pending | LeadState::Retrying | LeadState::Delivering
                    )
            });
            (!waiting).then_some(())
        },
    )
    .await;
}

/// Waits until the sandbox holds `n` leads, and returns them.
pub async fn sandbox_leads(sandbox: &Sandbox, n: usize) -> Vec<serde_json::Value> {
    eventually(
        &format!("{n} lead(s) in the sandbox"),
        Duration::from_secs(15),
        || async {
            let leads = sandbox.leads();
            (leads.len() >= n).then_some(leads)
        },
    )
    .await
}
