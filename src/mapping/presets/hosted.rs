//! Hosted senders: Netlify Forms' outgoing webhook and Calendly's
//! `invitee.created` webhook.

use std::borrow::Cow;

use serde_json::Value;

use super::text_of;
use crate::{
    intake::Submission,
    mapping::{field::LeadField, input::Prepared},
};

/// What Netlify adds to `data` beside the form's inputs: evidence, not lead data.
const NETLIFY_REQUEST_KEYS: &[&str] = &["ip", "user_agent"];

/// Netlify Forms' outgoing webhook: the submission object, whose `data` holds
/// the inputs by name (labelled by `ordered_human_fields[].title`) and the
/// page it came from as `referrer`. The top-level `name`, `email`, `summary`,
/// `body` … repeat `data` and are not read.
pub(crate) fn netlify(submission: &Submission) -> Prepared<'_> {
    let Some(Value::Object(data)) = submission.json_path("data") else {
        return Prepared::from_fields(submission);
    };
    let titles: Vec<(&str, &str)> = submission
        .json_path("ordered_human_fields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|field| {
            let name = field.get("name")?.as_str()?;
            let title = field.get("title")?.as_str()?;
            Some((name, title))
        })
        .collect();
    let mut prepared = Prepared::default();
    for (name, value) in data {
        let Some(text) = text_of(value) else {
            continue;
        };
        match name.as_str() {
            key if NETLIFY_REQUEST_KEYS.contains(&key) => {}
            "referrer" => prepared.input("page_url", Some(Cow::Borrowed(name.as_str())), text),
            _ => {
                let title = titles
                    .iter()
                    .find(|(input, _)| input == name)
                    .map_or(name.as_str(), |(_, title)| title);
                prepared.input(title, Some(Cow::Borrowed(name.as_str())), text);
            }
        }
    }
    prepared
}

/// Calendly's `invitee.created` webhook: the invitee under `payload` (their
/// e-mail, name, the phone for text reminders), the booking questions and
/// answers, the UTM parameters of the booking page, and the event booked (into
/// the notes). The host (`scheduled_event.event_memberships`) is never read:
/// their e-mail address is not the lead's.
pub(crate) fn calendly(submission: &Submission) -> Prepared<'_> {
    let Some(invitee) = submission.json_path("payload").filter(|p| p.is_object()) else {
        return Prepared::from_fields(submission);
    };
    let text = |key: &str| invitee.get(key).and_then(text_of);
    let mut prepared = Prepared::default();
    if let Some(email) = text("email") {
        prepared.direct(LeadField::Email, email, "payload.email (invitee)");
    }
    match (text("first_name"), text("last_name")) {
        (None, None) => {
            if let Some(name) = text("name") {
                prepared.direct(LeadField::FullName, name, "payload.name (invitee)");
            }
        }
        (first, last) => {
            if let Some(first) = first {
                prepared.direct(LeadField::FirstName, first, "payload.first_name");
            }
            if let Some(last) = last {
                prepared.direct(LeadField::LastName, last, "payload.last_name");
            }
        }
    }
    if let Some(phone) = text("text_reminder_number") {
        prepared.direct(LeadField::ContactNo, phone, "payload.text_reminder_number");
    }
    for answer in invitee
        .get("questions_and_answers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let question = answer.get("question").and_then(Value::as_str);
        if let (Some(question), Some(value)) = (question, answer.get("answer").and_then(text_of)) {
            prepared.input(question, None, value);
        }
    }
    if let Some(Value::Object(tracking)) = invitee.get("tracking") {
        for (key, value) in tracking {
            if let Some(value) = text_of(value) {
                prepared.input(key.as_str(), None, value);
            }
        }
    }
    let event = invitee.get("scheduled_event");
    for (label, key) in [("Event", "name"), ("Event start", "start_time")] {
        if let Some(value) = event.and_then(|e| e.get(key)).and_then(text_of) {
            prepared.input(label, None, value);
        }
    }
    if let Some(timezone) = text("timezone") {
        prepared.input("Time zone", None, timezone);
    }
    prepared
}
