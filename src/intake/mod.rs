//! Request bodies in every accepted format → one [`Submission`]: a flat,
//! ordered list of fields plus the JSON document when there was one.

mod fields;
mod form;
mod json;
mod multipart;
mod parse;
mod submission;
#[cfg(test)]
mod tests;

pub use parse::{parse_body, BodyFormat, IntakeError, Limits};
pub use submission::{Submission, SubmissionMeta};
