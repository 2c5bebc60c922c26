//! Spam verdicts. A spam submission is answered like a success (bots learn
//! nothing), stored as `spam` with its reason, never forwarded, and releasable.
//!
//! In order, cheapest first: the form's honeypot (and the common honeypot
//! names with `honeypot_common`), the minimum fill time (`min_fill_secs`), then
//! the CAPTCHA verify call (`captcha`), made only when nothing else said spam.

use super::captcha::{self, CaptchaFailure};
use crate::{config::FormSettings, intake::Submission};

/// Honeypot inputs of common form backends (Formspree, FormSubmit, Web3Forms, Netlify …).
const COMMON_HONEYPOTS: &[&str] = &[
    "_gotcha",
    "_honey",
    "_honeypot",
    "honeypot",
    "botcheck",
    "bot-field",
    "website_url_hp",
];

/// Below this, a `fill_time_field` value is the milliseconds spent on the page;
/// from it on, the page-load time as a Unix timestamp.
const ELAPSED_MS_BELOW: i64 = 1_000_000_000;

/// Why a submission was judged spam.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SpamVerdict {
    /// The honeypot input was filled.
    Honeypot(String),
    /// Sent sooner after the page loaded than `min_fill_secs`.
    TooFast {
        /// Milliseconds between page load and submission.
        elapsed_ms: i64,
        /// The configured minimum, in seconds.
        min_secs: u64,
    },
    /// The CAPTCHA did not pass, or could not be checked.
    Captcha(CaptchaFailure),
}

/// The verdicts' codes (see [`SpamVerdict::code`]), for `leads release --reason`.
pub(crate) const VERDICT_CODES: &[&str] = &[
    "honeypot",
    "too-fast",
    "captcha-missing",
    "captcha-rejected",
    "captcha-wrong-site",
    "captcha-low-score",
    "captcha-unavailable",
];

/// How a verdict is kept on its lead (as its last error), and so how leads are
/// found by verdict: `CODE: reason`.
pub(crate) fn note_prefix(code: &str) -> String {
    format!("{code}: ")
}

impl SpamVerdict {
    /// A stable code for the kind of verdict, one of [`VERDICT_CODES`].
    fn code(&self) -> &'static str {
        match self {
            Self::Honeypot(_) => "honeypot",
            Self::TooFast { .. } => "too-fast",
            Self::Captcha(CaptchaFailure::MissingToken(_)) => "captcha-missing",
            Self::Captcha(CaptchaFailure::Rejected { .. }) => "captcha-rejected",
            Self::Captcha(CaptchaFailure::WrongSite { .. }) => "captcha-wrong-site",
            Self::Captcha(CaptchaFailure::LowScore { .. }) => "captcha-low-score",
            Self::Captcha(CaptchaFailure::Unverified { .. }) => "captcha-unavailable",
        }
    }

    /// What is kept on the lead: `CODE: reason` (see [`note_prefix`]).
    pub(crate) fn note(&self) -> String {
        format!("{}{}", note_prefix(self.code()), self.reason())
    }

    /// A short reason, stored with the lead.
    pub(crate) fn reason(&self) -> String {
        match self {
            Self::Honeypot(field) => format!("honeypot field {field:?} was filled"),
            Self::TooFast {
                elapsed_ms,
                min_secs,
            } => format!("sent {elapsed_ms} ms after the page loaded (min_fill_secs = {min_secs})"),
            Self::Captcha(failure) => failure.to_string(),
        }
    }
}

/// Judges a submission to the form `form_name`; `None` means not spam.
/// `remote_ip` goes to the CAPTCHA provider; `now_ms` is the server's clock;
/// `test` says the submission is a test (see [`captcha::verify`]).
pub(crate) async fn judge(
    form_name: &str,
    form: &FormSettings,
    submission: &Submission,
    remote_ip: Option<&str>,
    now_ms: i64,
    test: bool,
) -> Option<SpamVerdict> {
    if let Some(verdict) = judge_fields(form, submission, now_ms) {
        return Some(verdict);
    }
    let settings = form.captcha.as_ref()?;
    captcha::verify(
        form_name,
        settings,
        &form.allowed_origins,
        submission,
        remote_ip,
        test,
    )
    .await
    .err()
    .map(SpamVerdict::Captcha)
}

/// The checks that need no I/O: honeypots and the fill time.
pub(crate) fn judge_fields(
    form: &FormSettings,
    submission: &Submission,
    now_ms: i64,
) -> Option<SpamVerdict> {
    honeypot(form, submission).or_else(|| too_fast(form, submission, now_ms))
}

fn honeypot(form: &FormSettings, submission: &Submission) -> Option<SpamVerdict> {
    let own = form.honeypot.as_deref();
    if own.is_none() && !form.honeypot_common {
        return None;
    }
    let is_trap = |key: &str| {
        Some(key) == own
            || (form.honeypot_common
                && COMMON_HONEYPOTS
                    .iter()
                    .any(|name| name.eq_ignore_ascii_case(key)))
    };
    submission
        .fields
        .iter()
        .find(|(key, value)| !value.trim().is_empty() && is_trap(key))
        .map(|(key, _)| SpamVerdict::Honeypot(key.clone()))
}

fn too_fast(form: &FormSettings, submission: &Submission, now_ms: i64) -> Option<SpamVerdict> {
    let min_secs = form.min_fill_secs?;
    let raw = submission.value(&form.fill_time_field)?;
    let stamp = raw.trim().parse::<f64>().ok().filter(|n| n.is_finite())? as i64;
    let elapsed_ms = match stamp {
        ..0 => return None,
        0..ELAPSED_MS_BELOW => stamp,
        // Unix seconds until the year 5138, milliseconds after.
        ELAPSED_MS_BELOW..100_000_000_000 => now_ms.saturating_sub(stamp.saturating_mul(1000)),
        _ => now_ms.saturating_sub(stamp),
    };
    // A page clock ahead of ours says nothing useful: not judged.
    (elapsed_ms >= 0 && elapsed_ms < (min_secs as i64).saturating_mul(1000)).then_some(
        SpamVerdict::TooFast {
            elapsed_ms,
            min_secs,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_700_000_000_000;

    fn judge_now(form: &FormSettings, fields: &[(&str, &str)]) -> Option<SpamVerdict> {
        judge_fields(form, &Submission::from_fields(fields), NOW_MS)
    }

    #[test]
    fn filled_honeypot_is_spam() {
        let form = FormSettings {
            honeypot: Some("_gotcha".into()),
            ..FormSettings::default()
        };
        assert!(judge_now(&form, &[("email", "a@b.co"), ("_gotcha", "x")]).is_some());
        assert!(judge_now(&form, &[("email", "a@b.co"), ("_gotcha", " ")]).is_none());
        assert!(judge_now(&FormSettings::default(), &[("_gotcha", "x")]).is_none());
    }

    #[test]
    fn common_honeypots_only_when_enabled() {
        let mut form = FormSettings::default();
        assert!(judge_now(&form, &[("botcheck", "on")]).is_none());
        form.honeypot_common = true;
        assert_eq!(
            judge_now(&form, &[("email", "a@b.co"), ("BotCheck", "on")]),
            Some(SpamVerdict::Honeypot("BotCheck".into()))
        );
        assert!(judge_now(&form, &[("_honey", "")]).is_none());
        assert!(judge_now(&form, &[("website", "https://a.example")]).is_none());
    }

    #[test]
    fn fill_time_reads_elapsed_ms_or_unix_seconds_or_ms() {
        let form = FormSettings {
            min_fill_secs: Some(3),
            ..FormSettings::default()
        };
        let fast = ["1200", "1699999999", "1699999998500", " 1200.5 "];
        for value in fast {
            assert!(judge_now(&form, &[("_ts", value)]).is_some(), "{value}");
        }
        let slow_or_unjudged = [
            "4000",
            "1699999990",
            "1699999990000",
            "",
            "soon",
            "-5",
            "1700000009000",
            "NaN",
        ];
        for value in slow_or_unjudged {
            assert!(judge_now(&form, &[("_ts", value)]).is_none(), "{value}");
        }
        assert!(
            judge_now(&form, &[("email", "a@b.co")]).is_none(),
            "absent = not judged"
        );
        assert!(judge_now(&FormSettings::default(), &[("_ts", "1")]).is_none());
    }

    #[test]
    fn reasons_read_well() {
        let verdict = SpamVerdict::TooFast {
            elapsed_ms: 1200,
            min_secs: 3,
        };
        assert_eq!(
            verdict.reason(),
            "sent 1200 ms after the page loaded (min_fill_secs = 3)"
        );
        let outage = SpamVerdict::Captcha(CaptchaFailure::Unverified {
            provider: "turnstile",
            cause: "operation timed out".into(),
        });
        assert_eq!(
            outage.note(),
            "captcha-unavailable: captcha could not be verified (turnstile: operation timed out)"
        );
        assert!(outage.note().starts_with(&note_prefix(outage.code())));
    }

    #[test]
    fn every_code_is_listed() {
        let verdicts = [
            SpamVerdict::Honeypot("_gotcha".into()),
            SpamVerdict::TooFast {
                elapsed_ms: 1,
                min_secs: 3,
            },
            SpamVerdict::Captcha(CaptchaFailure::MissingToken("t")),
            SpamVerdict::Captcha(CaptchaFailure::Rejected {
                provider: "p",
                codes: vec![],
            }),
            SpamVerdict::Captcha(CaptchaFailure::WrongSite {
                hostname: "h".into(),
            }),
            SpamVerdict::Captcha(CaptchaFailure::LowScore {
                score: 0.1,
                min: 0.5,
            }),
            SpamVerdict::Captcha(CaptchaFailure::Unverified {
                provider: "p",
                cause: "c".into(),
            }),
        ];
        let codes: Vec<&str> = verdicts.iter().map(SpamVerdict::code).collect();
        assert_eq!(codes, VERDICT_CODES);
    }
}
