//! Operations surfaces: metrics counted right, the OpenAPI description and
//! `leadrelay healthcheck`.
//!
//! The Prometheus recorder is process-wide and every test of this binary
//! shares it: the tests that read unlabelled series or the `default`
//! workspace's gauge run alone in a process of their own (`helpers::alone`).

use std::time::Duration;

use crate::helpers::process::leadrelay;
use crate::helpers::{
    alone::in_own_process, eventually, sandbox_leads, spawn_app, spawn_app_at, TestApp,
};
use leadrelay::{domain::LeadState, outbox::LeadFilter, sandbox::Generation};
use serde_json::{json, Value};

/// The sum of every series of `name` carrying all of `labels`, or 0 when none.
fn sample(metrics: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    metrics
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once(' '))
        .filter(|(series, _)| {
            let (series_name, series_labels) = series.split_once('{').unwrap_or((series, ""));
            series_name == name
                && labels
                    .iter()
                    .all(|(k, v)| series_labels.contains(&format!("{k}=\"{v}\"")))
        })
        .map(|(_, value)| value.parse::<f64>().expect("a numeric sample"))
        .sum()
}

async fn scrape(app: &TestApp) -> String {
    let response = app
        .http
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    response.text().await.unwrap()
}

async fn count_in_state(app: &TestApp, form: &str, state: LeadState) -> usize {
    let filter = LeadFilter {
        state: Some(state),
        form: Some(form.into()),
        limit: Some(1000),
        ..LeadFilter::default()
    };
    app.state.outbox.list(&filter).await.unwrap().len()
}

#[test]
fn metrics_count_submissions_deliveries_and_upstream_calls() {
    // Exact deltas of the unlabelled counters: no other app may deliver meanwhile.
    in_own_process(
        concat!(
            module_path!(),
            "::metrics_count_submissions_deliveries_and_upstream_calls"
        ),
        count_submissions_deliveries_and_upstream_calls,
    );
}

async fn count_submissions_deliveries_and_upstream_calls() {
    // Arrange: a form only this test uses; one address Agencyhandy refuses for good.
    let app = spawn_app_at(
        Generation::CompanyBulkClient,
        "[forms.metrics_probe]\nhoneypot = \"_gotcha\"\n[delivery]\npause_secs = 1",
    )
    .await;
    app.sandbox.reject_email("refused@example.com");
    let before = scrape(&app).await;
    let form = [("form", "metrics_probe")];
    let received = |text: &str, outcome: &str| {
        sample(
            text,
            "leadrelay_leads_received_total",
            &[form[0], ("outcome", outcome)],
        )
    };

    // Act: 1 lead Agencyhandy refuses while the next 3 go through (so it is
    // the lead's fault: dead), 2 with a mistyped e-mail, 1 without any (held), 1 spam.
    let refused = json!({"name": "Refused Person", "email": "refused@example.com"});
    assert_eq!(app.post_json("metrics_probe", &refused).await.status(), 200);
    for i in 0..3 {
        let body = json!({"name": "Metric Person", "email": format!("metric{i}@example.com")});
        assert_eq!(app.post_json("metrics_probe", &body).await.status(), 200);
    }
    for _ in 0..2 {
        let body = json!({"name": "Typo", "email": "typo@", "message": "call me"});
        assert_eq!(app.post_json("metrics_probe", &body).await.status(), 422);
    }
    let no_email = json!({"name": "No Mail", "message": "call me"});
    assert_eq!(
        app.post_json("metrics_probe", &no_email).await.status(),
        200
    );
    let spam = json!({"name": "Bot", "email": "bot@example.com", "_gotcha": "http://spam"});
    assert_eq!(app.post_json("metrics_probe", &spam).await.status(), 200);
    sandbox_leads(&app.sandbox, 3).await;
    eventually(
        "the refused lead is dead",
        Duration::from_secs(15),
        || async {
            (count_in_state(&app, "metrics_probe", LeadState::Dead).await == 1).then_some(())
        },
    )
    .await;
    let after = scrape(&app).await;

    // Assert
    assert_eq!(received(&after, "accepted"), 4.0, "{after}");
    assert_eq!(received(&after, "invalid"), 2.0, "{after}");
    assert_eq!(received(&after, "spam"), 1.0, "{after}");
    assert_eq!(received(&after, "held"), 1.0, "{after}");
    let delta = |name: &str, labels: &[(&str, &str)]| {
        sample(&after, name, labels) - sample(&before, name, labels)
    };
    assert_eq!(
        delta("leadrelay_leads_delivered_total", &[]),
        3.0,
        "{after}"
    );
    assert_eq!(delta("leadrelay_leads_dead_total", &[]), 1.0, "{after}");
    let created = [("endpoint", "company-members"), ("status", "201")];
    let rejected = [("endpoint", "company-members"), ("status", "400")];
    assert!(
        delta("leadrelay_upstream_requests_total", &created) >= 1.0,
        "{after}"
    );
    assert!(
        delta("leadrelay_upstream_requests_total", &rejected) >= 1.0,
        "{after}"
    );
    let create_calls = delta("leadrelay_upstream_requests_total", &[created[0]]);
    let timed = delta(
        "leadrelay_upstream_request_duration_seconds_count",
        &[created[0]],
    );
    assert_eq!(timed, create_calls, "every create call is timed: {after}");
    assert!(after.contains("leadrelay_upstream_request_duration_seconds_bucket{"));
    assert_eq!(sample(&after, "leadrelay_outbox_pending", &[]), 0.0);
    assert!(after.contains("\nleadrelay_outbox_pending "), "{after}");
    assert!(after.contains("leadrelay_workspace_paused{workspace=\"default\"} 0"));
    assert!(after.contains("# HELP leadrelay_leads_received_total "));
}

#[test]
fn the_counters_alerts_use_exist_before_anything_happened() {
    // No other app may have paused the `default` workspace of this process's recorder.
    in_own_process(
        concat!(
            module_path!(),
            "::the_counters_alerts_use_exist_before_anything_happened"
        ),
        see_the_counters_alerts_use,
    );
}

async fn see_the_counters_alerts_use() {
    let app = spawn_app("").await;

    let text = scrape(&app).await;

    for name in [
        "leadrelay_leads_delivered_total",
        "leadrelay_leads_dead_total",
        "leadrelay_outbox_pending",
    ] {
        assert!(
            text.lines()
                .any(|line| line.starts_with(&format!("{name} "))),
            "{name} missing:\n{text}"
        );
    }
    assert!(text.contains("leadrelay_workspace_paused{workspace=\"default\"} 0"));
}

#[tokio::test]
async fn openapi_describes_every_public_route() {
    let app = spawn_app("").await;

    let response = app
        .http
        .get(format!("{}/openapi.json", app.address))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let doc: Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."), "{doc}");
    let routes = [
        ("/forms/{form}", "post"),
        ("/forms/{form}", "options"),
        ("/hooks/{form}", "post"),
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/metrics", "get"),
        ("/openapi.json", "get"),
        ("/admin", "get"),
        ("/admin/leads", "get"),
        ("/admin/leads/{id}", "get"),
        ("/admin/leads/{id}/retry", "post"),
        ("/admin/leads/{id}/release", "post"),
        ("/admin/leads/bulk", "post"),
        ("/admin/summary", "get"),
        ("/embed.js", "get"),
        ("/funnel/{form}", "post"),
    ];
    for (path, method) in routes {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing"
        );
    }
    let documented: usize = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .map(|item| item.as_object().unwrap().len())
        .sum();
    assert_eq!(documented, routes.len(), "an undocumented or extra route");

    let submit = &doc["paths"]["/forms/{form}"]["post"];
    for content_type in [
        "application/x-www-form-urlencoded",
        "multipart/form-data",
        "application/json",
        "text/plain",
    ] {
        assert!(submit["requestBody"]["content"][content_type].is_object());
    }
    let ok = &submit["responses"]["200"]["content"]["application/json"]["schema"]["$ref"];
    assert_eq!(ok, "#/components/schemas/AcceptedReply");
    for status in ["400", "404", "413", "415", "422", "429"] {
        let schema = &submit["responses"][status]["content"]["application/json"]["schema"];
        assert_eq!(schema["$ref"], "#/components/schemas/ErrorBody", "{status}");
    }
    assert!(submit["responses"]["303"].is_object());
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["ErrorDetail"]["properties"]["fields"].is_object());
    assert!(schemas["AcceptedReply"]["properties"]["id"].is_object());
    assert!(schemas["LeadSummary"]["properties"]["last_error"].is_object());
    let admin = &doc["components"]["securitySchemes"]["admin_token"];
    assert_eq!(admin["type"], "http");
    assert_eq!(admin["scheme"], "bearer");
    let listed = &doc["paths"]["/admin/leads"]["get"];
    assert_eq!(listed["security"][0]["admin_token"], json!([]));
}

#[tokio::test]
async fn openapi_documents_the_replies_and_parameters_the_routes_have() {
    let app = spawn_app("[server]\nadmin_token = \"t\"").await;
    let doc: Value = app
        .http
        .get(format!("{}/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let documented = |path: &str, method: &str, status: u16| {
        doc["paths"][path][method]["responses"][status.to_string()].is_object()
    };
    let parameter = |path: &str, method: &str, name: &str| {
        doc["paths"][path][method]["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("{method} {path}: no parameter {name}"))
    };

    // A form with a token answers 401 on /forms too.
    let token_form = app
        .post_json("zap", &json!({"email": "a@example.com"}))
        .await;
    assert_eq!(token_form.status(), 401);
    assert!(documented("/forms/{form}", "post", 401));
    let bad_days = app
        .http
        .get(format!("{}/admin/summary?days=x", app.address))
        .bearer_auth("t")
        .send()
        .await
        .unwrap();
    assert_eq!(bad_days.status(), 400);
    assert!(documented("/admin/summary", "get", 400));
    // The funnel takes no report without a step it knows.
    let step = parameter("/funnel/{form}", "post", "step");
    assert_eq!(step["required"], true);
    assert_eq!(step["schema"]["pattern"], "^(view|start)$");
    // Only the lead states are states to filter by.
    let state = parameter("/admin/leads", "get", "state");
    let schema = state["schema"]["$ref"].as_str().unwrap().rsplit('/').next();
    let states = &doc["components"]["schemas"][schema.unwrap()]["enum"];
    let known: Vec<String> = LeadState::ALL.iter().map(ToString::to_string).collect();
    assert_eq!(states, &json!(known));
    assert_eq!(
        parameter("/admin/leads", "get", "from")["schema"]["format"],
        "date"
    );
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = spawn_app("[server]\nadmin_token = \"t\"").await;
    let doc: Value = app
        .http
        .get(format!("{}/openapi.json", app.address))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let url = format!("{}{}", app.address, path)
                .replace("{form}", "plain")
                .replace("{id}", "0190b3a4-0000-7000-8000-000000000000");
            let request = app
                .http
                .request(method.to_uppercase().parse().unwrap(), &url)
                .bearer_auth("t");
            let body = request.send().await.unwrap().text().await.unwrap();

            // The router's fallback says "no such route"; a handler never does.
            assert!(!body.contains("no such route"), "{method} {path}: {body}");
        }
    }
}

fn healthcheck(url: &str) -> std::process::Output {
    leadrelay(&["healthcheck", "--url", url])
        .output()
        .expect("the binary runs")
}

#[tokio::test]
async fn healthcheck_exits_zero_against_a_ready_service() {
    let app = spawn_app("").await;
    let url = format!("{}/readyz", app.address);

    let output = tokio::task::spawn_blocking(move || healthcheck(&url))
        .await
        .unwrap();

    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn healthcheck_with_a_base_url_asks_the_services_readyz() {
    let app = spawn_app("").await;
    let base = app.address.clone();
    let host_port = base.trim_start_matches("http://").to_owned();

    let outputs = tokio::task::spawn_blocking(move || {
        [base.clone(), format!("{base}/"), host_port].map(|url| (healthcheck(&url), url))
    })
    .await
    .unwrap();
    app.state.intake.stop_accepting();
    let base = app.address.clone();
    let draining = tokio::task::spawn_blocking(move || healthcheck(&base))
        .await
        .unwrap();

    for (output, url) in outputs {
        assert!(
            output.status.success(),
            "{url}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    assert!(!draining.status.success(), "it asks /readyz, not /");
    let stderr = String::from_utf8_lossy(&draining.stderr);
    assert!(stderr.contains("/readyz answered 503"), "{stderr}");
}

#[tokio::test]
async fn healthcheck_fails_against_a_closed_port_or_a_draining_service() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_url = format!("http://{}/readyz", closed.local_addr().unwrap());
    drop(closed);
    let app = spawn_app("").await;
    app.state.intake.stop_accepting();
    let draining_url = format!("{}/readyz", app.address);

    let (refused, draining) =
        tokio::task::spawn_blocking(move || (healthcheck(&closed_url), healthcheck(&draining_url)))
            .await
            .unwrap();

    for output in [refused, draining] {
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("not ready"), "{stderr}");
    }
}

#[tokio::test]
async fn admin_page_is_served_with_a_strict_policy_only_when_enabled() {
    let off = spawn_app("").await;
    let on = spawn_app("[server]\nadmin_token = \"t\"").await;
    let get = |app: &TestApp, path: &str| app.http.get(format!("{}{path}", app.address)).send();

    let hidden = get(&off, "/admin").await.unwrap();
    let hidden_script = get(&off, "/admin/ui/admin.js").await.unwrap();
    let page = get(&on, "/admin").await.unwrap();

    assert_eq!(hidden.status(), 404);
    assert_eq!(hidden_script.status(), 404);
    assert_eq!(page.status(), 200);
    assert!(page.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/html"));
    let policy = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(policy.contains("script-src 'self'"), "{policy}");
    assert!(policy.contains("style-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe"), "{policy}");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert!(page.text().await.unwrap().contains("/admin/ui/admin.js"));
    let mut scripts = String::new();
    for file in ["admin.js", "api.js", "lead.js", "list.js", "overview.js"] {
        let script = get(&on, &format!("/admin/ui/{file}")).await.unwrap();
        assert_eq!(script.status(), 200, "{file}");
        assert!(script.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript"));
        assert!(script.headers().contains_key("content-security-policy"));
        scripts.push_str(&script.text().await.unwrap());
    }
    assert!(scripts.contains("sessionStorage"));
    for unsafe_sink in [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "eval(",
        "document.cookie",
    ] {
        assert!(!scripts.contains(unsafe_sink), "{unsafe_sink}");
    }
    assert_eq!(get(&on, "/admin/ui/nope.js").await.unwrap().status(), 404);
}
