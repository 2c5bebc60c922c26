//! What the admin page reads and does, through its JSON API: counts per state
//! (every state, from the server's list), search and filters, one lead's
//! story, bulk retry and release; and `leads list` as a table or JSON.

use std::time::Duration;

use crate::helpers::process::{cli, cli_config};
use crate::helpers::{eventually, spawn_app, TestApp};
use leadrelay::domain::LeadState;
use serde_json::{json, Value};

const TOKEN: &str = "admin-api-token";
const WAIT: Duration = Duration::from_secs(15);

async fn admin(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.address))
        .bearer_auth(TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str) -> (u16, Value) {
    admin(app, reqwest::Method::GET, path, None).await
}

fn emails(leads: &Value) -> Vec<&str> {
    let mut emails: Vec<&str> = leads
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["email"].as_str().unwrap())
        .collect();
    emails.sort();
    emails
}

async fn app_with_leads() -> TestApp {
    let app = spawn_app(&format!(
        "[server]\nadmin_token = \"{TOKEN}\"\n[delivery]\npause_secs = 1\n[forms.quote]\ntest_token = \"t\"\n"
    ))
    .await;
    app.sandbox.reject_email("refused@example.com");
    // Refused while other leads go through: the lead's own fault, so dead.
    for (form, body) in [
        ("ajax", json!({"email": "refused@example.com"})),
        (
            "ajax",
            json!({"email": "ann.lee@example.com", "name": "Ann Lee"}),
        ),
        (
            "quote",
            json!({"email": "bob@shop.example", "name": "Bob Stone"}),
        ),
        (
            "contact",
            json!({"email": "bot@example.com", "_gotcha": "x"}),
        ),
    ] {
        assert_eq!(app.post_json(form, &body).await.status(), 200);
    }
    eventually("the refused lead is dead", WAIT, || async {
        let (_, leads) = get(&app, "/admin/leads?state=dead").await;
        (emails(&leads) == ["refused@example.com"]).then_some(())
    })
    .await;
    // The refused lead can die as soon as one other lead went through.
    eventually("the other two leads are delivered", WAIT, || async {
        let (_, leads) = get(&app, "/admin/leads?state=delivered").await;
        (emails(&leads).len() == 2).then_some(())
    })
    .await;
    app
}

#[tokio::test]
async fn the_summary_counts_every_state_and_names_the_forms_and_steps() {
    let app = app_with_leads().await;

    let (status, summary) = get(&app, "/admin/summary").await;

    assert_eq!(status, 200);
    let states: Vec<&str> = summary["states"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["state"].as_str().unwrap())
        .collect();
    let all: Vec<&str> = LeadState::ALL.iter().map(|s| s.as_str()).collect();
    assert_eq!(states, all, "every state, in the server's order");
    let count = |state: &str| {
        summary["states"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["state"] == state)
            .unwrap()["count"]
            .as_u64()
            .unwrap()
    };
    assert_eq!((count("spam"), count("dead"), count("test")), (1, 1, 0));
    assert_eq!(count("delivered"), 2);
    assert_eq!(
        summary["forms"],
        json!(["ajax", "contact", "plain", "quote", "zap"])
    );
    assert_eq!(
        summary["steps"],
        json!([
            "views",
            "starts",
            "submissions",
            "delivered",
            "spam",
            "held"
        ])
    );
    assert_eq!(summary["days"], 14);
    let ajax = summary["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["form"] == "ajax")
        .unwrap();
    assert_eq!(ajax["days"].as_array().unwrap().len(), 14);
    assert_eq!(ajax["totals"]["submissions"], 2);
    let anonymous = app
        .http
        .get(format!("{}/admin/summary", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn leads_are_found_by_name_or_email_form_state_and_day() {
    let app = app_with_leads().await;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();

    let by_name = get(&app, "/admin/leads?q=lee").await.1;
    let by_email = get(&app, "/admin/leads?q=SHOP.example").await.1;
    let by_form = get(&app, "/admin/leads?form=ajax").await.1;
    let spam = get(&app, "/admin/leads?state=spam").await.1;
    let today_only = get(&app, &format!("/admin/leads?from={today}&to={today}"))
        .await
        .1;
    let tomorrow_on = get(&app, "/admin/leads?from=2999-01-01").await.1;
    let (bad_day, error) = get(&app, "/admin/leads?from=yesterday").await;

    assert_eq!(emails(&by_name), ["ann.lee@example.com"]);
    assert_eq!(by_name[0]["name"], "Ann Lee");
    assert_eq!(emails(&by_email), ["bob@shop.example"]);
    assert_eq!(
        emails(&by_form),
        ["ann.lee@example.com", "refused@example.com"]
    );
    assert_eq!(emails(&spam), ["bot@example.com"]);
    assert_eq!(today_only.as_array().unwrap().len(), 4);
    assert!(tomorrow_on.as_array().unwrap().is_empty());
    assert_eq!(bad_day, 400);
    assert!(error["error"]["message"].as_str().unwrap().contains("from"));
}

#[tokio::test]
async fn bulk_retry_and_release_say_what_they_changed() {
    let app = app_with_leads().await;
    let id_of = |leads: &Value| leads[0]["id"].as_str().unwrap().to_owned();
    let dead = id_of(&get(&app, "/admin/leads?state=dead").await.1);
    let spam = id_of(&get(&app, "/admin/leads?state=spam").await.1);
    let delivered = id_of(&get(&app, "/admin/leads?q=ann").await.1);
    app.sandbox.accept_email("refused@example.com");

    let (status, retried) = admin(
        &app,
        reqwest::Method::POST,
        "/admin/leads/bulk",
        Some(json!({"action": "retry", "ids": [dead, delivered, "not-an-id"]})),
    )
    .await;
    let (_, released) = admin(
        &app,
        reqwest::Method::POST,
        "/admin/leads/bulk",
        Some(json!({"action": "release", "ids": [spam]})),
    )
    .await;
    let (too_many, _) = admin(
        &app,
        reqwest::Method::POST,
        "/admin/leads/bulk",
        Some(json!({"action": "retry", "ids": vec!["x"; 1001]})),
    )
    .await;
    let (unknown_action, _) = admin(
        &app,
        reqwest::Method::POST,
        "/admin/leads/bulk",
        Some(json!({"action": "delete", "ids": []})),
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(retried["changed"], json!([dead]));
    assert_eq!(retried["unchanged"], json!([delivered, "not-an-id"]));
    assert_eq!(released["changed"], json!([spam]));
    assert_eq!((too_many, unknown_action), (400, 400));
    eventually("both leads delivered", WAIT, || async {
        let delivered = app.sandbox.lead_emails();
        (delivered.contains(&"refused@example.com".to_owned())
            && delivered.contains(&"bot@example.com".to_owned()))
        .then_some(())
    })
    .await;
}

#[tokio::test]
async fn one_lead_shows_its_submission_member_attempts_and_reason() {
    let app = app_with_leads().await;
    let dead = get(&app, "/admin/leads?state=dead").await.1[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (status, lead) = get(&app, &format!("/admin/leads/{dead}")).await;

    assert_eq!(status, 200);
    assert_eq!(lead["state"], "dead");
    assert!(
        lead["last_error"].as_str().unwrap().contains("rejected"),
        "{lead}"
    );
    assert_eq!(lead["member"]["email"], "refused@example.com");
    assert_eq!(
        lead["submission"]["submission"]["fields"][0],
        json!(["email", "refused@example.com"])
    );
    let attempts = lead["attempt_log"].as_array().unwrap();
    assert!(!attempts.is_empty());
    assert!(attempts
        .iter()
        .all(|a| a["status"].is_u64() && a["excerpt"].is_string()));
}

#[tokio::test]
async fn leads_list_lines_up_in_a_table_and_prints_json_for_scripts() {
    let app = app_with_leads().await;
    let config = cli_config(&app, "");

    let (ok, table) = cli(&config, &["leads", "list"]);
    let (json_ok, printed) = cli(&config, &["leads", "list", "--json", "--state", "dead"]);

    assert!(ok, "{table}");
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].contains("STATE") && lines[0].contains("NAME"),
        "{table}"
    );
    let column = |line: &str, text: &str| line.find(text);
    let email_at = column(lines[0], "EMAIL").unwrap();
    let rows = &lines[1..lines.len() - 1];
    assert_eq!(rows.len(), 4, "{table}");
    for row in rows {
        let email = ["ann.lee@", "bob@", "bot@", "refused@"]
            .iter()
            .find_map(|e| column(row, e))
            .unwrap_or_else(|| panic!("no e-mail in {row:?}"));
        assert_eq!(email, email_at, "columns line up:\n{table}");
    }
    assert!(table.contains("Ann Lee"), "{table}");
    assert_eq!(lines.last(), Some(&"4 lead(s)"));
    assert!(json_ok, "{printed}");
    let listed: Value = serde_json::from_str(&printed).expect("--json prints JSON alone");
    assert_eq!(emails(&listed), ["refused@example.com"]);
    assert_eq!(listed[0]["state"], "dead");
}

#[tokio::test]
async fn the_admin_token_is_read_like_any_bearer_token_and_nothing_else_opens() {
    let app = spawn_app(&format!("[server]\nadmin_token = \"{TOKEN}\"\n")).await;
    let status = |authorization: String| {
        let request = app.http.get(format!("{}/admin/leads", app.address));
        async move {
            request
                .header("authorization", authorization)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };

    for scheme in ["Bearer", "bearer", "BEARER"] {
        assert_eq!(status(format!("{scheme} {TOKEN}")).await, 200, "{scheme}");
    }
    let long = "x".repeat(8_000);
    for refused in [
        String::new(),
        "Bearer".into(),
        "Bearer ".into(),
        format!("Basic {TOKEN}"),
        format!("Bearer {TOKEN}x"),
        format!("Bearer {}", &TOKEN[1..]),
        format!("Bearer {long}"),
    ] {
        assert_eq!(status(refused.clone()).await, 401, "{refused:.40}");
    }
}

#[tokio::test]
async fn leads_list_and_show_print_a_submitted_escape_sequence_escaped() {
    let app = spawn_app("").await;
    let config = cli_config(&app, "");
    let name = "Eve \u{1b}]0;owned\u{7}\u{1b}[2J\u{9b}31m\u{202e}\nstate      delivered";
    let reply = app
        .post_json("plain", &json!({"email": "eve@example.com", "name": name}))
        .await;
    let id = reply.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let (listed_ok, listed) = cli(&config, &["leads", "list"]);
    let (shown_ok, shown) = cli(&config, &["leads", "show", &id]);

    assert!(listed_ok && shown_ok, "{listed}\n{shown}");
    for printed in [&listed, &shown] {
        let raw: Vec<char> = printed
            .chars()
            .filter(|c| matches!(c, '\u{1b}' | '\u{7}' | '\u{9b}' | '\u{202e}'))
            .collect();
        assert!(raw.is_empty(), "{raw:?} printed raw in:\n{printed}");
    }
    assert!(shown.contains(r"Eve \u{1b}]0;owned\u{7}"), "{shown}");
    let state_lines = shown.lines().filter(|l| l.starts_with("state")).count();
    assert_eq!(
        state_lines, 1,
        "a submitted line break forges no line:\n{shown}"
    );
}
