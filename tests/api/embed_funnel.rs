//! `GET /embed.js` (small, safe under a strict CSP, cached with an ETag) and
//! the form funnel: page reports at `/funnel/{form}`, leadrelay's own counts
//! of submissions, spam and deliveries, per form and day, on `/admin/summary`
//! and `/metrics`.

use std::time::Duration;

use crate::helpers::{eventually, spawn_app, spawn_app_in, TestApp};
use serde_json::{json, Value};

const ADMIN_TOKEN: &str = "funnel-admin-token";
const WAIT: Duration = Duration::from_secs(15);

fn config(form: &str, extra: &str) -> String {
    format!(
        "[server]\nadmin_token = \"{ADMIN_TOKEN}\"\n{extra}\n\
         [forms.{form}]\nallowed_origins = [\"https://site.example\"]\nhoneypot = \"_gotcha\"\n\
         test_token = \"funnel-test-token\"\n"
    )
}

async fn report(
    app: &TestApp,
    form: &str,
    step: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = app
        .http
        .post(format!("{}/funnel/{form}?step={step}", app.address))
        .header("origin", "https://site.example");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("request sent")
}

async fn summary(app: &TestApp) -> Value {
    app.http
        .get(format!("{}/admin/summary?days=7", app.address))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The form's totals over the summary's period.
async fn totals(app: &TestApp, form: &str) -> Value {
    let summary = summary(app).await;
    summary["funnel"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["form"] == form)
        .unwrap_or_else(|| panic!("no funnel for {form}: {summary}"))["totals"]
        .clone()
}

#[tokio::test]
async fn embed_js_is_small_safe_and_revalidated_with_its_etag() {
    let app = spawn_app("").await;
    let url = format!("{}/embed.js", app.address);

    let first = app.http.get(&url).send().await.unwrap();

    assert_eq!(first.status(), 200);
    let headers = first.headers().clone();
    assert!(headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(headers["cache-control"]
        .to_str()
        .unwrap()
        .contains("public"));
    assert!(headers.get("set-cookie").is_none());
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let script = first.text().await.unwrap();
    assert!(script.len() < 5000, "embed.js is {} bytes", script.len());
    for unsafe_code in [
        "eval(",
        "new Function",
        "innerHTML",
        "document.write",
        "setAttribute(\"style",
        "document.cookie",
    ] {
        assert!(!script.contains(unsafe_code), "{unsafe_code}");
    }
    assert!(script.contains("sendBeacon") && script.contains("Idempotency-Key"));

    for (if_none_match, status) in [
        (etag.clone(), 304),
        (format!("W/{etag}"), 304),
        (format!("\"other\", {etag}"), 304),
        ("\"stale\"".to_owned(), 200),
    ] {
        let again = app
            .http
            .get(&url)
            .header("if-none-match", &if_none_match)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), status, "{if_none_match}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        let body = again.bytes().await.unwrap();
        assert_eq!(body.is_empty(), status == 304);
    }
}

#[tokio::test]
async fn the_funnel_counts_views_starts_submissions_spam_and_deliveries() {
    let app = spawn_app(&config("funnel-a", "")).await;

    for step in ["view", "view", "start"] {
        let counted = report(&app, "funnel-a", step, &[]).await;
        assert_eq!(counted.status(), 204);
        assert!(counted.headers().get("set-cookie").is_none());
    }
    let lead = json!({"email": "ann@example.com", "name": "Ann Lee"});
    app.post_json("funnel-a", &lead).await;
    app.post_json("funnel-a", &lead).await; // the same again: a replay, not a submission
    app.post_json(
        "funnel-a",
        &json!({"email": "bot@example.com", "_gotcha": "x"}),
    )
    .await;
    let test = app
        .http
        .post(format!("{}/forms/funnel-a", app.address))
        .header("leadrelay-test", "funnel-test-token")
        .json(&json!({"email": "dev@example.com"}))
        .send()
        .await
        .unwrap();
    assert_eq!(test.status(), 200);
    crate::helpers::sandbox_leads(&app.sandbox, 1).await;

    let totals = eventually("the delivery counted", WAIT, || async {
        let totals = totals(&app, "funnel-a").await;
        (totals["delivered"] == 1).then_some(totals)
    })
    .await;

    assert_eq!(
        totals,
        json!({"views": 2, "starts": 1, "submissions": 2, "delivered": 1, "spam": 1, "held": 0})
    );
}

#[tokio::test]
async fn reports_are_checked_and_privacy_signals_are_honoured() {
    let app = spawn_app(&config("funnel-b", "")).await;

    let unknown_step = report(&app, "funnel-b", "submissions", &[]).await;
    let unknown_form = report(&app, "nope", "view", &[]).await;
    let elsewhere = app
        .http
        .post(format!("{}/funnel/funnel-b?step=view", app.address))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    let dnt = report(&app, "funnel-b", "view", &[("dnt", "1")]).await;
    let gpc = report(&app, "funnel-b", "start", &[("sec-gpc", "1")]).await;
    let counted = report(&app, "funnel-b", "view", &[]).await;

    assert_eq!(unknown_step.status(), 400);
    assert_eq!(unknown_form.status(), 404);
    assert_eq!(elsewhere.status(), 403);
    assert_eq!(dnt.status(), 204);
    assert_eq!(gpc.status(), 204);
    assert_eq!(counted.status(), 204);
    assert_eq!(
        counted.headers()["access-control-allow-origin"],
        "https://site.example"
    );
    let totals = totals(&app, "funnel-b").await;
    assert_eq!(
        (totals["views"].as_u64(), totals["starts"].as_u64()),
        (Some(1), Some(0))
    );
    app.assert_healthy().await;
}

#[tokio::test]
async fn reports_over_the_rate_limit_are_refused_and_not_counted() {
    let app = spawn_app(&config("funnel-c", "funnel_rate_limit_per_minute = 2")).await;

    let statuses = [
        report(&app, "funnel-c", "view", &[]).await.status(),
        report(&app, "funnel-c", "view", &[]).await.status(),
    ];
    let limited = report(&app, "funnel-c", "view", &[]).await;

    assert_eq!(statuses, [204, 204]);
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    assert_eq!(totals(&app, "funnel-c").await["views"], 2);
    let submission = app
        .post_json("funnel-c", &json!({"email": "still@example.com"}))
        .await;
    assert_eq!(submission.status(), 200, "submissions have their own limit");
}

#[tokio::test]
async fn todays_counts_are_on_metrics_and_survive_a_restart() {
    let app = spawn_app(&config("funnel-metered", "")).await;
    report(&app, "funnel-metered", "view", &[]).await;
    report(&app, "funnel-metered", "start", &[]).await;

    let metrics = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();

    for (step, value) in [("views", 1), ("starts", 1), ("submissions", 0), ("held", 0)] {
        let series =
            format!("leadrelay_funnel_today{{form=\"funnel-metered\",step=\"{step}\"}} {value}");
        assert!(metrics.contains(&series), "{series} in\n{metrics}");
    }
    report(&app, "funnel-metered", "view", &[]).await;
    let (sandbox, dir) = app.stop().await;
    let restarted = spawn_app_in(
        &format!(
            "{}\n{}",
            crate::helpers::FORMS,
            config("funnel-metered", "")
        ),
        sandbox,
        dir,
    )
    .await;
    assert_eq!(
        totals(&restarted, "funnel-metered").await["views"],
        2,
        "counted before the stop, stored at shutdown"
    );
}
