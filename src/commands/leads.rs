//! `leadrelay leads ...`: inspect and operate stored leads.

use std::process::ExitCode;

use anyhow::{bail, Context};

use super::lead_print::{print_detail, print_table};
use crate::{
    cli::LeadsCommand,
    config::Settings,
    domain::{Email, LeadId, LeadState},
    intake::{spam, Submission, SubmissionMeta},
    mapping,
    outbox::{self, LeadAdmin, LeadFilter},
};

/// Runs one `leads` subcommand against the configured storage.
pub(crate) async fn run(settings: &Settings, command: LeadsCommand) -> anyhow::Result<ExitCode> {
    let outbox = outbox::open(&settings.storage).await?;
    let result = dispatch(settings, outbox.clone().admin().as_ref(), command).await;
    outbox.close().await;
    result
}

async fn dispatch(
    settings: &Settings,
    outbox: &dyn LeadAdmin,
    command: LeadsCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        LeadsCommand::List {
            state,
            form,
            limit,
            json,
        } => list(outbox, state, form, limit, json).await?,
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
        LeadsCommand::Retry { state, .. } => retry_state(outbox, state).await?,
        LeadsCommand::Release { id: Some(id), .. } => {
            let id = parse_id(&id)?;
            if !outbox.release(id).await? {
                bail!("lead {id} was not released: it does not exist or is not spam");
            }
            println!("lead {id} released");
        }
        LeadsCommand::Release { reason, .. } => release_noted(outbox, reason).await?,
        LeadsCommand::Remap { id: Some(id), .. } => {
            let id = parse_id(&id)?;
            remap(settings, outbox, id).await?;
        }
        LeadsCommand::Remap { state, .. } => return remap_state(settings, outbox, state).await,
        LeadsCommand::Erase { email } => {
            let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("--email {e}"))?;
            let n = outbox.erase_email(&email.normalized()).await?;
            println!("{n} lead(s) of {email} erased");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `leads list`: a table, or JSON.
async fn list(
    outbox: &dyn LeadAdmin,
    state: Option<String>,
    form: Option<String>,
    limit: u32,
    json: bool,
) -> anyhow::Result<()> {
    let filter = LeadFilter {
        state: state.as_deref().map(str::parse).transpose()?,
        form,
        limit: Some(limit),
        ..LeadFilter::default()
    };
    let leads = outbox.list(&filter).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&leads)?);
    } else {
        print_table(&leads);
    }
    Ok(())
}

/// `leads retry --state S`: every lead of a state that can be re-queued whole.
async fn retry_state(outbox: &dyn LeadAdmin, state: Option<String>) -> anyhow::Result<()> {
    let state: LeadState = state.as_deref().unwrap_or("dead").parse()?;
    if !state.can_retry_all() {
        let states: Vec<&str> = LeadState::BULK_RETRYABLE
            .iter()
            .map(|s| s.as_str())
            .collect();
        bail!(
            "only {} leads can be re-queued by state",
            states.join(" or ")
        );
    }
    println!("{} lead(s) re-queued", outbox.retry_state(state).await?);
    Ok(())
}

/// `leads release --reason CODE`: every spam lead held for that verdict.
async fn release_noted(outbox: &dyn LeadAdmin, reason: Option<String>) -> anyhow::Result<()> {
    let reason = reason.unwrap_or_default();
    if !spam::VERDICT_CODES.contains(&reason.as_str()) {
        bail!(
            "--reason {reason:?} is not one of {}",
            spam::VERDICT_CODES.join(", ")
        );
    }
    let released = outbox.release_noted(&spam::note_prefix(&reason)).await?;
    println!("{released} lead(s) held as spam ({reason}) released");
    Ok(())
}

/// `leads remap --state S`: each lead of the state mapped again; fails when
/// one could not be.
async fn remap_state(
    settings: &Settings,
    outbox: &dyn LeadAdmin,
    state: Option<String>,
) -> anyhow::Result<ExitCode> {
    let state: LeadState = state.as_deref().unwrap_or("dead").parse()?;
    let filter = LeadFilter {
        state: Some(state),
        limit: Some(100_000),
        ..LeadFilter::default()
    };
    let mut failed = 0;
    for lead in outbox.list(&filter).await? {
        if let Err(error) = remap(settings, outbox, lead.id).await {
            eprintln!("lead {}: {error:#}", lead.id);
            failed += 1;
        }
    }
    Ok(if failed > 0 {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Re-runs the mapping of one lead from its stored original submission.
async fn remap(settings: &Settings, outbox: &dyn LeadAdmin, id: LeadId) -> anyhow::Result<()> {
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
        .replace_member(
            id,
            &email,
            &member.full_name(),
            &serde_json::to_value(&member)?,
        )
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
