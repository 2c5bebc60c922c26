//! Known senders' payload shapes → typed values and labelled inputs. A preset
//! runs before the alias table: what it assigns by type or position wins over
//! aliases, and its labelled inputs feed the alias table and the notes.

mod elementor;
mod hosted;
mod misc;
mod saas;
#[cfg(test)]
mod tests;
mod wordpress;
mod wordpress_entries;

use std::borrow::Cow;

use serde_json::Value;

use super::{
    input::Prepared,
    meaning::{looks_like_email, looks_like_phone},
};
use crate::intake::Submission;

/// Reads a submission the way its preset says (no preset: every field as an input).
pub(crate) fn prepare<'a>(preset: Option<&str>, submission: &'a Submission) -> Prepared<'a> {
    match preset {
        Some("contact-form-7") => wordpress::contact_form_7(submission),
        Some("elementor") => elementor::elementor(submission),
        Some("wpforms") => wordpress::wpforms(submission),
        Some("gravity-forms") => wordpress::gravity_forms(submission),
        Some("webflow") => misc::webflow(submission),
        Some("typeform") => saas::typeform(submission),
        Some("tally") => saas::tally(submission),
        Some("jotform") => misc::jotform(submission),
        Some("google-forms") => misc::google_forms(submission),
        Some("zapier") => misc::zapier(submission),
        Some("netlify") => hosted::netlify(submission),
        Some("calendly") => hosted::calendly(submission),
        Some("fluent-forms") => wordpress_entries::fluent_forms(submission),
        Some("ninja-forms") => wordpress_entries::ninja_forms(submission),
        Some("formidable") => wordpress_entries::formidable(submission),
        _ => Prepared::from_fields(submission),
    }
}

/// A JSON value as one line of text: strings as they are, numbers and flags as
/// written, lists of plain values joined with `, `; nothing for `null`,
/// objects and empty text.
fn text_of(value: &Value) -> Option<Cow<'_, str>> {
    let text = match value {
        Value::String(text) => Cow::Borrowed(text.as_str()),
        Value::Number(number) => Cow::Owned(number.to_string()),
        Value::Bool(flag) => Cow::Borrowed(if *flag { "yes" } else { "no" }),
        Value::Array(items) => {
            let texts: Vec<Cow<'_, str>> = items
                .iter()
                .filter(|item| !item.is_array() && !item.is_object())
                .filter_map(text_of)
                .collect();
            Cow::Owned(texts.join(", "))
        }
        Value::Null | Value::Object(_) => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// Of values under keys that say nothing, the one that reads as the message:
/// the longest text with spaces that is no e-mail address nor phone number.
fn message_among<'v>(values: impl Iterator<Item = &'v str>) -> Option<&'v str> {
    values
        .filter(|v| !looks_like_email(v) && !looks_like_phone(v) && v.trim().contains(' '))
        .max_by_key(|v| v.len())
}
