//! The member's `notes` and `extra`, composed from what the lead fields left.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{attribution::Attribution, field::LeadField, names::truncate};

/// The notes: the message, then the inputs nothing took, then the attribution.
pub(super) fn notes_with(
    message: Option<String>,
    leftovers: &[(&str, &str)],
    attribution: &Attribution,
) -> Option<String> {
    let attribution_lines = attribution.note_lines();
    let note_lines: Vec<(&str, &str)> = leftovers
        .iter()
        .copied()
        .chain(attribution_lines.iter().map(|(k, v)| (*k, v.as_str())))
        .collect();
    compose_notes(message, &note_lines)
}

/// The strings, the notes and the attribution into `extra`, in this order.
pub(super) fn add_to_extra(
    extra: &mut Map<String, Value>,
    strings: BTreeMap<LeadField, String>,
    notes: Option<String>,
    attribution: Attribution,
) {
    for (field, value) in strings {
        extra.insert(field.key().to_owned(), Value::String(value));
    }
    if let Some(notes) = notes {
        extra.insert("notes".into(), Value::String(notes));
    }
    for (key, value) in [
        ("pageUrl", attribution.page_url),
        ("landingPage", attribution.landing_page),
        ("referrer", attribution.referrer),
    ] {
        if let Some(value) = value {
            extra.insert(key.into(), Value::String(value));
        }
    }
    if !attribution.utm.is_empty() {
        let utm = attribution
            .utm
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        extra.insert("utm".into(), Value::Object(utm));
    }
}

/// The message, then a blank line, then one `name: value` line per unmapped input.
fn compose_notes(message: Option<String>, leftovers: &[(&str, &str)]) -> Option<String> {
    let mut notes = message.unwrap_or_default();
    for (index, (name, value)) in leftovers.iter().enumerate() {
        if index == 0 && !notes.is_empty() {
            notes.push_str("\n\n");
        } else if index > 0 {
            notes.push('\n');
        }
        notes.push_str(name);
        notes.push_str(": ");
        notes.push_str(value);
    }
    let notes = truncate(&notes, LeadField::Notes.max_chars());
    (!notes.is_empty()).then_some(notes)
}
