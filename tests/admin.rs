//! The admin JSON API: list, show, retry, release, behind the admin token.

mod common;

use common::{sandbox_leads, spawn_app};
use serde_json::{json, Value};

#[tokio::test]
async fn admin_api_lists_shows_retries_and_releases_leads() {
    let app = spawn_app("[server]\nadmin_token = \"admin-secret\"").await;
    let posted = app.post_form(
        "contact",
        &[("email", "bot2@example.com"), ("_gotcha", "x")],
    );
    assert_eq!(
        posted.await.status(),
        303,
        "spam is answered like a success"
    );
    let admin = |method: reqwest::Method, path: &str| {
        app.http
            .request(method, format!("{}{path}", app.address))
            .bearer_auth("admin-secret")
    };

    let unauthorized = app
        .http
        .get(format!("{}/admin/leads", app.address))
        .bearer_auth("wrong")
        .send()
        .await
        .unwrap();
    let listed: Value = admin(reqwest::Method::GET, "/admin/leads?state=spam")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = listed[0]["id"].as_str().unwrap().to_owned();
    let shown: Value = admin(reqwest::Method::GET, &format!("/admin/leads/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let retried_spam = admin(reqwest::Method::POST, &format!("/admin/leads/{id}/retry"))
        .send()
        .await
        .unwrap();
    let released = admin(reqwest::Method::POST, &format!("/admin/leads/{id}/release"))
        .send()
        .await
        .unwrap();

    assert_eq!(unauthorized.status(), 401);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["email"], "bot2@example.com");
    assert_eq!(shown["state"], "spam");
    assert!(shown["submission"].is_object(), "{shown}");
    assert_eq!(retried_spam.status(), 400);
    assert_eq!(released.status(), 200);
    let released: Value = released.json().await.unwrap();
    assert_eq!(released, json!({"id": id, "status": "queued"}));
    let delivered = sandbox_leads(&app.sandbox, 1).await;
    assert_eq!(delivered[0]["email"], "bot2@example.com");
}

#[tokio::test]
async fn admin_is_off_without_a_token() {
    let app = spawn_app("").await;

    for path in ["/admin", "/admin/leads"] {
        let response = app
            .http
            .get(format!("{}{path}", app.address))
            .bearer_auth("")
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 404, "{path}");
    }
}
