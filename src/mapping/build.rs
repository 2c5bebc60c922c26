//! Assembles the member from resolved fields, and explains how.

use std::{borrow::Cow, collections::BTreeMap};

use serde_json::{Map, Value};

use super::{
    attribution::Attribution,
    compose::{add_to_extra, notes_with},
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
pub(crate) fn explain(
    submission: &Submission,
    meta: &SubmissionMeta,
    form: &FormSettings,
) -> MappingExplanation {
    build(submission, meta, form, Traces::Kept(Vec::new()))
}

/// Maps a submission without recording how: intake's path, where the
/// explanation would only be built to be dropped.
pub(crate) fn member(
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
    take_consent(&mut resolver, form, meta, &mut extra, &mut problems);
    // Before the lead fields, so the alias table never reads a page URL as `website`.
    let attribution = Attribution::capture(&mut resolver, meta);
    let (email, gap) = pick_email(&mut resolver, &mut traces, form, &mut problems);
    let Picked {
        names,
        mut strings,
        status,
        source,
    } = pick_fields(&mut resolver, &mut traces);
    extras::add_configured(&mut resolver, form, &mut extra);
    let status = status.map_or_else(|| form.status.clone(), |p| p.value.into_owned());
    let source = match source {
        Some(pick) => pick.value.into_owned(),
        None => render_source(&mut resolver, form, meta, &attribution),
    };
    let leftovers = resolver.leftovers();
    let into_notes = trace_defaults(&mut traces, &status, &source, &attribution, &leftovers);
    let notes = notes_with(strings.remove(&LeadField::Notes), &leftovers, &attribution);
    let contact_no = strings.remove(&LeadField::ContactNo);
    add_to_extra(&mut extra, strings, notes, attribution);
    let result = match email {
        Some(email) if problems.is_empty() => Ok(assemble_member(
            form,
            email,
            names,
            contact_no,
            (&status, &source),
            extra,
        )),
        _ => Err(failure(problems, gap)),
    };
    MappingExplanation {
        preset: form.preset.clone(),
        fields: traces.into_vec(),
        into_notes,
        result,
    }
}

/// The lead fields picked after the e-mail address, in the order they are tried.
struct Picked<'a> {
    names: Names,
    /// [`EXTRA_FIELDS`] and the notes, as found.
    strings: BTreeMap<LeadField, String>,
    status: Option<Pick<'a>>,
    source: Option<Pick<'a>>,
}

/// The person's first and last name, as found or split from a whole name.
struct Names {
    first: Option<String>,
    last: Option<String>,
}

/// The member, each field cut to its length, with the form's board settings.
fn assemble_member(
    form: &FormSettings,
    email: Email,
    names: Names,
    contact_no: Option<String>,
    (status, source): (&str, &str),
    extra: Map<String, Value>,
) -> Member {
    let (position_in_board, send_invitation_email) = extras::board_settings(form);
    let cut = |value: Option<&str>, field: LeadField| {
        truncate(value.unwrap_or_default(), field.max_chars())
    };
    Member {
        first_name: cut(names.first.as_deref(), LeadField::FirstName),
        last_name: cut(names.last.as_deref(), LeadField::LastName),
        email,
        contact_no,
        status: cut(Some(status), LeadField::Status),
        source: cut(Some(source), LeadField::Source),
        position_in_board,
        send_invitation_email,
        extra,
    }
}

/// The consent record into `extra`, or what is wrong with it into `problems`.
fn take_consent(
    resolver: &mut Resolver<'_>,
    form: &FormSettings,
    meta: &SubmissionMeta,
    extra: &mut Map<String, Value>,
    problems: &mut BTreeMap<String, String>,
) {
    match extras::consent(resolver, form, meta) {
        Ok(Some(record)) => {
            extra.insert("consent".into(), record);
        }
        Ok(None) => {}
        Err(problem) => {
            problems.insert("consent".to_owned(), problem);
        }
    }
}

/// The e-mail address, or what is wrong with it into `problems` (and, when
/// none was found, why: the gap).
fn pick_email(
    resolver: &mut Resolver<'_>,
    traces: &mut Traces,
    form: &FormSettings,
    problems: &mut BTreeMap<String, String>,
) -> (Option<Email>, Option<gaps::EmailGap>) {
    let Some(pick) = traced(resolver, traces, LeadField::Email) else {
        let missing = gaps::missing_email(resolver, form);
        problems.insert("email".to_owned(), missing.problem.clone());
        return (None, Some(missing));
    };
    match Email::parse(&pick.value) {
        Ok(email) => (Some(email), None),
        Err(error) => {
            problems.insert("email".to_owned(), error.to_string());
            (None, None)
        }
    }
}

/// The names, the strings, the status and the source, in this order.
fn pick_fields<'a>(resolver: &mut Resolver<'a>, traces: &mut Traces) -> Picked<'a> {
    let mut first = traced(resolver, traces, LeadField::FirstName).map(|p| p.value.into_owned());
    let mut last = traced(resolver, traces, LeadField::LastName).map(|p| p.value.into_owned());
    // Always taken, so a whole name next to its parts does not land in the notes.
    let full_name = traced(resolver, traces, LeadField::FullName);
    if let Some(full) = full_name {
        (first, last) = complete_names(first, last, &full.value);
    }
    let mut strings = BTreeMap::new();
    for field in EXTRA_FIELDS.into_iter().chain([LeadField::Notes]) {
        if let Some(pick) = traced(resolver, traces, field) {
            strings.insert(field, truncate(&pick.value, field.max_chars()));
        }
    }
    Picked {
        names: Names { first, last },
        strings,
        status: traced(resolver, traces, LeadField::Status),
        source: traced(resolver, traces, LeadField::Source),
    }
}

/// Records the form's defaults and the attribution in the traces; returns
/// the names of the inputs that go to the notes (when traces are kept).
fn trace_defaults(
    traces: &mut Traces,
    status: &str,
    source: &str,
    attribution: &Attribution,
    leftovers: &[(&str, &str)],
) -> Vec<String> {
    let Traces::Kept(traces) = traces else {
        return Vec::new();
    };
    record_default(traces, "status", status);
    record_default(traces, "source", source);
    traces.extend(attribution.traces());
    leftovers
        .iter()
        .map(|(name, _)| (*name).to_owned())
        .collect()
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
