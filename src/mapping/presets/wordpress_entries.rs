//! WordPress form plugins whose webhooks send entries keyed by field names,
//! keys or IDs: Fluent Forms, Ninja Forms and Formidable Forms.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{message_among, text_of};
use crate::{
    intake::Submission,
    mapping::{field::LeadField, input::Prepared},
};

/// Fluent Forms' webhook (JSON or form data, all fields): inputs by their
/// names, the Name field's parts (`names[first_name]`, `names.last_name`) and
/// the Address field's (`address_1[city]` …) read by part, checkbox choices
/// (`checkbox[]`, `checkbox.0`) joined; `_fluentform_…` tokens skipped.
pub(crate) fn fluent_forms(submission: &Submission) -> Prepared<'_> {
    let mut prepared = Prepared::default();
    let mut choices: Vec<(&str, Vec<&str>)> = Vec::new();
    for (name, value) in &submission.fields {
        let (root, part) = split_part(name);
        let field = match part {
            Some(part) if root.starts_with("names") => match part {
                "first_name" => Some(LeadField::FirstName),
                "last_name" => Some(LeadField::LastName),
                _ => None,
            },
            Some(part) if root.starts_with("address") => match part {
                "address_line_1" => Some(LeadField::Address),
                "city" => Some(LeadField::City),
                "state" => Some(LeadField::State),
                "zip" => Some(LeadField::ZipCode),
                "country" => Some(LeadField::Country),
                _ => None,
            },
            Some(part) if part.is_empty() || part.bytes().all(|b| b.is_ascii_digit()) => {
                match choices.iter_mut().find(|(r, _)| *r == root) {
                    Some((_, values)) => values.push(value),
                    None => choices.push((root, vec![value.as_str()])),
                }
                continue;
            }
            _ => None,
        };
        match field {
            Some(field) => prepared.direct(field, value.as_str(), name.as_str()),
            None => prepared.input(name.as_str(), None, value.as_str()),
        }
    }
    for (root, values) in choices {
        prepared.input(root, None, values.join(", "));
    }
    prepared
}

/// `names[first_name]` / `names.first_name` → (`names`, `first_name`);
/// `checkbox[]` → (`checkbox`, ``); `email` → (`email`, none).
fn split_part(name: &str) -> (&str, Option<&str>) {
    if let Some((root, rest)) = name.split_once('[') {
        return (root, Some(rest.trim_end_matches(']')));
    }
    match name.split_once('.') {
        Some((root, part)) => (root, Some(part)),
        None => (name, None),
    }
}

/// Ninja Forms' field types that are no lead data.
const NINJA_SKIPPED_TYPES: &[&str] = &[
    "submit",
    "html",
    "hr",
    "spam",
    "recaptcha",
    "hcaptcha",
    "confirm",
    "password",
    "passwordconfirm",
    "save",
];

/// Ninja Forms: the Webhooks add-on's args (the keys you chose, posted as they
/// are, as a JSON body, or JSON-encoded under one "JSON encode arg key"), or
/// the submission's `fields` (`{id, key, label, type, value}` each, as an
/// array or by ID) read by type: `email`, `phone`, `firstname`, `lastname`,
/// `address`, `city`, `zip`, `liststate`, `listcountry`.
pub(crate) fn ninja_forms(submission: &Submission) -> Prepared<'_> {
    let typed = match submission.json_path("fields") {
        Some(Value::Array(fields)) => Some(fields.iter().collect::<Vec<_>>()),
        Some(Value::Object(fields)) => Some(fields.values().collect()),
        _ => None,
    };
    if let Some(fields) = typed.filter(|f| f.iter().all(|v| v.get("type").is_some())) {
        let mut prepared = Prepared::default();
        for field in fields {
            ninja_field(&mut prepared, field);
        }
        return prepared;
    }
    if let [(key, encoded)] = submission.fields.as_slice() {
        if let Ok(Value::Object(args)) = serde_json::from_str::<Value>(encoded) {
            return encoded_args(key, &args);
        }
    }
    Prepared::from_fields(submission)
}

fn ninja_field<'a>(prepared: &mut Prepared<'a>, field: &'a Value) {
    let get = |key: &str| field.get(key).and_then(Value::as_str).unwrap_or_default();
    let (kind, key, label) = (get("type"), get("key"), get("label"));
    let Some(value) = field.get("value").and_then(text_of) else {
        return;
    };
    let typed = match kind {
        "email" => Some(LeadField::Email),
        "phone" => Some(LeadField::ContactNo),
        "firstname" => Some(LeadField::FirstName),
        "lastname" => Some(LeadField::LastName),
        "address" => Some(LeadField::Address),
        "city" => Some(LeadField::City),
        "zip" => Some(LeadField::ZipCode),
        "liststate" => Some(LeadField::State),
        "listcountry" => Some(LeadField::Country),
        skipped if NINJA_SKIPPED_TYPES.contains(&skipped) => return,
        _ => None,
    };
    let label = if label.trim().is_empty() { key } else { label };
    match typed {
        Some(field) => prepared.direct(field, value, format!("{label} ({kind} field)")),
        None => prepared.input(label, Some(Cow::Borrowed(key)), value),
    }
}

/// Args JSON-encoded under one key: each arg an input, named by its key.
fn encoded_args<'a>(outer: &str, args: &Map<String, Value>) -> Prepared<'a> {
    let mut prepared = Prepared::default();
    for (key, value) in args {
        if let Some(text) = text_of(value) {
            let alt = Cow::Owned(format!("{outer}.{key}"));
            prepared.input(key.clone(), Some(alt), text.into_owned());
        }
    }
    prepared
}

/// Entry bookkeeping Formidable sends next to the fields (`name` is the entry's).
const FORMIDABLE_ENTRY_KEYS: &[&str] = &[
    "id",
    "item_key",
    "name",
    "description",
    "ip",
    "form_id",
    "post_id",
    "user_id",
    "parent_item_id",
    "is_draft",
    "updated_by",
    "created_at",
    "updated_at",
];

/// Formidable Forms (its API add-on's webhook, all fields): the entry with its
/// field values keyed by field key, under `meta` or beside the entry's own
/// keys. A Name field (`{first, last}`) and an Address field (`{line1, city,
/// state, zip, country}`) are read by part; keys are often random
/// (`29yf4d`), so the values speak: the message is the longest text, and the
/// e-mail address and phone number are found by their shapes.
pub(crate) fn formidable(submission: &Submission) -> Prepared<'_> {
    let meta = submission.json_path("meta").and_then(Value::as_object);
    let (values, skip_entry_keys) = match (meta, submission.json.as_ref()) {
        (Some(meta), _) => (meta, false),
        (None, Some(Value::Object(entry))) => (entry, true),
        _ => return Prepared::from_fields(submission),
    };
    let mut prepared = Prepared::default();
    let mut plain: Vec<(&str, Cow<'_, str>)> = Vec::new();
    for (key, value) in values {
        if skip_entry_keys && FORMIDABLE_ENTRY_KEYS.contains(&key.as_str()) {
            continue;
        }
        match value {
            Value::Object(parts) => formidable_parts(&mut prepared, key, parts),
            other => plain.extend(text_of(other).map(|text| (key.as_str(), text))),
        }
    }
    let mut message = message_among(plain.iter().map(|(_, text)| text.as_ref())).map(str::to_owned);
    for (key, text) in plain {
        if message.as_deref() == Some(text.as_ref()) {
            message = None;
            prepared.direct(LeadField::Notes, text, format!("{key} (the longest text)"));
        } else {
            prepared.input(key, None, text);
        }
    }
    prepared
}

fn formidable_parts<'a>(prepared: &mut Prepared<'a>, key: &'a str, parts: &'a Map<String, Value>) {
    const PARTS: [(&str, LeadField); 7] = [
        ("first", LeadField::FirstName),
        ("last", LeadField::LastName),
        ("line1", LeadField::Address),
        ("city", LeadField::City),
        ("state", LeadField::State),
        ("zip", LeadField::ZipCode),
        ("country", LeadField::Country),
    ];
    for (part, field) in PARTS {
        if let Some(value) = parts.get(part).and_then(text_of) {
            prepared.direct(field, value, format!("{key}.{part}"));
        }
    }
}
