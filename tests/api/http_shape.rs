//! Replies the router gives before a handler has its say (a path that does not
//! decode, a method a route does not take) come in the error shape like every
//! other error: `{"error": {"code", "message"}}`.

use crate::helpers::{spawn_app, TestApp};
use reqwest::Method;
use serde_json::Value;

const ADMIN: &str = "[server]\nadmin_token = \"admin-test-token\"\n";

async fn send(app: &TestApp, method: Method, path: &str) -> reqwest::Response {
    app.http
        .request(method, format!("{}{path}", app.address))
        .bearer_auth("admin-test-token")
        .header("content-type", "application/json")
        .body(r#"{"email": "shape@example.com"}"#)
        .send()
        .await
        .expect("request sent")
}

/// The reply's error code, asserting the error shape.
async fn error_code(response: reqwest::Response) -> String {
    let what = format!("{} {}", response.status(), response.url().path());
    let text = response.text().await.expect("a body");
    let body: Value = serde_json::from_str(&text)
        .unwrap_or_else(|_| panic!("{what}: not the error shape: {text:?}"));
    body["error"]["code"]
        .as_str()
        .unwrap_or_else(|| panic!("{what}: no error code: {text}"))
        .to_owned()
}

#[tokio::test]
async fn a_path_that_is_not_utf8_names_nothing_in_the_error_shape() {
    let app = spawn_app(ADMIN).await;
    let requests = [
        (Method::POST, "/forms/%FF"),
        (Method::POST, "/hooks/%C3%28"),
        (Method::OPTIONS, "/forms/%FF"),
        (Method::POST, "/funnel/%FF?step=view"),
        (Method::GET, "/admin/leads/%FF"),
        (Method::POST, "/admin/leads/%FF/retry"),
        (Method::POST, "/admin/leads/%FF/release"),
        (Method::GET, "/admin/ui/%FF"),
    ];
    for (method, path) in requests {
        let response = send(&app, method.clone(), path).await;
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(error_code(response).await, "not_found", "{method} {path}");
    }
    app.assert_healthy().await;
}

#[tokio::test]
async fn a_name_longer_than_any_is_not_echoed_back() {
    let app = spawn_app(ADMIN).await;
    let long = "x".repeat(20_000);
    for path in [format!("/forms/{long}"), format!("/admin/leads/{long}")] {
        let response = send(&app, Method::POST, &path).await;
        let status = response.status();
        let text = response.text().await.expect("a body");
        assert!(status == 404 || status == 405, "{status}");
        assert!(
            text.len() < 300,
            "the reply echoes the name: {} bytes",
            text.len()
        );
    }
    app.assert_healthy().await;
}

#[tokio::test]
async fn a_method_a_route_does_not_take_is_a_405_in_the_error_shape_with_allow() {
    let app = spawn_app(ADMIN).await;
    let requests = [
        (Method::GET, "/forms/contact", "POST,OPTIONS"),
        (Method::PUT, "/hooks/zap", "POST"),
        (Method::GET, "/funnel/contact", "POST"),
        (Method::DELETE, "/admin/leads", "GET,HEAD"),
        (Method::POST, "/healthz", "GET,HEAD"),
        (Method::PATCH, "/embed.js", "GET,HEAD"),
    ];
    for (method, path, allow) in requests {
        let response = send(&app, method.clone(), path).await;
        assert_eq!(response.status(), 405, "{method} {path}");
        assert_eq!(response.headers()["allow"], allow, "{method} {path}");
        assert_eq!(
            error_code(response).await,
            "method_not_allowed",
            "{method} {path}"
        );
    }
}

#[tokio::test]
async fn a_refused_preflight_says_why_in_the_error_shape() {
    let app = spawn_app("").await;
    for origin in [Some("https://evil.example"), None] {
        let mut request = app
            .http
            .request(Method::OPTIONS, format!("{}/forms/contact", app.address))
            .header("access-control-request-method", "POST");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        let response = request.send().await.expect("request sent");
        assert_eq!(response.status(), 403, "origin {origin:?}");
        assert!(response
            .headers()
            .get("access-control-allow-origin")
            .is_none());
        assert_eq!(error_code(response).await, "forbidden", "origin {origin:?}");
    }
}
