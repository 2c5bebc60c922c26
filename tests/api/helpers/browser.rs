//! Real headless Chromium driven over WebDriver (chromedriver): starting both,
//! and the few steps the browser tests take (fill, click, wait for text).
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them a test says
//! so and does not run, except under CI (`CI` set), where it fails.

use std::{
    os::unix::process::CommandExt,
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use fantoccini::{elements::Element, Client, ClientBuilder, Locator};
use serde_json::{json, Value};

use super::{eventually, process::free_port};

/// How long a step may take in the browser.
pub const WAIT: Duration = Duration::from_secs(10);

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// Chromium and chromedriver, or `None` (said on stderr) when they are not
/// installed; under CI their absence fails the test.
pub fn chromium() -> Option<(PathBuf, PathBuf)> {
    match (
        find_program(&["chromium", "chromium-browser"]),
        find_program(&["chromedriver"]),
    ) {
        (Some(chromium), Some(driver)) => Some((chromium, driver)),
        _ if std::env::var_os("CI").is_some() => panic!(
            "chromium and chromedriver are required under CI (apt-get install chromium chromium-driver)"
        ),
        _ => {
            eprintln!("note: chromium not installed: browser test not run");
            None
        }
    }
}

/// chromedriver on a free port, in a process group of its own with the
/// browsers it starts; the whole group is killed on drop, so a test that
/// fails before closing its browser leaves no Chromium behind.
pub struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-TERM", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts chromedriver and waits until it answers.
pub async fn start_driver((chromium, chromedriver): (PathBuf, PathBuf)) -> Driver {
    let port = free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
        chromium,
    };
    let status = format!("{}/status", driver.url);
    eventually("chromedriver answers", WAIT, || {
        let status = status.clone();
        async move {
            reqwest::get(status)
                .await
                .ok()
                .filter(|r| r.status() == 200)
        }
    })
    .await;
    driver
}

/// A browser session with its own profile, extra command-line `args` and
/// profile `prefs` (such as `{"enable_do_not_track": true}`).
pub async fn open_browser(
    driver: &Driver,
    profile: &tempfile::TempDir,
    args: &[&str],
    prefs: Value,
) -> Client {
    let mut all_args = vec![
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--hide-scrollbars".to_owned(),
        "--force-device-scale-factor=1".to_owned(),
        format!("--user-data-dir={}", profile.path().display()),
    ];
    all_args.extend(args.iter().map(|a| (*a).to_owned()));
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": driver.chromium, "args": all_args, "prefs": prefs },
    });
    let Value::Object(capabilities) = capabilities else {
        unreachable!()
    };
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a Chromium session starts")
}

/// The first element matching `css`, waiting for it to appear.
pub async fn find(browser: &Client, css: &str) -> Element {
    browser
        .wait()
        .at_most(WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no element {css}: {e}"))
}

/// Polls the text of the first element matching `css` until `done` accepts it.
pub async fn wait_for_text(browser: &Client, css: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + WAIT;
    let mut last = String::new();
    while Instant::now() < deadline {
        if let Ok(element) = browser.find(Locator::Css(css)).await {
            last = element.text().await.unwrap_or_default();
            if done(&last) {
                return last;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting on {css}; its text was {last:?}");
}

/// Polls how many elements match `css` until it is `n`.
pub async fn wait_for_count(browser: &Client, css: &str, n: usize) {
    let deadline = Instant::now() + WAIT;
    let mut last = 0;
    while Instant::now() < deadline {
        last = browser
            .find_all(Locator::Css(css))
            .await
            .map_or(0, |all| all.len());
        if last == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {n} of {css}; found {last}");
}

/// Replaces the value of the input matching `css` by typing `text`.
pub async fn fill(browser: &Client, css: &str, text: &str) {
    let field = find(browser, css).await;
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Clicks the element matching `css`.
pub async fn click(browser: &Client, css: &str) {
    find(browser, css).await.click().await.unwrap();
}

/// The Enter key, for [`Element::send_keys`].
pub const ENTER: &str = "\u{E007}";

/// Saves a PNG of the window as `NAME.png` in `LEADRELAY_SCREENSHOTS`, when set.
pub async fn screenshot(browser: &Client, name: &str) {
    let Some(dir) = std::env::var_os("LEADRELAY_SCREENSHOTS") else {
        return;
    };
    let png = browser.screenshot().await.expect("a screenshot");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(PathBuf::from(dir).join(format!("{name}.png")), png).unwrap();
}
