//! `leadrelay check`: validate the config and resolve each workspace's IDs.

use std::process::ExitCode;

use crate::{
    agencyhandy::{UpstreamError, WorkspaceClient},
    config::{workspace_key, Settings},
};

/// Prints the company and client role ID per workspace, or what is wrong.
pub async fn run(settings: &Settings) -> anyhow::Result<ExitCode> {
    settings.require_api_keys()?;
    println!("config: ok ({} form(s))", settings.forms.len());
    let mut failed = false;
    for (name, workspace) in settings.workspace_list() {
        let client = WorkspaceClient::new(name, workspace)?;
        match client.resolve().await {
            Ok(ids) => println!(
                "workspace {name}: company {} · client role {} · endpoint {}",
                ids.company_id,
                ids.client_role_id,
                client.endpoint().as_str()
            ),
            Err(error) => {
                failed = true;
                let key = workspace_key(name);
                match error {
                    UpstreamError::Unauthorized { status, .. } => eprintln!(
                        "workspace {name}: Agencyhandy refused the API key (HTTP {status}): check {key}.api_key (it may have been regenerated, which revokes the old one)"
                    ),
                    other => eprintln!("workspace {name}: {other} (api_url {})", workspace.api_url),
                }
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
