//! Black-box tests of the Agencyhandy client, against the in-process sandbox
//! and (for exact response shapes) wiremock.

mod create;
mod discovery;
mod failures;
mod generations;
// Not `metrics`: that is the crate the module uses.
#[path = "agencyhandy_client/metrics.rs"]
mod recorded_metrics;
mod sandbox;
mod shapes;

use std::{
    future::Future,
    time::{Duration, Instant},
};

use leadrelay::{
    agencyhandy::WorkspaceClient,
    config::{EndpointKind, WorkspaceSettings},
    domain::Email,
    mapping::Member,
    sandbox::Sandbox,
};

/// Settings for a workspace at `url` with `key`.
pub fn settings(url: &str, key: &str, endpoint: EndpointKind) -> WorkspaceSettings {
    WorkspaceSettings {
        api_url: url.to_owned(),
        api_key: Some(key.to_owned().into()),
        endpoint,
        timeout_secs: 5,
        ..WorkspaceSettings::default()
    }
}

/// A fresh client of the sandbox, discovering everything.
pub fn sandbox_client(sandbox: &Sandbox, endpoint: EndpointKind) -> WorkspaceClient {
    WorkspaceClient::new(
        "test",
        &settings(&sandbox.url(), sandbox.api_key(), endpoint),
    )
    .expect("client builds")
}

/// A member as mapping would make it.
pub fn member(email: &str) -> Member {
    Member {
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        email: Email::parse(email).expect("valid test e-mail"),
        contact_no: Some("+44 20 7946 0000".into()),
        status: "New".into(),
        source: "website".into(),
        position_in_board: 1,
        send_invitation_email: false,
        extra: serde_json::Map::new(),
    }
}

/// Runs `fut`, failing the test if it takes longer than `limit`.
pub async fn within<T>(limit: Duration, fut: impl Future<Output = T>) -> T {
    let started = Instant::now();
    tokio::time::timeout(limit, fut)
        .await
        .unwrap_or_else(|_| panic!("did not finish within {limit:?} (started {started:?})"))
}
