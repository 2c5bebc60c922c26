//! Helpers for the tests of delivery against each generation of the API and
//! of workspace faults: a form per workspace, the stored leads, the paused
//! gauge.

use std::time::Duration;

use leadrelay::{domain::LeadState, outbox::LeadSummary};

use super::{eventually, TestApp};

/// A long deadline: the machine running the tests is shared and loaded.
pub const WAIT: Duration = Duration::from_secs(30);

/// TOML for a workspace `name` (the sandbox's URL and key are filled in by
/// the harness) with `settings`, and a form `name` sending to it. Each test
/// uses its own workspace, so that its `leadrelay_workspace_paused` series is its own.
pub fn workspace(name: &str, settings: &str) -> String {
    format!("[workspaces.{name}]\n{settings}\n[forms.{name}]\nworkspace = \"{name}\"\n")
}

/// Every stored lead, newest first.
pub async fn stored(app: &TestApp) -> Vec<LeadSummary> {
    let filter = leadrelay::outbox::LeadFilter {
        limit: Some(10_000),
        ..Default::default()
    };
    app.state.outbox.list(&filter).await.expect("leads listed")
}

/// Waits until the stored leads satisfy `check`, and returns them.
pub async fn leads_until(
    app: &TestApp,
    what: &str,
    check: impl Fn(&[LeadSummary]) -> bool,
) -> Vec<LeadSummary> {
    eventually(what, WAIT, || async {
        let leads = stored(app).await;
        check(&leads).then_some(leads)
    })
    .await
}

/// Whether every lead is in `state`.
pub fn all_in(leads: &[LeadSummary], n: usize, state: LeadState) -> bool {
    leads.len() == n && leads.iter().all(|lead| lead.state == state)
}

/// Whether `n` leads wait with a reason containing `needle`, none having spent an attempt.
pub fn waiting_for(leads: &[LeadSummary], n: usize, needle: &str) -> bool {
    leads.len() == n
        && leads.iter().all(|lead| {
            matches!(lead.state, LeadState::Pending | LeadState::Retrying)
                && lead.attempts == 0
                && lead
                    .last_error
                    .as_deref()
                    .is_some_and(|e| e.contains(needle))
        })
}

/// How many leads are in `state`.
pub fn count(leads: &[LeadSummary], state: LeadState) -> usize {
    leads.iter().filter(|lead| lead.state == state).count()
}

/// `leadrelay_workspace_paused{workspace}` as `/metrics` shows it.
pub async fn paused_gauge(app: &TestApp, workspace: &str) -> Option<f64> {
    let text = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    let series = format!("leadrelay_workspace_paused{{workspace=\"{workspace}\"}} ");
    text.lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|value| value.trim().parse().ok())
}

/// Waits until the workspace's paused gauge reads `value`.
pub async fn gauge_reads(app: &TestApp, workspace: &str, value: f64) {
    eventually(
        &format!("leadrelay_workspace_paused{{workspace=\"{workspace}\"}} {value}"),
        WAIT,
        || async { (paused_gauge(app, workspace).await == Some(value)).then_some(()) },
    )
    .await;
}
