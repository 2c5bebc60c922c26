//! JSON bodies: nested objects flattened to dotted names, arrays to index
//! segments, and arrays of `{name|label|key|title|field, value}` objects also
//! read as `name → value` fields.

use serde_json::{Map, Value};

use super::{fields::FieldSink, IntakeError, Limits, Submission};

/// Deepest nesting of a JSON body that is accepted. A stored lead wraps the
/// document in a few levels of its own, and must still read back within the
/// JSON parser's recursion limit (128); no sender nests anywhere near this.
const MAX_JSON_DEPTH: usize = 64;

/// Keys that name a field in an array of `{name, value}` objects, most telling first.
const NAME_KEYS: [&str; 5] = ["name", "label", "title", "field", "key"];

/// Parses a JSON document (object, or array of objects) and flattens it.
pub(crate) fn parse_json(body: &[u8], limits: Limits) -> Result<Submission, IntakeError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(IntakeError::Malformed("empty JSON body".into()));
    }
    let json: Value = serde_json::from_slice(body)
        .map_err(|e| IntakeError::Malformed(format!("invalid JSON: {e}")))?;
    if depth(&json) > MAX_JSON_DEPTH {
        return Err(IntakeError::Malformed(format!(
            "JSON nested deeper than {MAX_JSON_DEPTH} levels"
        )));
    }
    let mut sink = FieldSink::new(limits, body.len());
    match &json {
        Value::Object(_) => flatten(&json, "", &mut sink)?,
        Value::Array(items) if items.iter().all(Value::is_object) => {
            if !push_named_pairs(items, &mut sink)? {
                for item in items {
                    flatten(item, "", &mut sink)?;
                }
            }
        }
        _ => {
            return Err(IntakeError::Malformed(
                "a JSON body must be an object or an array of objects".into(),
            ))
        }
    }
    Ok(Submission {
        fields: sink.into_json_fields(&json)?,
        json: Some(json),
    })
}

/// Flattens `value` under `prefix` without recursion (depth cannot blow the stack).
fn flatten(value: &Value, prefix: &str, sink: &mut FieldSink) -> Result<(), IntakeError> {
    let mut stack: Vec<(String, &Value)> = vec![(prefix.to_owned(), value)];
    while let Some((path, value)) = stack.pop() {
        match value {
            Value::Object(map) => {
                for (key, child) in map.iter().rev() {
                    stack.push((join(&path, key), child));
                }
            }
            Value::Array(items) => {
                if items.iter().all(Value::is_object) {
                    push_named_pairs(items, sink)?;
                }
                for (index, child) in items.iter().enumerate().rev() {
                    stack.push((join(&path, &index.to_string()), child));
                }
            }
            Value::Null => {}
            scalar => {
                if !path.is_empty() {
                    sink.push(path, scalar_text(scalar))?;
                }
            }
        }
    }
    Ok(())
}

/// How deeply `value` nests (a scalar is 0, `{}` or `[]` is 1), without recursion.
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0)];
    while let Some((value, level)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Object(map) => Box::new(map.values()),
            Value::Array(items) => Box::new(items.iter()),
            _ => continue,
        };
        deepest = deepest.max(level + 1);
        stack.extend(children.map(|child| (child, level + 1)));
    }
    deepest
}

/// Pushes `name → value` for each `{name|label|…, value}` object; false when the
/// array is not of that shape (then nothing is pushed).
fn push_named_pairs(items: &[Value], sink: &mut FieldSink) -> Result<bool, IntakeError> {
    let pairs: Option<Vec<(&str, &Value)>> = items
        .iter()
        .map(|item| item.as_object().and_then(named_pair))
        .collect();
    let Some(pairs) = pairs.filter(|p| !p.is_empty()) else {
        return Ok(false);
    };
    for (name, value) in pairs {
        sink.push(name.to_owned(), value_text(value))?;
    }
    Ok(true)
}

fn named_pair(object: &Map<String, Value>) -> Option<(&str, &Value)> {
    let value = object.get("value")?;
    let name = NAME_KEYS
        .iter()
        .find_map(|key| object.get(*key).and_then(Value::as_str))
        .filter(|name| !name.trim().is_empty())?;
    Some((name, value))
}

/// A value as one line of text: scalars as written, arrays of scalars joined with `, `.
pub(crate) fn value_text(value: &Value) -> String {
    match value {
        Value::Array(items) => items
            .iter()
            .filter(|item| !item.is_null())
            .map(value_text)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) => serde_json::to_string(value).unwrap_or_default(),
        scalar => scalar_text(scalar),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}
