//! Why no e-mail address was found, and whether the person who filled the
//! form can fix it (an empty or mistyped address: the form says so) or only
//! the config can (no e-mail input at all, a payload of IDs: the lead is held).

use super::{field::LeadField, meaning::looks_like_email, resolve::Resolver};
use crate::{config::FormSettings, domain::Email, intake::Submission};

/// What is missing, for the `email` entry of the error and the held reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EmailGap {
    /// The one-line message, when it says more than "no valid e-mail address".
    pub(crate) message: Option<String>,
    /// What is wrong with the `email` field.
    pub(crate) problem: String,
    /// Whether the visitor can fix it in the form.
    pub(crate) visitor_can_fix: bool,
}

/// Senders whose webhooks carry only IDs: a key of theirs, and what to do.
const ID_ONLY_SENDERS: &[(&str, &str)] = &[
    (
        "leadgen_id",
        "Facebook Lead Ads sends only the lead's ID (leadgen_id); its answers stay at \
         Facebook, to be fetched from the Graph API, which leadrelay does not do: send \
         the leads through a Zapier, Make or n8n \"Facebook Lead Ads\" trigger, which \
         fetches the answers",
    ),
    (
        "objectId",
        "HubSpot webhooks send only the record's ID (objectId) and what changed: send \
         the contact from a HubSpot workflow's \"Send a webhook\" action instead, which \
         carries its properties",
    ),
];

/// Explains a submission in which no e-mail address was taken.
pub(crate) fn missing_email(resolver: &mut Resolver<'_>, form: &FormSettings) -> EmailGap {
    let configured: Vec<String> = form
        .fields
        .iter()
        .filter(|(key, _)| LeadField::from_config_key(key) == Some(LeadField::Email))
        .flat_map(|(_, sources)| sources.names().iter().cloned())
        .collect();
    if let Some(input) = resolver.untaken_email_input(&configured) {
        let problem = match Email::parse(&input.value) {
            Err(error) => format!("input {:?} {error}", input.name),
            Ok(_) => format!("input {:?} was not read", input.name),
        };
        return EmailGap {
            message: None,
            problem,
            visitor_can_fix: true,
        };
    }
    let names: Vec<&str> = resolver.all_inputs().map(|(name, _)| name).collect();
    if let Some((key, advice)) = ID_ONLY_SENDERS.iter().find(|(key, _)| {
        names
            .iter()
            .any(|name| last_segment(name).eq_ignore_ascii_case(key))
    }) {
        return not_fixable(
            format!("the payload carries only IDs: {advice}"),
            format!("missing: the payload carries only IDs ({key})"),
        );
    }
    let values: Vec<&str> = resolver
        .all_inputs()
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
        .collect();
    if !values.is_empty() && values.iter().all(|value| is_identifier(value)) {
        return not_fixable(
            "the payload carries only IDs, numbers and times: no answers to make a lead of"
                .to_owned(),
            format!(
                "missing: the payload carries only IDs ({})",
                shortened_list(&names)
            ),
        );
    }
    let emails = resolver.unclaimed_email_names();
    if emails.len() > 1 {
        let message = format!(
            "several e-mail addresses (inputs {}) and no input named as the lead's: pin one \
             in the form's fields, email = [\"NAME\"]",
            shortened_list(&emails)
        );
        return not_fixable(message, "ambiguous: several e-mail addresses".to_owned());
    }
    let tried = resolver.tried(LeadField::Email).join(", ");
    EmailGap {
        message: Some("no e-mail input in the submission".to_owned()),
        problem: format!("missing: tried {tried}, labels containing e-mail words, and values"),
        visitor_can_fix: false,
    }
}

/// The first e-mail address among a submission's values, lower-cased, or
/// empty: kept with a lead no member could be made of (held, spam), so that
/// `leads list` shows whose it likely is and erasing that address finds it.
pub(crate) fn email_hint(submission: &Submission) -> String {
    submission
        .fields
        .iter()
        .map(|(_, value)| value.trim())
        .find(|value| looks_like_email(value))
        .and_then(|value| Email::parse(value).ok())
        .map(|email| email.normalized())
        .unwrap_or_default()
}

fn not_fixable(message: String, problem: String) -> EmailGap {
    EmailGap {
        message: Some(message),
        problem,
        visitor_can_fix: false,
    }
}

fn last_segment(name: &str) -> &str {
    name.rsplit(['.', '[', ']'])
        .find(|s| !s.is_empty())
        .unwrap_or(name)
}

/// A number, a code with digits, a time or a flag: nothing a person typed.
fn is_identifier(value: &str) -> bool {
    let value = value.trim();
    matches!(value, "true" | "false")
        || (!value.contains(char::is_whitespace)
            && !value.contains('@')
            && value.chars().count() <= 64
            && value.contains(|c: char| c.is_ascii_digit()))
}

/// `"a", "b", "c"`, and how many more after five.
fn shortened_list<S: AsRef<str>>(names: &[S]) -> String {
    let mut shown: Vec<String> = names
        .iter()
        .take(5)
        .map(|n| format!("{:?}", n.as_ref()))
        .collect();
    if names.len() > 5 {
        shown.push(format!("{} more", names.len() - 5));
    }
    shown.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_told_from_answers() {
        for id in [
            "123",
            "1714650000",
            "true",
            "2024-05-02T10:11:12Z",
            "a4cb511e-d513",
        ] {
            assert!(is_identifier(id), "{id}");
        }
        for answer in ["Jane Doe", "jane@example.com", "page", "Hello there 2", ""] {
            assert!(!is_identifier(answer), "{answer}");
        }
        assert_eq!(
            last_segment("entry.0.changes.0.value.leadgen_id"),
            "leadgen_id"
        );
        assert_eq!(last_segment("fields[email]"), "email");
    }
}
