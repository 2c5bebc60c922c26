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
    outbox::{self, LeadFilter, Outbox},
};

/// Runs one `leads` subcommand against the configured storage.
pub(crate) async fn run(settings: &Settings, command: LeadsCommand) -> anyhow::Result<ExitCode> {
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
        LeadsCommand::List {
            state,
            form,
            limit,
            json,
        } => {
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
async fn remap(settings: &Settings, outbox: &dyn Outbox, id: LeadId) -> anyhow::Result<()> {
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
