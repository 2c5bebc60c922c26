//! `leadrelay demo`: the service against a built-in sandbox Agencyhandy
//! serving the newest generation of its API, with a sample contact form at `/`
//! that shows the leads the sandbox received. Nothing leaves the machine.

use std::process::ExitCode;

use axum::{response::Html, routing::get, Json, Router};

use crate::{
    config::Settings,
    sandbox::Sandbox,
    startup::{shutdown_signal, Application, BuildOptions},
    telemetry,
};

/// Runs the demo on `127.0.0.1:port` until Ctrl-C.
pub(crate) async fn run(port: u16) -> anyhow::Result<ExitCode> {
    let sandbox = Sandbox::start().await?;
    let db = std::env::temp_dir().join(format!("leadrelay-demo-{}.db", std::process::id()));
    let mut settings = Settings::from_toml(&demo_config(port, &db.display().to_string()))?;
    settings.agencyhandy.api_url = sandbox.url();
    settings.agencyhandy.api_key = Some(sandbox.api_key().to_owned().into());
    telemetry::init_tracing(&settings.log);

    let shown = sandbox.clone();
    let pages = Router::new()
        .route("/", get(|| async { Html(DEMO_PAGE) }))
        .route(
            "/demo/leads",
            get(move || {
                let sandbox = shown.clone();
                async move { Json(sandbox.leads()) }
            }),
        );
    let options = BuildOptions {
        extra_routes: Some(pages),
        ..BuildOptions::default()
    };
    let app = Application::build_with(settings, options).await?;
    let address = app.local_addr();
    println!(
        "leadrelay demo: open http://{address}/ (sandbox Agencyhandy, API generation {}, at {}; nothing leaves this machine)",
        sandbox.generation(),
        sandbox.url()
    );
    println!("  try: curl -s -X POST http://{address}/forms/contact -H 'content-type: application/json' -d '{{\"name\":\"Ada Lovelace\",\"email\":\"ada@example.com\"}}'");
    let stop = app.shutdown_token();
    tokio::spawn(async move {
        shutdown_signal().await;
        stop.cancel();
    });
    app.run_until_stopped().await?;
    sandbox.shutdown();
    let _ = std::fs::remove_file(&db);
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    Ok(ExitCode::SUCCESS)
}

fn demo_config(port: u16, db: &str) -> String {
    format!(
        r#"
[server]
listen = "127.0.0.1:{port}"

[storage]
url = "sqlite://{db}"

[delivery]
poll_interval_ms = 200

[forms.contact]
honeypot = "_gotcha"
source = "leadrelay demo"
"#
    )
}

const DEMO_PAGE: &str = include_str!("demo.html");
