//! The limit-checking collector every body parser pushes its fields into.

use super::{parse::shorten, IntakeError, Limits};

/// Collects `(name, value)` pairs, enforcing [`Limits`].
#[derive(Debug)]
pub(crate) struct FieldSink {
    fields: Vec<(String, String)>,
    limits: Limits,
}

impl FieldSink {
    /// An empty collector.
    pub(crate) fn new(limits: Limits) -> Self {
        Self {
            fields: Vec::new(),
            limits,
        }
    }

    /// Adds one field, or fails when a limit is crossed.
    pub(crate) fn push(&mut self, name: String, value: String) -> Result<(), IntakeError> {
        if self.fields.len() >= self.limits.max_fields {
            return Err(IntakeError::TooManyFields {
                max: self.limits.max_fields,
            });
        }
        if name.len() > self.limits.max_field_bytes || value.len() > self.limits.max_field_bytes {
            return Err(IntakeError::FieldTooLong {
                name: shorten(&name, 64),
                max: self.limits.max_field_bytes,
            });
        }
        self.fields.push((name, value));
        Ok(())
    }

    /// The fields collected, in order.
    pub(crate) fn into_fields(self) -> Vec<(String, String)> {
        self.fields
    }
}
