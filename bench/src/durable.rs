//! The benchmark's durable ceiling: the least work any "stored before 2xx"
//! intake can do. axum parses the JSON body; one writer thread appends every
//! body queued since its last sync to a file, calls `fdatasync` once, and only
//! then lets those requests answer 200. Built and run by `bench/run.sh`; not
//! part of leadrelay.
//!
//! Usage: `bench-durable ADDRESS FILE` (e.g. `127.0.0.1:18084 /tmp/run/durable.log`).

use std::{
    fs::{File, OpenOptions},
    io::Write,
    path::PathBuf,
    sync::mpsc,
};

use axum::{
    body::Bytes, extract::State, http::StatusCode, response::IntoResponse, routing::post, Json,
    Router,
};
use serde_json::{json, Value};
use tokio::sync::oneshot;

/// A body to store, and who waits for it to be durable.
type Entry = (Bytes, oneshot::Sender<()>);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let address = args.next().unwrap_or_else(|| "127.0.0.1:18084".into());
    let path = PathBuf::from(args.next().unwrap_or_else(|| "durable.log".into()));
    let file = OpenOptions::new().create(true).append(true).open(&path)?;
    let (sender, receiver) = mpsc::channel::<Entry>();
    std::thread::Builder::new()
        .name("durable-writer".into())
        .spawn(move || write_until_closed(file, receiver))?;
    let app = Router::new()
        .route("/forms/{form}", post(accept))
        .with_state(sender);
    let listener = tokio::net::TcpListener::bind(&address).await?;
    println!(
        "listening on {} appending to {}",
        listener.local_addr()?,
        path.display()
    );
    axum::serve(listener, app).await?;
    Ok(())
}

/// Parses the JSON body (as leadrelay must), hands it to the writer, and
/// answers like leadrelay once the writer's `fdatasync` covered it.
async fn accept(State(writer): State<mpsc::Sender<Entry>>, body: Bytes) -> impl IntoResponse {
    if serde_json::from_slice::<Value>(&body).is_err() {
        return (StatusCode::BAD_REQUEST, Json(json!({"error": "not JSON"})));
    }
    let (done, durable) = oneshot::channel();
    if writer.send((body, done)).is_err() || durable.await.is_err() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "writer stopped"})),
        );
    }
    (
        StatusCode::OK,
        Json(json!({"id": "00000000-0000-0000-0000-000000000000", "status": "accepted"})),
    )
}

/// Group commit at its simplest: take everything queued, append it, sync once, answer all.
fn write_until_closed(mut file: File, queue: mpsc::Receiver<Entry>) {
    let mut buffer = Vec::with_capacity(1 << 20);
    let mut waiting = Vec::new();
    while let Ok(first) = queue.recv() {
        waiting.push(first);
        waiting.extend(queue.try_iter());
        for (body, _) in &waiting {
            buffer.extend_from_slice(body);
            buffer.push(b'\n');
        }
        let stored = file.write_all(&buffer).and_then(|()| file.sync_data());
        buffer.clear();
        if let Err(error) = stored {
            eprintln!("bench-durable: {error}");
            return;
        }
        for (_, done) in waiting.drain(..) {
            let _ = done.send(());
        }
    }
}
