//! The limit-checking collector every body parser pushes its fields into, and
//! how the inputs a sender sent are counted.
//!
//! `server.max_fields` counts what the sender sent, not what reading it
//! spells out: the sub-keys of one input (`fields[email][value]`,
//! `fields[email][type]`), the values of one multi-choice input, and in JSON
//! the options and keys inside one answer of a list of answers (Tally's
//! `data.fields[]`, Typeform's `answers[]`) count once. Memory stays bounded
//! by the body's size instead: the fields read out of a body take at most
//! [`FLATTENED_BYTES_PER_BODY_BYTE`] times its bytes.

use std::collections::HashSet;

use serde_json::Value;

use super::{parse::shorten, IntakeError, Limits};

/// How many bytes of fields (names, values and their bookkeeping) one byte of
/// body may become once read: deep JSON repeats its keys in every path.
const FLATTENED_BYTES_PER_BODY_BYTE: usize = 16;

/// The smallest allowance, for small bodies with deep paths.
const MIN_FLATTENED_BYTES: usize = 64 * 1024;

/// What one field costs beyond its text.
const FIELD_OVERHEAD: usize = std::mem::size_of::<(String, String)>();

/// Collects `(name, value)` pairs, enforcing [`Limits`] on each and a budget
/// on all of them.
#[derive(Debug)]
pub(crate) struct FieldSink {
    fields: Vec<(String, String)>,
    limits: Limits,
    bytes: usize,
    budget: usize,
}

impl FieldSink {
    /// An empty collector for a body of `body_len` bytes.
    pub(crate) fn new(limits: Limits, body_len: usize) -> Self {
        Self {
            fields: Vec::new(),
            limits,
            bytes: 0,
            budget: (body_len * FLATTENED_BYTES_PER_BODY_BYTE).max(MIN_FLATTENED_BYTES),
        }
    }

    /// Adds one field, or fails when a limit is crossed.
    pub(crate) fn push(&mut self, name: String, value: String) -> Result<(), IntakeError> {
        if name.len() > self.limits.max_field_bytes || value.len() > self.limits.max_field_bytes {
            return Err(IntakeError::FieldTooLong {
                name: shorten(&name, 64),
                max: self.limits.max_field_bytes,
            });
        }
        self.bytes += name.len() + value.len() + FIELD_OVERHEAD;
        if self.bytes > self.budget {
            return Err(IntakeError::Sprawling { max: self.budget });
        }
        self.fields.push((name, value));
        Ok(())
    }

    /// The fields of a form-encoded body, once its inputs are counted.
    pub(crate) fn into_form_fields(self) -> Result<Vec<(String, String)>, IntakeError> {
        let max = self.limits.max_fields;
        if self.fields.len() > max {
            let inputs: HashSet<&str> = self.fields.iter().map(|(n, _)| input_of(n)).collect();
            if inputs.len() > max {
                return Err(IntakeError::TooManyFields { max });
            }
        }
        Ok(self.fields)
    }

    /// The fields of a JSON body, once its answers are counted.
    pub(crate) fn into_json_fields(
        self,
        json: &Value,
    ) -> Result<Vec<(String, String)>, IntakeError> {
        let max = self.limits.max_fields;
        if self.fields.len() > max && answer_count(json) > max {
            return Err(IntakeError::TooManyFields { max });
        }
        Ok(self.fields)
    }
}

/// The input a form field belongs to: `fields[email][value]` → `fields[email]`,
/// `services[]` → `services`; a numbered last part is an input of its own
/// (`wpforms[fields][3]`).
fn input_of(name: &str) -> &str {
    let name = name.strip_suffix("[]").unwrap_or(name);
    let Some(open) = name.rfind('[') else {
        return name;
    };
    let part = name[open + 1..].strip_suffix(']').unwrap_or_default();
    let nested = name[..open].contains('[');
    if nested && !part.is_empty() && !part.bytes().all(|b| b.is_ascii_digit()) {
        &name[..open]
    } else {
        name
    }
}

/// The answers of a JSON document: the entries of its longest list of objects
/// (each one answer, whatever it holds), plus the values outside such lists
/// (an array of plain values is one multi-choice answer).
fn answer_count(json: &Value) -> usize {
    let mut outside = 0;
    let mut longest_list = 0;
    let mut stack = vec![json];
    while let Some(value) = stack.pop() {
        match value {
            Value::Object(map) => stack.extend(map.values()),
            Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_object) => {
                longest_list = longest_list.max(items.len());
            }
            Value::Array(items) if items.iter().any(|i| i.is_object() || i.is_array()) => {
                stack.extend(items);
            }
            Value::Array(items) if items.is_empty() => {}
            Value::Null => {}
            _ => outside += 1,
        }
    }
    outside + longest_list
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sub_keys_of_one_input_are_one_input() {
        assert_eq!(input_of("fields[email][value]"), "fields[email]");
        assert_eq!(input_of("meta[page_url][title]"), "meta[page_url]");
        assert_eq!(input_of("services[]"), "services");
        assert_eq!(input_of("wpforms[fields][3]"), "wpforms[fields][3]");
        assert_eq!(input_of("wpforms[fields][1][first]"), "wpforms[fields][1]");
        assert_eq!(input_of("form_fields[email]"), "form_fields[email]");
        assert_eq!(input_of("email"), "email");
        assert_eq!(input_of("odd]["), "odd][");
    }

    #[test]
    fn a_list_of_answers_counts_its_entries_not_their_keys() {
        let tally = json!({"eventId": "e", "data": {"formId": "f", "fields": [
            {"key": "q1", "label": "A", "type": "MULTIPLE_CHOICE", "value": ["o1"],
             "options": [{"id": "o1", "text": "One"}, {"id": "o2", "text": "Two"}]},
            {"key": "q2", "label": "B", "type": "INPUT_TEXT", "value": "b"},
        ]}});
        assert_eq!(answer_count(&tally), 2 + 2);
        let typeform = json!({"form_response": {
            "definition": {"fields": [{"id": "a"}, {"id": "b"}, {"id": "c"}]},
            "answers": [{"type": "text", "text": "x"}, {"type": "text", "text": "y"}, {"type": "text", "text": "z"}],
            "hidden": {"utm_source": "x"}}});
        assert_eq!(answer_count(&typeform), 3 + 1);
        let plain = json!({"name": "Jane", "email": "j@example.com", "services": ["SEO", "Web"], "none": null});
        assert_eq!(answer_count(&plain), 3);
        assert_eq!(answer_count(&json!({"a": [[1, 2], [3]]})), 2);
    }
}
