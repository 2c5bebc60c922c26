//! Settings: built-in defaults, then a TOML file, then `LEADRELAY_*` environment
//! variables (sections joined by `__`), then `LEADRELAY_..._FILE` secrets.

#[cfg(test)]
mod docs_check;
mod form;
mod load;
mod sections;
mod security;
mod validate;
mod workspace;

use std::collections::BTreeMap;

use secrecy::SecretString;
use serde::Deserialize;

#[cfg(test)]
pub(crate) use form::FieldSources;
pub use form::FormSettings;
use sections::ServerSettings;
pub use sections::StorageSettings;
pub(crate) use sections::{DeliverySettings, LogFormat, LogSettings};
pub use security::SignatureScheme;
pub(crate) use security::{CaptchaProvider, CaptchaSettings, SignatureEncoding};
pub use workspace::{EndpointKind, WorkspaceSettings};

/// The whole configuration tree.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// HTTP server.
    #[serde(default)]
    pub server: ServerSettings,
    /// Logging.
    #[serde(default)]
    pub(crate) log: LogSettings,
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

impl Settings {
    /// Every workspace, `default` first.
    pub(crate) fn workspace_list(&self) -> impl Iterator<Item = (&str, &WorkspaceSettings)> {
        std::iter::once(("default", &self.agencyhandy))
            .chain(self.workspaces.iter().map(|(name, ws)| (name.as_str(), ws)))
    }

    /// The workspace by name (`default` is `[agencyhandy]`).
    pub(crate) fn workspace(&self, name: &str) -> Option<&WorkspaceSettings> {
        if name == "default" {
            Some(self.workspaces.get(name).unwrap_or(&self.agencyhandy))
        } else {
            self.workspaces.get(name)
        }
    }

    /// The admin token (`server.admin_token`); `None` turns the admin API off.
    pub(crate) fn admin_token(&self) -> Option<&SecretString> {
        self.server.admin_token.as_ref()
    }
}

/// The config key of a workspace's table.
pub(crate) fn workspace_key(name: &str) -> String {
    if name == "default" {
        "agencyhandy".into()
    } else {
        format!("workspaces.{name}")
    }
}

/// Form names are path segments: keep them plain.
fn is_valid_form_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret;

    use super::{load::is_secret_key, *};

    #[test]
    fn defaults_are_valid() {
        let settings = Settings::from_toml("").unwrap();
        assert_eq!(settings.server.listen, "0.0.0.0:8080");
        assert_eq!(settings.delivery.batch_size, 25);
        assert_eq!(settings.agencyhandy.endpoint, EndpointKind::Auto);
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
    fn statuses_must_be_agencyhandys_six() {
        let err = Settings::from_toml("[forms.c]\nstatus = \"new\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("forms.c.status") && err.contains("did you mean \"New\""),
            "{err}"
        );
        let err = Settings::from_toml("[forms.c.constants]\nstatus = \"Hot\"")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("forms.c.constants.status") && err.contains("Proposal Sent"),
            "{err}"
        );
        assert!(Settings::from_toml("[forms.c]\nstatus = \"Proposal Sent\"").is_ok());
    }

    #[test]
    fn a_lease_must_cover_two_calls_of_every_workspace() {
        let err = Settings::from_toml(
            "[delivery]\nlease_secs = 30\n[workspaces.shop]\ntimeout_secs = 16",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("delivery.lease_secs") && err.contains("workspaces.shop.timeout_secs"),
            "{err}"
        );
        assert!(Settings::from_toml("[delivery]\nlease_secs = 30").is_ok());
        assert!(Settings::from_toml("[delivery]\nlease_secs = 29").is_err());
    }

    #[test]
    fn batch_size_over_200_needs_the_company_members_pin() {
        let err = Settings::from_toml("[delivery]\nbatch_size = 250")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("delivery.batch_size") && err.contains("\"auto\""),
            "{err}"
        );
        let pinned = "[delivery]\nbatch_size = 250\n[agencyhandy]\nendpoint = \"company-members\"";
        assert!(Settings::from_toml(pinned).is_ok());
    }

    #[test]
    fn a_long_source_is_a_warning() {
        let long = "x".repeat(60);
        let settings = Settings::from_toml(&format!("[forms.c]\nsource = \"{long}\"")).unwrap();
        let warnings = settings.agencyhandy_warnings();
        assert!(
            warnings.len() == 1 && warnings[0].contains("forms.c.source"),
            "{warnings:?}"
        );
        assert!(Settings::from_toml("")
            .unwrap()
            .agencyhandy_warnings()
            .is_empty());
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
    fn a_bad_secret_value_is_not_echoed() {
        let err = Settings::from_toml("[agencyhandy]\napi_key = 918273645")
            .unwrap_err()
            .to_string();
        assert!(err.contains("agencyhandy.api_key"), "{err}");
        assert!(!err.contains("918273645"), "{err}");
        assert!(is_secret_key("forms.c.captcha.secret") && !is_secret_key("forms.c.honeypot"));
    }

    #[test]
    fn an_empty_secret_anywhere_is_refused_naming_its_key() {
        for (toml, key) in [
            ("[server]\nadmin_token = \"\"", "server.admin_token"),
            ("[agencyhandy]\napi_key = \" \"", "agencyhandy.api_key"),
            ("[workspaces.b]\napi_key = \"\"", "workspaces.b.api_key"),
            ("[forms.c]\ntoken = \"\"", "forms.c.token"),
            ("[forms.c]\ntest_token = \" \"", "forms.c.test_token"),
            ("[forms.c]\nsigning_secret = \"\"", "forms.c.signing_secret"),
            (
                "[forms.c]\nsignature_secret = \"\\t\"",
                "forms.c.signature_secret",
            ),
            (
                "[forms.c]\ncaptcha = { provider = \"turnstile\", secret = \"\" }",
                "forms.c.captcha.secret",
            ),
        ] {
            let err = Settings::from_toml(toml).unwrap_err().to_string();
            assert!(err.starts_with(&format!("config: {key} is empty")), "{err}");
            assert_eq!(err.lines().count(), 1, "{err}");
        }
        let fields =
            Settings::from_toml("[forms.c]\nhoneypot = \"\"\n[forms.c.fields]\ntoken = []");
        assert!(fields.is_ok(), "only secrets are held to it: {fields:?}");
    }

    #[test]
    fn log_admin_token_is_not_a_setting() {
        let err = Settings::from_toml("[log]\nadmin_token = \"t\"")
            .unwrap_err()
            .to_string();
        assert!(err.contains("log.admin_token"), "{err}");
        assert!(err.contains("server.admin_token"), "{err}");
        assert!(!err.contains("\"t\""), "{err}");
    }

    #[test]
    fn debug_output_redacts_secrets() {
        let settings = Settings::from_toml(
            "[agencyhandy]\napi_key = \"sk-very-secret\"\n[forms.c]\ntoken = \"tok-secret\"\ntest_token = \"test-secret\"",
        )
        .unwrap();
        let debug = format!("{settings:?}");
        assert!(!debug.contains("sk-very-secret"));
        assert!(!debug.contains("tok-secret"));
        assert!(!debug.contains("test-secret"));
        assert_eq!(
            settings.agencyhandy.api_key.unwrap().expose_secret(),
            "sk-very-secret"
        );
    }
}
