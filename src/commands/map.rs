//! `leadrelay map --form F [FILE]`: what a submission would become.
//!
//! The explanation (which input fed which lead field, which inputs went into
//! the notes, or exactly why no lead can be made) goes to stderr; the request
//! body Agencyhandy would receive for the form's workspace endpoint goes to
//! stdout, so `leadrelay map … | jq` works. Exit codes: 0 a lead would be sent,
//! 2 none can be made (it would be held, or refused, or kept as spam), 1
//! usage errors.

use std::{io::Read, path::Path, process::ExitCode};

use anyhow::{bail, Context};

use crate::{
    agencyhandy::{create_body, create_path},
    config::{FormSettings, Settings},
    intake::{self, spam, BodyFormat, Limits, SubmissionMeta},
    mapping::{self, Member},
};

/// Exit code when no lead can be made from the submission.
const NO_LEAD: u8 = 2;

/// Placeholder for IDs only discovery at send time knows.
const CLIENT_ROLE_PLACEHOLDER: &str = "<client role _id>";

/// Prints the member that would be sent and how it was made, or exactly why none can be.
pub(crate) async fn run(
    settings: &Settings,
    form_name: &str,
    content_type: Option<&str>,
    file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let form = find_form(settings, form_name)?;
    if let Some(ct) = content_type {
        if BodyFormat::from_content_type(ct).is_none() {
            bail!("--content-type {ct:?} is not one leadrelay reads: use application/x-www-form-urlencoded, multipart/form-data, application/json or text/plain");
        }
    }
    let raw = read_input(file)?;
    let (content_type, body) = match content_type {
        Some(ct) => (Some(ct.to_owned()), raw),
        None => guess_content_type(raw),
    };
    let limits = Limits {
        max_fields: settings.server.max_fields,
        max_field_bytes: settings.server.max_field_bytes,
    };
    let submission = match intake::parse_body(content_type.as_deref(), body.into(), limits).await {
        Ok(submission) => submission,
        Err(error) => {
            eprintln!("no lead can be made: {error}");
            return Ok(ExitCode::from(NO_LEAD));
        }
    };
    let meta = SubmissionMeta {
        received_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        ..SubmissionMeta::default()
    };
    let explanation = mapping::explain(&submission, &meta, form);
    eprintln!("form: {form_name}");
    eprint!("{explanation}");
    let member = match explanation.result {
        Ok(member) => member,
        Err(error) => {
            eprintln!("{}", held_note(form_name, &error));
            return Ok(ExitCode::from(NO_LEAD));
        }
    };
    // Offline: the checks without I/O (a CAPTCHA token is not spent here).
    let now_ms = chrono::Utc::now().timestamp_millis();
    if let Some(verdict) = spam::judge_fields(form, &submission, now_ms) {
        eprintln!(
            "spam: {}: the lead would be stored as spam and never sent; the member held:",
            verdict.reason()
        );
        println!("{}", serde_json::to_string_pretty(&member)?);
        return Ok(ExitCode::from(NO_LEAD));
    }
    println!("{}", request_body(settings, form, member)?);
    Ok(ExitCode::SUCCESS)
}

/// What the service would do with a submission no lead can be made of.
fn held_note(form_name: &str, error: &mapping::MappingError) -> String {
    let held = "stored as held (answered 200 {\"id\", \"status\": \"held\"}), with its \
                body and this reason, and sent by `leadrelay leads remap` once the form's \
                fields map it";
    if error.visitor_can_fix {
        format!(
            "a post to /forms/{form_name} is answered 422 (the visitor can fix it); \
             one to /hooks/{form_name} is {held}"
        )
    } else {
        format!("a post to /forms/{form_name} or /hooks/{form_name} is {held}")
    }
}

fn find_form<'a>(settings: &'a Settings, name: &str) -> anyhow::Result<&'a FormSettings> {
    if let Some(form) = settings.forms.get(name) {
        return Ok(form);
    }
    if settings.forms.is_empty() {
        bail!("no form named {name:?}: the config defines no forms ([forms.NAME])");
    }
    let known: Vec<&str> = settings.forms.keys().map(String::as_str).collect();
    bail!(
        "no form named {name:?} in the config (known forms: {})",
        known.join(", ")
    )
}

fn read_input(file: Option<&Path>) -> anyhow::Result<Vec<u8>> {
    match file {
        Some(path) => {
            std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))
        }
        None => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .context("failed to read stdin")?;
            Ok(body)
        }
    }
}

/// The body as Agencyhandy would receive it from the form's workspace endpoint
/// (pretty JSON), after a line on stderr naming the call.
fn request_body(
    settings: &Settings,
    form: &FormSettings,
    member: Member,
) -> anyhow::Result<String> {
    let Some(workspace) = settings.workspace(&form.workspace) else {
        eprintln!(
            "workspace {:?} is not configured; the member alone:",
            form.workspace
        );
        return Ok(serde_json::to_string_pretty(&member)?);
    };
    let company_id = workspace.company_id.as_deref().unwrap_or("{companyId}");
    let role = workspace
        .client_role_id
        .as_deref()
        .unwrap_or(CLIENT_ROLE_PLACEHOLDER);
    eprintln!(
        "would POST {}/{} (workspace {})",
        workspace.api_url.trim_end_matches('/'),
        create_path(workspace.endpoint, company_id).join("/"),
        form.workspace
    );
    let body = create_body(workspace.endpoint, &[member], role);
    Ok(serde_json::to_string_pretty(&body)?)
}

/// Without `--content-type`: a leading `Content-Type:` line (and a blank line)
/// names it, as in saved requests; a body starting with `--boundary` is
/// multipart; otherwise the body itself decides (JSON or urlencoded).
fn guess_content_type(raw: Vec<u8>) -> (Option<String>, Vec<u8>) {
    let text = String::from_utf8_lossy(&raw);
    let lower = text.get(..13).map(str::to_ascii_lowercase);
    if lower.as_deref() == Some("content-type:") {
        if let Some((header, body)) = split_head(&text) {
            let content_type = header[13..].trim().to_owned();
            return (
                Some(content_type.clone()),
                multipart_line_ends(&content_type, body),
            );
        }
    }
    if let Some(boundary) = text
        .strip_prefix("--")
        .and_then(|rest| rest.lines().next())
        .map(str::trim)
        .filter(|b| !b.is_empty() && !b.contains(' '))
    {
        let content_type = format!("multipart/form-data; boundary={boundary}");
        let body = multipart_line_ends(&content_type, &text);
        return (Some(content_type), body);
    }
    (None, raw)
}

fn split_head(text: &str) -> Option<(&str, &str)> {
    text.split_once("\r\n\r\n")
        .or_else(|| text.split_once("\n\n"))
        .map(|(head, body)| (head.lines().next().unwrap_or_default(), body))
}

/// Multipart needs CRLF line ends; files saved by editors often have bare LFs.
fn multipart_line_ends(content_type: &str, body: &str) -> Vec<u8> {
    let multipart = content_type.to_ascii_lowercase().starts_with("multipart/");
    if multipart && !body.contains("\r\n") {
        body.replace('\n', "\r\n").into_bytes()
    } else {
        body.trim_end_matches(['\r', '\n']).as_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_request_names_its_content_type() {
        let (ct, body) = guess_content_type(b"Content-Type: text/plain\n\n{\"a\":1}\n".to_vec());
        assert_eq!(ct.as_deref(), Some("text/plain"));
        assert_eq!(body, b"{\"a\":1}");
    }

    #[test]
    fn a_multipart_body_is_recognized_by_its_boundary() {
        let (ct, body) = guess_content_type(
            b"--xyz\nContent-Disposition: form-data; name=\"a\"\n\n1\n--xyz--\n".to_vec(),
        );
        assert_eq!(ct.as_deref(), Some("multipart/form-data; boundary=xyz"));
        assert!(body.starts_with(b"--xyz\r\nContent-Disposition"));
    }

    #[test]
    fn other_bodies_are_left_to_the_parser() {
        let (ct, body) = guess_content_type(b"email=a%40b.co".to_vec());
        assert_eq!((ct, body), (None, b"email=a%40b.co".to_vec()));
    }
}
