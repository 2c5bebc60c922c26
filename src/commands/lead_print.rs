//! How `leads list` and `leads show` print leads for a person: a table that
//! fits the terminal, and one lead's whole record.

use std::borrow::Cow;

use chrono::{TimeZone, Utc};
use comfy_table::{presets, ColumnConstraint, ContentArrangement, Table, Width};

use crate::{
    domain::LeadState,
    outbox::{LeadDetail, LeadSummary},
};

/// Longest last error shown in a listing, in characters (`leads show` has it whole).
const LISTED_ERROR_CHARS: usize = 160;

fn when(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Text a submitter or Agencyhandy chose, safe to print on a terminal: control
/// characters (escape sequences, bells, line breaks, C1 codes) and bidirectional
/// overrides are shown escaped (`\u{1b}`), so a lead cannot drive the
/// operator's terminal or forge lines of the listing.
fn shown(text: &str) -> Cow<'_, str> {
    let unsafe_char =
        |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.contains(unsafe_char) {
        return Cow::Borrowed(text);
    }
    text.chars()
        .map(|c| {
            if unsafe_char(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Narrowest terminal the table is fitted to: below it (or when a terminal
/// reports no width at all) the table keeps its natural width.
const MIN_FITTED_WIDTH: u16 = 80;

/// The listing as a table: columns line up, and on a terminal the long ones
/// (name, e-mail, why) wrap to fit its width. Then `N lead(s)`.
pub(crate) fn print_table(leads: &[LeadSummary]) {
    let mut table = Table::new();
    table.load_style(presets::NOTHING).set_header([
        "ID", "RECEIVED", "STATE", "FORM", "NAME", "EMAIL", "TRY", "WHY",
    ]);
    if table.width().is_some_and(|width| width >= MIN_FITTED_WIDTH) {
        table.set_content_arrangement(ContentArrangement::Dynamic);
    }
    for lead in leads {
        table.add_row([
            lead.id.to_string(),
            when_to_the_minute(lead.created_at_ms),
            lead.state.to_string(),
            shown(&lead.form).into_owned(),
            shown(&lead.name).into_owned(),
            shown(&lead.email).into_owned(),
            lead.attempts.to_string(),
            shown(&why(lead)).into_owned(),
        ]);
    }
    // What identifies a lead is never wrapped (an ID is copied whole into
    // `leads show`); the reason keeps room to be read.
    let constraints = [
        ColumnConstraint::ContentWidth,
        ColumnConstraint::ContentWidth,
        ColumnConstraint::ContentWidth,
        ColumnConstraint::UpperBoundary(Width::Fixed(16)),
        ColumnConstraint::UpperBoundary(Width::Fixed(24)),
        ColumnConstraint::UpperBoundary(Width::Fixed(32)),
        ColumnConstraint::ContentWidth,
    ];
    table.set_constraints(constraints);
    if !leads.is_empty() {
        println!("{table}");
    }
    println!("{} lead(s)", leads.len());
}

fn when_to_the_minute(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

/// Why a lead waits or died (its last error, shortened), for a listing.
fn why(lead: &LeadSummary) -> String {
    if matches!(lead.state, LeadState::Delivered) {
        return String::new();
    }
    let error = lead.last_error.as_deref().unwrap_or_default();
    match error.char_indices().nth(LISTED_ERROR_CHARS) {
        Some((cut, _)) => format!("{}…", &error[..cut]),
        None => error.to_owned(),
    }
}

/// One lead: its summary, member, original submission (with, for a test lead,
/// the request it would have gone out as) and every attempt.
pub(crate) fn print_detail(lead: &LeadDetail) {
    let s = &lead.summary;
    println!("lead       {}", s.id);
    println!("state      {}", s.state);
    println!(
        "form       {} (workspace {})",
        shown(&s.form),
        shown(&s.workspace)
    );
    if !s.name.is_empty() {
        println!("name       {}", shown(&s.name));
    }
    println!("email      {}", shown(&s.email));
    println!("received   {}", when(s.created_at_ms));
    if let Some(member_id) = &s.member_id {
        println!("member id  {}", shown(member_id));
    }
    if matches!(s.state, LeadState::Pending | LeadState::Retrying) {
        println!("next try   {}", when(s.next_attempt_at_ms));
    }
    match (&s.last_error, s.state) {
        (Some(reason), LeadState::Held) => {
            println!("held       {}", shown(reason));
            println!(
                "           fix the form's config, then: leadrelay leads remap {}",
                s.id
            );
        }
        (Some(error), _) => println!("last error {}", shown(error)),
        (None, _) => {}
    }
    println!("member     {}", shown(&lead.member.to_string()));
    match &lead.submission {
        Some(submission) => println!("submission {}", shown(&submission.to_string())),
        None => println!("submission (purged)"),
    }
    if let Some(request) = lead.submission.as_ref().and_then(|s| s.get("would_send")) {
        println!("would send {}", shown(&request.to_string()));
    }
    println!("attempts   {}", lead.attempt_log.len());
    for (n, attempt) in lead.attempt_log.iter().enumerate() {
        println!(
            "  #{:<3} {}  {:>4}  {:>6} ms  {}",
            n + 1,
            when(attempt.at_ms),
            attempt
                .status
                .map_or_else(|| "-".to_owned(), |s| s.to_string()),
            attempt.duration_ms,
            shown(&attempt.excerpt)
        );
    }
}
