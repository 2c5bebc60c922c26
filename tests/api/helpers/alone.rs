//! Tests that read process-wide state (the Prometheus recorder's gauges and
//! unlabelled counters, which every app in this process shares) run alone, in
//! a child process of this test binary.

use std::{future::Future, process::Command};

/// Set in the child to the name of the one test it runs.
const ALONE: &str = "LEADRELAY_TEST_ALONE";

/// Runs `test` in a new process of this test binary where it is the only
/// test. `path` is the test's `module_path!()` and name, e.g.
/// `concat!(module_path!(), "::held_submissions_are_counted")`.
pub fn in_own_process<F: Future<Output = ()>>(path: &str, test: impl FnOnce() -> F) {
    // Test names leave out the crate: `api::ops::x` is the test `ops::x`.
    let name = path.split_once("::").map_or(path, |(_, name)| name);
    if std::env::var(ALONE).is_ok_and(|alone| alone == name) {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime")
            .block_on(test());
        return;
    }
    let output = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(ALONE, name)
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{name}, alone in its own process, failed:\n{stdout}\n{stderr}"
    );
}
