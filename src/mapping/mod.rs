//! Submission + form config → the Agencyhandy member to create. Pure functions.
//!
//! Each lead field is taken from, in order: the form's `fields` overrides (input
//! names or paths, first present wins, a dotted key tried literally first), its
//! `constants`, the preset's typed values, the built-in alias table (whole
//! names before their last segments), then the meaning of names and values
//! (see `meaning`). When no e-mail address is found, `gaps` says why and
//! whether the visitor or only the config can fix it (see
//! [`MappingError::visitor_can_fix`]). Inputs nothing took are appended to
//! `notes` as `name: value` lines, except form machinery (names starting with
//! `_`, captcha tokens, `submit`, the honeypot, the consent field); tracking
//! parameters (`utm_*`, `gclid`, `fbclid` …) go to the member's `utm` object
//! and the page URL to `pageUrl`, both also as closing `notes` lines (see
//! `attribution.rs` for why).

mod aliases;
mod attribution;
#[cfg(test)]
mod attribution_tests;
mod build;
mod compose;
mod explain;
mod extras;
mod field;
mod gaps;
#[cfg(test)]
mod guess_tests;
mod input;
mod label;
mod meaning;
mod member;
mod names;
mod presets;
mod resolve;
mod template;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub(crate) use build::explain;
pub(crate) use gaps::email_hint;
pub use member::Member;

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
    "netlify",
    "fluent-forms",
    "ninja-forms",
    "formidable",
    "calendly",
];

/// Why no member can be made from a submission.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MappingError {
    /// A one-line explanation.
    pub message: String,
    /// Lead field → what is wrong with it.
    pub(crate) fields: BTreeMap<String, String>,
    /// Whether the person filling the form can fix it (an empty or mistyped
    /// e-mail address, an unchecked consent box: a form post is answered 422).
    /// Otherwise only the config can (no e-mail input at all, a payload of
    /// IDs): the submission is held.
    pub(crate) visitor_can_fix: bool,
}

impl MappingError {
    /// The whole story on one line (`message (email: missing: …)`), kept as a
    /// held lead's reason.
    pub(crate) fn reason(&self) -> String {
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|(field, problem)| format!("{field}: {problem}"))
            .collect();
        if fields.is_empty() {
            return self.message.clone();
        }
        format!("{} ({})", self.message, fields.join("; "))
    }
}

/// Maps a submission to a member, or says exactly why it cannot.
pub fn map_submission(
    submission: &Submission,
    meta: &SubmissionMeta,
    form: &FormSettings,
) -> Result<Member, MappingError> {
    build::member(submission, meta, form)
}
