//! Known senders' payload shapes → typed values and labelled inputs.

use super::input::Prepared;
use crate::intake::Submission;

/// Reads a submission the way its preset says (no preset: every field as an input).
pub fn prepare<'a>(preset: Option<&str>, submission: &'a Submission) -> Prepared<'a> {
    match preset {
        _ => Prepared::from_fields(submission),
    }
}
