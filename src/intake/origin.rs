//! Which pages may post to a browser form: those of its `allowed_origins`.

use axum::http::{header, HeaderMap};

use crate::config::FormSettings;

/// A browser post from a page the form does not list (answered as 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum OriginRefused {
    /// The page's origin is not in `allowed_origins`.
    #[error("posts from {0} are not allowed for this form")]
    Unlisted(String),
    /// The page's origin is opaque (`null`) or does not parse.
    #[error(
        "posts from an opaque or unreadable origin (such as `null`) are not allowed for this form"
    )]
    Unreadable,
}

/// Refuses a browser post from an origin the form does not list (when it lists
/// any). The page's origin is its `Origin`, else its `Referer`; one that is
/// opaque (`null`: a sandboxed frame, a `file:` or `data:` page) or that does not
/// parse is no listed origin, and is refused like any other.
pub(crate) fn check_origin(form: &FormSettings, headers: &HeaderMap) -> Result<(), OriginRefused> {
    if form.allowed_origins.is_empty() {
        return Ok(());
    }
    let Some(claimed) = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
    else {
        // Neither header: a server-side or privacy-stripped post; nothing to check.
        return Ok(());
    };
    let origin = claimed
        .to_str()
        .ok()
        .and_then(|v| url::Url::parse(v.trim()).ok())
        .map(|url| url.origin())
        .filter(url::Origin::is_tuple)
        .map(|origin| origin.ascii_serialization());
    match origin {
        Some(origin)
            if form
                .allowed_origins
                .iter()
                .any(|allowed| allowed.trim_end_matches('/').eq_ignore_ascii_case(&origin)) =>
        {
            Ok(())
        }
        Some(origin) => Err(OriginRefused::Unlisted(origin)),
        None => Err(OriginRefused::Unreadable),
    }
}
