//! The admin page in real headless Chromium, as an operator uses it: sign in
//! with the keyboard, read the counts and the funnel, search, filter, open a
//! lead's page (its submission, member, attempts and reason; a test lead's
//! request), and retry and release in bulk; at desktop and phone widths.
//! With `LEADRELAY_SCREENSHOTS=DIR` set, it saves PNGs of what it saw there.

use std::time::Duration;

use crate::helpers::browser::{
    chromium, click, fill, find, open_browser, screenshot, start_driver, wait_for_count,
    wait_for_text, ENTER,
};
use crate::helpers::{eventually, spawn_app_with, TestApp};
use fantoccini::{Client, Locator};
use leadrelay::{domain::LeadState, outbox::LeadFilter, sandbox::Sandbox};
use serde_json::json;

const ADMIN_TOKEN: &str = "browser-admin-token";

async fn id_of(app: &TestApp, email: &str, state: LeadState) -> String {
    eventually(
        &format!("{email} is {state}"),
        Duration::from_secs(20),
        || async {
            let filter = LeadFilter {
                state: Some(state),
                ..LeadFilter::default()
            };
            let leads = app.state.outbox.list(&filter).await.unwrap();
            leads
                .into_iter()
                .find(|l| l.email == email)
                .map(|l| l.id.to_string())
        },
    )
    .await
}

/// Leads in most states, and a few funnel reports, as a week of traffic would leave.
async fn arrange(app: &TestApp) -> (String, String, String) {
    app.sandbox.reject_email("refused@example.com");
    for (form, body) in [
        (
            "contact",
            json!({"email": "refused@example.com", "name": "Rex Fused"}),
        ),
        (
            "contact",
            json!({"email": "ann.lee@example.com", "name": "Ann Lee", "phone": "+44 20 7946 0000", "message": "We need a new website.", "utm_source": "newsletter"}),
        ),
        (
            "quote",
            json!({"email": "bob@shop.example", "name": "Bob Stone", "company": "Stone Shop"}),
        ),
        (
            "contact",
            json!({"email": "bot@spam.example", "_gotcha": "http://spam.example"}),
        ),
    ] {
        assert_eq!(app.post_json(form, &body).await.status(), 200);
    }
    let test = app
        .http
        .post(format!("{}/forms/quote", app.address))
        .header("leadrelay-test", "quote-test-token")
        .json(&json!({"email": "dev@agency.example", "name": "Dev Tester"}))
        .send()
        .await
        .unwrap();
    assert_eq!(test.status(), 200);
    for (form, step, times) in [
        ("contact", "view", 9),
        ("contact", "start", 4),
        ("quote", "view", 5),
        ("quote", "start", 2),
    ] {
        for _ in 0..times {
            app.http
                .post(format!("{}/funnel/{form}?step={step}", app.address))
                .send()
                .await
                .unwrap();
        }
    }
    let dead = id_of(app, "refused@example.com", LeadState::Dead).await;
    let spam = id_of(app, "bot@spam.example", LeadState::Spam).await;
    let test = id_of(app, "dev@agency.example", LeadState::Test).await;
    id_of(app, "ann.lee@example.com", LeadState::Delivered).await;
    (dead, spam, test)
}

fn row(id: &str) -> String {
    format!("tr[data-lead-id='{id}']")
}

async fn sign_in_with_the_keyboard(browser: &Client, app: &TestApp) {
    browser
        .goto(&format!("{}/admin", app.address))
        .await
        .unwrap();
    let token = find(browser, "#token").await;
    token.send_keys(ADMIN_TOKEN).await.unwrap();
    token.send_keys(ENTER).await.unwrap();
    find(browser, "#app:not([hidden])").await;
}

async fn the_overview_counts_every_state_and_draws_the_funnel(browser: &Client) {
    wait_for_text(browser, "#state-counts .c-dead .n", |t| t == "1").await;
    wait_for_text(browser, "#state-counts .c-spam .n", |t| t == "1").await;
    wait_for_text(browser, "#state-counts .c-test .n", |t| t == "1").await;
    wait_for_text(browser, "#state-counts .c-delivered .n", |t| t == "2").await;
    let chart = find(browser, "figure.funnel[data-form=contact] svg").await;
    let label = chart.attr("aria-label").await.unwrap().unwrap();
    assert!(
        label.contains("9 views") && label.contains("4 starts"),
        "{label}"
    );
    let options = browser
        .find_all(Locator::Css("#state option"))
        .await
        .unwrap();
    assert_eq!(
        options.len(),
        1 + LeadState::ALL.len(),
        "the states come from the server"
    );
}

async fn search_and_filters_narrow_the_list(browser: &Client, dead: &str) {
    wait_for_count(browser, "#rows tr", 5).await;
    fill(browser, "#q", "ann").await;
    find(browser, "#q").await.send_keys(ENTER).await.unwrap();
    wait_for_count(browser, "#rows tr", 1).await;
    wait_for_text(browser, "#rows .who .name", |t| t == "Ann Lee").await;
    click(browser, "#clear").await;
    wait_for_count(browser, "#rows tr", 5).await;
    click(browser, "#state-counts .c-dead a").await;
    wait_for_count(browser, "#rows tr", 1).await;
    wait_for_text(browser, &format!("{} .why", row(dead)), |t| {
        t.contains("rejected")
    })
    .await;
    click(browser, "#clear").await;
    wait_for_count(browser, "#rows tr", 5).await;
}

async fn a_leads_page_tells_its_whole_story(browser: &Client, dead: &str, test: &str) {
    let view = find(browser, &format!("{} a.view", row(dead))).await;
    view.send_keys(ENTER).await.unwrap();
    wait_for_text(browser, "#lead .reason", |t| {
        t.contains("Refused") && t.contains("rejected")
    })
    .await;
    wait_for_text(browser, "#lead .submission", |t| {
        t.contains("refused@example.com")
    })
    .await;
    wait_for_text(browser, "#lead .member", |t| {
        t.contains("\"email\": \"refused@example.com\"")
    })
    .await;
    wait_for_count(browser, "#lead .attempts tbody tr", 1).await;
    let status = wait_for_text(browser, "#lead .attempts .http-status", |t| !t.is_empty()).await;
    assert!(status.chars().all(|c| c.is_ascii_digit()), "{status}");
    screenshot(browser, "desktop-lead-dead").await;
    click(browser, "#lead a.back").await;
    find(browser, "#leads:not([hidden])").await;

    browser
        .goto(&format!(
            "{}#/lead/{test}",
            browser
                .current_url()
                .await
                .unwrap()
                .as_str()
                .split('#')
                .next()
                .unwrap()
        ))
        .await
        .unwrap();
    wait_for_text(browser, "#lead .reason", |t| t.contains("Test submission")).await;
    let request = wait_for_text(browser, "#lead .would-send", |t| t.contains("never sent")).await;
    assert!(
        request.contains("dev@agency.example") && request.contains("[redacted]"),
        "{request}"
    );
    screenshot(browser, "desktop-lead-test").await;
}

async fn bulk_retry_and_release(browser: &Client, app: &TestApp, dead: &str, spam: &str) {
    browser
        .goto(&format!("{}/admin#/", app.address))
        .await
        .unwrap();
    wait_for_count(browser, "#rows tr", 5).await;
    app.sandbox.accept_email("refused@example.com");
    click(browser, &format!("{} td.select input", row(dead))).await;
    click(browser, &format!("{} td.select input", row(spam))).await;
    click(browser, "#bulk-retry").await;
    wait_for_text(browser, "#status", |t| {
        t.contains("Re-queued 1 lead(s); 1 left as they were")
    })
    .await;
    click(browser, &format!("{} td.select input", row(spam))).await;
    click(browser, "#bulk-release").await;
    wait_for_text(browser, "#status", |t| t.contains("Released 1 lead(s)")).await;
    eventually("both delivered", Duration::from_secs(20), || async {
        let delivered = app.sandbox.lead_emails();
        (delivered.contains(&"refused@example.com".to_owned())
            && delivered.contains(&"bot@spam.example".to_owned()))
        .then_some(())
    })
    .await;
    click(browser, "#reload").await;
    wait_for_text(browser, &format!("{} .state", row(dead)), |t| {
        t == "delivered"
    })
    .await;
    wait_for_text(browser, &format!("{} .state", row(spam)), |t| {
        t == "delivered"
    })
    .await;
}

#[tokio::test]
async fn the_admin_page_shows_counts_funnel_and_each_leads_story() {
    let Some(tools) = chromium() else { return };
    let toml = format!(
        "[server]\nadmin_token = \"{ADMIN_TOKEN}\"\n[delivery]\npause_secs = 1\n\
         [forms.contact]\nhoneypot = \"_gotcha\"\n[forms.quote]\ntest_token = \"quote-test-token\"\n"
    );
    let app = spawn_app_with(&toml, Sandbox::start().await.unwrap()).await;
    let (dead, spam, test) = arrange(&app).await;
    let driver = start_driver(tools).await;
    let profile = tempfile::tempdir().unwrap();
    let browser = open_browser(&driver, &profile, &["--window-size=1280,1500"], json!({})).await;

    sign_in_with_the_keyboard(&browser, &app).await;
    the_overview_counts_every_state_and_draws_the_funnel(&browser).await;
    screenshot(&browser, "desktop-overview").await;
    search_and_filters_narrow_the_list(&browser, &dead).await;
    a_leads_page_tells_its_whole_story(&browser, &dead, &test).await;

    browser.set_window_size(390, 1600).await.unwrap();
    browser
        .goto(&format!("{}/admin#/", app.address))
        .await
        .unwrap();
    wait_for_count(&browser, "#rows tr", 5).await;
    let header_shown = find(&browser, "table.leads thead")
        .await
        .is_displayed()
        .await
        .unwrap();
    assert!(!header_shown, "on a phone, rows are cards");
    screenshot(&browser, "phone-overview").await;
    browser
        .execute(
            "document.getElementById('leads-title').scrollIntoView()",
            vec![],
        )
        .await
        .unwrap();
    screenshot(&browser, "phone-leads").await;
    click(&browser, &format!("{} a.view", row(&dead))).await;
    wait_for_text(&browser, "#lead .reason", |t| t.contains("rejected")).await;
    screenshot(&browser, "phone-lead-dead").await;
    browser.set_window_size(1280, 1500).await.unwrap();

    bulk_retry_and_release(&browser, &app, &dead, &spam).await;
    assert!(
        browser.get_all_cookies().await.unwrap().is_empty(),
        "no cookies"
    );
    browser.close().await.unwrap();
}
