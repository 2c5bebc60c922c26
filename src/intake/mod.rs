//! Request bodies in every accepted format → one [`Submission`]: a flat,
//! ordered list of fields plus the JSON document when there was one. Also the
//! checks made before a submission is accepted: sender auth, spam, rate.

pub mod auth;
pub mod captcha;
mod fields;
mod form;
mod json;
mod multipart;
mod parse;
mod rate_limit;
pub mod signature;
pub mod spam;
mod submission;
pub mod test_mode;
#[cfg(test)]
mod tests;

pub use parse::{parse_body, BodyFormat, IntakeError, Limits};
pub use rate_limit::RateLimiter;
pub use submission::{Submission, SubmissionMeta};
