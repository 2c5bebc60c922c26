//! CAPTCHA verification (Cloudflare Turnstile, hCaptcha, reCAPTCHA): the
//! widget's token is sent to the provider's verify endpoint with the form's
//! secret. Called only for forms with a `captcha` table.

mod outage;

use std::{sync::OnceLock, time::Duration};

use secrecy::ExposeSecret;
use serde::Deserialize;

pub(crate) use self::outage::{count_from_zero, UNAVAILABLE_TOTAL};
use crate::{
    config::{CaptchaProvider, CaptchaSettings},
    intake::Submission,
};

/// Why a submission did not pass its CAPTCHA (the reason stored with the spam lead).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum CaptchaFailure {
    /// The widget's input is absent or empty.
    #[error("captcha token missing ({0} was not sent)")]
    MissingToken(&'static str),
    /// The provider said no.
    #[error("captcha rejected by {provider} ({})", codes.join(", "))]
    Rejected {
        /// The provider's name.
        provider: &'static str,
        /// The provider's `error-codes`, cut short.
        codes: Vec<String>,
    },
    /// The widget was solved on a site that is not one of the form's
    /// `allowed_origins`: a token farmed elsewhere, or a copy of the form.
    #[error("captcha solved on {hostname}, which is not in the form's allowed_origins")]
    WrongSite {
        /// The hostname the provider reported.
        hostname: String,
    },
    /// reCAPTCHA v3 scored the submission below `min_score`.
    #[error("captcha score {score} is below min_score {min}")]
    LowScore {
        /// The provider's score.
        score: f64,
        /// The configured minimum.
        min: f64,
    },
    /// The verify call failed (network, timeout, provider error): nothing is
    /// known, so the lead is kept as spam for a human to release.
    #[error("captcha could not be verified ({provider}: {cause})")]
    Unverified {
        /// The provider's name.
        provider: &'static str,
        /// What failed, without the URL.
        cause: String,
    },
}

/// The provider's answer (the fields all three share).
#[derive(Debug, Default, Deserialize)]
struct VerifyAnswer {
    /// Whether the token is valid.
    #[serde(default)]
    success: bool,
    /// reCAPTCHA v3's score (hCaptcha Enterprise's has the opposite meaning and is ignored).
    #[serde(default)]
    score: Option<f64>,
    /// Why the token is invalid.
    #[serde(default, rename = "error-codes")]
    error_codes: Vec<String>,
    /// The site the widget was solved on (all three report it).
    #[serde(default)]
    hostname: Option<String>,
}

/// Checks the submission's token with the provider; when the form lists
/// `allowed_origins`, the site the widget was solved on must be one of them.
/// `form_name` names the form in the outage count and log.
///
/// A test submission (`test`) that carries the provider's published test token
/// is checked with the provider's test secret instead of the form's, and the
/// site is not judged (test keys report a placeholder site): the call to the
/// provider is still made, so the whole path is exercised.
#[tracing::instrument(skip_all, fields(provider = settings.provider.as_str()))]
pub(crate) async fn verify(
    form_name: &str,
    settings: &CaptchaSettings,
    allowed_origins: &[String],
    submission: &Submission,
    remote_ip: Option<&str>,
    test: bool,
) -> Result<(), CaptchaFailure> {
    let field = settings.provider.token_field();
    let token = submission
        .get(field)
        .map(str::trim)
        .filter(|token| !token.is_empty())
        .ok_or(CaptchaFailure::MissingToken(field))?;
    let test_secret = settings
        .provider
        .test_keys()
        .filter(|(test_token, _)| test && token == *test_token)
        .map(|(_, secret)| secret);
    let allowed_origins = if test_secret.is_some() {
        &[]
    } else {
        allowed_origins
    };
    let mut params = vec![
        (
            "secret",
            test_secret.unwrap_or_else(|| settings.secret.expose_secret()),
        ),
        ("response", token),
    ];
    if let Some(ip) = remote_ip {
        params.push(("remoteip", ip));
    }
    let answer = async {
        client()
            .post(settings.verify_url())
            .timeout(Duration::from_millis(settings.timeout_ms))
            .form(&params)
            .send()
            .await?
            .error_for_status()?
            .json::<VerifyAnswer>()
            .await
    }
    .await;
    let provider = settings.provider.as_str();
    let answer = match answer {
        Ok(answer) => answer,
        Err(error) => {
            let cause = error.without_url().to_string();
            outage::not_answered(form_name, provider, settings.verify_url(), &cause);
            return Err(CaptchaFailure::Unverified { provider, cause });
        }
    };
    outage::answered(provider, settings.verify_url());
    judge_answer(settings, allowed_origins, &answer)
}

/// The verdict on a provider's answer.
fn judge_answer(
    settings: &CaptchaSettings,
    allowed_origins: &[String],
    answer: &VerifyAnswer,
) -> Result<(), CaptchaFailure> {
    if !answer.success {
        return Err(CaptchaFailure::Rejected {
            provider: settings.provider.as_str(),
            codes: answer
                .error_codes
                .iter()
                .take(4)
                .map(|code| code.chars().take(48).collect())
                .collect(),
        });
    }
    if let Some(hostname) = answer.hostname.as_deref().filter(|h| !h.is_empty()) {
        if !is_allowed_host(allowed_origins, hostname) {
            return Err(CaptchaFailure::WrongSite {
                hostname: hostname.chars().take(253).collect(),
            });
        }
    }
    match answer.score {
        Some(score)
            if settings.provider == CaptchaProvider::Recaptcha && score < settings.min_score =>
        {
            Err(CaptchaFailure::LowScore {
                score,
                min: settings.min_score,
            })
        }
        _ => Ok(()),
    }
}

/// Whether `hostname` is the host of one of `allowed_origins` (any host when
/// the form lists none: it accepts posts from anywhere).
fn is_allowed_host(allowed_origins: &[String], hostname: &str) -> bool {
    allowed_origins.is_empty()
        || allowed_origins.iter().any(|origin| {
            url::Url::parse(origin)
                .ok()
                .and_then(|url| {
                    url.host_str()
                        .map(|host| host.eq_ignore_ascii_case(hostname))
                })
                .unwrap_or(false)
        })
}

/// One HTTP client for verify calls, made on first use (forms without a CAPTCHA never pay for it).
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .user_agent(concat!("leadrelay/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn settings(provider: CaptchaProvider) -> CaptchaSettings {
        CaptchaSettings {
            provider,
            secret: SecretString::from("k"),
            verify_url: None,
            min_score: 0.5,
            timeout_ms: 1000,
        }
    }

    fn answer(success: bool, score: Option<f64>) -> VerifyAnswer {
        VerifyAnswer {
            success,
            score,
            error_codes: vec!["invalid-input-response".into()],
            hostname: None,
        }
    }

    #[test]
    fn the_widget_must_be_solved_on_an_allowed_origin() {
        let turnstile = settings(CaptchaProvider::Turnstile);
        let allowed = ["https://www.agency.example".to_owned()];
        let solved_on = |host: Option<&str>| VerifyAnswer {
            hostname: host.map(str::to_owned),
            ..answer(true, None)
        };

        assert_eq!(
            judge_answer(&turnstile, &allowed, &solved_on(Some("WWW.agency.example"))),
            Ok(())
        );
        assert_eq!(
            judge_answer(&turnstile, &allowed, &solved_on(Some("evil.example"))),
            Err(CaptchaFailure::WrongSite {
                hostname: "evil.example".into()
            })
        );
        assert_eq!(
            judge_answer(&turnstile, &[], &solved_on(Some("evil.example"))),
            Ok(()),
            "a form without allowed_origins takes posts from anywhere"
        );
        assert_eq!(
            judge_answer(&turnstile, &allowed, &solved_on(None)),
            Ok(()),
            "nothing to check when the provider does not say"
        );
    }

    #[test]
    fn success_passes_and_failure_names_the_codes() {
        let turnstile = settings(CaptchaProvider::Turnstile);
        assert_eq!(judge_answer(&turnstile, &[], &answer(true, None)), Ok(()));
        let failure = judge_answer(&turnstile, &[], &answer(false, None)).unwrap_err();
        assert_eq!(
            failure.to_string(),
            "captcha rejected by turnstile (invalid-input-response)"
        );
    }

    #[test]
    fn only_recaptcha_scores_are_held_to_min_score() {
        let recaptcha = settings(CaptchaProvider::Recaptcha);
        assert_eq!(
            judge_answer(&recaptcha, &[], &answer(true, Some(0.9))),
            Ok(())
        );
        assert!(matches!(
            judge_answer(&recaptcha, &[], &answer(true, Some(0.1))),
            Err(CaptchaFailure::LowScore { .. })
        ));
        let hcaptcha = settings(CaptchaProvider::Hcaptcha);
        assert_eq!(
            judge_answer(&hcaptcha, &[], &answer(true, Some(0.9))),
            Ok(())
        );
    }

    #[tokio::test]
    async fn a_missing_token_fails_without_a_call() {
        let mut unreachable = settings(CaptchaProvider::Hcaptcha);
        unreachable.verify_url = Some("http://127.0.0.1:9/".into());
        let result = verify("c", &unreachable, &[], &Submission::default(), None, false).await;
        assert_eq!(
            result,
            Err(CaptchaFailure::MissingToken("h-captcha-response"))
        );
    }
}
