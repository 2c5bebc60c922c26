//! `GET /embed.js`: the script a site adds with one tag to enhance its plain
//! HTML form (attribution, spam guards, `fetch` with inline errors, funnel
//! reports). Static, so it is cached with an ETag and revalidated with 304.

use std::sync::OnceLock;

use axum::{
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use sha2::{Digest, Sha256};

/// The script: `embed.js` as minified at build time (see `build.rs`).
const SCRIPT: &str = include_str!(concat!(env!("OUT_DIR"), "/embed.min.js"));

/// `GET /embed.js`
#[utoipa::path(
    get,
    path = "/embed.js",
    tag = "submissions",
    params(("If-None-Match" = Option<String>, Header, description = "The ETag of a cached copy")),
    responses(
        (status = 200, description = "The script (add it with `<script src=\".../embed.js\" data-form=\"NAME\" defer></script>`)", content_type = "text/javascript", headers(("ETag" = String))),
        (status = 304, description = "The cached copy is current", headers(("ETag" = String))),
    )
)]
pub(crate) async fn embed_js(headers: HeaderMap) -> Response {
    let etag = etag();
    let cached = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| matches_etag(value, etag.to_str().unwrap_or_default()));
    let mut response = if cached {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        SCRIPT.into_response()
    };
    let out = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
        (header::CACHE_CONTROL, "public, max-age=3600"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Lets a site pin it with `integrity` (SRI needs CORS) and embed it
        // under `Cross-Origin-Embedder-Policy`.
        (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*"),
        (
            header::HeaderName::from_static("cross-origin-resource-policy"),
            "cross-origin",
        ),
    ] {
        out.insert(name, HeaderValue::from_static(value));
    }
    out.insert(header::ETAG, etag.clone());
    response
}

/// The script's strong ETag: a hash of its text, computed once.
fn etag() -> &'static HeaderValue {
    static ETAG: OnceLock<HeaderValue> = OnceLock::new();
    ETAG.get_or_init(|| {
        let digest = hex::encode(Sha256::digest(SCRIPT.as_bytes()));
        HeaderValue::from_str(&format!("\"{}\"", &digest[..20])).expect("hex is a header value")
    })
}

/// Whether an `If-None-Match` value names `etag` (or is `*`); weak
/// comparison, as the header calls for.
fn matches_etag(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_weak_and_strong_tags() {
        let etag = "\"abc\"";
        assert!(matches_etag("\"abc\"", etag));
        assert!(matches_etag("\"x\", W/\"abc\"", etag));
        assert!(matches_etag("*", etag));
        assert!(!matches_etag("\"abd\"", etag));
        assert!(!matches_etag("abc", etag));
    }
}
