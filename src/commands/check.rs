//! `leadrelay check`: validates the config, then proves each workspace's whole
//! path to Agencyhandy the way delivery takes it: which generation answers,
//! the create call and its headers, the company and client role where the
//! generation needs them, and a probe that the create route exists (an empty
//! list, which creates nothing). Exits non-zero, naming the fix, exactly when
//! delivery would fail.

use std::process::ExitCode;

use crate::{
    agencyhandy::{Route, RouteProbe, WorkspaceClient},
    config::Settings,
};

/// Prints each workspace's route, or what is wrong and how to fix it.
pub(crate) async fn run(settings: &Settings) -> anyhow::Result<ExitCode> {
    settings.require_api_keys()?;
    println!("config: ok ({} form(s))", settings.forms.len());
    for warning in settings.agencyhandy_warnings() {
        println!("warning: {warning}");
    }
    let mut failed = false;
    for (name, workspace) in settings.workspace_list() {
        let client = WorkspaceClient::new(name, workspace)?;
        match prove_path(&client).await {
            Ok((route, probe)) => print_route(name, &workspace.api_url, &route, &probe),
            Err(error) => {
                failed = true;
                let diagnosis = client.diagnose(&error);
                eprintln!("workspace {name}: FAILED: {}", diagnosis.reason);
                eprintln!("  fix: {}", diagnosis.fix);
                eprintln!("  (api_url {}; leads to this workspace would wait, paused, until this is fixed)", workspace.api_url);
            }
        }
    }
    Ok(if failed {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The route delivery would take, and the proof that its create call exists.
async fn prove_path(
    client: &WorkspaceClient,
) -> Result<(Route, RouteProbe), crate::agencyhandy::UpstreamError> {
    let route = client.resolve().await?;
    let probe = client.probe(&route).await?;
    Ok((route, probe))
}

fn print_route(name: &str, api_url: &str, route: &Route, probe: &RouteProbe) {
    let base = api_url.trim_end_matches('/');
    println!(
        "workspace {name}: Agencyhandy's API is the {} generation",
        route.generation()
    );
    println!("  create:      {}", with_base(route, base));
    match route.ids() {
        Some(ids) => {
            println!("  company:     {}", ids.company_id);
            println!(
                "  client role: {} (the role entry's outer _id)",
                ids.client_role_id
            );
        }
        None => println!("  company, client role: not needed by this generation"),
    }
    println!(
        "  probe:       an empty list answered HTTP {} (nothing created): the route exists",
        probe.status
    );
    println!("  ok: leads will be delivered");
}

fn with_base(route: &Route, base: &str) -> String {
    route
        .to_string()
        .replacen("POST /", &format!("POST {base}/"), 1)
}
