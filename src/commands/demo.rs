//! `leadrelay demo`: the service against a built-in sandbox Agencyhandy.

use std::process::ExitCode;

/// Runs the demo.
pub async fn run(_port: u16) -> anyhow::Result<ExitCode> {
    anyhow::bail!("the demo needs the sandbox, which is not in this build yet")
}
