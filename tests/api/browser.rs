//! Real headless Chromium through the example pages, served from another
//! origin than leadrelay's under a strict Content-Security-Policy: the plain
//! form, the same form enhanced by `embed.js` (attribution, spam guards,
//! inline errors, funnel reports), the page with JavaScript off, and a
//! visitor asking not to be tracked.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex},
};

use crate::helpers::browser::{
    chromium, click, fill, find, open_browser, start_driver, wait_for_count, wait_for_text, WAIT,
};
use crate::helpers::{eventually, spawn_app_with, TestApp};
use axum::{
    extract::{Path, Query, State},
    http::{header, StatusCode},
    response::{Html, IntoResponse, Response},
    routing::{get, post},
    Router,
};
use fantoccini::Client;
use leadrelay::{outbox::LeadFilter, sandbox::Sandbox};
use serde_json::{json, Value};

const ADMIN_TOKEN: &str = "browser-admin-token";

/// The site: the example pages, with leadrelay's address filled in, each
/// under a policy that lets scripts come from leadrelay only.
#[derive(Clone)]
struct Site {
    leads: String,
    /// The CSP violation reports the browser sent.
    violations: Arc<Mutex<Vec<String>>>,
}

async fn site_page(State(site): State<Site>, Path(name): Path<String>) -> Response {
    let (file, form) = match name.as_str() {
        "inline-embed.html" => ("contact-embed.html", Some("inline")),
        other => (other, None),
    };
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(file);
    let Ok(mut text) = std::fs::read_to_string(path) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    text = text.replace("https://leads.example.com", &site.leads);
    if let Some(form) = form {
        text = text
            .replace("/forms/contact", &format!("/forms/{form}"))
            .replace("data-form=\"contact\"", &format!("data-form=\"{form}\""));
    }
    let policy = format!(
        "default-src 'self'; script-src {leads}; connect-src {leads}; \
         form-action {leads} 'self'; style-src 'self' 'unsafe-inline'; report-uri /csp-report",
        leads = site.leads
    );
    ([(header::CONTENT_SECURITY_POLICY, policy)], Html(text)).into_response()
}

/// A page on another site linking to `to`, the landing page with campaign parameters.
async fn search_page(Query(link): Query<HashMap<String, String>>) -> Html<String> {
    Html(format!(
        "<!doctype html><title>Search</title><a id=\"result\" href=\"{}\">Result</a>",
        link["to"].replace('&', "&amp;")
    ))
}

async fn serve_site(listener: tokio::net::TcpListener, site: Site) {
    let router = Router::new()
        .route("/search", get(search_page))
        .route(
            "/csp-report",
            post(|State(site): State<Site>, body: String| async move {
                site.violations.lock().unwrap().push(body);
                StatusCode::NO_CONTENT
            }),
        )
        .route("/{page}", get(site_page))
        .with_state(site);
    axum::serve(listener, router).await.unwrap();
}

async fn lead_of(app: &TestApp, email: &str) -> Value {
    let leads = eventually(&format!("{email} stored"), WAIT, || async {
        let leads = app.state.outbox.list(&LeadFilter::default()).await.ok()?;
        leads.into_iter().find(|l| l.email == email)
    })
    .await;
    let detail = app.state.outbox.get(leads.id).await.unwrap().unwrap();
    serde_json::to_value(detail).unwrap()
}

async fn funnel_totals(app: &TestApp, form: &str) -> Value {
    let summary: Value = app
        .http
        .get(format!("{}/admin/summary", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    summary["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["form"] == form)
        .unwrap()["totals"]
        .clone()
}

fn submitted_field<'a>(lead: &'a Value, name: &str) -> Option<&'a str> {
    lead["submission"]["submission"]["fields"]
        .as_array()?
        .iter()
        .find(|pair| pair[0] == name)?[1]
        .as_str()
}

async fn plain_form_lands_on_the_thank_you_page(browser: &Client, site: &str) {
    browser.goto(&format!("{site}/contact.html")).await.unwrap();
    fill(browser, "#name", "Plain Person").await;
    fill(browser, "#email", "plain@example.com").await;
    fill(browser, "#message", "Sent from a plain form").await;
    click(browser, "#send").await;
    let thanks = url::Url::parse(&format!("{site}/thanks.html")).unwrap();
    browser.wait().at_most(WAIT).for_url(&thanks).await.unwrap();
    wait_for_text(browser, "#thanks", |t| t.contains("Thank you")).await;
}

/// Arrives from another site with campaign parameters, comes back later
/// without them, gets an inline error, fixes it, lands on the thank-you page.
async fn embed_form_sends_the_first_touch_and_shows_errors_inline(
    browser: &Client,
    site: &str,
    other_site: &str,
) {
    let landing = format!(
        "{site}/contact-embed.html?utm_source=newsletter&utm_medium=email&utm_campaign=spring&gclid=g-123"
    );
    let to: String = url::form_urlencoded::byte_serialize(landing.as_bytes()).collect();
    browser
        .goto(&format!("{other_site}/search?to={to}"))
        .await
        .unwrap();
    click(browser, "#result").await;
    find(browser, "form[data-leadrelay=contact]").await;

    browser
        .goto(&format!("{site}/contact-embed.html"))
        .await
        .unwrap();
    find(browser, "form[data-leadrelay=contact]").await;
    wait_for_count(browser, "form input[name=_gotcha]", 1).await;
    fill(browser, "#name", "Embed Person").await;
    fill(browser, "#email", "someone@localhost").await;
    click(browser, "#send").await;
    let error = wait_for_text(browser, "#email + .leadrelay-error", |t| !t.is_empty()).await;
    assert!(error.contains("someone@localhost"), "{error}");
    let email = find(browser, "#email").await;
    assert_eq!(
        email.attr("aria-invalid").await.unwrap().as_deref(),
        Some("true")
    );
    wait_for_text(browser, ".leadrelay-status.leadrelay-failed", |t| {
        !t.is_empty()
    })
    .await;

    fill(browser, "#email", "embed@example.com").await;
    click(browser, "#send").await;
    let thanks = url::Url::parse(&format!("{site}/thanks.html")).unwrap();
    browser.wait().at_most(WAIT).for_url(&thanks).await.unwrap();
}

#[tokio::test]
async fn example_pages_work_from_another_origin_under_a_strict_policy() {
    let Some(tools) = chromium() else { return };
    let site_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = site_listener.local_addr().unwrap().port();
    let site_url = format!("http://127.0.0.1:{port}");
    // The same server under another name: another site, for the referrer.
    let other_site = format!("http://localhost:{port}");
    let toml = format!(
        r#"
[server]
admin_token = "{ADMIN_TOKEN}"

[forms.contact]
redirect = "{site_url}/thanks.html"
allowed_origins = ["{site_url}"]
honeypot = "_gotcha"

[forms.inline]
allowed_origins = ["{site_url}"]
honeypot = "_gotcha"
"#
    );
    let app = spawn_app_with(&toml, Sandbox::start().await.unwrap()).await;
    let site = Site {
        leads: app.address.clone(),
        violations: Arc::default(),
    };
    tokio::spawn(serve_site(site_listener, site.clone()));
    let driver = start_driver(tools).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = open_browser(&driver, &profile, &[], json!({})).await;

    plain_form_lands_on_the_thank_you_page(&browser, &site_url).await;
    embed_form_sends_the_first_touch_and_shows_errors_inline(&browser, &site_url, &other_site)
        .await;
    browser
        .goto(&format!("{site_url}/inline-embed.html"))
        .await
        .unwrap();
    fill(&browser, "#email", "inline@example.com").await;
    click(&browser, "#send").await;
    wait_for_text(&browser, ".leadrelay-status.leadrelay-ok", |t| {
        t.contains("Thank you")
    })
    .await;
    let emptied = find(&browser, "#email").await.prop("value").await.unwrap();
    assert_eq!(emptied.as_deref(), Some(""), "the form is reset");

    // The lead carries the first touch, the honeypot (empty) and the fill time.
    let lead = lead_of(&app, "embed@example.com").await;
    let member = &lead["member"];
    assert_eq!(
        member["utm"],
        json!({"source": "newsletter", "medium": "email", "campaign": "spring", "gclid": "g-123"})
    );
    assert!(member["landingPage"]
        .as_str()
        .unwrap()
        .contains("utm_source=newsletter"));
    assert!(
        member["referrer"]
            .as_str()
            .unwrap()
            .starts_with(&other_site),
        "{member}"
    );
    assert_eq!(member["pageUrl"], format!("{site_url}/contact-embed.html"));
    assert_eq!(submitted_field(&lead, "_gotcha"), Some(""));
    let fill_ms: u64 = submitted_field(&lead, "_ts").unwrap().parse().unwrap();
    assert!(fill_ms > 0, "{fill_ms}");
    for email in [
        "plain@example.com",
        "embed@example.com",
        "inline@example.com",
    ] {
        eventually(&format!("{email} delivered"), WAIT, || async {
            app.sandbox
                .lead_emails()
                .contains(&email.to_owned())
                .then_some(())
        })
        .await;
    }

    // The funnel: two page views of the contact form, one start, and both
    // submissions (the plain one too); the refused one is not a submission.
    let totals = eventually("the funnel reports", WAIT, || async {
        let totals = funnel_totals(&app, "contact").await;
        (totals["views"] == 2 && totals["starts"] == 1).then_some(totals)
    })
    .await;
    assert_eq!(totals["submissions"], 2, "{totals}");
    assert!(
        browser.get_all_cookies().await.unwrap().is_empty(),
        "no cookies"
    );
    browser.close().await.unwrap();
    let violations = site.violations.lock().unwrap().clone();
    assert!(violations.is_empty(), "CSP violations: {violations:?}");
}

#[tokio::test]
async fn without_javascript_the_form_still_posts_and_do_not_track_is_honoured() {
    let Some(tools) = chromium() else { return };
    let site_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site_url = format!("http://{}", site_listener.local_addr().unwrap());
    let toml = format!(
        r#"
[server]
admin_token = "{ADMIN_TOKEN}"

[forms.contact]
redirect = "{site_url}/thanks.html"
allowed_origins = ["{site_url}"]
honeypot = "_gotcha"

[forms.inline]
allowed_origins = ["{site_url}"]
"#
    );
    let app = spawn_app_with(&toml, Sandbox::start().await.unwrap()).await;
    let site = Site {
        leads: app.address.clone(),
        violations: Arc::default(),
    };
    tokio::spawn(serve_site(site_listener, site.clone()));
    let driver = start_driver(tools).await;

    // JavaScript off: the embed page is a plain form, and posts as one.
    let profile = tempfile::tempdir().unwrap();
    let no_js = open_browser(
        &driver,
        &profile,
        &["--blink-settings=scriptEnabled=false"],
        json!({}),
    )
    .await;
    no_js
        .goto(&format!("{site_url}/contact-embed.html"))
        .await
        .unwrap();
    fill(&no_js, "#email", "nojs@example.com").await;
    click(&no_js, "#send").await;
    let thanks = url::Url::parse(&format!("{site_url}/thanks.html")).unwrap();
    no_js.wait().at_most(WAIT).for_url(&thanks).await.unwrap();
    let lead = lead_of(&app, "nojs@example.com").await;
    assert_eq!(submitted_field(&lead, "_ts"), None, "no script ran");
    no_js.close().await.unwrap();

    // Do Not Track: the lead is sent, but no view or start is reported, and
    // the first touch is kept for this visit only.
    let profile = tempfile::tempdir().unwrap();
    let private = open_browser(&driver, &profile, &[], json!({"enable_do_not_track": true})).await;
    private
        .goto(&format!("{site_url}/inline-embed.html?utm_source=private"))
        .await
        .unwrap();
    find(&private, "form[data-leadrelay=inline]").await;
    let signals = private
        .execute(
            "return [navigator.doNotTrack, localStorage.getItem('leadrelay-first-touch'), \
             sessionStorage.getItem('leadrelay-first-touch')]",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(signals[0], "1", "the browser sends Do Not Track");
    assert!(
        signals[1].is_null(),
        "nothing kept beyond the visit: {signals}"
    );
    assert!(
        signals[2].as_str().unwrap().contains("private"),
        "{signals}"
    );
    fill(&private, "#email", "private@example.com").await;
    click(&private, "#send").await;
    wait_for_text(&private, ".leadrelay-status.leadrelay-ok", |t| {
        t.contains("Thank you")
    })
    .await;
    let lead = lead_of(&app, "private@example.com").await;
    assert_eq!(lead["member"]["utm"], json!({"source": "private"}));
    private.close().await.unwrap();
    let totals = funnel_totals(&app, "inline").await;
    assert_eq!(
        (
            totals["views"].as_u64(),
            totals["starts"].as_u64(),
            totals["submissions"].as_u64()
        ),
        (Some(0), Some(0), Some(1)),
        "{totals}"
    );
    let violations = site.violations.lock().unwrap().clone();
    assert!(violations.is_empty(), "CSP violations: {violations:?}");
}
