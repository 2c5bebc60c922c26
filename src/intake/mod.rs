//! The intake service ([`Pipeline`]): one submission from its request to a
//! stored lead. Its parts: request bodies in every accepted format → one
//! [`Submission`] (a flat, ordered list of fields plus the JSON document when
//! there was one); the checks made before a submission is accepted (origin,
//! sender auth, spam, rate); and when a submission is one already stored.

pub mod auth;
pub(crate) mod captcha;
mod dedupe;
mod fields;
mod form;
mod json;
mod multipart;
pub(crate) mod origin;
mod parse;
mod pipeline;
mod rate_limit;
pub mod signature;
pub(crate) mod spam;
mod submission;
mod test_mode;
#[cfg(test)]
mod tests;

pub(crate) use parse::BodyFormat;
pub(crate) use parse::IntakeError;
pub use parse::{parse_body, Limits};
pub(crate) use pipeline::Pipeline;
pub(crate) use pipeline::{BodyError, Door, PipelineParts, SubmitError, SubmitRequest, Submitted};
pub use rate_limit::RateLimiter;
pub use submission::{Submission, SubmissionMeta};
