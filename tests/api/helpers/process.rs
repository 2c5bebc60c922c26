//! The real `leadrelay` binary as a child process, its stderr collected line by line.

use std::{
    collections::BTreeSet,
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    thread::JoinHandle,
    time::Duration,
};

use rand::Rng;

use super::{eventually, TestApp};

/// A running `leadrelay` process.
pub struct Running {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<JoinHandle<()>>,
}

/// `leadrelay ARGS...`, ready for `.env()` and friends.
pub fn leadrelay(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_leadrelay"));
    command.args(args);
    command
}

/// Runs `leadrelay ARGS --config FILE` to its end: (success, stdout + stderr).
pub fn cli(config: &Path, args: &[&str]) -> (bool, String) {
    let output = leadrelay(args)
        .arg("--config")
        .arg(config)
        .env_remove("LEADRELAY_CONFIG")
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

/// A config file for [`cli`] on the app's database, with `extra` TOML (forms).
pub fn cli_config(app: &TestApp, extra: &str) -> PathBuf {
    let path = app
        .dir
        .path()
        .join(format!("cli-{}.toml", uuid::Uuid::now_v7().simple()));
    let toml = format!(
        "[storage]\nurl = \"{}\"\n[agencyhandy]\napi_key = \"unused\"\n{extra}",
        app.state.settings.storage.url
    );
    std::fs::write(&path, toml).expect("config written");
    path
}

/// A port that was free a moment ago, for configs that cannot say port 0.
///
/// Every test of this binary shares the machine's ports: the port is one no
/// other test here was given, and below Linux's ephemeral range (32768 up),
/// so no `127.0.0.1:0` listener or outgoing connection of this process takes
/// it before the child process binds it.
pub fn free_port() -> u16 {
    static GIVEN: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    loop {
        let port = rand::thread_rng().gen_range(20_000..32_000);
        if !given.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.insert(port);
            return port;
        }
    }
}

impl Running {
    /// Starts `command` with stderr collected and stdout discarded.
    pub fn spawn(mut command: Command) -> Running {
        let mut child = command
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stderr = child.stderr.take().expect("stderr is piped");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(line);
            }
        });
        Running {
            child,
            lines,
            reader: Some(reader),
        }
    }

    /// The stderr lines so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Waits for a stderr line containing `needle`, and returns it.
    pub async fn wait_for_line(&self, needle: &str) -> String {
        eventually(
            &format!("a log line containing {needle:?}"),
            Duration::from_secs(20),
            || async { self.lines().into_iter().find(|line| line.contains(needle)) },
        )
        .await
    }

    /// Kills the process with SIGKILL, as a crash would, and reaps it.
    pub fn kill(&mut self) {
        self.child.kill().expect("the process can be killed");
        self.child.wait().expect("the process is reaped");
    }

    /// Sends SIGTERM (a graceful shutdown) without waiting.
    pub fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// The process ID.
    pub fn id(&self) -> u32 {
        self.child.id()
    }

    /// Waits (polling, up to `timeout`) for the process to exit; its status.
    pub async fn exit_within(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("the process can be polled") {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the process did not exit within {timeout:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the process with SIGTERM (a graceful shutdown) and returns every stderr line.
    pub fn stop(mut self) -> Vec<String> {
        self.terminate();
        let _ = self.child.wait();
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
        self.lines()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
