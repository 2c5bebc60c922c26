//! Black-box: `/hooks` auth, idempotency, CORS, health and request IDs.

use crate::helpers::{eventually, sandbox_leads, settled, spawn_app};
use leadrelay::intake::auth::sign_standard_webhook;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::time::Duration;

const SIGNED: &str = r#"
[forms.signed]
signing_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
"#;

#[tokio::test]
async fn hook_requires_its_bearer_token() {
    let app = spawn_app("").await;
    let url = format!("{}/hooks/zap", app.address);
    let body = json!({"email": "zap@example.com", "first_name": "Zed"});

    let without = app.http.post(&url).json(&body).send().await.unwrap();
    let wrong = app
        .http
        .post(&url)
        .bearer_auth("nope")
        .json(&body)
        .send()
        .await
        .unwrap();
    let right = app
        .http
        .post(&url)
        .bearer_auth("test-hook-token")
        .json(&body)
        .send()
        .await
        .unwrap();

    assert_eq!(without.status(), 401);
    assert_eq!(
        without.json::<Value>().await.unwrap()["error"]["code"],
        "unauthorized"
    );
    assert_eq!(wrong.status(), 401);
    assert_eq!(right.status(), 200);
    let leads = sandbox_leads(&app.sandbox, 1).await;
    assert_eq!(leads[0]["firstName"], "Zed");
}

#[tokio::test]
async fn hook_checks_standard_webhooks_signatures() {
    let app = spawn_app(SIGNED).await;
    let secret = SecretString::from("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    let body = br#"{"email":"signed@example.com"}"#.to_vec();
    let now = chrono::Utc::now().timestamp();
    let send = |id: &str, ts: i64, signature: String, body: Vec<u8>| {
        app.http
            .post(format!("{}/hooks/signed", app.address))
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", ts.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
    };

    let good = send(
        "msg_1",
        now,
        sign_standard_webhook(&secret, "msg_1", now, &body),
        body.clone(),
    )
    .await
    .unwrap();
    let tampered = send(
        "msg_2",
        now,
        sign_standard_webhook(&secret, "msg_2", now, &body),
        b"{\"email\":\"evil@example.com\"}".to_vec(),
    )
    .await
    .unwrap();
    let stale = send(
        "msg_3",
        now - 600,
        sign_standard_webhook(&secret, "msg_3", now - 600, &body),
        body.clone(),
    )
    .await
    .unwrap();

    assert_eq!(good.status(), 200);
    assert_eq!(tampered.status(), 401);
    assert_eq!(stale.status(), 401);
    sandbox_leads(&app.sandbox, 1).await;
}

#[tokio::test]
async fn same_idempotency_key_returns_the_first_answer_and_stores_once() {
    let app = spawn_app("").await;
    let send = |email: &str| {
        app.http
            .post(format!("{}/forms/ajax", app.address))
            .header("idempotency-key", "order-42")
            .json(&json!({"email": email}))
            .send()
    };

    let first: Value = send("idem@example.com")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let second: Value = send("other@example.com")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    assert_eq!(first["id"], second["id"]);
    assert_eq!(second["status"], "accepted");
    sandbox_leads(&app.sandbox, 1).await;
    settled(&app).await;
    assert_eq!(app.sandbox.lead_emails(), vec!["idem@example.com"]);
    assert_eq!(
        app.state
            .outbox
            .list(&Default::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn double_click_within_the_dedupe_window_is_stored_once() {
    let app = spawn_app("").await;
    let fields = [("name", "Double Click"), ("email", "dbl@example.com")];

    let (a, b) = tokio::join!(
        app.post_form("contact", &fields),
        app.post_form("contact", &fields)
    );
    let c = app.post_form("contact", &fields).await;

    for response in [a, b, c] {
        assert_eq!(response.status(), 303);
    }
    sandbox_leads(&app.sandbox, 1).await;
    assert_eq!(
        app.state
            .outbox
            .list(&Default::default())
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn cors_preflight_and_headers_follow_allowed_origins() {
    let app = spawn_app("").await;
    let preflight = |origin: &str| {
        app.http
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/forms/ajax", app.address),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .send()
    };

    let allowed = preflight("https://example.com").await.unwrap();
    let foreign = preflight("https://evil.example").await.unwrap();
    let post = app
        .http
        .post(format!("{}/forms/ajax", app.address))
        .header("origin", "https://example.com")
        .json(&json!({"name": "typo", "email": "typo@"}))
        .send()
        .await
        .unwrap();
    let refused = app
        .http
        .post(format!("{}/forms/ajax", app.address))
        .header("origin", "https://evil.example")
        .json(&json!({"email": "x@example.com"}))
        .send()
        .await
        .unwrap();

    assert_eq!(allowed.status(), 204);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://example.com"
    );
    assert_eq!(foreign.status(), 403);
    assert_eq!(post.status(), 422, "errors carry CORS headers too");
    assert_eq!(
        post.headers()["access-control-allow-origin"],
        "https://example.com"
    );
    assert_eq!(refused.status(), 403);
}

#[tokio::test]
async fn hooks_senders_that_do_not_authenticate_are_limited_by_ip() {
    let app = spawn_app("[server]\nrate_limit_per_minute = 5\ntrust_forwarded_for = true").await;
    let send = |form: &'static str, source: &'static str, token: Option<&'static str>| {
        let mut request = app
            .http
            .post(format!("{}/hooks/{form}", app.address))
            .header("x-forwarded-for", source)
            .json(&json!({"email": "hook@example.com"}));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        async move {
            let response = request.send().await.unwrap();
            let retry_after = response.headers().contains_key("retry-after");
            (response.status().as_u16(), retry_after)
        }
    };
    let mut open_door = Vec::new();
    let mut wrong_token = Vec::new();
    let mut right_token = Vec::new();

    for _ in 0..12 {
        open_door.push(send("plain", "198.51.100.1", None).await);
        wrong_token.push(send("zap", "198.51.100.2", Some("guess")).await);
        right_token.push(send("zap", "198.51.100.3", Some("test-hook-token")).await);
    }

    let count = |seen: &[(u16, bool)], status: u16| seen.iter().filter(|s| s.0 == status).count();
    assert_eq!(count(&open_door, 200), 5, "{open_door:?}");
    assert_eq!(count(&open_door, 429), 7, "{open_door:?}");
    assert!(open_door[5..].iter().all(|(_, retry_after)| *retry_after));
    assert_eq!(count(&wrong_token, 401), 5, "{wrong_token:?}");
    assert_eq!(
        count(&wrong_token, 429),
        7,
        "a failed proof is not authentication: {wrong_token:?}"
    );
    assert_eq!(
        count(&right_token, 200),
        12,
        "authenticated senders are exempt"
    );
}

#[tokio::test]
async fn the_addresses_of_one_ipv6_slash_64_share_one_limit() {
    let app = spawn_app("[server]\nrate_limit_per_minute = 3\ntrust_forwarded_for = true").await;
    let post_from = |ip: String| {
        app.http
            .post(format!("{}/forms/plain", app.address))
            .header("x-forwarded-for", ip)
            .json(&json!({"email": "v6@example.com"}))
            .send()
    };

    let mut rotating = Vec::new();
    for n in 1..=6_u32 {
        let ip = format!("2001:db8:a:b:{n:x}:{:x}::1", n * 7919);
        rotating.push(post_from(ip).await.unwrap().status().as_u16());
    }
    let next_network = post_from("2001:db8:a:c::1".into()).await.unwrap();
    let mapped_v4 = post_from("::ffff:198.51.100.9".into()).await.unwrap();

    assert_eq!(rotating, [200, 200, 200, 429, 429, 429]);
    assert_eq!(next_network.status(), 200, "another /64 is another source");
    assert_eq!(mapped_v4.status(), 200);
}

#[tokio::test]
async fn an_opaque_or_unreadable_origin_is_refused_where_origins_are_listed() {
    let app = spawn_app("").await;
    let post = |form: &str, header: &'static str, value: &'static str| {
        app.http
            .post(format!("{}/forms/{form}", app.address))
            .header(header, value)
            .json(&json!({"email": "sandboxed@example.com"}))
            .send()
    };

    let mut refused = Vec::new();
    for (header, value) in [
        ("origin", "null"),
        ("origin", "not an origin"),
        ("origin", ""),
        ("origin", "file:///home/me/form.html"),
        ("referer", "null"),
        ("referer", "::garbage::"),
    ] {
        let response = post("ajax", header, value).await.unwrap();
        refused.push((header, value, response.status().as_u16()));
    }
    let browser = app
        .http
        .post(format!("{}/forms/contact", app.address))
        .header("origin", "null")
        .form(&[("email", "sandboxed@example.com")])
        .send()
        .await
        .unwrap();
    let unlisted = post("plain", "origin", "null").await.unwrap();

    assert!(
        refused.iter().all(|(_, _, status)| *status == 403),
        "{refused:?}"
    );
    assert_eq!(browser.status(), 303);
    assert_eq!(
        browser.headers()["location"],
        "https://example.com/oops?error=forbidden"
    );
    assert_eq!(
        unlisted.status(),
        200,
        "a form without allowed_origins takes posts from anywhere"
    );
    let stored = app.state.outbox.list(&Default::default()).await.unwrap();
    assert_eq!(stored.len(), 1, "only the post to the open form is stored");
    assert_eq!(stored[0].form, "plain");
}

#[tokio::test]
async fn health_ready_and_request_ids() {
    let app = spawn_app("").await;

    let health = app
        .http
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    let ready = app
        .http
        .get(format!("{}/readyz", app.address))
        .header("x-request-id", "caller-chosen-id")
        .send()
        .await
        .unwrap();

    assert_eq!(health.status(), 200);
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.headers()["x-request-id"], "caller-chosen-id");
    assert!(!health.headers()["x-request-id"].is_empty());
}

#[tokio::test]
async fn a_caller_request_id_too_long_or_with_spaces_is_replaced_by_a_new_one() {
    let app = spawn_app("").await;
    let long = "r".repeat(10_000);

    for unfit in [long.as_str(), "abc lead_id=forged", "caf\u{e9}"] {
        let response = app
            .http
            .post(format!("{}/forms/plain", app.address))
            .header("x-request-id", unfit)
            .json(&json!({"email": "request-id@example.com"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let given = response.headers()["x-request-id"].to_str().unwrap();
        assert!(given != unfit, "kept: {given:.80}");
        assert!(uuid::Uuid::parse_str(given).is_ok(), "{given:.80}");
    }
}

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let app = spawn_app("[server]\nrate_limit_per_minute = 3").await;

    let mut statuses = Vec::new();
    for n in 0..5 {
        let response = app
            .post_json("ajax", &json!({"email": format!("r{n}@example.com")}))
            .await;
        statuses.push((
            response.status().as_u16(),
            response.headers().get("retry-after").cloned(),
        ));
    }
    let hook = app
        .http
        .post(format!("{}/hooks/zap", app.address))
        .bearer_auth("test-hook-token")
        .json(&json!({"email": "hook@example.com"}))
        .send()
        .await
        .unwrap();

    assert_eq!(statuses.iter().filter(|(s, _)| *s == 200).count(), 3);
    let (status, retry_after) = &statuses[4];
    assert_eq!(*status, 429);
    assert!(retry_after.is_some());
    assert_eq!(
        hook.status(),
        200,
        "authenticated hooks are not limited by IP"
    );
    eventually("4 leads delivered", Duration::from_secs(10), || async {
        (app.sandbox.leads().len() == 4).then_some(())
    })
    .await;
}
