//! HTTP to one Agencyhandy workspace: the reqwest client, authentication
//! headers, capped body reads, metrics and error classification.

use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context};
use reqwest::{header::RETRY_AFTER, redirect::Policy, Method};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

use super::{
    classify::{classify_status, describe_transport_error, excerpt, parse_retry_after},
    UpstreamError,
};
use crate::config::WorkspaceSettings;

/// Largest response body read; the rest is ignored (and a cut JSON body fails to parse).
const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const USER_AGENT: &str = concat!("leadrelay/", env!("CARGO_PKG_VERSION"));

/// A 2xx answer.
pub(crate) struct Reply {
    /// HTTP status.
    pub(crate) status: u16,
    /// The body, at most [`MAX_BODY_BYTES`].
    pub(crate) body: Vec<u8>,
}

/// One request to make.
pub(crate) struct Call<'a> {
    /// Metrics label: `companies`, `roles`, `company-members`, `bulk-lead` or `probe`.
    pub(crate) op: &'static str,
    pub(crate) method: Method,
    pub(crate) url: Url,
    /// The `companyid` header, when the route needs it.
    pub(crate) company_id: Option<&'a str>,
    pub(crate) json: Option<&'a serde_json::Value>,
    /// A 4xx other than 401/403 is an expected answer (a probe, or a listing a
    /// generation lacks), logged at debug level instead of as a warning.
    pub(crate) expects_refusal: bool,
}

/// The HTTP side of a workspace client.
pub(crate) struct Transport {
    http: reqwest::Client,
    base: Url,
    api_key: SecretString,
}

impl Transport {
    /// Builds the reqwest client (rustls, connect and request timeouts, no redirects:
    /// a redirect would carry the `x-api-key` header to wherever it points).
    pub(crate) fn new(name: &str, settings: &WorkspaceSettings) -> anyhow::Result<Self> {
        let api_key = settings
            .api_key
            .clone()
            .with_context(|| format!("workspace {name}: the Agencyhandy api_key is not set"))?;
        let base = Url::parse(settings.api_url.trim())
            .with_context(|| format!("workspace {name}: api_url is not a valid URL"))?;
        if !matches!(base.scheme(), "http" | "https") || base.cannot_be_a_base() {
            bail!("workspace {name}: api_url must be an http:// or https:// URL");
        }
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(USER_AGENT)
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(Duration::from_secs(settings.timeout_secs.max(1)))
            .redirect(Policy::none())
            .build()
            .context("failed to build the HTTP client")?;
        Ok(Self {
            http,
            base,
            api_key,
        })
    }

    /// The base URL with `segments` appended as path segments (each escaped).
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// The base URL, for messages.
    pub(crate) fn base(&self) -> &Url {
        &self.base
    }

    /// The API key, for scrubbing it out of whatever comes back.
    pub(crate) fn key_for_scrubbing(&self) -> &str {
        self.api_key.expose_secret()
    }

    /// Sends a call; a 2xx comes back as a [`Reply`], anything else as a classified error.
    pub(crate) async fn send(&self, call: Call<'_>) -> Result<Reply, UpstreamError> {
        let key = self.api_key.expose_secret();
        let mut request = self
            .http
            .request(call.method, call.url)
            .header("x-api-key", key);
        if let Some(company_id) = call.company_id {
            request = request.header("companyid", company_id);
        }
        if let Some(json) = call.json {
            request = request.json(json);
        }

        let started = Instant::now();
        let outcome = Self::exchange(request).await;
        let status_label = match &outcome {
            Ok((status, ..)) | Err((Some(status), _)) => status.to_string(),
            Err((None, _)) => "error".to_owned(),
        };
        metrics::counter!(
            "leadrelay_upstream_requests_total",
            "endpoint" => call.op,
            "status" => status_label
        )
        .increment(1);
        metrics::histogram!("leadrelay_upstream_request_duration_seconds", "endpoint" => call.op)
            .record(started.elapsed().as_secs_f64());

        let (status, retry_after, body) = outcome.map_err(|(status, err)| {
            let message = describe_transport_error(&err, key);
            tracing::warn!(op = call.op, error = %message, "Agencyhandy request failed");
            UpstreamError::Transient {
                // A 2xx whose body failed to arrive is no answer at all.
                status: status.filter(|s| !(200..300).contains(s)),
                retry_after: None,
                message,
            }
        })?;
        if (200..300).contains(&status) {
            return Ok(Reply { status, body });
        }
        let error = classify_status(status, retry_after, excerpt(&body, key));
        if call.expects_refusal && matches!(error, UpstreamError::Rejected { .. }) {
            tracing::debug!(op = call.op, status, error = %error, "Agencyhandy answered");
        } else {
            tracing::warn!(op = call.op, status, error = %error, "Agencyhandy answered with an error");
        }
        Err(error)
    }

    /// Performs the request and reads the status, `Retry-After` and (capped) body.
    async fn exchange(
        request: reqwest::RequestBuilder,
    ) -> Result<(u16, Option<Duration>, Vec<u8>), (Option<u16>, reqwest::Error)> {
        let mut response = request.send().await.map_err(|err| (None, err))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| parse_retry_after(value, SystemTime::now()));
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|err| (Some(status), err))? {
            let room = MAX_BODY_BYTES - body.len();
            body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            if body.len() >= MAX_BODY_BYTES {
                break;
            }
        }
        Ok((status, retry_after, body))
    }
}
