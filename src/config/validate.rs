//! What serde cannot check: references between keys and value ranges.

use std::net::SocketAddr;

use anyhow::{bail, Context};

use super::{is_valid_form_name, security, workspace_key, EndpointKind, Settings};

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
}
