//! A form's security settings beyond token and Standard Webhooks: its
//! sender's own signature scheme, and CAPTCHA verification.

use anyhow::bail;
use axum::http::HeaderName;
use secrecy::SecretString;
use serde::Deserialize;

use super::FormSettings;

/// How a sender signs its requests (`signature_scheme`; checked when
/// `signature_secret` is set). Every scheme is an HMAC-SHA256 keyed with the
/// secret, compared in constant time; `sha256=` before a signature is ignored.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SignatureScheme {
    /// Generic: the raw body's HMAC in `signature_header` (default
    /// `X-Signature`), hex or base64 (`signature_encoding`).
    Hmac,
    /// Typeform: `Typeform-Signature: sha256=<base64 HMAC of the body>`.
    Typeform,
    /// Tally: `Tally-Signature: <base64 HMAC of the body>`.
    Tally,
    /// WPForms: WPForms' Webhooks addon publishes no signature format; we assume
    /// the common one: the hex HMAC of the body in `X-WPForms-Signature` (or
    /// `signature_header`), as a signing proxy or a small `wpforms_webhooks_request_args`
    /// filter would send it.
    Wpforms,
    /// Webflow: `x-webflow-signature` = hex HMAC of `"{x-webflow-timestamp}:{body}"`,
    /// the timestamp (milliseconds) within `signature_tolerance_secs` of now.
    Webflow,
    /// Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature`),
    /// keyed with `signature_secret`: the same check as `signing_secret`.
    StandardWebhooks,
}

impl SignatureScheme {
    /// The scheme a form uses when `signature_scheme` is not set: its preset's
    /// (`typeform`, `tally`, `wpforms`, `webflow`), else the generic `hmac`.
    pub(crate) fn implied_by(preset: Option<&str>) -> Self {
        match preset {
            Some("typeform") => Self::Typeform,
            Some("tally") => Self::Tally,
            Some("wpforms") => Self::Wpforms,
            Some("webflow") => Self::Webflow,
            _ => Self::Hmac,
        }
    }
}

/// How a signature is written (`signature_encoding`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SignatureEncoding {
    /// Hex when it reads as 64 hex digits, else base64 (standard or URL-safe).
    #[default]
    Auto,
    /// Lower- or upper-case hex.
    Hex,
    /// Base64, standard or URL-safe, padded or not.
    Base64,
}

/// `captcha = { provider = "...", secret = "..." }` on a form.
///
/// The token is read from the provider's input (`cf-turnstile-response`,
/// `h-captcha-response`, `g-recaptcha-response`) and checked with the
/// provider's verify call (`secret`, `response`, `remoteip`). A missing token or
/// a failed verdict makes the submission spam: stored, answered like success,
/// never forwarded, releasable. A verify call that fails (network, timeout,
/// provider error) loses nothing either: the submission is stored as spam with
/// the reason `captcha-unavailable: captcha could not be verified (…)`, to be
/// released by hand (`leadrelay leads release --reason captcha-unavailable`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptchaSettings {
    /// `turnstile`, `hcaptcha` or `recaptcha`.
    pub(crate) provider: CaptchaProvider,
    /// The provider's secret key (never logged).
    pub(crate) secret: SecretString,
    /// The verify endpoint; default the provider's own.
    #[serde(default)]
    pub(crate) verify_url: Option<String>,
    /// reCAPTCHA v3 only: lowest accepted score (0.0 to 1.0).
    #[serde(default = "default_min_score")]
    pub(crate) min_score: f64,
    /// How long the verify call may take, in milliseconds.
    #[serde(default = "default_captcha_timeout_ms")]
    pub(crate) timeout_ms: u64,
}

fn default_min_score() -> f64 {
    0.5
}

fn default_captcha_timeout_ms() -> u64 {
    3000
}

impl CaptchaSettings {
    /// The configured verify URL, else the provider's.
    pub(crate) fn verify_url(&self) -> &str {
        self.verify_url
            .as_deref()
            .unwrap_or_else(|| self.provider.default_verify_url())
    }
}

/// A CAPTCHA service.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub(crate) enum CaptchaProvider {
    /// Cloudflare Turnstile.
    Turnstile,
    /// hCaptcha.
    Hcaptcha,
    /// Google reCAPTCHA (v2, or v3 with a score).
    Recaptcha,
}

impl CaptchaProvider {
    /// The name used in config and logs.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Turnstile => "turnstile",
            Self::Hcaptcha => "hcaptcha",
            Self::Recaptcha => "recaptcha",
        }
    }

    /// The input the provider's widget fills with its token.
    pub(crate) fn token_field(self) -> &'static str {
        match self {
            Self::Turnstile => "cf-turnstile-response",
            Self::Hcaptcha => "h-captcha-response",
            Self::Recaptcha => "g-recaptcha-response",
        }
    }

    /// The provider's published test keys: the token its test widget sends,
    /// and the test secret that accepts it. reCAPTCHA publishes no fixed token
    /// (its test secret accepts any), so it has none here.
    pub(crate) fn test_keys(self) -> Option<(&'static str, &'static str)> {
        match self {
            Self::Turnstile => Some((
                "XXXX.DUMMY.TOKEN.XXXX",
                "1x0000000000000000000000000000000AA",
            )),
            Self::Hcaptcha => Some((
                "10000000-aaaa-bbbb-cccc-000000000001",
                "0x0000000000000000000000000000000000000000",
            )),
            Self::Recaptcha => None,
        }
    }

    /// The provider's verify endpoint.
    fn default_verify_url(self) -> &'static str {
        match self {
            Self::Turnstile => "https://challenges.cloudflare.com/turnstile/v0/siteverify",
            Self::Hcaptcha => "https://api.hcaptcha.com/siteverify",
            Self::Recaptcha => "https://www.google.com/recaptcha/api/siteverify",
        }
    }
}

/// Checks a form's security keys; errors name the key.
pub(super) fn validate_form(name: &str, form: &FormSettings) -> anyhow::Result<()> {
    let key = |k: &str| format!("forms.{name}.{k}");
    if form.signature_secret.is_none() {
        for (set, what) in [
            (form.signature_scheme.is_some(), "signature_scheme"),
            (form.signature_header.is_some(), "signature_header"),
        ] {
            if set {
                bail!(
                    "config: {} needs {} (the sender's signing secret)",
                    key(what),
                    key("signature_secret")
                );
            }
        }
    }
    if let Some(header) = &form.signature_header {
        if HeaderName::try_from(header.as_str()).is_err() {
            bail!(
                "config: {} = {header:?} is not a header name",
                key("signature_header")
            );
        }
    }
    if form.signature_tolerance_secs == 0 {
        bail!(
            "config: {} must be at least 1",
            key("signature_tolerance_secs")
        );
    }
    if form.min_fill_secs.is_some() && form.fill_time_field.trim().is_empty() {
        bail!(
            "config: {} needs {}",
            key("min_fill_secs"),
            key("fill_time_field")
        );
    }
    if let Some(captcha) = &form.captcha {
        let url = captcha.verify_url();
        if !url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https")) {
            bail!(
                "config: {} is not an http(s) URL",
                key("captcha.verify_url")
            );
        }
        if !(0.0..=1.0).contains(&captcha.min_score) {
            bail!(
                "config: {} must be between 0.0 and 1.0",
                key("captcha.min_score")
            );
        }
        if captcha.timeout_ms == 0 {
            bail!("config: {} must be at least 1", key("captcha.timeout_ms"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::config::Settings;

    use super::*;

    fn error(toml: &str) -> String {
        Settings::from_toml(toml).unwrap_err().to_string()
    }

    #[test]
    fn captcha_and_signature_keys_parse() {
        let settings = Settings::from_toml(
            r#"[forms.c]
preset = "typeform"
signature_secret = "s"
captcha = { provider = "recaptcha", secret = "k", min_score = 0.7 }"#,
        )
        .unwrap();
        let form = &settings.forms["c"];
        let captcha = form.captcha.as_ref().unwrap();
        assert_eq!(captcha.provider, CaptchaProvider::Recaptcha);
        assert_eq!(
            captcha.verify_url(),
            CaptchaProvider::Recaptcha.default_verify_url()
        );
        assert_eq!(captcha.timeout_ms, 3000);
        assert_eq!(
            SignatureScheme::implied_by(form.preset.as_deref()),
            SignatureScheme::Typeform
        );
        assert!(!form.honeypot_common);
        assert_eq!(form.fill_time_field, "_ts");
    }

    #[test]
    fn bad_security_keys_are_named() {
        let err = error("[forms.c]\ncaptcha = { provider = \"nocaptcha\", secret = \"k\" }");
        assert!(err.contains("forms.c.captcha.provider"), "{err}");
        let err = error("[forms.c]\nsignature_scheme = \"tally\"");
        assert!(err.contains("forms.c.signature_scheme"), "{err}");
        assert!(err.contains("forms.c.signature_secret"), "{err}");
        let err = error("[forms.c]\nsignature_scheme = \"svix\"\nsignature_secret = \"s\"");
        assert!(err.contains("forms.c.signature_scheme"), "{err}");
        let err = error("[forms.c]\nsignature_secret = \"s\"\nsignature_header = \"bad header\"");
        assert!(err.contains("forms.c.signature_header"), "{err}");
        let err = error(
            "[forms.c]\ncaptcha = { provider = \"turnstile\", secret = \"k\", verify_url = \"nope\" }",
        );
        assert!(err.contains("forms.c.captcha.verify_url"), "{err}");
        let err = error(
            "[forms.c]\ncaptcha = { provider = \"recaptcha\", secret = \"k\", min_score = 2.0 }",
        );
        assert!(err.contains("forms.c.captcha.min_score"), "{err}");
        let err = error("[forms.c]\nmin_fill_secs = 3\nfill_time_field = \"\"");
        assert!(err.contains("forms.c.min_fill_secs"), "{err}");
    }

    #[test]
    fn captcha_secret_is_redacted_in_debug() {
        let settings = Settings::from_toml(
            "[forms.c]\nsignature_secret = \"sig-hidden\"\ncaptcha = { provider = \"hcaptcha\", secret = \"cap-hidden\" }",
        )
        .unwrap();
        let debug = format!("{settings:?}");
        assert!(
            !debug.contains("cap-hidden") && !debug.contains("sig-hidden"),
            "{debug}"
        );
    }
}
