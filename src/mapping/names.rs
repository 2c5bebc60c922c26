//! Person names: splitting a whole name, completing a first or last name from
//! it, and cutting overlong values.

/// Splits a whole name into (first, last): `Jane Mary Doe` → (`Jane Mary`, `Doe`),
/// `Doe, Jane` → (`Jane`, `Doe`), `Cher` → (`Cher`, ``).
fn split_full_name(full: &str) -> (String, String) {
    let full = full.trim();
    if let Some((last, first)) = full.split_once(',') {
        let (first, last) = (first.trim(), last.trim());
        if !first.is_empty() && !last.is_empty() && !first.contains(',') {
            return (collapse(first), collapse(last));
        }
    }
    let words: Vec<&str> = full.split_whitespace().collect();
    match words.split_last() {
        None => (String::new(), String::new()),
        Some((only, [])) => ((*only).to_owned(), String::new()),
        Some((last, rest)) => (rest.join(" "), (*last).to_owned()),
    }
}

/// The first and last names, completed from a whole name: split when both
/// are missing; when one is known, the other is what the whole name adds to it
/// (`Prénom` + `Nom`, `Vorname` + `Name`, `Nombre` + `Apellido`).
pub(crate) fn complete_names(
    first: Option<String>,
    last: Option<String>,
    full: &str,
) -> (Option<String>, Option<String>) {
    let (split_first, split_last) = split_full_name(full);
    let full = full.trim();
    let rest = |known: &str, from_end: bool| -> Option<String> {
        let remaining = if from_end {
            full.strip_suffix(known)
        } else {
            full.strip_prefix(known)
        };
        match remaining.map(str::trim) {
            Some(rest) if !rest.is_empty() => Some(rest.to_owned()),
            Some(_) => None,
            None if !full.contains(char::is_whitespace) => Some(full.to_owned()),
            None => None,
        }
    };
    match (first, last) {
        (None, None) => (Some(split_first), Some(split_last)),
        (None, Some(last)) => {
            let first = rest(&last, true).or(Some(split_first));
            (first.filter(|f| !f.is_empty()), Some(last))
        }
        (Some(first), None) => {
            let last = rest(&first, false).or(Some(split_last));
            (Some(first), last.filter(|l| !l.is_empty()))
        }
        known => known,
    }
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters of `text` (cut at a character boundary, trimmed).
pub(crate) fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].trim_end().to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_names_split_into_first_and_last() {
        let split = |s: &str| {
            let (f, l) = split_full_name(s);
            (f, l)
        };
        assert_eq!(split("Jane Doe"), ("Jane".into(), "Doe".into()));
        assert_eq!(
            split("  Jane  Mary   Doe "),
            ("Jane Mary".into(), "Doe".into())
        );
        assert_eq!(split("Doe, Jane"), ("Jane".into(), "Doe".into()));
        assert_eq!(split("Cher"), ("Cher".into(), String::new()));
        assert_eq!(split(""), (String::new(), String::new()));
        assert_eq!(split("Doe,"), ("Doe,".into(), String::new()));
    }

    #[test]
    fn a_whole_name_completes_the_part_that_is_missing() {
        let complete = |first: Option<&str>, last: Option<&str>, full: &str| {
            complete_names(first.map(Into::into), last.map(Into::into), full)
        };
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            complete(None, None, "Jane Doe"),
            (some("Jane"), some("Doe"))
        );
        assert_eq!(
            complete(some("Jean").as_deref(), None, "Dupont"),
            (some("Jean"), some("Dupont"))
        );
        assert_eq!(
            complete(Some("Jane"), None, "Jane Doe"),
            (some("Jane"), some("Doe"))
        );
        assert_eq!(complete(Some("Jane"), None, "Jane"), (some("Jane"), None));
        assert_eq!(
            complete(None, Some("Rossi"), "Mario"),
            (some("Mario"), some("Rossi"))
        );
        assert_eq!(
            complete(None, Some("García López"), "María García López"),
            (some("María"), some("García López"))
        );
        assert_eq!(
            complete(Some("A"), Some("B"), "C D"),
            (some("A"), some("B"))
        );
    }

    #[test]
    fn truncation_respects_characters() {
        assert_eq!(truncate("héllo", 2), "hé");
        assert_eq!(truncate("ab cd", 3), "ab");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
