//! `application/x-www-form-urlencoded` and `text/plain` bodies.

use super::{fields::FieldSink, json::parse_json, IntakeError, Limits, Submission};

/// Decodes `a=1&b=2&a=3`, keeping repeated keys in order (invalid UTF-8 is replaced).
pub(crate) fn parse_urlencoded(body: &[u8], limits: Limits) -> Result<Submission, IntakeError> {
    let mut sink = FieldSink::new(limits, body.len());
    for (name, value) in url::form_urlencoded::parse(trim_ascii(body)) {
        if name.is_empty() {
            continue;
        }
        sink.push(name.into_owned(), value.into_owned())?;
    }
    Ok(Submission {
        fields: sink.into_form_fields()?,
        json: None,
    })
}

/// `text/plain`: JSON (as `fetch` senders without CORS preflight send it), else
/// `a=b&c=d`, else the browsers' `enctype="text/plain"` form of one `name=value` per line.
pub(crate) fn parse_text_plain(body: &[u8], limits: Limits) -> Result<Submission, IntakeError> {
    let trimmed = trim_ascii(body);
    match trimmed.first() {
        Some(b'{' | b'[') => return parse_json(trimmed, limits),
        None => return Err(IntakeError::Malformed("empty text/plain body".into())),
        Some(_) => {}
    }
    if !trimmed.contains(&b'=') {
        return Err(IntakeError::Malformed(
            "text/plain body is neither JSON nor name=value pairs".into(),
        ));
    }
    let text = String::from_utf8_lossy(trimmed);
    if text.contains('\n') {
        return parse_lines(&text, limits);
    }
    parse_urlencoded(trimmed, limits)
}

/// The browsers' `text/plain` form encoding: `name=value` lines, not escaped.
fn parse_lines(text: &str, limits: Limits) -> Result<Submission, IntakeError> {
    let mut sink = FieldSink::new(limits, text.len());
    for line in text.lines() {
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if !name.trim().is_empty() {
            sink.push(
                name.trim().to_owned(),
                value.trim_end_matches('\r').to_owned(),
            )?;
        }
    }
    Ok(Submission {
        fields: sink.into_form_fields()?,
        json: None,
    })
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| !b.is_ascii_whitespace());
    let end = bytes.iter().rposition(|b| !b.is_ascii_whitespace());
    match (start, end) {
        (Some(start), Some(end)) => &bytes[start..=end],
        _ => &[],
    }
}
