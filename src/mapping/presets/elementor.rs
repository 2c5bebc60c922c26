//! Elementor Pro forms' webhook action.
//!
//! Simple mode posts one field per form field, keyed by its label (or ID), plus
//! metadata (`Date`, `Time`, `Page URL`, `User Agent`, `Remote IP`, `Powered by`).
//! "Advanced data" posts `fields[<id>][id|type|title|value|raw_value|required]`,
//! `form[id|name]` and `meta[<key>][title|value]`.

use std::borrow::Cow;

use crate::{
    intake::Submission,
    mapping::{field::LeadField, input::Prepared},
};

/// Simple mode's metadata labels (never notes).
const SIMPLE_META: &[&str] = &[
    "Date",
    "Time",
    "Page URL",
    "User Agent",
    "Remote IP",
    "Powered by",
    "Form Name",
    "Form ID",
];

/// One advanced-mode field, gathered from its bracketed keys.
#[derive(Default)]
struct Field<'a> {
    id: &'a str,
    kind: &'a str,
    title: &'a str,
    value: Option<&'a str>,
    raw_value: Option<&'a str>,
}

/// Reads either mode.
pub(crate) fn elementor(submission: &Submission) -> Prepared<'_> {
    let mut advanced: Vec<Field<'_>> = Vec::new();
    let mut prepared = Prepared::default();
    for (name, value) in &submission.fields {
        if let Some((id, part)) = bracketed(name, "fields") {
            let index = match advanced.iter().position(|f| f.id == id) {
                Some(index) => index,
                None => {
                    advanced.push(Field {
                        id,
                        ..Field::default()
                    });
                    advanced.len() - 1
                }
            };
            let field = &mut advanced[index];
            match part {
                "type" => field.kind = value,
                "title" => field.title = value,
                "value" => field.value = Some(value),
                "raw_value" => field.raw_value = Some(value),
                _ => {}
            }
        } else if name.starts_with("form[")
            || name.starts_with("meta[")
            || SIMPLE_META.contains(&name.as_str())
        {
            continue;
        } else {
            prepared.input(name.as_str(), None, value.as_str());
        }
    }
    for field in advanced {
        let Some(value) = field.value.or(field.raw_value) else {
            continue;
        };
        let label = if field.title.trim().is_empty() {
            field.id
        } else {
            field.title
        };
        match field.kind {
            "email" => prepared.direct(LeadField::Email, value, format!("{label} (email field)")),
            "tel" => prepared.direct(LeadField::ContactNo, value, format!("{label} (tel field)")),
            "url" => prepared.direct(LeadField::Website, value, format!("{label} (url field)")),
            "hidden" | "honeypot" | "recaptcha" | "recaptcha_v3" | "step" | "html" => {}
            _ => prepared.input(label, Some(Cow::Borrowed(field.id)), value),
        }
    }
    prepared
}

/// `fields[email][value]` → (`email`, `value`) for the given prefix.
fn bracketed<'a>(name: &'a str, prefix: &str) -> Option<(&'a str, &'a str)> {
    let rest = name.strip_prefix(prefix)?.strip_prefix('[')?;
    let (id, rest) = rest.split_once("][")?;
    let part = rest.strip_suffix(']')?;
    Some((id, part))
}
