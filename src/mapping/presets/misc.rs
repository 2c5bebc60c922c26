//! Jotform, Webflow, Google Forms (Apps Script) and Zapier.

use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::{
    intake::Submission,
    mapping::{field::LeadField, input::Prepared},
};

/// Jotform's webhook (multipart): the answers are in `rawRequest`, a JSON string
/// keyed `q<N>_<name>`; a Full Name is `{first, last}`, a Phone `{full}` or
/// `{area, phone}`, an Address `{addr_line1, addr_line2, city, state, postal, country}`.
pub(crate) fn jotform(submission: &Submission) -> Prepared<'_> {
    let raw: Option<Value> = submission
        .value("rawRequest")
        .and_then(|raw| serde_json::from_str(&raw).ok());
    let Some(Value::Object(answers)) = raw else {
        return Prepared::from_fields(submission);
    };
    let mut prepared = Prepared::default();
    for (key, value) in &answers {
        let Some(label) = question_label(key) else {
            continue;
        };
        match value {
            Value::Object(parts) => jotform_parts(&mut prepared, key, label, parts),
            Value::Array(items) => {
                let texts: Vec<&str> = items.iter().filter_map(Value::as_str).collect();
                prepared.input(
                    label.to_owned(),
                    Some(Cow::Owned(key.clone())),
                    texts.join(", "),
                );
            }
            Value::String(text) => prepared.input(
                label.to_owned(),
                Some(Cow::Owned(key.clone())),
                text.clone(),
            ),
            Value::Number(number) => prepared.input(
                label.to_owned(),
                Some(Cow::Owned(key.clone())),
                number.to_string(),
            ),
            _ => {}
        }
    }
    prepared
}

/// `q3_name` → `name`; keys that are not questions → None.
fn question_label(key: &str) -> Option<&str> {
    let rest = key.strip_prefix('q')?;
    let (number, label) = rest.split_once('_')?;
    (!number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) && !label.is_empty())
        .then_some(label)
}

fn jotform_parts(prepared: &mut Prepared<'_>, key: &str, label: &str, parts: &Map<String, Value>) {
    let text = |part: &str| {
        parts
            .get(part)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    let mut direct = |field: LeadField, part: &str| {
        if let Some(value) = text(part) {
            prepared.direct(field, value.to_owned(), format!("{key}.{part}"));
        }
    };
    if parts.contains_key("first") || parts.contains_key("last") {
        direct(LeadField::FirstName, "first");
        direct(LeadField::LastName, "last");
    } else if parts.contains_key("addr_line1") || parts.contains_key("postal") {
        direct(LeadField::Address, "addr_line1");
        direct(LeadField::City, "city");
        direct(LeadField::State, "state");
        direct(LeadField::ZipCode, "postal");
        direct(LeadField::Country, "country");
    } else if let Some(full) = text("full") {
        prepared.input(
            label.to_owned(),
            Some(Cow::Owned(key.to_owned())),
            full.to_owned(),
        );
    } else {
        let joined: Vec<&str> = parts
            .values()
            .filter_map(Value::as_str)
            .filter(|s| !s.trim().is_empty())
            .collect();
        prepared.input(
            label.to_owned(),
            Some(Cow::Owned(key.to_owned())),
            joined.join(" "),
        );
    }
}

/// Webflow's `form_submission` webhook: the answers under `payload.data` (v2) or
/// `data` (v1), keyed by the inputs' names.
pub(crate) fn webflow(submission: &Submission) -> Prepared<'_> {
    for prefix in ["payload.data.", "data."] {
        let mut prepared = Prepared::default();
        for (name, value) in &submission.fields {
            if let Some(label) = name.strip_prefix(prefix) {
                prepared.input(label, Some(Cow::Borrowed(name.as_str())), value.as_str());
            }
        }
        if !prepared.inputs.is_empty() {
            return prepared;
        }
    }
    Prepared::from_fields(submission)
}

/// Google Forms through Apps Script: an object keyed by question titles, bare or
/// under `namedValues` (values are arrays), `responses` or `response`.
pub(crate) fn google_forms(submission: &Submission) -> Prepared<'_> {
    let root = ["namedValues", "responses", "response"]
        .iter()
        .find_map(|key| submission.json_path(key).filter(|v| v.is_object()))
        .or(submission.json.as_ref());
    let Some(Value::Object(answers)) = root else {
        return Prepared::from_fields(submission);
    };
    let mut prepared = Prepared::default();
    for (title, value) in answers {
        if title.eq_ignore_ascii_case("timestamp") {
            continue;
        }
        let text = match value {
            Value::String(text) => Cow::Borrowed(text.as_str()),
            Value::Array(items) => Cow::Owned(
                items
                    .iter()
                    .filter_map(|item| match item {
                        Value::String(text) => Some(text.clone()),
                        Value::Number(number) => Some(number.to_string()),
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            Value::Number(number) => Cow::Owned(number.to_string()),
            Value::Bool(flag) => Cow::Borrowed(if *flag { "yes" } else { "no" }),
            _ => continue,
        };
        prepared.input(title.as_str(), None, text);
    }
    prepared
}

/// Zapier's webhook action: flattened (`contact__email`) or nested
/// (`contact.email`) data; segments are matched by the alias table.
pub(crate) fn zapier(submission: &Submission) -> Prepared<'_> {
    let mut prepared = Prepared::default();
    for (name, value) in &submission.fields {
        let label = name
            .strip_prefix("data.")
            .or_else(|| name.strip_prefix("data__"))
            .unwrap_or(name);
        prepared.input(label, Some(Cow::Borrowed(name.as_str())), value.as_str());
    }
    prepared
}
