//! A workspace's fault pauses the workspace and never kills its leads; a lead
//! refused on its own is dead. Black-box: the app on port 0, the sandbox as
//! Agencyhandy, the outcome read from storage, `/metrics`, `/admin` and the CLI.

use crate::helpers::process::{cli, cli_config};
use crate::helpers::relay::{
    all_in, count, gauge_reads, leads_until, stored, waiting_for, workspace,
};
use crate::helpers::{sandbox_at, spawn_app_in, spawn_app_with, TestApp};
use leadrelay::{
    domain::LeadState,
    sandbox::{Generation, Sandbox},
};
use serde_json::{json, Value};

const FAST: &str = "[delivery]\npause_secs = 1\npoll_interval_ms = 50\n";

async fn post_leads(app: &TestApp, form: &str, emails: &[&str]) {
    for email in emails {
        let response = app
            .post_json(form, &json!({"email": email, "name": "Ada Lovelace"}))
            .await;
        assert_eq!(response.status(), 200);
    }
}

#[tokio::test]
async fn a_wrong_company_id_pauses_kills_nothing_and_delivers_once_fixed() {
    for generation in [Generation::CompanyBulkClient, Generation::BulkLeadWithRole] {
        // Arrange
        let sandbox = sandbox_at(generation).await;
        let wrong = workspace("acme", "company_id = \"ffffffffffffffffffffffff\"");
        let app = spawn_app_with(&format!("{FAST}{wrong}"), sandbox).await;
        let emails = [
            "a@example.com",
            "b@example.com",
            "c@example.com",
            "d@example.com",
        ];

        // Act
        post_leads(&app, "acme", &emails).await;

        // Assert: paused, with the reason and fix on every waiting lead
        let leads = leads_until(&app, "4 leads waiting on the company", |leads| {
            waiting_for(leads, 4, "workspaces.acme.company_id")
        })
        .await;
        gauge_reads(&app, "acme", 1.0).await;
        assert_eq!(count(&leads, LeadState::Dead), 0, "{generation:?}");
        assert!(app.sandbox.leads().is_empty());
        let (ok, listed) = cli(&cli_config(&app, ""), &["leads", "list"]);
        assert!(
            ok && listed.contains("waiting, workspace paused"),
            "{listed}"
        );
        assert!(listed.contains("refused access to the company"), "{listed}");

        // Act: fix the config, restart
        let (sandbox, dir) = app.stop().await;
        let fixed = format!("{FAST}{}", workspace("acme", ""));
        let restarted = spawn_app_in(&fixed, sandbox, dir).await;

        // Assert: every lead delivered once
        leads_until(&restarted, "4 leads delivered", |l| {
            all_in(l, 4, LeadState::Delivered)
        })
        .await;
        let mut delivered = restarted.sandbox.lead_emails();
        delivered.sort();
        assert_eq!(delivered, emails, "{generation:?}");
        restarted.stop().await;
    }
}

#[tokio::test]
async fn a_refused_key_pauses_shows_why_and_resumes_by_itself() {
    // Arrange
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_key_revoked(true);
    let toml = format!(
        "{FAST}[server]\nadmin_token = \"t0ken\"\n{}",
        workspace("keyed", "")
    );
    let app = spawn_app_with(&toml, sandbox).await;

    // Act
    post_leads(
        &app,
        "keyed",
        &["k1@example.com", "k2@example.com", "k3@example.com"],
    )
    .await;

    // Assert: paused, and leads list, leads show and /admin say why
    let leads = leads_until(&app, "3 leads waiting on the key", |leads| {
        waiting_for(leads, 3, "workspaces.keyed.api_key")
    })
    .await;
    gauge_reads(&app, "keyed", 1.0).await;
    let id = leads[0].id.to_string();
    let (ok, shown) = cli(&cli_config(&app, ""), &["leads", "show", &id]);
    assert!(
        ok && shown.contains("refused the API key (HTTP 401"),
        "{shown}"
    );
    let admin: Value = app
        .http
        .get(format!("{}/admin/leads/{id}", app.address))
        .bearer_auth("t0ken")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let why = admin["last_error"].as_str().unwrap_or_default();
    assert!(why.contains("workspaces.keyed.api_key"), "{admin}");

    // Act: the key works again
    app.sandbox.set_key_revoked(false);

    // Assert: delivered by itself, with no attempt spent while paused
    let delivered = leads_until(&app, "3 leads delivered", |l| {
        all_in(l, 3, LeadState::Delivered)
    })
    .await;
    assert!(
        delivered.iter().all(|lead| lead.attempts == 1),
        "{delivered:?}"
    );
    gauge_reads(&app, "keyed", 0.0).await;
}

#[tokio::test]
async fn one_bad_lead_dies_with_its_reason_while_its_batchmates_are_delivered() {
    // Arrange
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.skip_email("odd@example.com", "Invalid phone number");
    sandbox.reject_email("bad@example.com");
    let app = spawn_app_with(&format!("{FAST}{}", workspace("mixed", "")), sandbox).await;

    // Act
    let emails = [
        "ok1@example.com",
        "odd@example.com",
        "bad@example.com",
        "ok2@example.com",
    ];
    post_leads(&app, "mixed", &emails).await;

    // Assert
    let leads = leads_until(&app, "2 delivered, 2 dead", |leads| {
        count(leads, LeadState::Delivered) == 2 && count(leads, LeadState::Dead) == 2
    })
    .await;
    let reason = |email: &str| {
        let lead = leads.iter().find(|lead| lead.email == email).unwrap();
        lead.last_error.clone().unwrap_or_default()
    };
    assert!(reason("odd@example.com").contains("Invalid phone number"));
    assert!(reason("bad@example.com").contains("while other leads went through"));
    gauge_reads(&app, "mixed", 0.0).await;
}

#[tokio::test]
async fn a_lead_refused_alone_waits_without_pausing_until_another_goes_through() {
    // Arrange
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.reject_email("alone@example.com");
    let app = spawn_app_with(&format!("{FAST}{}", workspace("lone", "")), sandbox).await;

    // Act 1: it is sent alone
    post_leads(&app, "lone", &["alone@example.com"]).await;

    // Assert 1: not dead, no attempt spent, the workspace not paused
    leads_until(&app, "the lone lead waiting", |l| {
        waiting_for(l, 1, "sent alone")
    })
    .await;
    gauge_reads(&app, "lone", 0.0).await;

    // Act 2: another lead goes through while it is refused
    post_leads(&app, "lone", &["fine@example.com"]).await;

    // Assert 2: the lone lead is dead now, proven at fault
    let leads = leads_until(&app, "one delivered, one dead", |leads| {
        count(leads, LeadState::Delivered) == 1 && count(leads, LeadState::Dead) == 1
    })
    .await;
    let dead = leads.iter().find(|l| l.state == LeadState::Dead).unwrap();
    assert_eq!(dead.email, "alone@example.com");
    gauge_reads(&app, "lone", 0.0).await;
}

#[tokio::test]
async fn every_lead_refused_is_the_workspaces_fault() {
    // Arrange: Agencyhandy refuses every lead it gets, for no reason it names
    let sandbox = Sandbox::start().await.unwrap();
    for email in ["x@example.com", "y@example.com"] {
        sandbox.reject_email(email);
    }
    let app = spawn_app_with(&format!("{FAST}{}", workspace("refusing", "")), sandbox).await;

    // Act: one after the other, each alone
    post_leads(&app, "refusing", &["x@example.com"]).await;
    leads_until(&app, "the first lead waiting", |l| {
        waiting_for(l, 1, "sent alone")
    })
    .await;
    post_leads(&app, "refusing", &["y@example.com"]).await;

    // Assert: paused, nobody dead
    leads_until(&app, "both waiting, paused", |leads| {
        leads.len() == 2
            && count(leads, LeadState::Dead) == 0
            && leads.iter().any(|l| {
                l.last_error
                    .as_deref()
                    .is_some_and(|e| e.contains("refused every lead"))
            })
    })
    .await;
    gauge_reads(&app, "refusing", 1.0).await;

    // Act: Agencyhandy takes them again
    for email in ["x@example.com", "y@example.com"] {
        app.sandbox.accept_email(email);
    }

    // Assert
    leads_until(&app, "both delivered", |l| {
        all_in(l, 2, LeadState::Delivered)
    })
    .await;
    gauge_reads(&app, "refusing", 0.0).await;
}

#[tokio::test]
async fn a_category_that_does_not_exist_pauses_until_it_does() {
    // Arrange
    let sandbox = Sandbox::start().await.unwrap();
    let labelled = workspace("labels", "").replace(
        "workspace = \"labels\"\n",
        "workspace = \"labels\"\n[forms.labels.constants]\ncategory = [\"label-to-be\"]\n",
    );
    let app = spawn_app_with(&format!("{FAST}{labelled}"), sandbox).await;

    // Act
    post_leads(&app, "labels", &["l1@example.com", "l2@example.com"]).await;

    // Assert: the config's reason makes them wait; nobody dead
    leads_until(&app, "2 leads waiting on the category", |leads| {
        waiting_for(leads, 2, "One or more category not found")
    })
    .await;
    gauge_reads(&app, "labels", 1.0).await;

    // Act: the label is created in Agencyhandy
    app.sandbox.add_category("label-to-be");

    // Assert
    leads_until(&app, "2 delivered", |l| all_in(l, 2, LeadState::Delivered)).await;
    gauge_reads(&app, "labels", 0.0).await;
}

#[tokio::test]
async fn discovery_failing_pauses_and_resumes_by_itself() {
    // Arrange: the 2026-06 API needs a client role, and the company has none
    let sandbox = sandbox_at(Generation::BulkLeadWithRole).await;
    sandbox.set_client_role_missing(true);
    let app = spawn_app_with(&format!("{FAST}{}", workspace("roleless", "")), sandbox).await;

    // Act
    post_leads(&app, "roleless", &["r1@example.com", "r2@example.com"]).await;

    // Assert
    leads_until(&app, "2 leads waiting on the role", |leads| {
        waiting_for(leads, 2, "no role named \"client\"")
    })
    .await;
    gauge_reads(&app, "roleless", 1.0).await;

    // Act: the role is there again
    app.sandbox.set_client_role_missing(false);

    // Assert
    leads_until(&app, "2 delivered", |l| all_in(l, 2, LeadState::Delivered)).await;
    assert_eq!(count(&stored(&app).await, LeadState::Dead), 0);
}

#[tokio::test]
async fn a_route_the_api_lacks_pauses_and_names_the_fix() {
    // Arrange: bulk-lead pinned, on the 2023 API that has no such route
    let sandbox = sandbox_at(Generation::CompanyBulkClient).await;
    let pinned = workspace("pinned", "endpoint = \"bulk-lead\"");
    let app = spawn_app_with(&format!("{FAST}{pinned}"), sandbox).await;

    // Act
    post_leads(
        &app,
        "pinned",
        &["p1@example.com", "p2@example.com", "p3@example.com"],
    )
    .await;

    // Assert
    leads_until(&app, "3 leads waiting on the route", |leads| {
        waiting_for(leads, 3, "workspaces.pinned.endpoint = \"auto\"")
    })
    .await;
    gauge_reads(&app, "pinned", 1.0).await;
    assert!(app.sandbox.leads().is_empty());
}

#[tokio::test]
async fn a_pause_logs_one_error_naming_the_reason_and_the_fix() {
    // Arrange: the real binary, JSON logs, a key Agencyhandy refuses
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.set_key_revoked(true);
    let dir = tempfile::tempdir().unwrap();
    let config = crate::helpers::binary::write_load_config(
        dir.path(),
        &sandbox,
        &format!("sqlite://{}/leads.db", dir.path().display()),
        120,
    );
    let toml = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        toml.replace("[delivery]\n", "[delivery]\npause_secs = 1\n"),
    )
    .unwrap();
    let relay = crate::helpers::binary::Binary::start(&config).await;
    let http = reqwest::Client::new();

    // Act: leads arrive over several probes of the paused workspace
    for n in 0..3 {
        let response = http
            .post(format!("{}/forms/load", relay.address))
            .json(&json!({"email": format!("logged{n}@example.com")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
    }
    crate::helpers::eventually(
        "several refused probes",
        crate::helpers::relay::WAIT,
        || async { (sandbox.stats().rejected_calls >= 3).then_some(()) },
    )
    .await;
    sandbox.set_key_revoked(false);
    crate::helpers::sandbox_leads(&sandbox, 3).await;
    relay.process.wait_for_line("delivery resumed").await;

    // Assert: one error for the one pause, with its reason and fix
    let paused: Vec<Value> = relay
        .process
        .lines()
        .iter()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line["level"] == "ERROR")
        .collect();
    assert_eq!(paused.len(), 1, "{paused:#?}");
    let text = paused[0].to_string();
    assert!(
        text.contains("delivery to this workspace is paused"),
        "{text}"
    );
    assert!(text.contains("refused the API key (HTTP 401"), "{text}");
    assert!(text.contains("agencyhandy.api_key"), "{text}");
    assert!(
        !text.contains(sandbox.api_key()),
        "the key is never logged: {text}"
    );
}
