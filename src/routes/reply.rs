//! Replies to submissions: a 303 or a thank-you page for browser posts, JSON
//! for everyone else, and errors in the one error shape (`crate::error`).

use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{Html, IntoResponse, Redirect, Response},
    Json,
};
use serde::Serialize;
use url::Url;

use super::forms::Door;
use crate::{
    config::FormSettings,
    domain::{LeadId, LeadState},
    error::ApiError,
    intake::{BodyFormat, Submitted},
};

/// A plain HTML form post whose sender does not ask for JSON.
pub(crate) fn is_browser_post(headers: &HeaderMap) -> bool {
    let form_encoded = matches!(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(BodyFormat::from_content_type),
        Some(BodyFormat::UrlEncoded | BodyFormat::Multipart)
    );
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("json"));
    form_encoded && !wants_json
}

/// `{"id": "<lead id>", "status": "accepted" | "held"}`: the JSON reply to a stored submission.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"id": "01890f5e-3c1a-7cc2-8a51-5b1b2f3e4d5c", "status": "accepted"}))]
pub(crate) struct AcceptedReply {
    /// The stored lead's ID (the first one's, when this was a replay).
    id: LeadId,
    /// How it was stored.
    status: Status,
    /// `/forms` only: where a browser form post would have been redirected
    /// (the form's `redirect`, or an allowed `_next`), for a page that sends
    /// with `fetch` to go to.
    #[serde(skip_serializing_if = "Option::is_none")]
    redirect: Option<String>,
}

/// How a submission was stored, as its reply says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum Status {
    /// Queued for delivery (a spam verdict is answered so too: bots learn nothing).
    Accepted,
    /// Kept with its reason: no lead can be made from it with today's config.
    Held,
    /// A test submission (the form's `test_token`): stored, never forwarded.
    Test,
}

impl Status {
    /// What the reply says of a lead stored in `state`: spam is answered as
    /// accepted (bots learn nothing).
    fn of(state: LeadState) -> Self {
        match state {
            LeadState::Test => Self::Test,
            LeadState::Held => Self::Held,
            _ => Self::Accepted,
        }
    }
}

/// The reply to a stored submission (spam included: bots learn nothing). A
/// browser gets the form's usual success whatever the status.
pub(crate) fn accepted(
    form: &FormSettings,
    door: Door,
    accepted: &Submitted,
    browser: bool,
) -> Response {
    // Redirects go to the URL as parsed and serialized, never to the text as
    // sent: the parser drops line breaks and tabs and escapes what a header
    // may not carry, so no `_next` can break the reply.
    let target = accepted
        .next
        .as_deref()
        .and_then(|next| allowed_target(form, next))
        .or_else(|| form.redirect.as_deref().and_then(|r| Url::parse(r).ok()));
    if !browser {
        return Json(AcceptedReply {
            id: accepted.id,
            status: Status::of(accepted.state),
            redirect: target.filter(|_| door == Door::Form).map(String::from),
        })
        .into_response();
    }
    match target {
        Some(target) => Redirect::to(target.as_str()).into_response(),
        None => (StatusCode::OK, Html(THANK_YOU_PAGE)).into_response(),
    }
}

/// The reply to a refused submission.
pub(crate) fn error(
    form: Option<&FormSettings>,
    door: Door,
    headers: &HeaderMap,
    error: ApiError,
) -> Response {
    let browser = door == Door::Form && is_browser_post(headers);
    if browser {
        if let Some(target) = form.and_then(|f| f.error_redirect.as_deref()) {
            if let Ok(mut url) = Url::parse(target) {
                url.query_pairs_mut().append_pair("error", error.code());
                let mut response = Redirect::to(url.as_str()).into_response();
                if let ApiError::RateLimited(secs) = error {
                    response
                        .headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from(secs));
                }
                return response;
            }
        }
    }
    error.into_response()
}

/// `_next`, parsed, when it points to an allowed origin: never an open redirect.
fn allowed_target(form: &FormSettings, target: &str) -> Option<Url> {
    let url = Url::parse(target).ok()?;
    let origin = url.origin().ascii_serialization();
    form.allowed_origins
        .iter()
        .filter_map(|allowed| Url::parse(allowed).ok())
        .any(|allowed| allowed.origin().ascii_serialization() == origin)
        .then_some(url)
}

const THANK_YOU_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Thank you</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}</style>
</head><body><h1>Thank you!</h1><p>Your message has been received. We will be in touch soon.</p>
<p><a href="javascript:history.back()">Back</a></p></body></html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_share_an_allowed_origin() {
        let form = FormSettings {
            allowed_origins: vec!["https://example.com".into()],
            ..FormSettings::default()
        };
        let allowed = |target| allowed_target(&form, target).map(String::from);
        assert_eq!(
            allowed("https://example.com/thanks?x=1").as_deref(),
            Some("https://example.com/thanks?x=1")
        );
        assert_eq!(allowed("https://evil.example/thanks"), None);
        assert_eq!(allowed("https://example.com.evil.io/"), None);
        assert_eq!(allowed("//evil.io/"), None);
        assert_eq!(allowed("javascript:alert(1)"), None);
        assert_eq!(
            allowed_target(&FormSettings::default(), "https://example.com/"),
            None
        );
    }
}
