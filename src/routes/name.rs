//! `Name`: the one path segment a route is about (a form, a lead ID, an admin
//! file), as text. A segment that does not decode to UTF-8 can name nothing:
//! it is answered 404 in the error shape, like any unknown name, and so is one
//! longer than any name (a reply never echoes a caller's kilobytes).

use axum::{
    extract::{FromRequestParts, Path},
    http::request::Parts,
};

use crate::error::ApiError;

/// The route's path segment, decoded.
pub(crate) struct Name(pub(crate) String);

/// Longer than any form name, lead ID or admin file.
const MAX_NAME_CHARS: usize = 128;

impl<S: Send + Sync> FromRequestParts<S> for Name {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(name) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| {
                ApiError::NotFound("nothing is named by a path that is not UTF-8".into())
            })?;
        if name.chars().count() > MAX_NAME_CHARS {
            return Err(ApiError::NotFound(format!(
                "nothing is named by a path segment over {MAX_NAME_CHARS} characters"
            )));
        }
        Ok(Self(name))
    }
}
