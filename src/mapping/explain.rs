//! What `leadrelay map` prints: which input fed which lead field, and on
//! failure which names were tried. The member itself is printed by the caller.

use std::fmt;

use super::{resolve::Origin, MappingError, Member};

/// How one lead field was filled, or what was tried for it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldTrace {
    /// The member key (`email`, `firstName`, `name` for the whole name …).
    pub(crate) field: &'static str,
    /// The value taken, when one was found.
    pub(crate) value: Option<String>,
    /// Where it came from (`input "your-email"`, `override "contact.email"` …).
    pub(crate) from: Option<String>,
    /// Names and paths tried, in order.
    pub(crate) tried: Vec<String>,
    /// The input the value was guessed from (by meaning or shape), if it was:
    /// a name to pin in the form's `fields` when the guess is wrong.
    pub(crate) guessed_from: Option<String>,
}

/// The whole story of one mapping.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct MappingExplanation {
    /// The preset the form uses, if any.
    pub(crate) preset: Option<String>,
    /// One entry per lead field that was looked for.
    pub(crate) fields: Vec<FieldTrace>,
    /// Inputs appended to the notes as `name: value` lines.
    pub(crate) into_notes: Vec<String>,
    /// The member, or why none can be made.
    pub(crate) result: Result<Member, MappingError>,
}

impl FieldTrace {
    pub(crate) fn new(
        field: &'static str,
        found: Option<(&str, &Origin<'_>)>,
        tried: &[&str],
    ) -> Self {
        Self {
            field,
            value: found.map(|(value, _)| value.to_owned()),
            from: found.map(|(_, origin)| describe(origin)),
            tried: tried.iter().map(|name| (*name).to_owned()).collect(),
            guessed_from: match found {
                Some((_, Origin::Guess(name, _))) => Some(name.to_string()),
                _ => None,
            },
        }
    }
}

fn describe(origin: &Origin<'_>) -> String {
    match origin {
        Origin::Override(name) => format!("fields override {name:?}"),
        Origin::Constant(key) => format!("constant {key:?}"),
        Origin::Preset(label) => format!("preset: {label}"),
        Origin::Alias(name) => format!("input {name:?}"),
        Origin::Guess(name, rule) => format!("input {name:?} (guessed: {rule})"),
        Origin::FormDefault => "form settings".to_owned(),
    }
}

impl fmt::Display for MappingExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.preset {
            Some(preset) => writeln!(f, "preset: {preset}")?,
            None => writeln!(f, "preset: none (alias table)")?,
        }
        for trace in &self.fields {
            match (&trace.value, &trace.from) {
                (Some(value), Some(from)) => {
                    let shown: String = value.chars().take(60).collect();
                    writeln!(f, "  {:<12} = {shown:?}  <- {from}", trace.field)?;
                }
                _ if trace.tried.is_empty() => writeln!(f, "  {:<12}   (not found)", trace.field)?,
                _ => writeln!(
                    f,
                    "  {:<12}   (not found; tried {})",
                    trace.field,
                    trace.tried.join(", ")
                )?,
            }
        }
        if !self.into_notes.is_empty() {
            writeln!(f, "  into notes: {}", self.into_notes.join(", "))?;
        }
        let guessed: Vec<String> = self
            .fields
            .iter()
            .filter_map(|t| Some(format!("{} = [{:?}]", t.field, t.guessed_from.as_ref()?)))
            .collect();
        if !guessed.is_empty() {
            writeln!(
                f,
                "guessed fields can be pinned in [forms.NAME.fields]: {}",
                guessed.join(", ")
            )?;
        }
        match &self.result {
            Ok(member) => writeln!(f, "a lead can be made for {}", member.email),
            Err(error) => {
                writeln!(f, "no lead can be made: {}", error.message)?;
                for (field, problem) in &error.fields {
                    writeln!(f, "  {field}: {problem}")?;
                }
                Ok(())
            }
        }
    }
}
