//! Spam verdicts. A spam submission is answered like a success (bots learn
//! nothing), stored as `spam`, never forwarded, and releasable.

use crate::{config::FormSettings, intake::Submission};

/// Why a submission was judged spam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpamVerdict {
    /// The honeypot input was filled.
    Honeypot(String),
}

impl SpamVerdict {
    /// A short reason, stored with the lead.
    pub fn reason(&self) -> String {
        match self {
            Self::Honeypot(field) => format!("honeypot field {field:?} was filled"),
        }
    }
}

/// Judges a submission; `None` means not spam.
pub fn judge(form: &FormSettings, submission: &Submission) -> Option<SpamVerdict> {
    let honeypot = form.honeypot.as_deref()?;
    submission
        .fields
        .iter()
        .any(|(key, value)| key == honeypot && !value.trim().is_empty())
        .then(|| SpamVerdict::Honeypot(honeypot.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(fields: &[(&str, &str)]) -> Submission {
        Submission {
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            json: None,
        }
    }

    #[test]
    fn filled_honeypot_is_spam() {
        let form = FormSettings {
            honeypot: Some("_gotcha".into()),
            ..FormSettings::default()
        };
        assert!(judge(&form, &submission(&[("email", "a@b.co"), ("_gotcha", "x")])).is_some());
        assert!(judge(&form, &submission(&[("email", "a@b.co"), ("_gotcha", " ")])).is_none());
        assert!(judge(&FormSettings::default(), &submission(&[("_gotcha", "x")])).is_none());
    }
}
