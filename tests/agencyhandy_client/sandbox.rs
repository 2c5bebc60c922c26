//! The sandbox itself: as strict as Agencyhandy, and a real server that stops.

use std::time::{Duration, Instant};

use leadrelay::sandbox::Sandbox;
use serde_json::{json, Value};

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
           "type": "individual", "status": "New"})
}

#[tokio::test]
async fn the_sandbox_is_strict_about_headers_and_bodies() {
    let sandbox = Sandbox::start().await.unwrap();
    let company = sandbox.company_id().to_owned();
    let one = json!([lead(&sandbox, "a@example.com")]).to_string();
    let too_many = Value::Array(vec![lead(&sandbox, "a@example.com"); 201]).to_string();
    let bulk_client = format!("/company/{company}/members/bulk-client");

    let cases = [
        (post(&sandbox, "/members/bulk-lead", None, &one).await, 400),
        (
            post(
                &sandbox,
                "/members/bulk-lead",
                Some("ffffffffffffffffffffffff"),
                &one,
            )
            .await,
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
            post(&sandbox, &bulk_client, Some(&company), &one).await,
            400,
        ),
        (
            post(
                &sandbox,
                "/company/ffffffffffffffffffffffff/members/bulk-client",
                Some(&company),
                "{}",
            )
            .await,
            404,
        ),
    ];

    for (index, ((status, body), expected)) in cases.into_iter().enumerate() {
        assert_eq!(status, expected, "case {index}: {body}");
        assert!(body["type"].is_string(), "case {index}: {body}");
    }
    assert!(sandbox.leads().is_empty());
    assert_eq!(sandbox.stats().rejected_calls, 6);
}

#[tokio::test]
async fn leads_are_listed_for_the_demo_page() {
    let sandbox = Sandbox::start().await.unwrap();
    let company = sandbox.company_id().to_owned();
    let body = json!({"members": [lead(&sandbox, "a@example.com")]}).to_string();
    let (status, answer) = post(
        &sandbox,
        &format!("/company/{company}/members/bulk-client"),
        Some(&company),
        &body,
    )
    .await;
    assert_eq!(status, 201, "{answer}");

    let listed: Value = reqwest::get(format!("{}/_sandbox/leads", sandbox.url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(listed[0]["email"], "a@example.com");
    let id = listed[0]["_id"].as_str().unwrap();
    assert_eq!(id, answer["createdMembers"][0]["_id"].as_str().unwrap());
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
