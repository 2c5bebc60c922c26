//! `leadrelay leads ...`: inspect and operate stored leads.

use std::process::ExitCode;

use anyhow::{bail, Context};
use chrono::{TimeZone, Utc};

use crate::{
    cli::LeadsCommand,
    config::Settings,
    domain::{Email, LeadId, LeadState},
    intake::{spam, Submission, SubmissionMeta},
    mapping,
    outbox::{self, LeadFilter, LeadSummary, Outbox},
};

/// Runs one `leads` subcommand against the configured storage.
pub async fn run(settings: &Settings, command: LeadsCommand) -> anyhow::Result<ExitCode> {
    let outbox = outbox::open(&settings.storage).await?;
    let result = dispatch(settings, outbox.as_ref(), command).await;
    outbox.close().await;
    result
}

async fn dispatch(
    settings: &Settings,
    outbox: &dyn Outbox,
    command: LeadsCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        LeadsCommand::List { state, form, limit } => {
            let filter = LeadFilter {
                state: state.as_deref().map(str::parse).transpose()?,
                form,
                limit: Some(limit),
            };
            let leads = outbox.list(&filter).await?;
            print_table(&leads);
        }
        LeadsCommand::Show { id } => {
            let id = parse_id(&id)?;
            let lead = outbox
                .get(id)
                .await?
                .with_context(|| format!("no lead {id}"))?;
            print_detail(&lead);
        }
        LeadsCommand::Retry { id: Some(id), .. } => {
            let id = parse_id(&id)?;
            if !outbox.retry(id).await? {
                bail!("lead {id} was not re-queued: it does not exist, or it is not pending, retrying or dead");
            }
            println!("lead {id} re-queued");
        }
        LeadsCommand::Retry { state, .. } => {
            let state: LeadState = state.as_deref().unwrap_or("dead").parse()?;
            if !matches!(state, LeadState::Dead | LeadState::Retrying) {
                bail!("only dead or retrying leads can be re-queued by state");
            }
            println!("{} lead(s) re-queued", outbox.retry_state(state).await?);
        }
        LeadsCommand::Release { id: Some(id), .. } => {
            let id = parse_id(&id)?;
            if !outbox.release(id).await? {
                bail!("lead {id} was not released: it does not exist or is not spam");
            }
            println!("lead {id} released");
        }
        LeadsCommand::Release { reason, .. } => {
            let reason = reason.unwrap_or_default();
            if !spam::VERDICT_CODES.contains(&reason.as_str()) {
                bail!(
                    "--reason {reason:?} is not one of {}",
                    spam::VERDICT_CODES.join(", ")
                );
            }
            let released = outbox.release_noted(&spam::note_prefix(&reason)).await?;
            println!("{released} lead(s) held as spam ({reason}) released");
        }
        LeadsCommand::Remap { id: Some(id), .. } => {
            let id = parse_id(&id)?;
            remap(settings, outbox, id).await?;
        }
        LeadsCommand::Remap { state, .. } => {
            let state: LeadState = state.as_deref().unwrap_or("dead").parse()?;
            let filter = LeadFilter {
                state: Some(state),
                form: None,
                limit: Some(100_000),
            };
            let mut failed = 0;
            for lead in outbox.list(&filter).await? {
                if let Err(error) = remap(settings, outbox, lead.id).await {
                    eprintln!("lead {}: {error:#}", lead.id);
                    failed += 1;
                }
            }
            if failed > 0 {
                return Ok(ExitCode::FAILURE);
            }
        }
        LeadsCommand::Erase { email } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
            let n = outbox.erase_email(&email.normalized()).await?;
            println!("{n} lead(s) of {email} erased");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Re-runs the mapping of one lead from its stored original submission.
pub async fn remap(settings: &Settings, outbox: &dyn Outbox, id: LeadId) -> anyhow::Result<()> {
    let lead = outbox
        .get(id)
        .await?
        .with_context(|| format!("no lead {id}"))?;
    let stored = lead
        .submission
        .with_context(|| format!("lead {id}'s original submission was purged or erased"))?;
    let submission: Submission = serde_json::from_value(stored["submission"].clone())
        .context("the stored submission cannot be read")?;
    let meta: SubmissionMeta = serde_json::from_value(stored["meta"].clone()).unwrap_or_default();
    let form_name = &lead.summary.form;
    let form = settings
        .forms
        .get(form_name)
        .with_context(|| format!("form {form_name:?} is no longer configured"))?;
    let member = mapping::map_submission(&submission, &meta, form).map_err(|e| {
        let fields: Vec<String> = e.fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        anyhow::anyhow!("{} ({})", e.message, fields.join("; "))
    })?;
    let email = member.email.normalized();
    if !outbox
        .replace_member(id, &email, &serde_json::to_value(&member)?)
        .await?
    {
        bail!("lead {id} is {} and was left as it is", lead.summary.state);
    }
    let was = lead.summary.state;
    if was == LeadState::Spam {
        println!("lead {id} remapped ({email}); still spam until released");
    } else {
        println!("lead {id} remapped ({email}) and queued (was {was})");
    }
    Ok(())
}

fn parse_id(id: &str) -> anyhow::Result<LeadId> {
    id.parse()
        .with_context(|| format!("{id:?} is not a lead ID"))
}

fn when(ms: i64) -> String {
    Utc.timestamp_millis_opt(ms)
        .single()
        .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
        .unwrap_or_default()
}

/// Longest last error shown in a listing, in characters (`leads show` has it whole).
const LISTED_ERROR_CHARS: usize = 160;

fn print_table(leads: &[LeadSummary]) {
    println!(
        "{:<36}  {:<19}  {:<10}  {:<12}  TRY  {:<32}  WHY",
        "ID", "RECEIVED", "STATE", "FORM", "EMAIL"
    );
    for lead in leads {
        println!(
            "{:<36}  {:<19}  {:<10}  {:<12}  {:>3}  {:<32}  {}",
            lead.id,
            when(lead.created_at_ms),
            lead.state.as_str(),
            lead.form,
            lead.attempts,
            lead.email,
            why(lead)
        );
    }
    println!("{} lead(s)", leads.len());
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

fn print_detail(lead: &outbox::LeadDetail) {
    let s = &lead.summary;
    println!("lead       {}", s.id);
    println!("state      {}", s.state);
    println!("form       {} (workspace {})", s.form, s.workspace);
    println!("email      {}", s.email);
    println!("received   {}", when(s.created_at_ms));
    if let Some(member_id) = &s.member_id {
        println!("member id  {member_id}");
    }
    if matches!(s.state, LeadState::Pending | LeadState::Retrying) {
        println!("next try   {}", when(s.next_attempt_at_ms));
    }
    match (&s.last_error, s.state) {
        (Some(reason), LeadState::Held) => {
            println!("held       {reason}");
            println!(
                "           fix the form's config, then: leadrelay leads remap {}",
                s.id
            );
        }
        (Some(error), _) => println!("last error {error}"),
        (None, _) => {}
    }
    println!("member     {}", lead.member);
    match &lead.submission {
        Some(submission) => println!("submission {submission}"),
        None => println!("submission (purged)"),
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
            attempt.excerpt
        );
    }
}
