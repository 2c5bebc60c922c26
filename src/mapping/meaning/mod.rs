//! Matching by meaning: what an input is when its name is not in the exact
//! alias table. Behind the form's `fields` (which always win), the preset and
//! the exact aliases (which win next), in this order:
//!
//! 1. the name without its decorations is an alias (`Email 2`, `Phone*`,
//!    `No Label email`);
//! 2. its words name a field (`What is your first name?`, `Owner Email*`,
//!    `Prénom`, `Correo electrónico`, `Telefonnummer`), when the value fits
//!    that field (an e-mail label holds an `@`, a phone label digits); a
//!    telling word beats a generic one (`Name of your company` is a company);
//! 3. last, for keys that say nothing, the values' shapes (see [`Shape`]).
//!
//! The rules are data ([`words::PHRASES`], [`words::BLOCKERS`]); each guess
//! carries the rule that made it, for `leadrelay map` to say.

mod shapes;
#[cfg(test)]
mod tests;
mod words;

use std::{fmt, sync::LazyLock};

use shapes::fit;
pub(crate) use shapes::{
    looks_like_email, looks_like_person_name, looks_like_phone, looks_like_phone_by_itself, Fit,
};
use words::{Strength, BLOCKERS, PHRASES};

use super::{aliases, field::LeadField, label::Label};

/// What a guess rests on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rule {
    /// The name, its decorations dropped, is an alias (`Email 2` → `email`).
    Cleaned(String),
    /// The name contains this phrase.
    Words(&'static str),
    /// The value's shape, under a key that says nothing.
    Shape(Shape),
}

/// Shapes read when keys say nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// The one value of the submission that is an e-mail address.
    LoneEmail,
    /// A phone number.
    Phone,
    /// Two to four words of letters: a person's name.
    PersonName,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Cleaned(alias) => write!(f, "its name reads {alias:?} without decorations"),
            Self::Words(phrase) => write!(f, "its name contains {:?}", phrase.replace('*', "")),
            Self::Shape(Shape::LoneEmail) => {
                f.write_str("the only e-mail address among the values")
            }
            Self::Shape(Shape::Phone) => {
                f.write_str("a phone number under a key that says nothing")
            }
            Self::Shape(Shape::PersonName) => {
                f.write_str("a person's name under a key that says nothing")
            }
        }
    }
}

/// A lead field an input was guessed to hold, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Guess {
    /// The field.
    pub(crate) field: LeadField,
    /// The rule that matched.
    pub(crate) rule: Rule,
    /// How well the value fits the field.
    pub(crate) fit: Fit,
}

/// What an input without an exact alias means, read once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Meaning {
    /// The field its name (or alternative name) points to, if any.
    pub(crate) guess: Option<Guess>,
    /// Whether its key says nothing (`3`, `field_7`): values' shapes may speak.
    pub(crate) silent: bool,
    /// Whether its name names an e-mail input, whatever its value.
    pub(crate) names_email: bool,
}

/// Reads an input's name (then its alternative name) and value.
pub(crate) fn read(name: &str, alt: Option<&str>, value: &str) -> Meaning {
    let mut meaning = read_name(name, value);
    if meaning.guess.is_none() {
        if let Some(alt) = alt {
            let alt_meaning = read_name(alt, value);
            meaning.guess = alt_meaning.guess;
            meaning.names_email |= alt_meaning.names_email;
            meaning.silent &= alt_meaning.silent;
        }
    }
    meaning
}

/// A path into a list (`fields.0.name`, `items[2][label]`; a label has
/// spaces, a path none): its words are the list's own keys, not a label (as in the alias table, which skips such
/// paths too).
fn is_indexed_path(name: &str) -> bool {
    if name.contains(char::is_whitespace) {
        return false;
    }
    let mut segments = name.split(['.', '[', ']']).filter(|s| !s.is_empty());
    let first = segments.next();
    let mut rest = segments.peekable();
    rest.peek().is_some()
        && first
            .into_iter()
            .chain(rest)
            .any(|s| s.bytes().all(|b| b.is_ascii_digit()))
}

fn read_name(name: &str, value: &str) -> Meaning {
    if is_indexed_path(name) {
        return Meaning {
            guess: None,
            silent: Label::is_silent_name(name),
            names_email: false,
        };
    }
    read_label(&Label::parse(name), value)
}

fn read_label(label: &Label, value: &str) -> Meaning {
    if label.has_only_generic_words() {
        return Meaning {
            guess: None,
            silent: label.is_silent(),
            names_email: false,
        };
    }
    let joined = label.joined();
    let cleaned = aliases::lookup(&joined).map(|field| (field, Rule::Cleaned(joined)));
    let candidates = phrase_matches(label.words());
    let names_email = matches!(cleaned, Some((LeadField::Email, _)))
        || candidates.iter().any(|m| m.field == LeadField::Email);
    let guess = match cleaned {
        Some((field, rule)) => Some(Guess {
            field,
            rule,
            fit: fit(field, value),
        })
        .filter(|g| g.fit > Fit::No),
        None => best_match(&candidates, value),
    };
    Meaning {
        guess,
        silent: label.is_silent(),
        names_email,
    }
}

/// A phrase found in a label.
#[derive(Debug, Clone, Copy)]
struct PhraseMatch {
    field: LeadField,
    phrase: &'static str,
    strength: Strength,
    words: usize,
    at: usize,
}

/// A phrase of [`PHRASES`], split into its words once.
struct CompiledPhrase {
    field: LeadField,
    text: &'static str,
    strength: Strength,
    /// Its words; one ending in `*` is a stem.
    words: Vec<&'static str>,
}

/// The phrases, and where to find them by a label's word: exact first words
/// sorted for a binary search, stems (`telefo*`) apart.
struct PhraseIndex {
    phrases: Vec<CompiledPhrase>,
    by_first_word: Vec<(&'static str, usize)>,
    by_stem: Vec<(&'static str, usize)>,
}

static INDEX: LazyLock<PhraseIndex> = LazyLock::new(|| {
    let mut index = PhraseIndex {
        phrases: Vec::with_capacity(PHRASES.len()),
        by_first_word: Vec::new(),
        by_stem: Vec::new(),
    };
    for (at, &(field, text, strength)) in PHRASES.iter().enumerate() {
        let words: Vec<&'static str> = text.split(' ').collect();
        match words[0].strip_suffix('*') {
            Some(stem) => index.by_stem.push((stem, at)),
            None => index.by_first_word.push((words[0], at)),
        }
        index.phrases.push(CompiledPhrase {
            field,
            text,
            strength,
            words,
        });
    }
    index.by_first_word.sort_unstable();
    index
});

/// Every phrase the words contain, skipping fields a blocker word rules out.
fn phrase_matches(words: &[String]) -> Vec<PhraseMatch> {
    let index = &*INDEX;
    let mut found = Vec::new();
    for (at, word) in words.iter().enumerate() {
        let word = word.as_str();
        let first = index.by_first_word.partition_point(|(w, _)| *w < word);
        let exact = index.by_first_word[first..]
            .iter()
            .take_while(|(w, _)| *w == word);
        let stems = index
            .by_stem
            .iter()
            .filter(|(stem, _)| word.starts_with(stem));
        for &(_, phrase) in exact.chain(stems) {
            let phrase = &index.phrases[phrase];
            if phrase_at(&phrase.words, &words[at..]) {
                found.push(PhraseMatch {
                    field: phrase.field,
                    phrase: phrase.text,
                    strength: phrase.strength,
                    words: phrase.words.len(),
                    at,
                });
            }
        }
    }
    found.retain(|m| !is_blocked(m.field, words));
    found
}

/// Whether `phrase` is at the start of `words`.
fn phrase_at(phrase: &[&str], words: &[String]) -> bool {
    phrase.len() <= words.len()
        && phrase
            .iter()
            .zip(words)
            .all(|(wanted, word)| match wanted.strip_suffix('*') {
                Some(stem) => word.starts_with(stem),
                None => word == wanted,
            })
}

fn is_blocked(field: LeadField, words: &[String]) -> bool {
    BLOCKERS
        .iter()
        .filter(|(blocked, _)| *blocked == field)
        .any(|(_, blockers)| words.iter().any(|w| blockers.contains(&w.as_str())))
}

/// The best phrase whose field the value fits: the better fit, then the
/// stronger phrase, then the longer, then the later one in the label (the
/// head noun of an English label comes last: `Company phone`).
fn best_match(candidates: &[PhraseMatch], value: &str) -> Option<Guess> {
    candidates
        .iter()
        .filter_map(|m| {
            let fit = fit(m.field, value);
            let enough = match m.strength {
                Strength::Strong => fit > Fit::No,
                Strength::Weak => fit >= best_fit(m.field),
            };
            enough.then_some((m, fit))
        })
        .max_by_key(|(m, fit)| (*fit, m.strength, m.words, m.at))
        .map(|(m, fit)| Guess {
            field: m.field,
            rule: Rule::Words(m.phrase),
            fit,
        })
}

/// The best fit a value can have for a field: fields with a shape of their
/// own (e-mail, phone, website) ask a generic word for that shape.
fn best_fit(field: LeadField) -> Fit {
    match field {
        LeadField::Email | LeadField::ContactNo | LeadField::Website => Fit::Typical,
        _ => Fit::Plausible,
    }
}
