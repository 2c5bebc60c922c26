use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

/// A syntactically valid e-mail address, trimmed.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

/// Why a value is not an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was given.
    #[error("is empty")]
    Empty,
    /// Something was given, but it is not an address.
    #[error("{0:?} is not a valid e-mail address")]
    Invalid(String),
}

impl Email {
    /// Trims and validates an address (`mailto:` prefixes are dropped).
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim();
        let trimmed = trimmed
            .strip_prefix("mailto:")
            .unwrap_or(trimmed)
            .trim_matches(|c: char| c == '<' || c == '>' || c.is_whitespace());
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        let shown: String = raw.trim().chars().take(80).collect();
        if trimmed.len() > 254 || !trimmed.contains('.') || trimmed.chars().any(is_invisible) {
            return Err(EmailError::Invalid(shown));
        }
        match email_address::EmailAddress::from_str(trimmed) {
            Ok(_) => Ok(Self(trimmed.to_owned())),
            Err(_) => Err(EmailError::Invalid(shown)),
        }
    }

    /// The address as given (trimmed).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The address lower-cased, for comparisons and deduplication.
    pub(crate) fn normalized(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A character no one can type into an address field and see: a control
/// character, a replacement mark left by bytes that were not UTF-8, or a
/// direction or zero-width format character (which can make an address read as
/// another).
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{FFFD}'
                | '\u{200B}'..='\u{200F}'
                | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(value: Email) -> Self {
        value.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_invisible_and_replaced_characters() {
        for raw in [
            "ja\u{FFFD}ne@example.com",
            "jane@exa\u{202E}moc.elpmaxe",
            "ja\u{200B}ne@example.com",
            "jane\u{0007}@example.com",
        ] {
            assert!(
                matches!(Email::parse(raw), Err(EmailError::Invalid(_))),
                "{raw:?}"
            );
        }
        assert!(Email::parse("jürgen@bücher.example").is_ok());
    }

    #[test]
    fn accepts_and_trims_real_addresses() {
        assert_eq!(
            Email::parse("  jane@example.com ").unwrap().as_str(),
            "jane@example.com"
        );
        assert_eq!(
            Email::parse("mailto:Jo.Doe+x@Example.co.uk")
                .unwrap()
                .as_str(),
            "Jo.Doe+x@Example.co.uk"
        );
        assert_eq!(Email::parse("A@B.io").unwrap().normalized(), "a@b.io");
    }

    #[test]
    fn refuses_what_is_not_an_address() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        for bad in [
            "jane",
            "jane@",
            "@example.com",
            "jane@localhost",
            "a b@example.com",
            "jane@@example.com",
        ] {
            assert!(
                matches!(Email::parse(bad), Err(EmailError::Invalid(_))),
                "{bad} accepted"
            );
        }
    }
}
