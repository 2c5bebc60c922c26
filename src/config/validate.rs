//! What serde cannot check: references between keys and value ranges.

use std::net::SocketAddr;

use anyhow::{bail, Context};

use super::{is_valid_form_name, security, workspace_key, EndpointKind, Settings};
use crate::agencyhandy::{canonical_status, LEAD_STATUSES, MAX_BULK_LEADS, MAX_SOURCE_CHARS};

/// Fails unless `status` is one of Agencyhandy's six, spelled as it spells them.
fn validate_status(key: &str, status: &str) -> anyhow::Result<()> {
    if LEAD_STATUSES.contains(&status) {
        return Ok(());
    }
    let hint = canonical_status(status)
        .map(|meant| format!(" (did you mean {meant:?}?)"))
        .unwrap_or_default();
    bail!(
        "config: {key} = {status:?} is not one of Agencyhandy's lead statuses: {}{hint}",
        LEAD_STATUSES.map(|s| format!("{s:?}")).join(", ")
    )
}

impl Settings {
    /// Checks what serde cannot: references between keys and value ranges.
    pub fn validate(&self) -> anyhow::Result<()> {
        self.server.listen.parse::<SocketAddr>().with_context(|| {
            format!(
                "config: server.listen = {:?} is not an address such as 0.0.0.0:8080",
                self.server.listen
            )
        })?;
        if self.server.header_read_timeout_secs == 0 {
            bail!("config: server.header_read_timeout_secs must be at least 1");
        }
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
            if workspace.endpoint != EndpointKind::CompanyMembers
                && self.delivery.batch_size > MAX_BULK_LEADS
            {
                bail!(
                    "config: delivery.batch_size = {} is over {MAX_BULK_LEADS}, the most Agencyhandy's bulk-lead endpoint takes in one call ({key}.endpoint = {:?} sends there); lower it",
                    self.delivery.batch_size,
                    workspace.endpoint.as_str()
                );
            }
            if self.delivery.lease_secs < 2 * workspace.timeout_secs.max(1) {
                bail!(
                    "config: delivery.lease_secs = {} must be at least twice {key}.timeout_secs = {}: a lead is sent only while half its lease is left, and that half must cover the call",
                    self.delivery.lease_secs,
                    workspace.timeout_secs
                );
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
            validate_status(&format!("forms.{name}.status"), &form.status)?;
            for (key, value) in &form.constants {
                if key.eq_ignore_ascii_case("status") {
                    let status = value.as_str().unwrap_or_default();
                    validate_status(&format!("forms.{name}.constants.{key}"), status)?;
                }
            }
            security::validate_form(name, form)?;
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

    /// What is valid but worth a warning about what Agencyhandy will receive:
    /// a form's `source` longer than Agencyhandy keeps (it is cut).
    pub(crate) fn agencyhandy_warnings(&self) -> Vec<String> {
        self.forms
            .iter()
            .filter(|(_, form)| !form.source.contains('{'))
            .filter(|(_, form)| form.source.chars().count() > MAX_SOURCE_CHARS)
            .map(|(name, form)| {
                format!(
                    "forms.{name}.source is {} characters; Agencyhandy keeps {MAX_SOURCE_CHARS}, so leads carry {:?}",
                    form.source.chars().count(),
                    form.source.chars().take(MAX_SOURCE_CHARS).collect::<String>()
                )
            })
            .collect()
    }

    /// Fails unless every workspace used by a form has an API key (needed by `serve` and `check`).
    pub(crate) fn require_api_keys(&self) -> anyhow::Result<()> {
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
}
