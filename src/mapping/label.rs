//! An input's name or label as words, for matching by meaning: lower-cased,
//! without accents, split at punctuation, spaces and camelCase, and without
//! the decorations tools add (a required `*`, a `No Label` prefix, a leading
//! question number, a trailing input number as in `Email 2`). Also whether
//! the name says nothing at all (an ID such as `3`, `field_7`, `x7r2m`).

use std::borrow::Cow;

use unicode_normalization::{char::is_combining_mark, UnicodeNormalization};

/// A label as words (`"\n  Owner E-mail* "` → `owner email`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Label {
    words: Vec<String>,
    silent: bool,
}

impl Label {
    /// Reads a name or label into its words.
    pub(crate) fn parse(name: &str) -> Self {
        let folded = fold(name);
        let mut words: Vec<String> = Vec::new();
        for token in tokens(&folded) {
            split_camel_and_digits(token, &mut words);
        }
        join_e_mail(&mut words);
        strip_decorations(&mut words);
        Self {
            words,
            silent: is_silent(tokens(&folded)),
        }
    }

    /// [`Label::is_silent`] of a name, without reading its words.
    pub(crate) fn is_silent_name(name: &str) -> bool {
        is_silent(tokens(&fold(name)))
    }

    /// The words, in order.
    pub(crate) fn words(&self) -> &[String] {
        &self.words
    }

    /// The words run together (`owner email` → `owneremail`): the form the
    /// exact alias table is keyed by.
    pub(crate) fn joined(&self) -> String {
        self.words.concat()
    }

    /// Whether every word left is a generic one (`Question 3`, `field_7`,
    /// `q12`): such a name names no field, whatever its decorations.
    pub(crate) fn has_only_generic_words(&self) -> bool {
        self.words
            .iter()
            .all(|w| GENERIC_KEY_WORDS.contains(&w.as_str()))
    }

    /// Whether the name says nothing about its value: only numbers, codes
    /// mixing letters and digits, and generic words (`3`, `1.3`, `field_7`,
    /// `q12`, `question_mVGEg3`, `x7r2m`). Names such as `id` or `created_at`
    /// say what they hold, and are not silent.
    pub(crate) fn is_silent(&self) -> bool {
        self.silent
    }
}

/// Words of generic keys that say which input it is, not what it holds.
const GENERIC_KEY_WORDS: &[&str] = &[
    "field", "fields", "input", "inputs", "question", "q", "item", "element", "answer", "answers",
    "entry", "value", "data", "wpforms",
];

/// A name's tokens: split at punctuation and spaces only.
fn tokens(folded: &str) -> impl Iterator<Item = &str> {
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
}

/// Whether a name's tokens are codes and generic words, with at least one code.
fn is_silent<'t>(tokens: impl Iterator<Item = &'t str>) -> bool {
    let mut any_code = false;
    for token in tokens {
        if is_code(token) {
            any_code = true;
        } else if !GENERIC_KEY_WORDS
            .iter()
            .any(|g| g.eq_ignore_ascii_case(token))
        {
            return false;
        }
    }
    any_code
}

/// A number, or a short code with digits in it (`3`, `x7r2m`, `ocfup1`).
fn is_code(token: &str) -> bool {
    let digits = token.bytes().filter(u8::is_ascii_digit).count();
    digits > 0 && (digits == token.len() || token.len() <= 24)
}

/// Drops accents (`Prénom` → `Prenom`, `Straße` → `Strasse`); case is kept
/// for splitting camelCase.
fn fold(name: &str) -> Cow<'_, str> {
    if name.is_ascii() {
        return Cow::Borrowed(name);
    }
    let mut folded = String::with_capacity(name.len());
    for c in name.nfd().filter(|c| !is_combining_mark(*c)) {
        match c {
            'ß' => folded.push_str("ss"),
            'æ' | 'Æ' => folded.push_str("ae"),
            'œ' | 'Œ' => folded.push_str("oe"),
            'ø' | 'Ø' => folded.push('o'),
            'đ' | 'Đ' => folded.push('d'),
            'ł' | 'Ł' => folded.push('l'),
            other => folded.push(other),
        }
    }
    Cow::Owned(folded)
}

/// `ownerEmail` → `owner`, `email`; `Email2` → `email`, `2`; `EMAIL` → `email`.
/// A token with digits inside (`x7r2m`, `mVGEg3`) is a code, kept whole.
fn split_camel_and_digits(token: &str, words: &mut Vec<String>) {
    let letters_end = token.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (head, number) = token.split_at(letters_end);
    if head.bytes().any(|b| b.is_ascii_digit()) {
        words.push(token.to_lowercase());
        return;
    }
    let mut start = 0;
    let mut chars = head.char_indices().peekable();
    let mut before: Option<char> = None;
    while let Some((at, here)) = chars.next() {
        let after = chars.peek().map(|(_, c)| *c);
        if let Some(before) = before {
            let camel = before.is_lowercase() && here.is_uppercase();
            let acronym_end = before.is_uppercase()
                && here.is_uppercase()
                && after.is_some_and(char::is_lowercase);
            if camel || acronym_end {
                words.push(head[start..at].to_lowercase());
                start = at;
            }
        }
        before = Some(here);
    }
    if start < head.len() {
        words.push(head[start..].to_lowercase());
    }
    if !number.is_empty() {
        words.push(number.to_owned());
    }
}

/// `e`, `mail…` → `email…` (`E-Mail`, `e-mailadres`).
fn join_e_mail(words: &mut Vec<String>) {
    let mut at = 0;
    while at + 1 < words.len() {
        if words[at] == "e" && words[at + 1].starts_with("mail") {
            let rest = words.remove(at + 1);
            words[at].push_str(&rest);
        }
        at += 1;
    }
}

/// Drops a `No Label` prefix, leading question numbers (`1.`, `Q3`), and
/// trailing input numbers (`Email 2`), keeping a label that is only a number.
fn strip_decorations(words: &mut Vec<String>) {
    if words.len() > 2 && words[0] == "no" && words[1] == "label" {
        words.drain(..2);
    }
    let is_number = |w: &String| w.bytes().all(|b| b.is_ascii_digit());
    let has_text = words.iter().any(|w| !is_number(w));
    if !has_text {
        return;
    }
    while words.first().is_some_and(is_number) {
        words.remove(0);
    }
    if words.len() > 1 && words[0] == "q" && words.get(1).is_some_and(is_number) {
        words.drain(..2);
    }
    while words
        .last()
        .is_some_and(|w| is_number(w) || REQUIRED_MARKERS.contains(&w.as_str()))
        && words.len() > 1
    {
        words.pop();
    }
}

/// Words forms append to a label to say whether it must be filled.
const REQUIRED_MARKERS: &[&str] = &[
    "required",
    "optional",
    "obligatoire",
    "facultatif",
    "pflichtfeld",
    "obligatorio",
    "obrigatorio",
    "obbligatorio",
    "verplicht",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn words(name: &str) -> Vec<String> {
        Label::parse(name).words().to_vec()
    }

    #[test]
    fn case_accents_punctuation_and_whitespace_go() {
        assert_eq!(words("Prénom"), ["prenom"]);
        assert_eq!(words("Correo electrónico"), ["correo", "electronico"]);
        assert_eq!(words("Straße / Hausnummer"), ["strasse", "hausnummer"]);
        assert_eq!(words("ENDEREÇO DE E-MAIL"), ["endereco", "de", "email"]);
        assert_eq!(words("  Your\tname:  "), ["your", "name"]);
        assert_eq!(words("Téléphone (portable)"), ["telephone", "portable"]);
    }

    #[test]
    fn decorations_are_dropped() {
        assert_eq!(words("\n   Owner Email* "), ["owner", "email"]);
        assert_eq!(words("No Label email"), ["email"]);
        assert_eq!(words("Email 2"), ["email"]);
        assert_eq!(words("email_3"), ["email"]);
        assert_eq!(
            words("1. What is your first name?"),
            ["what", "is", "your", "first", "name"]
        );
        assert_eq!(words("Q3: Phone"), ["phone"]);
        assert_eq!(words("Name (required)"), ["name"]);
        assert_eq!(words("Téléphone (obligatoire)"), ["telephone"]);
        assert_eq!(words("*"), Vec::<String>::new());
        assert!(Label::parse("No Label").words() == ["no", "label"]);
    }

    #[test]
    fn a_label_that_is_only_a_number_keeps_it() {
        assert_eq!(words("3"), ["3"]);
        assert_eq!(words("1.3"), ["1", "3"]);
    }

    #[test]
    fn keys_that_are_ids_say_nothing() {
        for silent in [
            "3",
            "1.3",
            "field_7",
            "q12",
            "question_mVGEg3",
            "x7r2m",
            "ocfup1",
            "wpforms[fields][3]",
        ] {
            assert!(Label::parse(silent).is_silent(), "{silent}");
        }
        for telling in [
            "id",
            "entry_id",
            "created_at",
            "Email 2",
            "name",
            "*",
            "field",
        ] {
            assert!(!Label::parse(telling).is_silent(), "{telling}");
        }
    }

    #[test]
    fn camel_case_and_e_mail_spellings_split_and_join() {
        assert_eq!(words("ownerEmail"), ["owner", "email"]);
        assert_eq!(words("EMAIL_ADDRESS"), ["email", "address"]);
        assert_eq!(words("contactURLField"), ["contact", "url", "field"]);
        assert_eq!(words("E-Mail-Adresse"), ["email", "adresse"]);
        assert_eq!(words("e-mailadres"), ["emailadres"]);
        assert_eq!(words("Email2"), ["email"]);
        assert_eq!(Label::parse("First-Name").joined(), "firstname");
    }
}
