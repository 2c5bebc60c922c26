//! Picks each lead field's value: per-form overrides, then constants, then the
//! preset's typed values, then the alias table (whole names before segments),
//! then the meaning of names and values (see `meaning`).

mod guessing;

use std::{borrow::Cow, collections::BTreeMap};

use super::{
    aliases::{examples, normalize, MatchQuality},
    field::LeadField,
    input::{tracking_key, Prepared},
    meaning::{Meaning, Rule},
};
use crate::{config::FormSettings, intake::Submission};

/// Where a lead field's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin<'a> {
    /// A per-form `fields` entry: the input name or path that was present.
    Override(&'a str),
    /// A per-form `constants` entry (its key).
    Constant(&'a str),
    /// A preset read it by the sender's field type or position.
    Preset(Cow<'a, str>),
    /// The alias table matched this input name.
    Alias(Cow<'a, str>),
    /// This input was guessed to hold the field, by this rule.
    Guess(Cow<'a, str>, Rule),
    /// The form's settings (`status`, `source` template).
    FormDefault,
}

/// A chosen value and its origin.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Pick<'a> {
    /// The value, trimmed, never empty.
    pub(crate) value: Cow<'a, str>,
    /// Where it came from.
    pub(crate) origin: Origin<'a>,
}

/// Resolution state: which inputs are used, and which names each field tried.
pub(crate) struct Resolver<'a> {
    submission: &'a Submission,
    form: &'a FormSettings,
    prepared: Prepared<'a>,
    used_inputs: Vec<bool>,
    used_direct: Vec<bool>,
    tried: BTreeMap<LeadField, Vec<&'a str>>,
    /// Each input's meaning, read when first needed (inputs with an exact
    /// alias, used ones and form machinery are never read).
    meanings: Vec<Option<Meaning>>,
    /// Which inputs could ever be guessed (no exact alias, not form
    /// machinery), read when first needed.
    guessable: Vec<bool>,
    /// Set once no input is left that could be guessed: the common case of a
    /// form whose names are all aliases skips guessing from then on.
    nothing_to_guess: bool,
    /// The fields found so far, one bit each.
    found: u32,
}

impl<'a> Resolver<'a> {
    /// Starts resolving a prepared submission for a form.
    pub(crate) fn new(
        submission: &'a Submission,
        form: &'a FormSettings,
        prepared: Prepared<'a>,
    ) -> Self {
        Self {
            submission,
            form,
            used_inputs: vec![false; prepared.inputs.len()],
            used_direct: vec![false; prepared.direct.len()],
            meanings: Vec::new(),
            guessable: Vec::new(),
            nothing_to_guess: false,
            prepared,
            tried: BTreeMap::new(),
            found: 0,
        }
    }

    /// The value of a lead field, taking (marking used) the input it came from.
    pub(crate) fn pick(&mut self, field: LeadField) -> Option<Pick<'a>> {
        let pick = self.pick_any(field);
        if pick.is_some() {
            self.found |= 1 << field as u32;
        }
        pick
    }

    fn pick_any(&mut self, field: LeadField) -> Option<Pick<'a>> {
        let form = self.form;
        for (key, sources) in &form.fields {
            if LeadField::from_config_key(key) != Some(field) {
                continue;
            }
            for name in sources.names() {
                self.tried.entry(field).or_default().push(name.as_str());
                if let Some(value) = self.lookup(name) {
                    return Some(Pick {
                        value,
                        origin: Origin::Override(name),
                    });
                }
            }
        }
        for (key, value) in &form.constants {
            if LeadField::from_config_key(key) == Some(field) {
                if let Some(value) = non_empty(Cow::Owned(constant_text(value))) {
                    return Some(Pick {
                        value,
                        origin: Origin::Constant(key),
                    });
                }
            }
        }
        if !field.fillable_from_inputs() {
            return None;
        }
        self.tried.entry(field).or_default().extend(examples(field));
        if let Some(pick) = self.pick_direct(field) {
            return Some(pick);
        }
        self.pick_alias(field, MatchQuality::Whole)
            .or_else(|| self.pick_alias(field, MatchQuality::Segment))
            .or_else(|| self.pick_guessed(field))
    }

    fn pick_direct(&mut self, field: LeadField) -> Option<Pick<'a>> {
        for (index, direct) in self.prepared.direct.iter().enumerate() {
            if self.used_direct[index] || direct.field != field {
                continue;
            }
            if let Some(value) = non_empty(direct.value.clone()) {
                self.used_direct[index] = true;
                return Some(Pick {
                    value,
                    origin: Origin::Preset(direct.label.clone()),
                });
            }
        }
        None
    }

    fn pick_alias(&mut self, field: LeadField, quality: MatchQuality) -> Option<Pick<'a>> {
        for (index, input) in self.prepared.inputs.iter().enumerate() {
            if self.used_inputs[index] || input.alias != Some((field, quality)) {
                continue;
            }
            if let Some(value) = non_empty(input.value.clone()) {
                self.used_inputs[index] = true;
                return Some(Pick {
                    value,
                    origin: Origin::Alias(input.name.clone()),
                });
            }
        }
        None
    }

    /// A configured input name or path: the submission (literal, then path, then
    /// a path into a JSON-valued field), else a preset input by name or label.
    pub(crate) fn lookup(&mut self, name: &str) -> Option<Cow<'a, str>> {
        if let Some(value) = self.submission.value(name).and_then(non_empty) {
            self.mark_used(|input_name| input_name == name);
            return Some(value);
        }
        let normalized = normalize(name);
        let found = self
            .prepared
            .inputs
            .iter()
            .enumerate()
            .find(|(index, input)| {
                !self.used_inputs[*index]
                    && !input.value.trim().is_empty()
                    && (input.is_named(name) || input.normalized == normalized)
            });
        let (index, input) = found?;
        let value = non_empty(input.value.clone());
        self.used_inputs[index] = true;
        value
    }

    /// Like [`Resolver::lookup`], without taking the input (for templates).
    pub(crate) fn peek(&self, name: &str) -> Option<Cow<'a, str>> {
        if let Some(value) = self.submission.value(name).and_then(non_empty) {
            return Some(value);
        }
        self.prepared
            .inputs
            .iter()
            .find(|input| input.is_named(name))
            .and_then(|input| non_empty(input.value.clone()))
    }

    fn mark_used(&mut self, matches: impl Fn(&str) -> bool) {
        for (index, input) in self.prepared.inputs.iter().enumerate() {
            if matches(&input.name) || input.alt.as_deref().is_some_and(&matches) {
                self.used_inputs[index] = true;
            }
        }
    }

    /// Marks the inputs called `name` used (the consent field, the honeypot).
    pub(crate) fn consume(&mut self, name: &str) {
        self.mark_used(|input_name| input_name == name);
    }

    /// The names tried for a field, in order.
    pub(crate) fn tried(&self, field: LeadField) -> &[&'a str] {
        self.tried.get(&field).map_or(&[], Vec::as_slice)
    }

    /// Tracking parameters (`utm_source` → `source`), first value of each.
    pub(crate) fn tracking(&mut self) -> BTreeMap<String, String> {
        let mut tracking = BTreeMap::new();
        for (index, input) in self.prepared.inputs.iter().enumerate() {
            let Some(key) = tracking_key(&input.name) else {
                continue;
            };
            self.used_inputs[index] = true;
            let value = input.value.trim();
            if !value.is_empty() {
                tracking.entry(key).or_insert_with(|| value.to_owned());
            }
        }
        tracking
    }

    /// Unused, non-empty inputs and typed values, for the notes: `(name, value)`.
    pub(crate) fn leftovers(&self) -> Vec<(&str, &str)> {
        let honeypot = self.form.honeypot.as_deref();
        let inputs = self
            .prepared
            .inputs
            .iter()
            .zip(&self.used_inputs)
            .filter(|(input, used)| {
                !**used && !input.is_machinery() && Some(input.name.as_ref()) != honeypot
            })
            .map(|(input, _)| (input.name.as_ref(), input.value.trim()));
        let direct = self
            .prepared
            .direct
            .iter()
            .zip(&self.used_direct)
            .filter(|(_, used)| !**used)
            .map(|(direct, _)| (direct.label.as_ref(), direct.value.trim()));
        inputs
            .chain(direct)
            .filter(|(_, value)| !value.is_empty())
            .collect()
    }
}

/// The value trimmed, or `None` when nothing is left.
fn non_empty(value: Cow<'_, str>) -> Option<Cow<'_, str>> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.len() == value.len() {
        return Some(value);
    }
    Some(match value {
        Cow::Borrowed(text) => Cow::Borrowed(text.trim()),
        Cow::Owned(text) => Cow::Owned(text.trim().to_owned()),
    })
}

/// A constant as text: strings as they are, other JSON values as written.
fn constant_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(text) => text.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}
