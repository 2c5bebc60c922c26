//! Request bodies in every accepted format → one [`Submission`]: a flat,
//! ordered list of fields plus the JSON document when there was one.

mod parse;
mod submission;

pub use parse::{parse_body, BodyFormat, IntakeError, Limits};
pub use submission::{Submission, SubmissionMeta};
