//! A full disk, for real: the binary keeps its SQLite database on a 4 MiB
//! tmpfs of its own (a private mount namespace, gone with the process), the
//! test fills that filesystem, and `/readyz` must say 503 for as long as
//! submissions cannot be stored, then 200 again once space is freed. (Reads
//! kept working on the full disk, so a read-only readiness check said ready
//! while every submission got 503.)

use std::{
    io::Write,
    path::{Path, PathBuf},
    process::Command,
    time::Duration,
};

use crate::helpers::{binary::Binary, eventually, sandbox_leads};
use leadrelay::sandbox::Sandbox;
use serde_json::json;

const MOUNT_THEN_SERVE: &str =
    r#"mount -t tmpfs -o size=4m leadrelay-test "$0" && exec "$1" serve --config "$2""#;

/// `unshare` flags that give a process a mount namespace where it may mount a
/// tmpfs: root needs only `-m`; others map themselves to root in a user namespace.
fn private_mount_flags(probe_dir: &Path) -> Option<&'static str> {
    ["-m", "-rm"].into_iter().find(|flags| {
        Command::new("unshare")
            .args([flags, "sh", "-c", r#"mount -t tmpfs -o size=1m probe "$0""#])
            .arg(probe_dir)
            .output()
            .is_ok_and(|output| output.status.success())
    })
}

/// The path of `inside` as the process `pid` sees it (its own mounts).
fn seen_by(pid: u32, inside: &Path) -> PathBuf {
    Path::new(&format!("/proc/{pid}/root")).join(inside.strip_prefix("/").unwrap())
}

/// Writes to `filler` until the filesystem is full; refuses to write more than
/// `cap` bytes (the filesystem is smaller: past it, something is wrong).
fn fill(filler: &Path, cap: usize) {
    let mut file = std::fs::File::create(filler).unwrap();
    let chunk = vec![0x5a_u8; 64 * 1024];
    let mut written = 0;
    loop {
        match file.write_all(&chunk).and_then(|()| file.sync_all()) {
            Ok(()) => written += chunk.len(),
            Err(error) if error.raw_os_error() == Some(28) => return, // ENOSPC
            Err(error) => panic!("filling the disk failed: {error}"),
        }
        assert!(
            written <= cap,
            "wrote {written} bytes and the disk is not full"
        );
    }
}

async fn status(request: reqwest::RequestBuilder) -> u16 {
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_says_503_while_the_disk_is_full_and_200_once_space_is_freed() {
    let probe = tempfile::tempdir().unwrap();
    let Some(flags) = private_mount_flags(probe.path()) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must run the disk-full test: unshare cannot give a mount namespace here"
        );
        eprintln!(
            "note: no private mount namespace (unshare -m / -rm); the disk-full test does not run"
        );
        return;
    };
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let disk = dir.path().join("disk");
    std::fs::create_dir(&disk).unwrap();
    let config = dir.path().join("leadrelay.toml");
    std::fs::write(
        &config,
        format!(
            "[server]\nlisten = \"127.0.0.1:0\"\nrate_limit_per_minute = 0\n[log]\nformat = \"json\"\n\
             [agencyhandy]\napi_url = \"{}\"\n[storage]\nurl = \"sqlite://{}/leads.db\"\n\
             [delivery]\npoll_interval_ms = 50\n[forms.ajax]\n",
            sandbox.url(),
            disk.display()
        ),
    )
    .unwrap();
    let mut command = Command::new("unshare");
    command
        .args([flags, "sh", "-c", MOUNT_THEN_SERVE])
        .arg(&disk)
        .arg(env!("CARGO_BIN_EXE_leadrelay"))
        .arg(&config)
        .env("LEADRELAY_AGENCYHANDY__API_KEY", sandbox.api_key())
        .env("RUST_LOG", "info");
    let app = Binary::start_command(command).await;
    let pid = app.process.id();
    let mounts = std::fs::read_to_string(format!("/proc/{pid}/mountinfo")).unwrap();
    assert!(
        mounts
            .lines()
            .any(|line| line.contains(&format!(" {} ", disk.display())) && line.contains(" tmpfs ")),
        "the database directory is the process's own tmpfs:\n{mounts}"
    );
    let http = reqwest::Client::new();
    let submit = |email: &str| {
        http.post(format!("{}/forms/ajax", app.address))
            .json(&json!({"email": email, "name": "Disk Test"}))
    };
    let readyz = || http.get(format!("{}/readyz", app.address));
    assert_eq!(status(submit("before@example.com")).await, 200);
    assert_eq!(status(readyz()).await, 200);

    let filler = seen_by(pid, &disk).join("filler");
    fill(&filler, 16 * 1024 * 1024);
    let mut refused_after = None;
    for n in 0..200 {
        if status(submit(&format!("full-{n}@example.com"))).await == 503 {
            refused_after = Some(n);
            break;
        }
    }
    let mut while_full = Vec::new();
    for _ in 0..3 {
        while_full.push(status(readyz()).await);
    }
    let still_refused = status(submit("still-full@example.com")).await;
    std::fs::remove_file(&filler).unwrap();

    assert!(
        refused_after.is_some(),
        "submissions were stored on a full disk"
    );
    assert_eq!(still_refused, 503);
    assert_eq!(
        while_full,
        [503, 503, 503],
        "ready while nothing can be stored"
    );
    eventually(
        "ready once space is freed",
        Duration::from_secs(30),
        || async { (status(readyz()).await == 200).then_some(()) },
    )
    .await;
    assert_eq!(status(submit("after@example.com")).await, 200);
    eventually(
        "the lead after the disk was freed delivered",
        Duration::from_secs(30),
        || async {
            sandbox
                .lead_emails()
                .contains(&"after@example.com".to_owned())
                .then_some(())
        },
    )
    .await;
    assert!(!sandbox_leads(&sandbox, 1).await.is_empty());
}
