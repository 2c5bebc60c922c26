//! Hosted form builders that send typed answers: Typeform and Tally.

use std::borrow::Cow;

use serde_json::Value;

use crate::{
    intake::Submission,
    mapping::{field::LeadField, input::Prepared},
};

/// Typeform's `form_response`: `answers[]` read by type (`email`, `phone_number`,
/// `url`, `text`, `choice(s)` …), labelled with the question titles from
/// `definition.fields` and matched by `field.ref` too; `hidden` fields as inputs.
pub(crate) fn typeform(submission: &Submission) -> Prepared<'_> {
    let mut prepared = Prepared::default();
    let Some(response) = submission.json_path("form_response") else {
        return Prepared::from_fields(submission);
    };
    let definitions = response
        .pointer("/definition/fields")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let answers = response
        .get("answers")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    for answer in answers {
        let kind = answer
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let Some(value) = typeform_value(answer, kind) else {
            continue;
        };
        let field = answer.get("field");
        let id = field
            .and_then(|f| f.get("id"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        let reference = field.and_then(|f| f.get("ref")).and_then(Value::as_str);
        let title = definitions
            .iter()
            .find(|d| d.get("id").and_then(Value::as_str) == Some(id))
            .and_then(|d| d.get("title"))
            .and_then(Value::as_str)
            .unwrap_or(reference.unwrap_or(id));
        match kind {
            "email" => prepared.direct(LeadField::Email, value, format!("{title} (email answer)")),
            "phone_number" => prepared.direct(
                LeadField::ContactNo,
                value,
                format!("{title} (phone answer)"),
            ),
            _ => prepared.input(title, reference.map(Cow::Borrowed), value),
        }
    }
    if let Some(Value::Object(hidden)) = response.get("hidden") {
        for (name, value) in hidden {
            if let Some(value) = value.as_str() {
                prepared.input(name.as_str(), None, value);
            }
        }
    }
    prepared
}

fn typeform_value<'a>(answer: &'a Value, kind: &str) -> Option<Cow<'a, str>> {
    let value = answer.get(kind)?;
    let text = match (kind, value) {
        ("choice", choice) => Cow::Borrowed(
            choice
                .get("label")
                .or_else(|| choice.get("other"))?
                .as_str()?,
        ),
        ("choices", choices) => {
            let labels = choices.get("labels").and_then(Value::as_array);
            let mut all: Vec<&str> = labels
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            all.extend(choices.get("other").and_then(Value::as_str));
            Cow::Owned(all.join(", "))
        }
        (_, Value::String(text)) => Cow::Borrowed(text.as_str()),
        (_, Value::Bool(flag)) => Cow::Borrowed(if *flag { "yes" } else { "no" }),
        (_, Value::Number(number)) => Cow::Owned(number.to_string()),
        _ => return None,
    };
    Some(text)
}

/// Tally's `data.fields[]` (`key`, `label`, `type`, `value`): typed e-mail, phone
/// and link fields; choice values (option IDs) turned into their option texts.
pub(crate) fn tally(submission: &Submission) -> Prepared<'_> {
    let mut prepared = Prepared::default();
    let Some(Value::Array(fields)) = submission.json_path("data.fields") else {
        return Prepared::from_fields(submission);
    };
    for field in fields {
        let get = |key: &str| field.get(key).and_then(Value::as_str).unwrap_or_default();
        let (key, label, kind) = (get("key"), get("label"), get("type"));
        let label = if label.trim().is_empty() { key } else { label };
        let Some(value) = tally_value(field) else {
            continue;
        };
        match kind {
            "INPUT_EMAIL" => {
                prepared.direct(LeadField::Email, value, format!("{label} (email field)"))
            }
            "INPUT_PHONE_NUMBER" => prepared.direct(
                LeadField::ContactNo,
                value,
                format!("{label} (phone field)"),
            ),
            "INPUT_LINK" => {
                prepared.direct(LeadField::Website, value, format!("{label} (link field)"))
            }
            _ => prepared.input(label, Some(Cow::Borrowed(key)), value),
        }
    }
    prepared
}

fn tally_value(field: &Value) -> Option<Cow<'_, str>> {
    let options = field.get("options").and_then(Value::as_array);
    let option_text = |id: &str| -> Option<&str> {
        options?
            .iter()
            .find(|o| o.get("id").and_then(Value::as_str) == Some(id))
            .and_then(|o| o.get("text"))
            .and_then(Value::as_str)
    };
    match field.get("value")? {
        Value::String(text) => Some(Cow::Borrowed(option_text(text).unwrap_or(text))),
        Value::Array(items) => {
            let texts: Vec<&str> = items
                .iter()
                .filter_map(Value::as_str)
                .map(|id| option_text(id).unwrap_or(id))
                .collect();
            (!texts.is_empty()).then(|| Cow::Owned(texts.join(", ")))
        }
        Value::Bool(true) => Some(Cow::Borrowed("yes")),
        Value::Number(number) => Some(Cow::Owned(number.to_string())),
        _ => None,
    }
}
