//! WordPress form plugins: Contact Form 7, WPForms and Gravity Forms.

use std::borrow::Cow;

use super::{looks_like_email, looks_like_phone, message_among};
use crate::{
    intake::Submission,
    mapping::{field::LeadField, input::Prepared},
};

/// Contact Form 7 (via the common CF7-to-webhook plugins): fields by their
/// form-tag names (`your-name`, `your-email`, `your-tel` …), `_wpcf7*` skipped.
pub(crate) fn contact_form_7(submission: &Submission) -> Prepared<'_> {
    let mut prepared = Prepared::default();
    for (name, value) in &submission.fields {
        if name.starts_with("_wpcf7") {
            continue;
        }
        let label = name.strip_prefix("your-").unwrap_or(name);
        prepared.input(label, Some(Cow::Borrowed(name.as_str())), value.as_str());
    }
    prepared
}

/// Entry bookkeeping WPForms and Gravity Forms send next to the answers.
const ENTRY_KEYS: &[&str] = &[
    "form_id",
    "entry_id",
    "id",
    "date",
    "date_created",
    "date_updated",
    "is_starred",
    "is_read",
    "ip",
    "source_url",
    "post_id",
    "user_agent",
    "status",
    "currency",
    "payment_status",
    "payment_date",
    "payment_amount",
    "payment_method",
    "transaction_id",
    "is_fulfilled",
    "created_by",
    "transaction_type",
    "source_id",
    "entry_url",
    "form_name",
];

/// WPForms (Webhooks / Zapier add-ons): fields by label, the Name field's parts as
/// `Name (First)` / `Name (Last)`; a raw post's `wpforms[fields][N][first|last]` too.
pub(crate) fn wpforms(submission: &Submission) -> Prepared<'_> {
    let mut prepared = Prepared::default();
    for (name, value) in &submission.fields {
        if ENTRY_KEYS.contains(&name.as_str()) || name.starts_with("wpforms[id]") {
            continue;
        }
        let lower = name.to_ascii_lowercase();
        if lower.ends_with("(first)") || lower.ends_with("[first]") {
            prepared.direct(LeadField::FirstName, value.as_str(), name.as_str());
        } else if lower.ends_with("(last)") || lower.ends_with("[last]") {
            prepared.direct(LeadField::LastName, value.as_str(), name.as_str());
        } else if lower.ends_with("(middle)") || lower.ends_with("[middle]") {
            continue;
        } else if looks_like_email(value) && name.starts_with("wpforms[fields]") {
            prepared.direct(LeadField::Email, value.as_str(), name.as_str());
        } else {
            prepared.input(name.as_str(), None, value.as_str());
        }
    }
    prepared
}

/// Gravity Forms (Webhooks add-on, "all fields"): the entry object keyed by
/// field ID. A field with `.3`/`.6` parts (and no `.1`/`.5`) is a Name (first,
/// last); with `.1`…`.6` parts (and no `.7`) an Address (street, line 2, city,
/// state, zip, country); other parts are checkbox choices. Plain IDs are read by their content: the first e-mail address,
/// the first phone number, the longest text as the message. Keys that are not
/// IDs (labels, when the webhook maps them) go through the alias table.
pub(crate) fn gravity_forms(submission: &Submission) -> Prepared<'_> {
    let mut prepared = Prepared::default();
    let mut plain: Vec<(&str, &str)> = Vec::new();
    for (name, value) in &submission.fields {
        if ENTRY_KEYS.contains(&name.as_str()) || value.trim().is_empty() {
            continue;
        }
        let Some((id, part)) = field_id(name) else {
            prepared.input(name.as_str(), None, value.as_str());
            continue;
        };
        match part {
            None => plain.push((name, value)),
            Some(part) => sub_input(&mut prepared, submission, id, part, name, value),
        }
    }
    let mut claimed = [false; 2];
    let message = message_among(plain.iter().map(|(_, v)| *v));
    for (name, value) in plain {
        if !claimed[0] && looks_like_email(value) {
            claimed[0] = true;
            prepared.direct(LeadField::Email, value, format!("field {name} (e-mail)"));
        } else if !claimed[1] && looks_like_phone(value) {
            claimed[1] = true;
            prepared.direct(LeadField::ContactNo, value, format!("field {name} (phone)"));
        } else if message.is_some_and(|m| std::ptr::eq(m, value)) {
            prepared.direct(LeadField::Notes, value, format!("field {name} (text)"));
        } else {
            prepared.input(format!("Field {name}"), Some(Cow::Borrowed(name)), value);
        }
    }
    prepared
}

fn sub_input<'a>(
    prepared: &mut Prepared<'a>,
    submission: &Submission,
    id: &str,
    part: &str,
    name: &'a str,
    value: &'a str,
) {
    let has = |p: &str| {
        let key = format!("{id}.{p}");
        submission.fields.iter().any(|(k, _)| *k == key)
    };
    // Checkbox choices are numbered `.1`, `.2` … too: an address has its six
    // parts and no seventh; a name has no street (`.1`) nor zip (`.5`).
    let is_address = ["1", "3", "5", "6"].into_iter().all(&has) && !has("7");
    let is_name = !has("1") && !has("5");
    let field = match (is_address, part) {
        (false, "3") if is_name => Some(LeadField::FirstName),
        (false, "6") if is_name => Some(LeadField::LastName),
        (false, _) => None,
        (true, "1") => Some(LeadField::Address),
        (true, "3") => Some(LeadField::City),
        (true, "4") => Some(LeadField::State),
        (true, "5") => Some(LeadField::ZipCode),
        (true, "6") => Some(LeadField::Country),
        (true, _) => None,
    };
    match field {
        Some(field) => prepared.direct(field, value, format!("field {name}")),
        None => prepared.input(format!("Field {name}"), Some(Cow::Borrowed(name)), value),
    }
}

/// `3` → (`3`, None); `1.3` → (`1`, Some(`3`)); anything else → None.
fn field_id(name: &str) -> Option<(&str, Option<&str>)> {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match name.split_once('.') {
        None if digits(name) => Some((name, None)),
        Some((id, part)) if digits(id) && digits(part) => Some((id, Some(part))),
        _ => None,
    }
}
