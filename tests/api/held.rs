//! Held, never refused, when the sender cannot fix it: a `/hooks` submission
//! no lead can be made of, and a `/forms` post with no e-mail input at all,
//! are stored as `held` with the reason and the body, answered like a
//! success, counted, shown, and delivered by `leads remap` once the config
//! maps them. A form post whose e-mail value is wrong still gets 422.

use std::time::Duration;

use crate::helpers::{
    alone::in_own_process, eventually, process::cli, sandbox_leads, settled, spawn_app, TestApp,
};
use leadrelay::{domain::LeadState, outbox::LeadFilter};
use serde_json::{json, Value};

const FORMS: &str = r#"
[forms.held_hook]

[forms.thanks_page]
"#;

async fn held_leads(app: &TestApp) -> Vec<leadrelay::outbox::LeadSummary> {
    let filter = LeadFilter {
        state: Some(LeadState::Held),
        ..LeadFilter::default()
    };
    app.state.outbox.list(&filter).await.unwrap()
}

async fn post_hook(app: &TestApp, form: &str, body: &Value) -> reqwest::Response {
    app.http
        .post(format!("{}/hooks/{form}", app.address))
        .json(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_hook_with_no_e_mail_is_held_with_its_reason_and_body() {
    let app = spawn_app(FORMS).await;
    let body = json!({"full_name": "Jane Doe", "note": "call me"});

    let response = post_hook(&app, "held_hook", &body).await;

    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.unwrap();
    assert_eq!(reply["status"], "held");
    let id = reply["id"].as_str().unwrap().parse().unwrap();
    let lead = app.state.outbox.get(id).await.unwrap().expect("stored");
    assert_eq!(lead.summary.state, LeadState::Held);
    let reason = lead.summary.last_error.as_deref().unwrap_or_default();
    assert!(
        reason.starts_with("no e-mail input in the submission"),
        "{reason}"
    );
    assert_eq!(
        lead.submission.unwrap()["submission"]["json"],
        body,
        "the original body is kept"
    );
    settled(&app).await;
    assert!(app.sandbox.leads().is_empty(), "a held lead is never sent");
}

#[tokio::test]
async fn a_hook_whose_e_mail_is_invalid_is_held_too() {
    let app = spawn_app(FORMS).await;

    let response = post_hook(
        &app,
        "held_hook",
        &json!({"email": "jane@", "name": "Jane"}),
    )
    .await;

    assert_eq!(response.status(), 200);
    let reply: Value = response.json().await.unwrap();
    assert_eq!(reply["status"], "held");
    let held = held_leads(&app).await;
    assert_eq!(held.len(), 1);
    assert!(held[0].last_error.as_deref().unwrap().contains("\"jane@\""));
}

#[tokio::test]
async fn payloads_of_ids_are_held_with_a_reason_that_says_so() {
    let app = spawn_app(FORMS).await;
    let facebook = json!({"object": "page", "entry": [{"id": "10293", "time": 1714650000,
        "changes": [{"field": "leadgen", "value": {"leadgen_id": "31415", "form_id": "27",
        "page_id": "10293", "created_time": 1714650000}}]}]});
    let hubspot = json!([{"objectId": 501, "subscriptionType": "contact.creation",
        "portalId": 62, "occurredAt": 1714650000000u64, "changeFlag": "CREATED"}]);

    for (body, says) in [(facebook, "Facebook Lead Ads"), (hubspot, "HubSpot")] {
        let response = post_hook(&app, "held_hook", &body).await;
        assert_eq!(response.status(), 200);
        let reply: Value = response.json().await.unwrap();
        assert_eq!(reply["status"], "held");
        let id = reply["id"].as_str().unwrap().parse().unwrap();
        let lead = app.state.outbox.get(id).await.unwrap().unwrap();
        let reason = lead.summary.last_error.unwrap();
        assert!(
            reason.contains("only IDs") && reason.contains(says),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn a_form_post_without_an_e_mail_input_gets_the_forms_usual_success() {
    let app = spawn_app(FORMS).await;

    let fetch = app.post_json("ajax", &json!({"name": "No Mail"})).await;
    let browser = app.post_form("contact", &[("name", "No Mail")]).await;
    let no_redirect = app.post_form("thanks_page", &[("name", "No Mail")]).await;

    assert_eq!(fetch.status(), 200);
    let reply: Value = fetch.json().await.unwrap();
    assert_eq!(reply["status"], "held");
    assert_eq!(browser.status(), 303);
    assert_eq!(browser.headers()["location"], "https://example.com/thanks");
    assert_eq!(no_redirect.status(), 200);
    assert!(no_redirect.text().await.unwrap().contains("Thank you"));
    assert_eq!(held_leads(&app).await.len(), 3);
}

#[tokio::test]
async fn a_form_post_whose_e_mail_value_is_wrong_is_still_422() {
    let app = spawn_app(FORMS).await;

    let fetch = app
        .post_json(
            "ajax",
            &json!({"name": "Typo", "Your e-mail": "jane@example"}),
        )
        .await;
    let empty = app
        .post_json("ajax", &json!({"name": "Empty", "email": ""}))
        .await;
    let browser = app
        .post_form(
            "contact",
            &[("name", "Typo"), ("email", "jane.example.com")],
        )
        .await;

    assert_eq!(fetch.status(), 422);
    let body: Value = fetch.json().await.unwrap();
    assert!(body["error"]["fields"]["email"].is_string(), "{body}");
    assert_eq!(empty.status(), 422);
    assert_eq!(browser.status(), 303);
    assert_eq!(
        browser.headers()["location"],
        "https://example.com/oops?error=invalid_lead"
    );
    assert!(held_leads(&app).await.is_empty());
}

#[tokio::test]
async fn held_leads_are_listed_shown_and_remapped_once_the_config_is_fixed() {
    // Arrange: a hook whose e-mail sits under a name nothing reads.
    let app = spawn_app(FORMS).await;
    let body = json!({"who": {"name": "Jane Doe", "contact_point": "jane@example.com",
                      "other_point": "office@example.com"}});
    let reply: Value = post_hook(&app, "held_hook", &body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reply["status"], "held");
    let id = reply["id"].as_str().unwrap().to_owned();
    let config = app.dir.path().join("fixed.toml");
    let fixed = format!(
        "[agencyhandy]\napi_key = \"unused\"\n[storage]\nurl = \"{}\"\n\
         [forms.held_hook.fields]\nemail = [\"who.contact_point\"]\n",
        app.state.settings.storage.url
    );
    std::fs::write(&config, fixed).unwrap();

    // Act and assert: listed with its reason, shown, then remapped and sent.
    let (ok, list) = cli(&config, &["leads", "list", "--state", "held"]);
    assert!(ok, "{list}");
    assert!(
        list.contains(&id) && list.contains("several e-mail addresses"),
        "{list}"
    );
    assert!(
        list.contains("jane@example.com"),
        "the first address found: {list}"
    );
    let (ok, show) = cli(&config, &["leads", "show", &id]);
    assert!(ok, "{show}");
    assert!(show.contains("state      held"), "{show}");
    assert!(show.contains("leadrelay leads remap"), "{show}");
    let (ok, remapped) = cli(&config, &["leads", "remap", "--state", "held"]);
    assert!(ok, "{remapped}");
    assert!(remapped.contains("queued (was held)"), "{remapped}");
    app.state.wake.notify_one();
    let sent = sandbox_leads(&app.sandbox, 1).await;
    assert_eq!(sent[0]["email"], "jane@example.com");
    assert_eq!(sent[0]["firstName"], "Jane");
    let lead = eventually("the lead is delivered", Duration::from_secs(15), || async {
        let lead = app.state.outbox.get(id.parse().ok()?).await.ok()??;
        (lead.summary.state == LeadState::Delivered).then_some(lead)
    })
    .await;
    assert_eq!(lead.summary.last_error, None, "the held reason is gone");
}

#[tokio::test]
async fn the_admin_api_lists_held_leads() {
    let app = spawn_app(&format!(
        "{FORMS}\n[server]\nadmin_token = \"admin-secret\""
    ))
    .await;
    post_hook(&app, "held_hook", &json!({"name": "No Mail"})).await;

    let response = app
        .http
        .get(format!("{}/admin/leads?state=held", app.address))
        .bearer_auth("admin-secret")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let leads: Value = response.json().await.unwrap();
    assert_eq!(leads.as_array().unwrap().len(), 1, "{leads}");
    assert_eq!(leads[0]["state"], "held");
    assert!(leads[0]["last_error"]
        .as_str()
        .unwrap()
        .contains("no e-mail input"));
    // The admin page's state counts and its state filter come from the summary.
    let summary: Value = app
        .http
        .get(format!("{}/admin/summary", app.address))
        .bearer_auth("admin-secret")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let held = summary["states"]
        .as_array()
        .unwrap()
        .iter()
        .find(|count| count["state"] == "held");
    assert_eq!(
        held.map(|count| &count["count"]),
        Some(&json!(1)),
        "{summary}"
    );
}

#[test]
fn held_submissions_are_counted() {
    // Every app in this process sets the one `leadrelay_leads_stored` gauge when scraped.
    in_own_process(
        concat!(module_path!(), "::held_submissions_are_counted"),
        count_held_submissions,
    );
}

async fn count_held_submissions() {
    let app = spawn_app("[forms.held_metrics]").await;

    post_hook(&app, "held_metrics", &json!({"name": "No Mail"})).await;
    post_hook(&app, "held_metrics", &json!({"name": "Other", "n": 2})).await;

    let metrics = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let line = metrics
        .lines()
        .find(|l| {
            l.starts_with("leadrelay_leads_received_total")
                && l.contains("form=\"held_metrics\"")
                && l.contains("outcome=\"held\"")
        })
        .unwrap_or_else(|| panic!("no held count:\n{metrics}"));
    assert!(line.ends_with(" 2"), "{line}");
    assert!(
        metrics.contains("leadrelay_leads_stored{state=\"held\"} 2"),
        "{metrics}"
    );
}
