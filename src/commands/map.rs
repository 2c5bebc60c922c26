//! `leadrelay map --form F [FILE]`: what a submission would become.

use std::{io::Read, path::Path, process::ExitCode};

use anyhow::Context;

use crate::{
    config::Settings,
    intake::{self, Limits, SubmissionMeta},
    mapping,
};

/// Prints the member that would be sent, or exactly why none can be made.
pub async fn run(
    settings: &Settings,
    form_name: &str,
    content_type: Option<&str>,
    file: Option<&Path>,
) -> anyhow::Result<ExitCode> {
    let form = settings.forms.get(form_name).with_context(|| {
        let known: Vec<&str> = settings.forms.keys().map(String::as_str).collect();
        format!(
            "no form named {form_name:?} in the config (known: {})",
            known.join(", ")
        )
    })?;
    let body = match file {
        Some(path) => {
            std::fs::read(path).with_context(|| format!("failed to read {}", path.display()))?
        }
        None => {
            let mut body = Vec::new();
            std::io::stdin()
                .read_to_end(&mut body)
                .context("failed to read stdin")?;
            body
        }
    };
    let limits = Limits {
        max_fields: settings.server.max_fields,
        max_field_bytes: settings.server.max_field_bytes,
    };
    let submission = intake::parse_body(content_type, body.into(), limits)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    match mapping::map_submission(&submission, &SubmissionMeta::default(), form) {
        Ok(member) => {
            println!("{}", serde_json::to_string_pretty(&member)?);
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("no lead can be made: {}", error.message);
            for (field, why) in &error.fields {
                eprintln!("  {field}: {why}");
            }
            Ok(ExitCode::from(2))
        }
    }
}
