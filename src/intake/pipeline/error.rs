//! Why a submission was not stored.

use crate::{
    intake::{auth::AuthError, origin::OriginRefused, test_mode::TestTokenRefused, IntakeError},
    mapping::MappingError,
    outbox::StorageError,
};

/// Why a request's body could not be had.
#[derive(Debug, thiserror::Error)]
pub(crate) enum BodyError {
    /// Over `server.max_body_bytes` (the limit, in bytes).
    #[error("the body is larger than {0} bytes (server.max_body_bytes)")]
    TooLarge(usize),
    /// The connection failed while the body was read.
    #[error("the body could not be read: {0}")]
    Unreadable(String),
}

/// Why a submission was refused, or could not be stored.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SubmitError {
    /// No form has this name.
    #[error("no form named {0:?}")]
    NoSuchForm(String),
    /// Shutdown has begun; the sender should retry.
    #[error("shutting down; retry shortly")]
    ShuttingDown,
    /// A browser post from a page the form does not list.
    #[error(transparent)]
    Origin(#[from] OriginRefused),
    /// Too many submissions from this client; retry after these seconds.
    #[error("too many submissions: retry in {0} seconds")]
    RateLimited(u64),
    /// A missing or wrong token or signature.
    #[error(transparent)]
    Unauthenticated(#[from] AuthError),
    /// A test token that is not the form's.
    #[error(transparent)]
    TestToken(#[from] TestTokenRefused),
    /// The body is too large or could not be read.
    #[error(transparent)]
    Body(#[from] BodyError),
    /// The body is not one we read, or is over a field limit.
    #[error(transparent)]
    Parse(#[from] IntakeError),
    /// A form post the visitor can fix (an invalid e-mail address, an
    /// unchecked consent box): no lead is made.
    #[error(transparent)]
    Invalid(#[from] MappingError),
    /// Storage failed: nothing is known to be stored.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Our fault (a bug).
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}
