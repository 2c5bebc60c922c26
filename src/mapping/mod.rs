//! Submission + form config → the Agencyhandy member to create. Pure functions.
//!
//! Each lead field is taken from, in order: the form's `fields` overrides (input
//! names or paths, first present wins, a dotted key tried literally first), its
//! `constants`, the preset's typed values, then the built-in alias table (whole
//! names before their last segments). Inputs nothing took are appended to
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
mod explain;
mod extras;
mod field;
mod input;
mod member;
mod names;
mod presets;
mod resolve;
mod template;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

pub use aliases::{match_name, normalize, MatchQuality};
pub use attribution::Attribution;
pub use build::explain;
pub use explain::{FieldTrace, MappingExplanation};
pub use field::LeadField;
pub use member::Member;
pub use names::split_full_name;

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
    submission: &Submission,
    meta: &SubmissionMeta,
    form: &FormSettings,
) -> Result<Member, MappingError> {
    build::member(submission, meta, form)
}
