//! What each command line command does.

mod check;
mod demo;
mod healthcheck;
mod lead_print;
mod leads;
mod map;

use std::process::ExitCode;

use crate::{
    cli::{Command, ConfigArg},
    config::Settings,
    startup::{shutdown_signal, Application},
    telemetry,
};

/// Runs one command; `Err` is printed as one line and exits non-zero.
pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve(config) => serve(config).await,
        Command::Demo { port } => demo::run(port).await,
        Command::Check(config) => check::run(&load(&config)?).await,
        Command::Leads { config, command } => leads::run(&load(&config)?, command).await,
        Command::Map {
            form,
            content_type,
            file,
            config,
        } => {
            map::run(
                &load(&config)?,
                &form,
                content_type.as_deref(),
                file.as_deref(),
            )
            .await
        }
        Command::Healthcheck { url } => healthcheck::run(&url).await,
    }
}

fn load(config: &ConfigArg) -> anyhow::Result<Settings> {
    Settings::load(config.config.as_deref())
}

async fn serve(config: ConfigArg) -> anyhow::Result<ExitCode> {
    let settings = load(&config)?;
    settings.require_api_keys()?;
    telemetry::init_tracing(&settings.log);
    let app = Application::build(settings).await?;
    tracing::info!(address = %app.local_addr(), "leadrelay is listening");
    let stop = app.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        stop.cancel();
    });
    app.run_until_stopped().await?;
    Ok(ExitCode::SUCCESS)
}
