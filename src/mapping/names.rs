//! Person names: splitting a whole name, and cutting overlong values.

/// Splits a whole name into (first, last): `Jane Mary Doe` → (`Jane Mary`, `Doe`),
/// `Doe, Jane` → (`Jane`, `Doe`), `Cher` → (`Cher`, ``).
pub fn split_full_name(full: &str) -> (String, String) {
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

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters of `text` (cut at a character boundary, trimmed).
pub fn truncate(text: &str, max: usize) -> String {
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
    fn truncation_respects_characters() {
        assert_eq!(truncate("héllo", 2), "hé");
        assert_eq!(truncate("ab cd", 3), "ab");
        assert_eq!(truncate("abc", 10), "abc");
    }
}
