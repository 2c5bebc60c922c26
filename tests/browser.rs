//! Real headless Chromium, driven over WebDriver (chromedriver), through the
//! example pages served from another origin and through the admin page.
//!
//! Needs Debian's `chromium` and `chromium-driver`. Without them the test says
//! so and does not run, except under CI (`CI` set), where it fails.

mod common;

use std::{
    path::PathBuf,
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use axum::{extract::State, response::Html, routing::get, Router};
use common::{eventually, process::free_port, spawn_app_with, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use leadrelay::{domain::LeadState, outbox::LeadFilter, sandbox::Sandbox};
use serde_json::{json, Value};

const ADMIN_TOKEN: &str = "browser-admin-token";
const WAIT: Duration = Duration::from_secs(10);

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// chromedriver on a free port; killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver(chromedriver: &PathBuf) -> Driver {
    let port = free_port();
    let child = Command::new(chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
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

async fn open_browser(driver: &Driver, chromium: &PathBuf, profile: &tempfile::TempDir) -> Client {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": chromium,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-quic", "--no-first-run",
                "--disable-component-update", "--disable-sync",
                format!("--user-data-dir={}", profile.path().display()),
            ],
        },
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

/// The example pages, from their own origin, posting to `leads`.
async fn serve_examples(listener: tokio::net::TcpListener, leads: String) {
    async fn page(name: &str, leads: &str) -> Html<String> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("examples")
            .join(name);
        let text = std::fs::read_to_string(path).expect("example page");
        Html(text.replace("https://leads.example.com", leads))
    }
    let router =
        Router::new()
            .route(
                "/contact.html",
                get(
                    |State(leads): State<String>| async move { page("contact.html", &leads).await },
                ),
            )
            .route(
                "/contact-ajax.html",
                get(|State(leads): State<String>| async move {
                    page("contact-ajax.html", &leads).await
                }),
            )
            .route(
                "/thanks.html",
                get(|State(leads): State<String>| async move { page("thanks.html", &leads).await }),
            )
            .with_state(leads);
    axum::serve(listener, router).await.unwrap();
}

/// Polls the text of the first element matching `css` until `done` accepts it.
async fn wait_for_text(browser: &Client, css: &str, done: impl Fn(&str) -> bool) -> String {
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

async fn fill(browser: &Client, css: &str, text: &str) {
    let field = browser.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

async fn wait_for_state(app: &TestApp, email: &str, state: LeadState) -> String {
    eventually(&format!("{email} is {state}"), WAIT, || async {
        let filter = LeadFilter {
            state: Some(state),
            ..LeadFilter::default()
        };
        let leads = app.state.outbox.list(&filter).await.unwrap();
        leads
            .into_iter()
            .find(|l| l.email == email)
            .map(|l| l.id.to_string())
    })
    .await
}

#[tokio::test]
async fn example_pages_and_admin_page_work_in_headless_chromium() {
    let started = Instant::now();
    let (Some(chromium), Some(chromedriver)) = (
        find_program(&["chromium", "chromium-browser"]),
        find_program(&["chromedriver"]),
    ) else {
        if std::env::var_os("CI").is_some() {
            panic!("chromium and chromedriver are required under CI (apt-get install chromium chromium-driver)");
        }
        eprintln!("note: chromium not installed: browser test not run");
        return;
    };

    // Arrange: the site on one origin, leadrelay on another.
    let site = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site_url = format!("http://{}", site.local_addr().unwrap());
    let toml = format!(
        r#"
[server]
admin_token = "{ADMIN_TOKEN}"

[delivery]
pause_secs = 1

[forms.contact]
redirect = "{site_url}/thanks.html"
allowed_origins = ["{site_url}"]
honeypot = "_gotcha"
"#
    );
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.reject_email("refused@example.com");
    let app = spawn_app_with(&toml, sandbox).await;
    tokio::spawn(serve_examples(site, app.address.clone()));
    let spam: Value = app
        .post_json(
            "contact",
            &json!({"email": "bot@example.com", "_gotcha": "http://spam.example"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let spam_id = spam["id"].as_str().unwrap().to_owned();
    app.post_json("contact", &json!({"email": "refused@example.com"}))
        .await;
    // Refused while another lead goes through: the lead's own fault, so dead.
    app.post_json("contact", &json!({"email": "accepted@example.com"}))
        .await;
    let dead_id = wait_for_state(&app, "refused@example.com", LeadState::Dead).await;
    let driver = start_driver(&chromedriver).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = open_browser(&driver, &chromium, &profile).await;

    // Act + Assert 1: the plain form lands on the thank-you page.
    browser
        .goto(&format!("{site_url}/contact.html"))
        .await
        .unwrap();
    fill(&browser, "#name", "Plain Person").await;
    fill(&browser, "#email", "plain@example.com").await;
    fill(&browser, "#phone", "+1 555 0100").await;
    fill(&browser, "#message", "Sent from a plain form").await;
    click(&browser, "#send").await;
    let thanks = url::Url::parse(&format!("{site_url}/thanks.html")).unwrap();
    browser.wait().at_most(WAIT).for_url(&thanks).await.unwrap();
    wait_for_text(&browser, "#thanks", |t| t.contains("Thank you")).await;

    // 2: the fetch form shows the server's field error, then the success message.
    browser
        .goto(&format!("{site_url}/contact-ajax.html"))
        .await
        .unwrap();
    fill(&browser, "#name", "Ajax Person").await;
    fill(&browser, "#email", "not-an-email").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "[data-error-for=email]", |t| !t.is_empty()).await;
    let status = browser.find(Locator::Css("#form-status")).await.unwrap();
    assert_eq!(
        status.attr("class").await.unwrap().as_deref(),
        Some("failed")
    );
    fill(&browser, "#email", "ajax@example.com").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, "#form-status", |t| t.contains("Thank you")).await;
    let field_error = browser.find(Locator::Css("[data-error-for=email]")).await;
    assert_eq!(field_error.unwrap().text().await.unwrap(), "");

    // 3: both leads reach Agencyhandy.
    for email in ["plain@example.com", "ajax@example.com"] {
        eventually(&format!("{email} in the sandbox"), WAIT, || async {
            app.sandbox
                .lead_emails()
                .contains(&email.to_owned())
                .then_some(())
        })
        .await;
    }

    // 4: the admin page: sign in, see the leads, release the spam, retry the dead one.
    browser
        .goto(&format!("{}/admin", app.address))
        .await
        .unwrap();
    fill(&browser, "#token", ADMIN_TOKEN).await;
    click(&browser, "#sign-in").await;
    let spam_row = format!("tr[data-lead-id='{spam_id}']");
    let dead_row = format!("tr[data-lead-id='{dead_id}']");
    wait_for_text(&browser, &format!("{spam_row} .state"), |t| t == "spam").await;
    wait_for_text(&browser, &format!("{dead_row} .state"), |t| t == "dead").await;
    wait_for_text(&browser, &format!("{dead_row} .error"), |t| {
        t.contains("rejected")
    })
    .await;
    assert!(
        browser.get_all_cookies().await.unwrap().is_empty(),
        "no cookies"
    );
    click(&browser, &format!("{spam_row} button.release")).await;
    wait_for_text(&browser, &format!("{spam_row} .state"), |t| t != "spam").await;
    eventually("bot@example.com in the sandbox", WAIT, || async {
        let delivered = app.sandbox.lead_emails();
        delivered
            .contains(&"bot@example.com".to_owned())
            .then_some(())
    })
    .await;
    click(&browser, "#reload").await;
    wait_for_text(&browser, &format!("{spam_row} .state"), |t| {
        t == "delivered"
    })
    .await;
    app.sandbox.accept_email("refused@example.com");
    click(&browser, &format!("{dead_row} button.retry")).await;
    wait_for_text(&browser, "#status", |t| t.contains("Re-queued")).await;
    eventually("refused@example.com in the sandbox", WAIT, || async {
        let delivered = app.sandbox.lead_emails();
        delivered
            .contains(&"refused@example.com".to_owned())
            .then_some(())
    })
    .await;
    click(&browser, "#reload").await;
    wait_for_text(&browser, &format!("{dead_row} .state"), |t| {
        t == "delivered"
    })
    .await;

    browser.close().await.unwrap();
    eprintln!("browser test took {:?}", started.elapsed());
}
