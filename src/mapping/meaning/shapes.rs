//! What values look like: an e-mail address, a phone number, a person's name,
//! a date.

use super::super::field::LeadField;
use crate::domain::Email;

/// How well a value fits a lead field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Fit {
    /// It cannot be that field's value (a phone label holding `mornings`).
    No,
    /// It may be.
    Plausible,
    /// It has that field's shape (a valid e-mail address, a phone number).
    Typical,
}

/// How `value` fits `field`, for inputs whose label names the field.
pub(crate) fn fit(field: LeadField, value: &str) -> Fit {
    let value = value.trim();
    let has_at = value.contains('@');
    let typical_or = |typical: bool, plausible: bool| match (typical, plausible) {
        (true, _) => Fit::Typical,
        (false, true) => Fit::Plausible,
        _ => Fit::No,
    };
    match field {
        LeadField::Email => typical_or(looks_like_email(value), has_at),
        LeadField::ContactNo => {
            let digits = value.bytes().filter(u8::is_ascii_digit).count();
            typical_or(looks_like_phone(value), digits >= 5 && !has_at)
        }
        LeadField::Website => typical_or(
            value.starts_with("http") || value.starts_with("www."),
            value.contains('.') && !value.contains(char::is_whitespace) && !has_at,
        ),
        LeadField::ZipCode => typical_or(false, value.chars().count() <= 12),
        LeadField::FirstName
        | LeadField::LastName
        | LeadField::FullName
        | LeadField::State
        | LeadField::Country => typical_or(
            false,
            !has_at
                && !value.contains(|c: char| c.is_ascii_digit())
                && value.chars().count() <= 100,
        ),
        LeadField::City => typical_or(false, !has_at && value.chars().count() <= 100),
        LeadField::Address => typical_or(false, !has_at && value.chars().count() <= 500),
        LeadField::CompanyName => typical_or(false, !has_at),
        LeadField::LeadValue | LeadField::Notes => Fit::Plausible,
        LeadField::Status | LeadField::Source => Fit::No,
    }
}

/// Whether a value reads as an e-mail address.
pub(crate) fn looks_like_email(value: &str) -> bool {
    value.contains('@') && Email::parse(value).is_ok()
}

/// Whether a value reads as a phone number: 7–15 digits and only `+ ( ) - . /`
/// and spaces, and not a date.
pub(crate) fn looks_like_phone(value: &str) -> bool {
    let value = value.trim();
    let digits = value.bytes().filter(u8::is_ascii_digit).count();
    (7..=15).contains(&digits)
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | '(' | ')' | '-' | '.' | '/' | ' '))
        && !looks_like_date(value)
}

/// A phone number under a key that says nothing: a phone shape that is not
/// a bare run of digits an ID or Unix time could be (`1714650000`).
pub(crate) fn looks_like_phone_by_itself(value: &str) -> bool {
    let value = value.trim();
    if !looks_like_phone(value) {
        return false;
    }
    let bare = value.bytes().all(|b| b.is_ascii_digit());
    let unix_time = bare && matches!(value.len(), 10 | 13) && value.starts_with('1');
    !unix_time
}

/// `2024-05-02`, `05/02/2024`, `2.5.2024`, with or without a time after it:
/// three numbers, the first or last of four digits (a year), the others of
/// one or two.
pub(crate) fn looks_like_date(value: &str) -> bool {
    let date = value.split([' ', 'T']).next().unwrap_or_default();
    let parts: Vec<&str> = date.split(['-', '/', '.']).collect();
    let number = |p: &str, len: std::ops::RangeInclusive<usize>| {
        len.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    match parts.as_slice() {
        [a, b, c] => {
            (number(a, 4..=4) && number(b, 1..=2) && number(c, 1..=2))
                || (number(a, 1..=2) && number(b, 1..=2) && number(c, 4..=4))
        }
        _ => false,
    }
}

/// Words that do not occur in a person's name, but do in short answers.
const NOT_IN_NAMES: &[&str] = &[
    "a",
    "an",
    "the",
    "and",
    "or",
    "of",
    "for",
    "to",
    "in",
    "on",
    "with",
    "is",
    "are",
    "i",
    "we",
    "my",
    "our",
    "you",
    "your",
    "need",
    "want",
    "please",
    "yes",
    "no",
    "not",
    "new",
    "web",
    "website",
    "design",
    "seo",
    "marketing",
    "et",
    "und",
    "y",
    "est",
    "ist",
    "es",
    "il",
    "een",
    "het",
    "pour",
    "para",
    "per",
    "fur",
    "voor",
];

/// Two to four words of letters (`Jane Doe`, `María José García`, `O'Neil`),
/// none of them a word names do not have.
pub(crate) fn looks_like_person_name(value: &str) -> bool {
    let words: Vec<&str> = value.split_whitespace().collect();
    (2..=4).contains(&words.len())
        && value.chars().count() <= 60
        && words.iter().all(|word| {
            word.chars().next().is_some_and(char::is_alphabetic)
                && word
                    .chars()
                    .all(|c| c.is_alphabetic() || matches!(c, '\'' | '’' | '-' | '.'))
                && !NOT_IN_NAMES.contains(&word.to_lowercase().as_str())
        })
}
