//! Assembles the member from resolved fields, and explains how.

use std::{borrow::Cow, collections::BTreeMap};

use serde_json::{Map, Value};

use super::{
    attribution::Attribution,
    explain::{FieldTrace, MappingExplanation},
    extras,
    field::LeadField,
    gaps,
    names::{complete_names, truncate},
    presets,
    resolve::{Origin, Pick, Resolver},
    template, MappingError, Member,
};
use crate::{
    config::FormSettings,
    domain::Email,
    intake::{Submission, SubmissionMeta},
};

/// Fields copied into the member's `extra` as strings, in this order.
const EXTRA_FIELDS: [LeadField; 9] = [
    LeadField::ContactNo,
    LeadField::CompanyName,
    LeadField::Website,
    LeadField::Address,
    LeadField::City,
    LeadField::State,
    LeadField::ZipCode,
    LeadField::Country,
    LeadField::LeadValue,
];

/// Maps a submission and records how each lead field was found.
pub fn explain(
    submission: &Submission,
    meta: &SubmissionMeta,
    form: &FormSettings,
) -> MappingExplanation {
    build(submission, meta, form, Traces::Kept(Vec::new()))
}

/// Maps a submission without recording how: intake's path, where the
/// explanation would only be built to be dropped.
pub fn member(
    submission: &Submission,
    meta: &SubmissionMeta,
    form: &FormSettings,
) -> Result<Member, MappingError> {
    build(submission, meta, form, Traces::Skipped).result
}

/// The explanation's field traces, when anybody reads them.
enum Traces {
    Kept(Vec<FieldTrace>),
    Skipped,
}

impl Traces {
    fn push(&mut self, trace: impl FnOnce() -> FieldTrace) {
        if let Self::Kept(traces) = self {
            traces.push(trace());
        }
    }

    fn into_vec(self) -> Vec<FieldTrace> {
        match self {
            Self::Kept(traces) => traces,
            Self::Skipped => Vec::new(),
        }
    }
}

fn build(
    submission: &Submission,
    meta: &SubmissionMeta,
    form: &FormSettings,
    mut traces: Traces,
) -> MappingExplanation {
    let prepared = presets::prepare(form.preset.as_deref(), submission);
    let mut resolver = Resolver::new(submission, form, prepared);
    let mut problems = BTreeMap::new();
    let mut extra = Map::new();
    if let Some(honeypot) = &form.honeypot {
        resolver.consume(honeypot);
    }
    match extras::consent(&mut resolver, form, meta) {
        Ok(Some(record)) => {
            extra.insert("consent".into(), record);
        }
        Ok(None) => {}
        Err(problem) => {
            problems.insert("consent".to_owned(), problem);
        }
    }
    // Before the lead fields, so the alias table never reads a page URL as `website`.
    let attribution = Attribution::capture(&mut resolver, meta);

    let mut gap = None;
    let email = match traced(&mut resolver, &mut traces, LeadField::Email) {
        None => {
            let missing = gaps::missing_email(&mut resolver, form);
            problems.insert("email".to_owned(), missing.problem.clone());
            gap = Some(missing);
            None
        }
        Some(pick) => match Email::parse(&pick.value) {
            Ok(email) => Some(email),
            Err(error) => {
                problems.insert("email".to_owned(), error.to_string());
                None
            }
        },
    };
    let mut first =
        traced(&mut resolver, &mut traces, LeadField::FirstName).map(|p| p.value.into_owned());
    let mut last =
        traced(&mut resolver, &mut traces, LeadField::LastName).map(|p| p.value.into_owned());
    // Always taken, so a whole name next to its parts does not land in the notes.
    let full_name = traced(&mut resolver, &mut traces, LeadField::FullName);
    if let Some(full) = full_name {
        (first, last) = complete_names(first, last, &full.value);
    }
    let mut strings: BTreeMap<LeadField, String> = BTreeMap::new();
    for field in EXTRA_FIELDS.into_iter().chain([LeadField::Notes]) {
        if let Some(pick) = traced(&mut resolver, &mut traces, field) {
            strings.insert(field, truncate(&pick.value, field.max_chars()));
        }
    }
    let status = traced(&mut resolver, &mut traces, LeadField::Status);
    let source = traced(&mut resolver, &mut traces, LeadField::Source);

    extras::add_configured(&mut resolver, form, &mut extra);
    let status = status.map_or_else(|| form.status.clone(), |p| p.value.into_owned());
    let source = match source {
        Some(pick) => pick.value.into_owned(),
        None => render_source(&mut resolver, form, meta, &attribution),
    };
    let mut into_notes = Vec::new();
    let leftovers = resolver.leftovers();
    if let Traces::Kept(traces) = &mut traces {
        record_default(traces, "status", &status);
        record_default(traces, "source", &source);
        traces.extend(attribution.traces());
        into_notes = leftovers
            .iter()
            .map(|(name, _)| (*name).to_owned())
            .collect();
    }
    let attribution_lines = attribution.note_lines();
    let note_lines: Vec<(&str, &str)> = leftovers
        .iter()
        .copied()
        .chain(attribution_lines.iter().map(|(k, v)| (*k, v.as_str())))
        .collect();
    let notes = compose_notes(strings.remove(&LeadField::Notes), &note_lines);
    let contact_no = strings.remove(&LeadField::ContactNo);
    for (field, value) in strings {
        extra.insert(field.key().to_owned(), Value::String(value));
    }
    if let Some(notes) = notes {
        extra.insert("notes".into(), Value::String(notes));
    }
    for (key, value) in [
        ("pageUrl", attribution.page_url),
        ("landingPage", attribution.landing_page),
        ("referrer", attribution.referrer),
    ] {
        if let Some(value) = value {
            extra.insert(key.into(), Value::String(value));
        }
    }
    if !attribution.utm.is_empty() {
        let utm = attribution
            .utm
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect();
        extra.insert("utm".into(), Value::Object(utm));
    }

    let result = match email {
        Some(email) if problems.is_empty() => {
            let (position_in_board, send_invitation_email) = extras::board_settings(form);
            Ok(Member {
                first_name: truncate(
                    first.as_deref().unwrap_or_default(),
                    LeadField::FirstName.max_chars(),
                ),
                last_name: truncate(
                    last.as_deref().unwrap_or_default(),
                    LeadField::LastName.max_chars(),
                ),
                email,
                contact_no,
                status: truncate(&status, LeadField::Status.max_chars()),
                source: truncate(&source, LeadField::Source.max_chars()),
                position_in_board,
                send_invitation_email,
                extra,
            })
        }
        _ => Err(failure(problems, gap)),
    };
    MappingExplanation {
        preset: form.preset.clone(),
        fields: traces.into_vec(),
        into_notes,
        result,
    }
}

/// Picks a field and records how.
fn traced<'a>(
    resolver: &mut Resolver<'a>,
    traces: &mut Traces,
    field: LeadField,
) -> Option<Pick<'a>> {
    let pick = resolver.pick(field);
    traces.push(|| {
        let found = pick.as_ref().map(|p| (p.value.as_ref(), &p.origin));
        FieldTrace::new(field.key(), found, resolver.tried(field))
    });
    pick
}

fn failure(fields: BTreeMap<String, String>, gap: Option<gaps::EmailGap>) -> MappingError {
    let visitor_can_fix = gap.as_ref().is_none_or(|gap| gap.visitor_can_fix);
    let message = match gap.and_then(|gap| gap.message) {
        Some(message) => message,
        None if fields.contains_key("email") => {
            "no valid e-mail address in the submission".to_owned()
        }
        None => "the submission lacks a required field".to_owned(),
    };
    MappingError {
        message,
        fields,
        visitor_can_fix,
    }
}

fn render_source(
    resolver: &mut Resolver<'_>,
    form: &FormSettings,
    meta: &SubmissionMeta,
    attribution: &Attribution,
) -> String {
    let rendered = template::render(&form.source, meta, |name| {
        if matches!(name, "page_url" | "pageUrl") {
            return attribution.page_url.clone();
        }
        match attribution.tracked(name) {
            Some(value) => Some(value.to_owned()),
            None => resolver.peek(name).map(Cow::into_owned),
        }
    });
    if rendered.is_empty() {
        "website".to_owned()
    } else {
        rendered
    }
}

fn record_default(traces: &mut [FieldTrace], key: &str, value: &str) {
    if let Some(trace) = traces
        .iter_mut()
        .find(|t| t.field == key && t.value.is_none())
    {
        let origin = Origin::FormDefault;
        *trace = FieldTrace::new(trace.field, Some((value, &origin)), &[]);
    }
}

/// The message, then a blank line, then one `name: value` line per unmapped input.
fn compose_notes(message: Option<String>, leftovers: &[(&str, &str)]) -> Option<String> {
    let mut notes = message.unwrap_or_default();
    for (index, (name, value)) in leftovers.iter().enumerate() {
        if index == 0 && !notes.is_empty() {
            notes.push_str("\n\n");
        } else if index > 0 {
            notes.push('\n');
        }
        notes.push_str(name);
        notes.push_str(": ");
        notes.push_str(value);
    }
    let notes = truncate(&notes, LeadField::Notes.max_chars());
    (!notes.is_empty()).then_some(notes)
}
