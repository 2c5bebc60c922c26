//! The inputs mapping works on: a submission's fields, or what a preset read
//! out of its sender's payload shape.

use std::borrow::Cow;

use super::{
    aliases::{match_name, match_normalized, normalize, MatchQuality},
    field::LeadField,
};
use crate::intake::Submission;

/// One named value the alias table and the notes can use.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Input<'a> {
    /// The name shown in notes and explanations (a label when the sender has one).
    pub(crate) name: Cow<'a, str>,
    /// A second name to match by (a sender's field key, ref or ID).
    pub(crate) alt: Option<Cow<'a, str>>,
    /// The value, as sent.
    pub(crate) value: Cow<'a, str>,
    /// The lead field its name matched in the alias table, computed once.
    pub(crate) alias: Option<(LeadField, MatchQuality)>,
    /// `name` [`normalize`]d, computed once: look-ups compare it many times.
    pub(crate) normalized: String,
}

impl<'a> Input<'a> {
    /// An input matched against the alias table by `name`, then by `alt`.
    fn new(
        name: impl Into<Cow<'a, str>>,
        alt: Option<Cow<'a, str>>,
        value: impl Into<Cow<'a, str>>,
    ) -> Self {
        let name = name.into();
        let normalized = normalize(&name);
        let alias =
            match_normalized(&name, &normalized).or_else(|| alt.as_deref().and_then(match_name));
        Self {
            name,
            alt,
            value: value.into(),
            alias,
            normalized,
        }
    }

    /// Whether the input is never lead data nor notes: form machinery, bot traps
    /// and captcha tokens (`_next`, `_gotcha`, `_wpcf7…`, `g-recaptcha-response` …).
    pub(crate) fn is_machinery(&self) -> bool {
        self.name.starts_with('_') || is_normalized_machinery(&self.normalized)
    }

    /// Whether the input is called `name` (literally, or its alternative name).
    pub(crate) fn is_named(&self, name: &str) -> bool {
        self.name == name || self.alt.as_deref() == Some(name)
    }
}

/// A value a preset knows the meaning of (by the sender's field type or position).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Direct<'a> {
    /// The lead field it fills.
    pub(crate) field: LeadField,
    /// The value.
    pub(crate) value: Cow<'a, str>,
    /// Where it was read, for explanations (and notes, when it is not used).
    pub(crate) label: Cow<'a, str>,
}

/// A submission as mapping sees it: typed values from a preset, and named inputs.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Prepared<'a> {
    /// Values a preset assigned to a lead field.
    pub(crate) direct: Vec<Direct<'a>>,
    /// Named values for overrides, the alias table and the notes.
    pub(crate) inputs: Vec<Input<'a>>,
}

impl<'a> Prepared<'a> {
    /// Every field of the submission as an input (no preset).
    pub(crate) fn from_fields(submission: &'a Submission) -> Self {
        Self {
            direct: Vec::new(),
            inputs: submission
                .fields
                .iter()
                .map(|(name, value)| Input::new(name.as_str(), None, value.as_str()))
                .collect(),
        }
    }

    /// Adds a typed value.
    pub(crate) fn direct(
        &mut self,
        field: LeadField,
        value: impl Into<Cow<'a, str>>,
        label: impl Into<Cow<'a, str>>,
    ) {
        self.direct.push(Direct {
            field,
            value: value.into(),
            label: label.into(),
        });
    }

    /// Adds a named input.
    pub(crate) fn input(
        &mut self,
        name: impl Into<Cow<'a, str>>,
        alt: Option<Cow<'a, str>>,
        value: impl Into<Cow<'a, str>>,
    ) {
        self.inputs.push(Input::new(name, alt, value));
    }
}

/// Whether a normalized input name is never lead data nor notes: form
/// machinery, bot traps and captcha tokens (`submit`, `gotcha`,
/// `g-recaptcha-response` …; names starting with `_` are caught before).
fn is_normalized_machinery(normalized: &str) -> bool {
    normalized.contains("captcha")
        || normalized.contains("turnstile")
        || normalized.contains("nonce")
        || matches!(
            normalized,
            "submit" | "action" | "gotcha" | "honeypot" | "formid" | "frccaptchasolution"
        )
}

/// Click IDs kept as they are named (lower-cased).
const CLICK_IDS: [&str; 5] = ["gclid", "fbclid", "msclkid", "ttclid", "li_fat_id"];

/// The attribution key of a tracking parameter (`utm_source` → `source`, `gclid` → `gclid`).
/// Allocates only for a name that is one (it runs on every input).
pub(crate) fn tracking_key(name: &str) -> Option<String> {
    let name = name.trim();
    let is_utm = name
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("utm_") || p.eq_ignore_ascii_case("utm-"));
    if is_utm {
        let rest = &name[4..];
        return (!rest.is_empty()).then(|| rest.to_ascii_lowercase());
    }
    CLICK_IDS
        .iter()
        .find(|id| id.eq_ignore_ascii_case(name))
        .map(|id| (*id).to_owned())
}
