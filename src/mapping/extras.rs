//! Member fields beyond the named lead fields: per-form `fields` and `constants`
//! keys that are not lead fields (`customFields.<id>`, `category` …), tracking
//! parameters, and the consent record.

use serde_json::{json, Map, Value};

use super::{field::LeadField, resolve::Resolver};
use crate::{config::FormSettings, intake::SubmissionMeta};

/// Keys the delivery layer or the member itself owns; never taken from config as extras.
const RESERVED: &[&str] = &[
    "role",
    "isconvertedclient",
    "type",
    "firstname",
    "lastname",
    "email",
    "contactno",
    "status",
    "source",
    "positioninboard",
    "sendinvitationemail",
];

/// Adds `fields` overrides and `constants` whose keys are not lead fields.
pub(crate) fn add_configured(
    resolver: &mut Resolver<'_>,
    form: &FormSettings,
    extra: &mut Map<String, Value>,
) {
    for (key, sources) in &form.fields {
        if LeadField::from_config_key(key).is_some() || is_reserved(key) {
            continue;
        }
        let found = sources
            .names()
            .iter()
            .find_map(|name| resolver.lookup(name));
        if let Some(value) = found {
            insert(extra, key, Value::String(value.into_owned()));
        }
    }
    for (key, value) in &form.constants {
        if LeadField::from_config_key(key).is_none() && !is_reserved(key) && !value.is_null() {
            insert(extra, key, value.clone());
        }
    }
}

fn is_reserved(key: &str) -> bool {
    RESERVED.contains(&super::aliases::normalize(key).as_str())
}

/// Inserts `customFields.<id>` as an Agencyhandy custom field entry, other keys as they are.
fn insert(extra: &mut Map<String, Value>, key: &str, value: Value) {
    let Some(id) = key
        .strip_prefix("customFields.")
        .filter(|id| !id.is_empty())
    else {
        extra.insert(key.to_owned(), value);
        return;
    };
    let entry = match value {
        Value::Number(number) => json!({ "_id": id, "numberValue": number }),
        Value::Bool(flag) => json!({ "_id": id, "booleanValue": flag }),
        Value::String(text) => json!({ "_id": id, "stringValue": text }),
        other => json!({ "_id": id, "stringValue": other.to_string() }),
    };
    let list = extra
        .entry("customFields")
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(list) = list {
        list.push(entry);
    }
}

/// `positionInBoard` and `sendInvitationEmail` from constants, else the form's settings.
pub(crate) fn board_settings(form: &FormSettings) -> (u32, bool) {
    let mut position = form.position_in_board;
    let mut invite = form.send_invitation_email;
    for (key, value) in &form.constants {
        match super::aliases::normalize(key).as_str() {
            "positioninboard" => {
                let parsed = value
                    .as_u64()
                    .or_else(|| value.as_str().and_then(|s| s.trim().parse().ok()));
                if let Some(parsed) = parsed.and_then(|n| u32::try_from(n).ok()) {
                    position = parsed;
                }
            }
            "sendinvitationemail" => {
                if let Some(flag) = value.as_bool().or_else(|| value.as_str().map(is_yes)) {
                    invite = flag;
                }
            }
            _ => {}
        }
    }
    (position, invite)
}

/// Whether a checkbox-like value means yes (`on`, `1`, `true`, `yes`, or any other text).
fn is_yes(value: &str) -> bool {
    let value = value.trim().to_ascii_lowercase();
    !matches!(
        value.as_str(),
        "" | "0" | "false" | "no" | "off" | "n" | "unchecked"
    )
}

/// The consent record (`{given, field, value, text, at}`) when the form names a
/// `consent_field`; `Err` when consent is required and was not given.
pub(crate) fn consent(
    resolver: &mut Resolver<'_>,
    form: &FormSettings,
    meta: &SubmissionMeta,
) -> Result<Option<Value>, String> {
    let Some(field) = form.consent_field.as_deref() else {
        return Ok(None);
    };
    let value = resolver.lookup(field).map(|v| v.into_owned());
    resolver.consume(field);
    let given = value.as_deref().is_some_and(is_yes);
    if !given && form.consent_required {
        return Err(format!("required: {field:?} was not checked"));
    }
    let mut record = json!({ "given": given, "field": field, "value": value.unwrap_or_default() });
    if let Some(text) = &form.consent_text {
        record["text"] = Value::String(text.clone());
    }
    if given && !meta.received_at.is_empty() {
        record["at"] = Value::String(meta.received_at.clone());
    }
    Ok(Some(record))
}
