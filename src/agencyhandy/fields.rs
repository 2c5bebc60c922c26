//! Agencyhandy's rules for a lead's fields, applied to every member on the
//! wire: the six statuses, `leadValue` (and the other text fields) as
//! strings, `source` at most 50 characters, and `customFields` as
//! `[{"_id", "<type>Value"}]` items.

use serde_json::{json, Map, Value};

/// The lead statuses Agencyhandy takes, exactly as it spells them.
pub(crate) const LEAD_STATUSES: [&str; 6] = [
    "New",
    "Contacted",
    "Qualified",
    "Working",
    "Proposal Sent",
    "Negotiation",
];

/// The optional fields Agencyhandy takes as strings only (`leadValue` among
/// them): a number or flag from a form's constants is sent as its text.
const TEXT_FIELDS: [&str; 11] = [
    "contactNo",
    "country",
    "city",
    "state",
    "zipCode",
    "address",
    "companyName",
    "website",
    "source",
    "leadValue",
    "agent",
];

/// Longest `source` Agencyhandy keeps, in characters (its UI cuts the rest).
pub(crate) const MAX_SOURCE_CHARS: usize = 50;

/// The documented status that `value` means (ignoring case and repeated
/// spaces: `proposal  sent` is `Proposal Sent`), if any.
pub(crate) fn canonical_status(value: &str) -> Option<&'static str> {
    let wanted = value.split_whitespace().collect::<Vec<_>>().join(" ");
    LEAD_STATUSES
        .into_iter()
        .find(|status| status.eq_ignore_ascii_case(&wanted))
}

/// Applies the field rules to a member's wire fields.
pub(crate) fn apply_field_rules(fields: &mut Map<String, Value>) {
    let email = fields
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if let Some(Value::String(status)) = fields.get_mut("status") {
        match canonical_status(status) {
            Some(canonical) => *status = canonical.to_owned(),
            None => {
                tracing::warn!(%email, status = %status, "a lead's status is none of Agencyhandy's six; sending \"New\"");
                *status = "New".to_owned();
            }
        }
    }
    if let Some(Value::String(source)) = fields.get_mut("source") {
        if let Some((cut, _)) = source.char_indices().nth(MAX_SOURCE_CHARS) {
            tracing::warn!(%email, source = %source, "a lead's source is longer than Agencyhandy's 50 characters; cut");
            source.truncate(cut);
        }
    }
    for key in TEXT_FIELDS {
        match fields.get(key) {
            Some(Value::Null) => {
                fields.remove(key);
            }
            Some(Value::String(_)) | None => {}
            Some(other) => {
                let text = match other {
                    Value::Number(n) => n.to_string(),
                    Value::Bool(flag) => flag.to_string(),
                    other => other.to_string(),
                };
                fields.insert(key.into(), Value::String(text));
            }
        }
    }
    if let Some(custom) = fields.remove("customFields") {
        let items = custom_field_items(custom);
        if !items.is_empty() {
            fields.insert("customFields".into(), Value::Array(items));
        }
    }
}

/// `customFields` as Agencyhandy takes them: a list of `{"_id", "<type>Value"}`.
/// An object `{id: value}` becomes one item per key; an item with a plain
/// `value` gets the typed key its JSON type calls for; items without an `_id`
/// are dropped (Agencyhandy would refuse the whole lead).
fn custom_field_items(custom: Value) -> Vec<Value> {
    let items: Vec<Value> = match custom {
        Value::Array(items) => items,
        Value::Object(by_id) => by_id
            .into_iter()
            .map(|(id, value)| json!({"_id": id, "value": value}))
            .collect(),
        _ => Vec::new(),
    };
    items.into_iter().filter_map(custom_field_item).collect()
}

const TYPED_VALUES: [&str; 4] = ["stringValue", "numberValue", "dateValue", "booleanValue"];

fn custom_field_item(item: Value) -> Option<Value> {
    let Value::Object(mut item) = item else {
        return None;
    };
    let id = item
        .get("_id")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|id| !id.is_empty())?
        .to_owned();
    if let Some(key) = TYPED_VALUES.into_iter().find(|key| item.contains_key(*key)) {
        let value = item.remove(key)?;
        return Some(json!({"_id": id, key: value}));
    }
    let entry = match item.remove("value")? {
        Value::Number(number) => json!({"_id": id, "numberValue": number}),
        Value::Bool(flag) => json!({"_id": id, "booleanValue": flag}),
        Value::String(text) => json!({"_id": id, "stringValue": text}),
        Value::Null => return None,
        other => json!({"_id": id, "stringValue": other.to_string()}),
    };
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn applied(fields: Value) -> Value {
        let Value::Object(mut fields) = fields else {
            panic!("an object")
        };
        apply_field_rules(&mut fields);
        Value::Object(fields)
    }

    #[test]
    fn statuses_are_the_six_in_their_spelling() {
        assert_eq!(canonical_status("proposal  sent"), Some("Proposal Sent"));
        assert_eq!(canonical_status(" new "), Some("New"));
        assert_eq!(canonical_status("Lead"), None);
        let sent = applied(json!({"status": "qualified"}));
        assert_eq!(sent["status"], "Qualified");
        assert_eq!(applied(json!({"status": "Hot"}))["status"], "New");
    }

    #[test]
    fn lead_value_is_a_string_and_source_at_most_fifty_characters() {
        let sent = applied(json!({"leadValue": 1200, "source": "é".repeat(60)}));
        assert_eq!(sent["leadValue"], "1200");
        assert_eq!(sent["source"].as_str().unwrap().chars().count(), 50);
        assert_eq!(applied(json!({"leadValue": 12.5}))["leadValue"], "12.5");
        assert!(applied(json!({"leadValue": null}))
            .get("leadValue")
            .is_none());
        assert_eq!(applied(json!({"leadValue": "9"}))["leadValue"], "9");
        assert_eq!(applied(json!({"zipCode": 10115}))["zipCode"], "10115");
    }

    #[test]
    fn custom_fields_take_the_documented_item_shape() {
        let sent = applied(json!({"customFields": [
            {"_id": "a", "stringValue": "x"},
            {"_id": "b", "value": 3},
            {"_id": "c", "value": true},
            {"value": "no id"},
            "junk"
        ]}));
        assert_eq!(
            sent["customFields"],
            json!([
                {"_id": "a", "stringValue": "x"},
                {"_id": "b", "numberValue": 3},
                {"_id": "c", "booleanValue": true}
            ])
        );
        let by_id = applied(json!({"customFields": {"d": "2026-01-01"}}));
        assert_eq!(
            by_id["customFields"],
            json!([{"_id": "d", "stringValue": "2026-01-01"}])
        );
        assert!(applied(json!({"customFields": []}))
            .get("customFields")
            .is_none());
    }
}
