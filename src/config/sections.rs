//! The plain sections: `[server]`, `[log]`, `[storage]`, `[delivery]`.

use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to listen on.
    pub listen: String,
    /// Largest accepted request body, in bytes (413 beyond).
    pub(crate) max_body_bytes: usize,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    pub(crate) trust_forwarded_for: bool,
    /// Submissions per client IP (an IPv6 client: per /64) and minute; over it:
    /// 429 + `Retry-After`. Only `/hooks` senders that authenticate are exempt.
    pub rate_limit_per_minute: u32,
    /// Funnel reports (`embed.js`'s page views and starts) per client IP and
    /// minute; beyond it they are not counted (429). 0 = no limit.
    pub(crate) funnel_rate_limit_per_minute: u32,
    /// Bearer token for `/admin` (a secret; empty is refused); absent = admin API off.
    pub(crate) admin_token: Option<SecretString>,
    /// Largest number of inputs (answers) one submission may carry. What the
    /// sender sent is counted, not what reading it spells out: sub-keys of one
    /// input (`fields[email][value]`, `fields[email][type]`) and repeated names
    /// count once; in JSON, each entry of its longest list of objects (Tally's
    /// `data.fields`, Typeform's `answers`) is one answer, options and all, and
    /// each value outside such lists one more. Memory stays bounded by
    /// `max_body_bytes`: a body is read into at most 16 times its size of fields.
    pub(crate) max_fields: usize,
    /// Longest accepted field value, in bytes.
    pub(crate) max_field_bytes: usize,
    /// Whole-request timeout, in seconds; beyond it (a client trickling its body,
    /// stuck storage) the request is answered 503 + `Retry-After`, in the error shape.
    pub(crate) request_timeout_secs: u64,
    /// How long a client may take to send a request's headers, in seconds; slower
    /// connections are closed (slowloris), and so are keep-alive connections idle
    /// this long. leadrelay speaks HTTP/1.1; put a proxy in front for TLS or HTTP/2.
    pub(crate) header_read_timeout_secs: u64,
    /// How long a graceful shutdown may take before it is cut short, in seconds.
    pub(crate) shutdown_timeout_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: "0.0.0.0:8080".into(),
            max_body_bytes: 65_536,
            trust_forwarded_for: false,
            rate_limit_per_minute: 60,
            funnel_rate_limit_per_minute: 120,
            admin_token: None,
            max_fields: 200,
            max_field_bytes: 16_384,
            request_timeout_secs: 15,
            header_read_timeout_secs: 10,
            shutdown_timeout_secs: 20,
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LogSettings {
    /// `pretty` for a terminal, `json` for one JSON object per line.
    pub(crate) format: LogFormat,
    /// Filter directive; `RUST_LOG`, when set, wins.
    pub(crate) level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            level: "info".into(),
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// `[storage]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageSettings {
    /// `sqlite://path` (embedded default) or `postgres://...`.
    pub url: String,
    /// Largest number of pooled database connections.
    pub pool_size: u32,
    /// Days after which delivered leads' original submissions are purged.
    pub retention_days: u32,
    /// Window in which the same form + email + content is answered with the first reply, in seconds.
    pub dedupe_window_secs: u64,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            url: "sqlite://data/leadrelay.db".into(),
            pool_size: 8,
            retention_days: 30,
            dedupe_window_secs: 600,
        }
    }
}

/// `[delivery]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliverySettings {
    /// Most leads sent in one create call (bulk-lead allows 200).
    pub(crate) batch_size: usize,
    /// Attempts before a lead is `dead` (kept, replayable).
    pub(crate) max_attempts: u32,
    /// Delays between attempts, in seconds (±20 % jitter); the last one repeats.
    /// The default (5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, then every 6 h)
    /// spreads 20 attempts over about three days.
    pub backoff_secs: Vec<u64>,
    /// Most leads sent per minute per workspace (0 = no cap).
    pub(crate) max_per_minute: u32,
    /// Consecutive transient failures that open a workspace's circuit breaker.
    pub(crate) breaker_threshold: u32,
    /// How long an open breaker waits before trying again, and the first wait of
    /// a workspace paused for its fault (doubling while it lasts, at most 300), in seconds.
    pub(crate) pause_secs: u64,
    /// How long a claimed lead stays claimed before another worker may take it,
    /// in seconds. The worker renews it while it sends (every quarter of it),
    /// and sends a lead only while half of it is left; at least twice every
    /// workspace's `timeout_secs`.
    pub(crate) lease_secs: u64,
    /// How often the worker looks for due leads when nothing wakes it, in milliseconds.
    pub poll_interval_ms: u64,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        Self {
            batch_size: 25,
            max_attempts: 20,
            backoff_secs: vec![5, 30, 120, 600, 1800, 3600, 7200, 14400, 21600],
            max_per_minute: 0,
            breaker_threshold: 5,
            pause_secs: 60,
            lease_secs: 120,
            poll_interval_ms: 1000,
        }
    }
}
