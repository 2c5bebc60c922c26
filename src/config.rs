//! Settings: built-in defaults, then a TOML file, then `LEADRELAY_*` environment
//! variables (sections joined by `__`), then `LEADRELAY_..._FILE` secrets.

use std::{collections::BTreeMap, net::SocketAddr, path::Path};

use anyhow::{bail, Context};
use figment::{
    providers::{Env, Format, Serialized, Toml},
    Figment,
};
use secrecy::SecretString;
use serde::{Deserialize, Serialize};

/// The whole configuration tree.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// HTTP server.
    #[serde(default)]
    pub server: ServerSettings,
    /// Logging.
    #[serde(default)]
    pub log: LogSettings,
    /// The `default` workspace's Agencyhandy account.
    #[serde(default)]
    pub agencyhandy: WorkspaceSettings,
    /// Further Agencyhandy workspaces, by name; a form picks one with `workspace`.
    #[serde(default)]
    pub workspaces: BTreeMap<String, WorkspaceSettings>,
    /// Where leads are stored.
    #[serde(default)]
    pub storage: StorageSettings,
    /// Background delivery to Agencyhandy.
    #[serde(default)]
    pub delivery: DeliverySettings,
    /// Forms by name: `POST /forms/{name}` and `POST /hooks/{name}`.
    #[serde(default)]
    pub forms: BTreeMap<String, FormSettings>,
}

/// `[server]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address to listen on.
    pub listen: String,
    /// Largest accepted request body, in bytes (413 beyond).
    pub max_body_bytes: usize,
    /// Take the client IP from `X-Forwarded-For` (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Browser submissions per client IP and minute; over it: 429 + `Retry-After`.
    pub rate_limit_per_minute: u32,
    /// Bearer token for `/admin`; absent = admin API off.
    pub admin_token: Option<SecretString>,
    /// Largest number of fields one submission may carry.
    pub max_fields: usize,
    /// Longest accepted field value, in bytes.
    pub max_field_bytes: usize,
    /// Whole-request timeout, in seconds.
    pub request_timeout_secs: u64,
    /// How long a graceful shutdown may take before it is cut short, in seconds.
    pub shutdown_timeout_secs: u64,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            listen: "0.0.0.0:8080".into(),
            max_body_bytes: 65_536,
            trust_forwarded_for: false,
            rate_limit_per_minute: 60,
            admin_token: None,
            max_fields: 200,
            max_field_bytes: 16_384,
            request_timeout_secs: 15,
            shutdown_timeout_secs: 20,
        }
    }
}

/// `[log]`
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSettings {
    /// `pretty` for a terminal, `json` for one JSON object per line.
    pub format: LogFormat,
    /// Filter directive; `RUST_LOG`, when set, wins.
    pub level: String,
    /// Accepted here as in the contract's sample; same as `server.admin_token`.
    pub admin_token: Option<SecretString>,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            format: LogFormat::Pretty,
            level: "info".into(),
            admin_token: None,
        }
    }
}

/// Log line format.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// One Agencyhandy workspace (`[agencyhandy]` or `[workspaces.NAME]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkspaceSettings {
    /// Base URL of the Agencyhandy API.
    pub api_url: String,
    /// The workspace's API key (a secret: never logged, never echoed).
    pub api_key: Option<SecretString>,
    /// Which create endpoint to call.
    pub endpoint: EndpointKind,
    /// Company ID; when set, company discovery is skipped.
    pub company_id: Option<String>,
    /// Company name to pick among several companies (else the first).
    pub company_name: Option<String>,
    /// Client role ID (the OUTER `_id`); when set, role discovery is skipped.
    pub client_role_id: Option<String>,
    /// How long discovered IDs are cached, in seconds.
    pub cache_ttl_secs: u64,
    /// Request timeout towards Agencyhandy, in seconds.
    pub timeout_secs: u64,
}

impl Default for WorkspaceSettings {
    fn default() -> Self {
        Self {
            api_url: "https://api.agencyhandy.com".into(),
            api_key: None,
            endpoint: EndpointKind::CompanyMembers,
            company_id: None,
            company_name: None,
            client_role_id: None,
            cache_ttl_secs: 3600,
            timeout_secs: 15,
        }
    }
}

/// Agencyhandy's two lead-creating endpoints.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "kebab-case")]
pub enum EndpointKind {
    /// `POST /company/{companyId}/members/bulk-client`, body `{"members": [...]}`.
    CompanyMembers,
    /// `POST /members/bulk-lead`, body `[...]` (at most 200).
    BulkLead,
}

impl EndpointKind {
    /// The name used in config and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::CompanyMembers => "company-members",
            Self::BulkLead => "bulk-lead",
        }
    }
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
    pub batch_size: usize,
    /// Attempts before a lead is `dead` (kept, replayable).
    pub max_attempts: u32,
    /// Delays between attempts, in seconds (±20 % jitter); the last one repeats.
    /// The default (5 s, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, then every 6 h)
    /// spreads 20 attempts over about three days.
    pub backoff_secs: Vec<u64>,
    /// Most leads sent per minute per workspace (0 = no cap).
    pub max_per_minute: u32,
    /// Consecutive transient failures that open a workspace's circuit breaker.
    pub breaker_threshold: u32,
    /// How long an open breaker (or an auth pause) waits before probing again, in seconds.
    pub pause_secs: u64,
    /// How long a claimed lead stays claimed before another worker may take it, in seconds.
    pub lease_secs: u64,
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

/// One form: `[forms.NAME]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FormSettings {
    /// Where browser posts are redirected (303) after success.
    pub redirect: Option<String>,
    /// Where browser posts are redirected (303, `?error=CODE`) after an error.
    pub error_redirect: Option<String>,
    /// Origins allowed to post from a browser (CORS and `_next`).
    pub allowed_origins: Vec<String>,
    /// Lead `source`; may be a template such as `website/{utm_source}`.
    pub source: String,
    /// Lead `status` in the pipeline.
    pub status: String,
    /// Lead `positionInBoard`.
    pub position_in_board: u32,
    /// Name of a honeypot input: filled = spam.
    pub honeypot: Option<String>,
    /// Bearer token required on `/hooks/{form}`.
    pub token: Option<SecretString>,
    /// Standard Webhooks signing secret (`whsec_...`) required on `/hooks/{form}`.
    pub signing_secret: Option<SecretString>,
    /// Workspace the leads go to.
    pub workspace: String,
    /// A known sender's payload shape.
    pub preset: Option<String>,
    /// Lead field → input names or JSON paths, first present wins.
    pub fields: BTreeMap<String, FieldSources>,
    /// Constant lead fields added to every lead of this form.
    pub constants: BTreeMap<String, serde_json::Value>,
    /// bulk-lead only: ask Agencyhandy to e-mail the lead an invitation.
    pub send_invitation_email: bool,
    /// Input name (or path) of the consent checkbox; its value, the consent text
    /// and the time are recorded with the lead (`consent` in the member).
    pub consent_field: Option<String>,
    /// Refuse (422) a submission whose `consent_field` is absent or unchecked.
    pub consent_required: bool,
    /// The consent wording shown next to the checkbox, recorded as proof.
    pub consent_text: Option<String>,
}

impl Default for FormSettings {
    fn default() -> Self {
        Self {
            redirect: None,
            error_redirect: None,
            allowed_origins: Vec::new(),
            source: "website".into(),
            status: "New".into(),
            position_in_board: 1,
            honeypot: None,
            token: None,
            signing_secret: None,
            workspace: "default".into(),
            preset: None,
            fields: BTreeMap::new(),
            constants: BTreeMap::new(),
            send_invitation_email: false,
            consent_field: None,
            consent_required: false,
            consent_text: None,
        }
    }
}

/// One input name, or several tried in order.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum FieldSources {
    /// A single input name or path.
    One(String),
    /// Input names or paths, first present wins.
    Many(Vec<String>),
}

impl FieldSources {
    /// The names in order.
    pub fn names(&self) -> &[String] {
        match self {
            Self::One(name) => std::slice::from_ref(name),
            Self::Many(names) => names,
        }
    }
}

const ENV_PREFIX: &str = "LEADRELAY_";
const DEFAULT_CONFIG_PATH: &str = "config/leadrelay.toml";

impl Settings {
    /// Loads settings: defaults, then the TOML file (`path`, else `LEADRELAY_CONFIG`,
    /// else `config/leadrelay.toml` when present), then the environment.
    pub fn load(path: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::new();
        let explicit = path
            .map(Path::to_path_buf)
            .or_else(|| std::env::var_os("LEADRELAY_CONFIG").map(Into::into));
        match explicit {
            Some(file) => {
                if !file.exists() {
                    bail!("config file {} does not exist", file.display());
                }
                figment = figment.merge(Toml::file(file));
            }
            None if Path::new(DEFAULT_CONFIG_PATH).exists() => {
                figment = figment.merge(Toml::file(DEFAULT_CONFIG_PATH));
            }
            None => {}
        }
        figment = figment.merge(Env::prefixed(ENV_PREFIX).split("__").filter(|key| {
            let key = key.as_str().to_ascii_lowercase();
            is_settings_key(&key) && !key.ends_with("_file")
        }));
        for (key, value) in secret_files_from_env()? {
            figment = figment.merge(Serialized::global(&key, value));
        }
        Self::from_figment(figment)
    }

    /// Parses and validates settings from a TOML string (used by tests and `demo`).
    pub fn from_toml(toml: &str) -> anyhow::Result<Self> {
        Self::from_figment(Figment::from(Toml::string(toml)))
    }

    fn from_figment(figment: Figment) -> anyhow::Result<Self> {
        let settings: Settings = figment.extract().map_err(|e| {
            let first = e.into_iter().next().expect("figment error has one entry");
            anyhow::anyhow!("config: {}", describe_figment_error(&first))
        })?;
        settings.validate()?;
        Ok(settings)
    }

    /// Checks what serde cannot: references between keys and value ranges.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.server.listen.parse::<SocketAddr>().with_context(|| {
            format!(
                "config: server.listen = {:?} is not an address such as 0.0.0.0:8080",
                self.server.listen
            )
        })?;
        if self.server.max_body_bytes < 256 {
            bail!("config: server.max_body_bytes must be at least 256");
        }
        if !(self.storage.url.starts_with("sqlite:")
            || self.storage.url.starts_with("postgres:")
            || self.storage.url.starts_with("postgresql:"))
        {
            bail!("config: storage.url must start with sqlite:// or postgres://");
        }
        if self.delivery.batch_size == 0 {
            bail!("config: delivery.batch_size must be at least 1");
        }
        if self.delivery.max_attempts == 0 {
            bail!("config: delivery.max_attempts must be at least 1");
        }
        if self.delivery.backoff_secs.is_empty() {
            bail!("config: delivery.backoff_secs must list at least one delay");
        }
        for (name, workspace) in self.workspace_list() {
            let key = workspace_key(name);
            url::Url::parse(&workspace.api_url)
                .with_context(|| format!("config: {key}.api_url is not a URL"))?;
            if workspace.endpoint == EndpointKind::BulkLead && self.delivery.batch_size > 200 {
                bail!("config: delivery.batch_size must be at most 200 for the bulk-lead endpoint ({key}.endpoint)");
            }
        }
        for (name, form) in &self.forms {
            if !is_valid_form_name(name) {
                bail!(
                    "config: forms.{name}: a form name may hold only letters, digits, '-' and '_'"
                );
            }
            if self.workspace(&form.workspace).is_none() {
                bail!(
                    "config: forms.{name}.workspace = {:?} names no workspace (define [workspaces.{}])",
                    form.workspace,
                    form.workspace
                );
            }
            for (key, value) in [
                ("redirect", &form.redirect),
                ("error_redirect", &form.error_redirect),
            ] {
                if let Some(value) = value {
                    url::Url::parse(value).with_context(|| {
                        format!("config: forms.{name}.{key} is not an absolute URL")
                    })?;
                }
            }
            for origin in &form.allowed_origins {
                url::Url::parse(origin).with_context(|| format!("config: forms.{name}.allowed_origins: {origin:?} is not an origin such as https://example.com"))?;
            }
            if let Some(preset) = &form.preset {
                if !crate::mapping::PRESETS.contains(&preset.as_str()) {
                    bail!(
                        "config: forms.{name}.preset = {preset:?} is not one of {}",
                        crate::mapping::PRESETS.join(", ")
                    );
                }
            }
        }
        Ok(())
    }

    /// Fails unless every workspace used by a form has an API key (needed by `serve` and `check`).
    pub fn require_api_keys(&self) -> anyhow::Result<()> {
        for (name, workspace) in self.workspace_list() {
            if workspace.api_key.is_none() {
                let key = workspace_key(name);
                let env = format!(
                    "LEADRELAY_{}__API_KEY",
                    key.to_uppercase().replace('.', "__")
                );
                bail!("config: {key}.api_key is required (set it in the config file, {env} or {env}_FILE)");
            }
        }
        Ok(())
    }

    /// Every workspace, `default` first.
    pub fn workspace_list(&self) -> impl Iterator<Item = (&str, &WorkspaceSettings)> {
        std::iter::once(("default", &self.agencyhandy))
            .chain(self.workspaces.iter().map(|(name, ws)| (name.as_str(), ws)))
    }

    /// The workspace by name (`default` is `[agencyhandy]`).
    pub fn workspace(&self, name: &str) -> Option<&WorkspaceSettings> {
        if name == "default" {
            Some(self.workspaces.get(name).unwrap_or(&self.agencyhandy))
        } else {
            self.workspaces.get(name)
        }
    }

    /// The admin token, from `server.admin_token` or the contract's `log.admin_token`.
    pub fn admin_token(&self) -> Option<&SecretString> {
        self.server
            .admin_token
            .as_ref()
            .or(self.log.admin_token.as_ref())
    }
}

/// The config key of a workspace's table.
pub fn workspace_key(name: &str) -> String {
    if name == "default" {
        "agencyhandy".into()
    } else {
        format!("workspaces.{name}")
    }
}

/// Form names are path segments: keep them plain.
pub fn is_valid_form_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Only variables naming a section are settings (`LEADRELAY_CONFIG` and test variables are not).
fn is_settings_key(key: &str) -> bool {
    const SECTIONS: [&str; 7] = [
        "server",
        "log",
        "agencyhandy",
        "workspaces",
        "storage",
        "delivery",
        "forms",
    ];
    let section = key.split('.').next().unwrap_or_default();
    SECTIONS
        .iter()
        .any(|known| known.eq_ignore_ascii_case(section))
}

/// `LEADRELAY_A__B_FILE=/path` → (`a.b`, contents of /path, trimmed).
fn secret_files_from_env() -> anyhow::Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (name, path) in std::env::vars() {
        let Some(rest) = name.strip_prefix(ENV_PREFIX) else {
            continue;
        };
        let Some(key) = rest.strip_suffix("_FILE") else {
            continue;
        };
        let key = key.to_lowercase().replace("__", ".");
        if !is_settings_key(&key) {
            continue;
        }
        let value = std::fs::read_to_string(&path)
            .with_context(|| format!("config: {name} names {path}, which cannot be read"))?;
        out.push((key, value.trim().to_owned()));
    }
    Ok(out)
}

fn describe_figment_error(error: &figment::Error) -> String {
    let key = error.path.join(".");
    let kind = error.kind.to_string();
    if key.is_empty() {
        kind
    } else {
        format!("{key}: {kind}")
    }
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::*;

    #[test]
    fn defaults_are_valid() {
        let settings = Settings::from_toml("").unwrap();
        assert_eq!(settings.server.listen, "0.0.0.0:8080");
        assert_eq!(settings.delivery.batch_size, 25);
        assert_eq!(settings.agencyhandy.endpoint, EndpointKind::CompanyMembers);
    }

    #[test]
    fn bad_value_names_the_key() {
        let err = Settings::from_toml("[server]\nlisten = 5")
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.listen"), "{err}");
        let err = Settings::from_toml("[delivery]\nbatch_size = 0")
            .unwrap_err()
            .to_string();
        assert!(err.contains("delivery.batch_size"), "{err}");
        let err = Settings::from_toml("[agencyhandy]\nendpoint = \"other\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("agencyhandy.endpoint"), "{err}");
    }

    #[test]
    fn unknown_workspace_is_refused() {
        let err = Settings::from_toml("[forms.contact]\nworkspace = \"nope\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("forms.contact.workspace"), "{err}");
    }

    #[test]
    fn missing_api_key_names_the_env_variable() {
        let settings = Settings::from_toml("").unwrap();
        let err = settings.require_api_keys().unwrap_err().to_string();
        assert!(err.contains("agencyhandy.api_key"), "{err}");
        assert!(err.contains("LEADRELAY_AGENCYHANDY__API_KEY"), "{err}");
    }

    #[test]
    fn field_sources_accept_one_or_many() {
        let settings = Settings::from_toml(
            "[forms.c.fields]\ncontactNo = [\"phone\", \"tel\"]\nemail = \"mail\"",
        )
        .unwrap();
        let fields = &settings.forms["c"].fields;
        assert_eq!(fields["contactNo"].names(), ["phone", "tel"]);
        assert_eq!(fields["email"].names(), ["mail"]);
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let settings = Settings::from_toml(
            "[agencyhandy]\napi_key = \"sk-very-secret\"\n[forms.c]\ntoken = \"tok-secret\"",
        )
        .unwrap();
        let debug = format!("{settings:?}");
        assert!(!debug.contains("sk-very-secret"));
        assert!(!debug.contains("tok-secret"));
        assert_eq!(
            settings.agencyhandy.api_key.unwrap().expose_secret(),
            "sk-very-secret"
        );
    }
}
