//! The sandbox itself: as strict as Agencyhandy, and a real server that stops.

use std::time::{Duration, Instant};

use leadrelay::sandbox::{Generation, Sandbox};
use serde_json::{json, Value};

use crate::helpers::sandbox_at;

async fn post(sandbox: &Sandbox, path: &str, company: Option<&str>, body: &str) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", sandbox.url()))
        .header("x-api-key", sandbox.api_key())
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(company) = company {
        request = request.header("companyid", company);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn lead(sandbox: &Sandbox, email: &str) -> Value {
    json!({"email": email, "role": sandbox.client_role_id(), "isConvertedClient": false,
           "firstName": "Ada", "lastName": "Lovelace"})
}

fn current_lead(email: &str) -> Value {
    json!({"email": email, "type": "individual", "status": "New"})
}

async fn get(sandbox: &Sandbox, path: &str, company: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{}{path}", sandbox.url()))
        .header("x-api-key", sandbox.api_key())
        .header("companyid", company)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Checks `(answer, expected status)` cases; every answer is an Agencyhandy-style error.
fn assert_statuses(cases: Vec<((u16, Value), u16)>) {
    for (index, ((status, body), expected)) in cases.into_iter().enumerate() {
        assert_eq!(status, expected, "case {index}: {body}");
        assert!(body["type"].is_string(), "case {index}: {body}");
    }
}

#[tokio::test]
async fn the_june_generation_is_strict_about_headers_and_bodies() {
    let sandbox = sandbox_at(Generation::BulkLeadWithRole).await;
    let company = sandbox.company_id().to_owned();
    let one = json!([lead(&sandbox, "a@example.com")]).to_string();
    let mut nameless = lead(&sandbox, "a@example.com");
    nameless["lastName"] = json!("");
    let nameless = json!([nameless]).to_string();
    let too_many = Value::Array(vec![lead(&sandbox, "a@example.com"); 201]).to_string();
    let unknown = "ffffffffffffffffffffffff";
    let company_route = format!("/company/{company}/members/bulk-client");

    assert_statuses(vec![
        (post(&sandbox, "/members/bulk-lead", None, &one).await, 400),
        (
            post(&sandbox, "/members/bulk-lead", Some(unknown), &one).await,
            403,
        ),
        (
            post(&sandbox, "/members/bulk-lead", Some(&company), "<html>").await,
            400,
        ),
        (
            post(&sandbox, "/members/bulk-lead", Some(&company), &too_many).await,
            400,
        ),
        (
            post(&sandbox, "/members/bulk-lead", Some(&company), &nameless).await,
            400,
        ),
        (
            post(&sandbox, &company_route, Some(&company), &one).await,
            404,
        ),
        (
            post(&sandbox, "/members/bulk-client", Some(&company), &one).await,
            404,
        ),
    ]);
    assert!(sandbox.leads().is_empty());
    assert_eq!(sandbox.stats().rejected_calls, 7);
    assert_eq!(get(&sandbox, "/roles?type=company", &company).await, 200);
}

#[tokio::test]
async fn the_seed_generation_has_no_bulk_lead_route() {
    let sandbox = sandbox_at(Generation::CompanyBulkClient).await;
    let company = sandbox.company_id().to_owned();
    let one = json!([lead(&sandbox, "a@example.com")]).to_string();
    let wrapped = json!({"members": [lead(&sandbox, "a@example.com")]}).to_string();
    let route = format!("/company/{company}/members/bulk-client");
    let gone = "/company/ffffffffffffffffffffffff/members/bulk-client";

    assert_statuses(vec![
        (
            post(&sandbox, "/members/bulk-lead", Some(&company), &one).await,
            404,
        ),
        (post(&sandbox, gone, Some(&company), &wrapped).await, 404),
        (post(&sandbox, &route, Some(&company), &one).await, 400),
        (
            post(&sandbox, &route, Some(&company), r#"{"members": []}"#).await,
            400,
        ),
    ]);
    assert!(sandbox.leads().is_empty());
}

#[tokio::test]
async fn the_current_generation_wants_the_key_alone_and_its_own_fields() {
    let sandbox = Sandbox::start().await.unwrap();
    let company = sandbox.company_id().to_owned();
    assert_eq!(
        sandbox.generation(),
        Generation::BulkLead,
        "the newest is the default"
    );
    let seed_style = json!([lead(&sandbox, "a@example.com")]).to_string();
    let mut valued = current_lead("a@example.com");
    valued["leadValue"] = json!(5);
    let valued = json!([valued]).to_string();
    let company_route = format!("/company/{company}/members/bulk-client");

    assert_statuses(vec![
        (
            post(&sandbox, "/members/bulk-lead", None, &seed_style).await,
            400,
        ),
        (
            post(&sandbox, "/members/bulk-lead", None, &valued).await,
            400,
        ),
        (post(&sandbox, "/members/bulk-lead", None, "[]").await, 400),
        (
            post(&sandbox, &company_route, Some(&company), &seed_style).await,
            404,
        ),
    ]);
    assert_eq!(get(&sandbox, "/roles?type=company", &company).await, 404);
    assert_eq!(get(&sandbox, "/accounts/companies", &company).await, 200);

    let mut unknown_label = current_lead("b@example.com");
    unknown_label["category"] = json!(["000000000000000000000000"]);
    let mut labelled = current_lead("c@example.com");
    labelled["category"] = json!([sandbox.category_id()]);
    let body = json!([current_lead("a@example.com"), unknown_label, labelled]).to_string();
    let (status, answer) = post(&sandbox, "/members/bulk-lead", None, &body).await;

    assert_eq!(status, 201, "{answer}");
    assert_eq!(answer["success"], true);
    assert_eq!(answer["data"]["addedLeads"].as_array().unwrap().len(), 2);
    assert_eq!(
        answer["data"]["notAddedLeads"],
        json!([{"email": "b@example.com", "reason": "One or more category not found"}])
    );
    let stats = sandbox.stats();
    assert_eq!((stats.create_calls, stats.probe_calls), (4, 1));
}

#[tokio::test]
async fn the_current_bulk_client_route_creates_clients_not_leads() {
    let sandbox = Sandbox::start().await.unwrap();
    let body = json!([current_lead("a@example.com")]).to_string();

    let (status, _) = post(&sandbox, "/members/bulk-client", None, &body).await;

    assert_eq!(status, 201);
    assert!(sandbox.leads().is_empty());
    assert_eq!(sandbox.clients().len(), 1);
    assert_eq!(sandbox.stats().bulk_client_calls, 1);
}

#[tokio::test]
async fn the_generation_can_change_while_it_runs() {
    let sandbox = sandbox_at(Generation::CompanyBulkClient).await;
    let company = sandbox.company_id().to_owned();
    let body = json!({"members": [lead(&sandbox, "a@example.com")]}).to_string();
    let route = format!("/company/{company}/members/bulk-client");

    let (before, _) = post(&sandbox, &route, Some(&company), &body).await;
    sandbox.set_generation(Generation::BulkLead);
    let (after, _) = post(&sandbox, &route, Some(&company), &body).await;

    assert_eq!((before, after), (201, 404));
    assert_eq!(sandbox.lead_count(), 1);
}

#[tokio::test]
async fn leads_are_listed_for_the_demo_page() {
    let sandbox = Sandbox::start().await.unwrap();
    let body = json!([current_lead("a@example.com")]).to_string();
    let (status, answer) = post(&sandbox, "/members/bulk-lead", None, &body).await;
    assert_eq!(status, 201, "{answer}");

    let listed: Value = reqwest::get(format!("{}/_sandbox/leads", sandbox.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(listed[0]["email"], "a@example.com");
    let id = listed[0]["_id"].as_str().unwrap();
    assert_eq!(id, answer["data"]["addedLeads"][0]["_id"].as_str().unwrap());
    assert_eq!(id.len(), 24);
}

async fn refuses_connections(addr: &str) -> bool {
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

#[tokio::test]
async fn the_sandbox_stops_on_shutdown_and_when_dropped() {
    let stopped = Sandbox::start().await.unwrap();
    let dropped = Sandbox::start().await.unwrap();
    let stopped_addr = stopped.url().trim_start_matches("http://").to_owned();
    let dropped_addr = dropped.url().trim_start_matches("http://").to_owned();
    assert!(tokio::net::TcpStream::connect(&stopped_addr).await.is_ok());

    stopped.shutdown();
    drop(dropped);

    assert!(
        refuses_connections(&stopped_addr).await,
        "still listening after shutdown()"
    );
    assert!(
        refuses_connections(&dropped_addr).await,
        "still listening after the last clone was dropped"
    );
}
