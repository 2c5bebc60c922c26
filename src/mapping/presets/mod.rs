//! Known senders' payload shapes → typed values and labelled inputs. A preset
//! runs before the alias table: what it assigns by type or position wins over
//! aliases, and its labelled inputs feed the alias table and the notes.

mod elementor;
mod misc;
mod saas;
#[cfg(test)]
mod tests;
mod wordpress;

use super::input::Prepared;
use crate::intake::Submission;

/// Reads a submission the way its preset says (no preset: every field as an input).
pub fn prepare<'a>(preset: Option<&str>, submission: &'a Submission) -> Prepared<'a> {
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
        _ => Prepared::from_fields(submission),
    }
}

/// Whether a value reads as an e-mail address.
fn looks_like_email(value: &str) -> bool {
    crate::domain::Email::parse(value).is_ok()
}

/// Whether a value reads as a phone number: 7–15 digits and only `+ ( ) - . /` and spaces.
fn looks_like_phone(value: &str) -> bool {
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | '.' | '/' | ' '))
}
