//! The benchmark's ceiling: a bare axum handler that reads a JSON body and
//! answers 200. Built and run by `bench/run.sh`; not part of leadrelay.
//!
//! Usage: `bench-baseline ADDRESS` (e.g. `127.0.0.1:18081`).

use axum::{routing::post, Json, Router};
use serde_json::{json, Value};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let address = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:18081".into());
    let app = Router::new().route("/forms/{form}", post(accept));
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!("listening on {}", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

/// Parses the JSON body (as leadrelay must) and answers like leadrelay does.
async fn accept(Json(_body): Json<Value>) -> Json<Value> {
    Json(json!({"id": "00000000-0000-0000-0000-000000000000", "status": "accepted"}))
}
