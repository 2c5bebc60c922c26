use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::json::value_text;

/// One submission as received: the fields in their original order (repeated
/// keys kept), and the JSON document when the body was JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Submission {
    /// `(name, value)` pairs; nested JSON objects appear under dotted names.
    pub(crate) fields: Vec<(String, String)>,
    /// The parsed JSON body, for path look-ups.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) json: Option<serde_json::Value>,
}

impl Submission {
    /// The first value of a field: the literal name first, then as a dotted path
    /// into the JSON body (string values only; see [`Submission::value`] for all).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        if let Some(literal) = self.literal_json_key(name).and_then(Value::as_str) {
            return Some(literal);
        }
        self.fields
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .or_else(|| self.json_path(name).and_then(Value::as_str))
    }

    /// Every value of a field, in order (repeated keys of urlencoded and multipart bodies).
    /// A submission of these form fields (for unit tests).
    #[cfg(test)]
    pub(crate) fn from_fields(fields: &[(&str, &str)]) -> Self {
        Self {
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect(),
            json: None,
        }
    }

    #[cfg(test)]
    pub(crate) fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.fields
            .iter()
            .filter(move |(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    /// The first value of a field, read the widest way: the literal name, then a
    /// dotted path into the JSON body (numbers and booleans as text, arrays joined
    /// with `, `), then a path into a field whose value is itself a JSON document
    /// (Jotform's `rawRequest.q3_name.first`).
    pub(crate) fn value(&self, name: &str) -> Option<Cow<'_, str>> {
        if let Some(literal) = self.literal_json_key(name).and_then(text_of) {
            return Some(literal);
        }
        if let Some(value) = self.fields.iter().find(|(key, _)| key == name) {
            return Some(Cow::Borrowed(value.1.as_str()));
        }
        if let Some(value) = self.json_path(name) {
            return text_of(value);
        }
        self.embedded_json_path(name)
    }

    /// The body's own top-level key `name` when it is dotted: a literal dotted
    /// key beats the path it looks like, wherever either stands in the document
    /// (flattening gives both the same name).
    fn literal_json_key(&self, name: &str) -> Option<&Value> {
        if !name.contains('.') {
            return None;
        }
        self.json.as_ref()?.as_object()?.get(name)
    }

    /// The JSON value at a dotted path (`a.b.0.c`) of the body, descending into
    /// strings that are themselves JSON documents.
    pub(crate) fn json_path(&self, path: &str) -> Option<&Value> {
        let mut current = self.json.as_ref()?;
        for segment in path.split('.') {
            current = match current {
                Value::Object(map) => map.get(segment)?,
                Value::Array(items) => items.get(segment.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(current)
    }

    /// `field.rest.of.path` where `field` (possibly dotted itself) holds a JSON document.
    fn embedded_json_path(&self, path: &str) -> Option<Cow<'_, str>> {
        let splits = path.match_indices('.').map(|(at, _)| at);
        for at in splits {
            let (field, rest) = (&path[..at], &path[at + 1..]);
            let Some((_, raw)) = self.fields.iter().find(|(key, _)| key == field) else {
                continue;
            };
            let raw = raw.trim_start();
            if !(raw.starts_with('{') || raw.starts_with('[')) {
                continue;
            }
            let Ok(document) = serde_json::from_str::<Value>(raw) else {
                continue;
            };
            let inner = Submission {
                fields: Vec::new(),
                json: Some(document),
            };
            return inner
                .json_path(rest)
                .and_then(text_of)
                .map(|text| Cow::Owned(text.into_owned()));
        }
        None
    }
}

fn text_of(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(Cow::Borrowed(text.as_str())),
        other => Some(Cow::Owned(value_text(other))),
    }
}

/// What the request said about its sender, kept with the lead.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SubmissionMeta {
    /// Client IP address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    /// `User-Agent` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// `Referer` header: the page the form was on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referer: Option<String>,
    /// `Origin` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// When it arrived (RFC 3339).
    #[serde(default)]
    pub received_at: String,
}
