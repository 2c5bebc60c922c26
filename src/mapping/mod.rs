//! Submission + form config → the Agencyhandy member to create. Pure functions.

mod member;

pub use member::Member;

use std::collections::BTreeMap;

use crate::{
    config::FormSettings,
    intake::{Submission, SubmissionMeta},
};

/// Presets for known senders' payload shapes (`preset = "NAME"` on a form).
pub const PRESETS: &[&str] = &[
    "contact-form-7",
    "elementor",
    "wpforms",
    "gravity-forms",
    "webflow",
    "typeform",
    "tally",
    "jotform",
    "google-forms",
    "zapier",
];

/// Why no member can be made from a submission (answered as 422).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MappingError {
    /// A one-line explanation.
    pub message: String,
    /// Lead field → what is wrong with it.
    pub fields: BTreeMap<String, String>,
}

/// Maps a submission to a member, or says exactly why it cannot.
pub fn map_submission(
    _submission: &Submission,
    _meta: &SubmissionMeta,
    _form: &FormSettings,
) -> Result<Member, MappingError> {
    Err(MappingError {
        message: "not yet implemented".into(),
        fields: BTreeMap::new(),
    })
}
