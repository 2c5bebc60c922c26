//! Where settings come from: defaults, the TOML file, the environment, `_FILE` secrets.

use std::path::Path;

use anyhow::{bail, Context};
use figment::{
    providers::{Env, Format, Serialized, Toml},
    value::{Dict, Value},
    Figment,
};

use super::Settings;

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
            is_settings_key(&key) && !key.ends_with("_file") && !is_secret_key(&key)
        }));
        for (key, value) in secrets_from_env() {
            figment = figment.merge(Serialized::global(&key, value));
        }
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
        refuse_empty_secrets(&figment)?;
        let settings: Settings = figment.extract().map_err(|e| {
            let first = e.into_iter().next().expect("figment error has one entry");
            anyhow::anyhow!("config: {}", describe_figment_error(&first))
        })?;
        settings.validate()?;
        Ok(settings)
    }
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

/// Keys holding secrets: taken from the environment as text, exactly (`0123`
/// stays `0123`, never a number), never echoed in an error, and never empty.
pub(super) fn is_secret_key(key: &str) -> bool {
    let path: Vec<&str> = key.split('.').collect();
    matches!(
        path.as_slice(),
        ["server", "admin_token"]
            | ["agencyhandy", "api_key"]
            | ["workspaces", _, "api_key"]
            | [
                "forms",
                _,
                "token" | "test_token" | "signing_secret" | "signature_secret"
            ]
            | ["forms", _, "captcha", "secret"]
    )
}

/// Refuses a secret that is empty (or only blanks), wherever it was read from
/// (the file, `LEADRELAY_…`, `LEADRELAY_…_FILE`): an empty token would open the
/// door it guards, since a request without the header "matches" it.
fn refuse_empty_secrets(figment: &Figment) -> anyhow::Result<()> {
    // A tree that does not even extract is reported, key named, by the typed extract.
    let Ok(tree) = figment.extract::<Dict>() else {
        return Ok(());
    };
    match first_empty_secret(&tree, "") {
        Some(key) => bail!(
            "config: {key} is empty; a secret must have a value (or remove the key{})",
            if key == "server.admin_token" {
                " to turn the admin API off"
            } else {
                ""
            }
        ),
        None => Ok(()),
    }
}

/// The dotted key of the first secret in `tree` that holds blank text.
fn first_empty_secret(tree: &Dict, prefix: &str) -> Option<String> {
    tree.iter().find_map(|(name, value)| {
        let key = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}.{name}")
        };
        match value {
            Value::Dict(_, inner) => first_empty_secret(inner, &key),
            Value::String(_, text) if text.trim().is_empty() && is_secret_key(&key) => Some(key),
            _ => None,
        }
    })
}

/// `LEADRELAY_A__TOKEN=value` → (`a.token`, value) for secret keys.
fn secrets_from_env() -> Vec<(String, String)> {
    std::env::vars()
        .filter_map(|(name, value)| {
            let key = name
                .strip_prefix(ENV_PREFIX)?
                .to_lowercase()
                .replace("__", ".");
            (is_settings_key(&key) && is_secret_key(&key)).then_some((key, value))
        })
        .collect()
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
    if key == "log.admin_token" && matches!(error.kind, figment::error::Kind::UnknownField(..)) {
        return "log.admin_token is not a setting: the admin token is server.admin_token".into();
    }
    if is_secret_key(&key) {
        return format!("{key}: must be a quoted string (the value is a secret and is not shown)");
    }
    let kind = error.kind.to_string();
    if key.is_empty() {
        kind
    } else {
        format!("{key}: {kind}")
    }
}
