//! Turning Agencyhandy's answers into [`UpstreamError`]s and audit excerpts.

use std::time::{Duration, SystemTime};

use super::UpstreamError;

/// Longest excerpt of a response body kept for errors and the audit trail, in characters.
const EXCERPT_CHARS: usize = 300;

const REDACTED: &str = "[redacted]";

/// Classifies a non-2xx answer: 401/403 → `Unauthorized`; 408/429/5xx → `Transient`;
/// anything else (other 4xx, an unfollowed 3xx) → `Rejected`.
pub(crate) fn classify_status(
    status: u16,
    retry_after: Option<Duration>,
    excerpt: String,
) -> UpstreamError {
    match status {
        401 | 403 => UpstreamError::Unauthorized { status, excerpt },
        408 | 429 | 500..=599 => UpstreamError::Transient {
            status: Some(status),
            retry_after,
            message: if excerpt.is_empty() {
                "empty response".to_owned()
            } else {
                excerpt
            },
        },
        _ => UpstreamError::Rejected { status, excerpt },
    }
}

/// Words that, in Agencyhandy's answer, point at a workspace setting (the
/// company, the client role, a category or custom field ID, an agent, the plan)
/// rather than at a lead's own data.
const WORKSPACE_WORDS: [&str; 17] = [
    "company",
    "companyid",
    "companies",
    "role",
    "roles",
    "category",
    "categories",
    "label",
    "labels",
    "customfield",
    "customfields",
    "agent",
    "plan",
    "subscription",
    "limit",
    "quota",
    "workspace",
];

/// Whether Agencyhandy's answer names a workspace setting (see [`WORKSPACE_WORDS`]):
/// whole words, ignoring case; e-mail addresses in it are skipped, so that a
/// lead's `role@example.com` does not count, nor does a field such as `companyName`.
pub(crate) fn mentions_workspace_setting(text: &str) -> bool {
    mentions_any(text, &WORKSPACE_WORDS)
}

/// Whether Agencyhandy's answer names the company (whole words, as above).
pub(crate) fn mentions_company(text: &str) -> bool {
    mentions_any(text, &["company", "companyid", "companies"])
}

/// Whether Agencyhandy's answer names the company or the client role.
pub(crate) fn mentions_company_or_role(text: &str) -> bool {
    mentions_any(
        text,
        &["company", "companyid", "companies", "role", "roles"],
    )
}

/// Whether Agencyhandy's answer names the workspace's plan or its caps.
pub(crate) fn mentions_plan(text: &str) -> bool {
    mentions_any(text, &["plan", "subscription", "limit", "quota"])
}

fn mentions_any(text: &str, wanted: &[&str]) -> bool {
    words(text).any(|word| wanted.contains(&word.as_str()))
}

/// The lower-cased words of `text`, e-mail addresses left out.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '"' | '\'' | ',' | ':' | ';' | '(' | ')' | '[' | ']' | '{' | '}'
            )
    })
    .filter(|chunk| !chunk.contains('@'))
    .flat_map(|chunk| chunk.split(|c: char| !c.is_alphanumeric()))
    .filter(|word| !word.is_empty())
    .map(str::to_lowercase)
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP-date (a date in the
/// past means "now", i.e. zero).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The start of a body as text: the API key scrubbed out, whitespace collapsed,
/// at most [`EXCERPT_CHARS`] characters (an ellipsis marks a cut).
pub(crate) fn excerpt(body: &[u8], api_key: &str) -> String {
    let text = scrub(&String::from_utf8_lossy(body), api_key);
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = collapsed.chars();
    let mut out: String = chars.by_ref().take(EXCERPT_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// Replaces every occurrence of the API key in `text`.
fn scrub(text: &str, api_key: &str) -> String {
    if api_key.is_empty() {
        return text.to_owned();
    }
    text.replace(api_key, REDACTED)
}

/// Describes a transport failure (timeout, refused connection, TLS ...), with
/// its causes, and the key scrubbed should any layer have echoed it.
pub(crate) fn describe_transport_error(err: &reqwest::Error, api_key: &str) -> String {
    let what = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "failed reading the response"
    } else {
        "request failed"
    };
    let mut message = what.to_owned();
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    scrub(&message, api_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified_by_what_the_caller_should_do() {
        let kind = |status| match classify_status(status, None, "x".into()) {
            UpstreamError::Unauthorized { .. } => "unauthorized",
            UpstreamError::Transient { .. } => "transient",
            UpstreamError::Rejected { .. } => "rejected",
            UpstreamError::Discovery { .. } | UpstreamError::RouteMissing { .. } => "discovery",
        };
        for (status, expected) in [
            (401, "unauthorized"),
            (403, "unauthorized"),
            (408, "transient"),
            (429, "transient"),
            (500, "transient"),
            (503, "transient"),
            (599, "transient"),
            (400, "rejected"),
            (404, "rejected"),
            (422, "rejected"),
            (301, "rejected"),
        ] {
            assert_eq!(kind(status), expected, "HTTP {status}");
        }
    }

    #[test]
    fn workspace_settings_are_told_from_a_leads_own_data() {
        for about_the_workspace in [
            r#"{"type":"ValidationError","message":"\"[0].role\" role not found"}"#,
            "One or more category not found",
            "\"companyid\" header is required",
            "You do not have access to this company",
            "\"[0].customFields[0]._id\" is not a known custom field",
            "Lead limit reached for your plan",
        ] {
            assert!(
                mentions_workspace_setting(about_the_workspace),
                "{about_the_workspace}"
            );
        }
        for about_the_lead in [
            "\"leads[0].email\" must be a valid email",
            "\"email\" role@example.com is not accepted",
            "\"[2].companyName\" must be a string",
            "Invalid phone number",
        ] {
            assert!(
                !mentions_workspace_setting(about_the_lead),
                "{about_the_lead}"
            );
        }
        assert!(mentions_company("no access to this Company"));
        assert!(!mentions_company("companyName is too long"));
        assert!(mentions_company_or_role("role not found"));
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(
            parse_retry_after(" 120 ", now),
            Some(Duration::from_secs(120))
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(90))
        );
        let earlier = httpdate::fmt_http_date(now - Duration::from_secs(90));
        assert_eq!(parse_retry_after(&earlier, now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn excerpts_scrub_the_key_and_stay_short() {
        let body = format!(
            "{{\"error\":\"bad key sk-secret\"}}\n\n{}",
            "y".repeat(1000)
        );
        let text = excerpt(body.as_bytes(), "sk-secret");
        assert!(!text.contains("sk-secret"), "{text}");
        assert!(text.contains("[redacted]"));
        assert_eq!(text.chars().count(), EXCERPT_CHARS + 1);
        assert!(text.ends_with('…'));
    }

    #[test]
    fn excerpts_survive_invalid_utf8_and_multibyte_cuts() {
        let mut body = vec![0xff, 0xfe];
        body.extend("é".repeat(400).as_bytes());
        let text = excerpt(&body, "k");
        assert!(text.chars().count() <= EXCERPT_CHARS + 1);
    }
}
