//! `leadrelay check` fails, naming the fix, exactly when delivery would: each
//! case runs the real `check` binary and the relay itself on the same config
//! against the same sandbox, and the two must agree.

use crate::helpers::process::cli;
use crate::helpers::relay::{leads_until, stored};
use crate::helpers::{sandbox_at, spawn_app_with, TestApp};
use leadrelay::{
    config::Settings,
    domain::LeadState,
    sandbox::{Generation, Sandbox},
};
use serde_json::json;

/// One way to configure a workspace, and what `check` must say when it fails.
struct Case {
    name: &'static str,
    generation: Generation,
    /// Keys added to `[agencyhandy]` (`{company}` is the sandbox's company ID).
    workspace: &'static str,
    /// Keys added to `[forms.ajax]`.
    form: &'static str,
    /// Keys added to `[delivery]`.
    delivery: &'static str,
    /// Applied to the sandbox first.
    arrange: fn(&Sandbox),
    /// `None`: check passes; `Some(text)`: check fails, and names this fix.
    fix: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    let nothing: fn(&Sandbox) = |_| {};
    let mut cases: Vec<Case> = Generation::ALL
        .into_iter()
        .map(|generation| Case {
            name: "the default config",
            generation,
            workspace: "",
            form: "",
            delivery: "",
            arrange: nothing,
            fix: None,
        })
        .collect();
    cases.extend([
        Case {
            name: "a wrong key",
            generation: Generation::BulkLead,
            workspace: "api_key = \"not-the-key\"",
            form: "",
            delivery: "",
            arrange: nothing,
            fix: Some("agencyhandy.api_key"),
        },
        Case {
            name: "a revoked key on the 2023 API",
            generation: Generation::CompanyBulkClient,
            workspace: "",
            form: "",
            delivery: "",
            arrange: |sandbox| sandbox.set_key_revoked(true),
            fix: Some("agencyhandy.api_key"),
        },
        Case {
            name: "a wrong company on the 2026-06 API",
            generation: Generation::BulkLeadWithRole,
            workspace: "company_id = \"ffffffffffffffffffffffff\"",
            form: "",
            delivery: "",
            arrange: nothing,
            fix: Some("agencyhandy.company_id"),
        },
        Case {
            name: "a wrong company, pinned with its role, on the 2023 API",
            generation: Generation::CompanyBulkClient,
            workspace: "endpoint = \"company-members\"\ncompany_id = \"ffffffffffffffffffffffff\"\nclient_role_id = \"{role}\"",
            form: "",
            delivery: "",
            arrange: nothing,
            fix: Some("agencyhandy.company_id"),
        },
        Case {
            name: "a company the 2026-07 API does not need",
            generation: Generation::BulkLead,
            workspace: "company_id = \"ffffffffffffffffffffffff\"",
            form: "",
            delivery: "",
            arrange: nothing,
            fix: None,
        },
        Case {
            name: "no client role where the API needs one",
            generation: Generation::BulkLeadWithRole,
            workspace: "",
            form: "",
            delivery: "",
            arrange: |sandbox| sandbox.set_client_role_missing(true),
            fix: Some("client_role_id"),
        },
        Case {
            name: "company-members pinned on the 2026-07 API",
            generation: Generation::BulkLead,
            workspace: "endpoint = \"company-members\"",
            form: "",
            delivery: "",
            arrange: nothing,
            fix: Some("agencyhandy.endpoint = \"auto\""),
        },
        Case {
            name: "bulk-lead pinned on the 2023 API",
            generation: Generation::CompanyBulkClient,
            workspace: "endpoint = \"bulk-lead\"",
            form: "",
            delivery: "",
            arrange: nothing,
            fix: Some("agencyhandy.endpoint = \"auto\""),
        },
        Case {
            name: "bulk-lead pinned on the 2026-07 API",
            generation: Generation::BulkLead,
            workspace: "endpoint = \"bulk-lead\"",
            form: "",
            delivery: "",
            arrange: nothing,
            fix: None,
        },
        Case {
            name: "a status Agencyhandy does not have",
            generation: Generation::BulkLead,
            workspace: "",
            form: "status = \"Lead\"",
            delivery: "",
            arrange: nothing,
            fix: Some("forms.ajax.status"),
        },
        Case {
            name: "a batch too large for bulk-lead",
            generation: Generation::BulkLead,
            workspace: "",
            form: "",
            delivery: "batch_size = 201",
            arrange: nothing,
            fix: Some("delivery.batch_size"),
        },
    ]);
    cases
}

fn config(case: &Case, sandbox: &Sandbox) -> String {
    let workspace = case.workspace.replace("{role}", sandbox.client_role_id());
    let key = if workspace.contains("api_key") {
        String::new()
    } else {
        format!("api_key = \"{}\"\n", sandbox.api_key())
    };
    format!(
        "[agencyhandy]\napi_url = \"{}\"\n{key}{workspace}\n[forms.ajax]\n{}\n[delivery]\npause_secs = 1\n{}\n",
        sandbox.url(),
        case.form,
        case.delivery
    )
}

/// Runs `leadrelay check`: (exit success, stdout + stderr). Off the runtime's
/// thread: the sandbox it calls answers on this one.
async fn check(toml: String) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leadrelay.toml");
    std::fs::write(&path, toml).unwrap();
    tokio::task::spawn_blocking(move || cli(&path, &["check"]))
        .await
        .unwrap()
}

/// Whether the relay delivers a lead with this config: `false` when it does
/// not start, or holds the lead paused (kept, no attempt spent).
async fn delivers(toml: &str, sandbox: Sandbox) -> bool {
    if Settings::from_toml(toml).is_err() {
        return false;
    }
    let app: TestApp = spawn_app_with(toml, sandbox).await;
    let body = json!({"email": "checked@example.com", "name": "Ada Lovelace"});
    assert_eq!(app.post_json("ajax", &body).await.status(), 200);
    let leads = leads_until(&app, "the lead delivered, or waiting paused", |leads| {
        leads.iter().any(|lead| {
            lead.state == LeadState::Delivered
                || (lead.attempts == 0
                    && lead
                        .last_error
                        .as_deref()
                        .is_some_and(|e| e.contains("workspace paused")))
        })
    })
    .await;
    assert_eq!(
        stored(&app)
            .await
            .iter()
            .filter(|l| l.state == LeadState::Dead)
            .count(),
        0
    );
    app.stop().await;
    leads[0].state == LeadState::Delivered
}

#[tokio::test]
async fn check_fails_exactly_when_delivery_would() {
    for case in cases() {
        // Arrange
        let sandbox = sandbox_at(case.generation).await;
        (case.arrange)(&sandbox);
        let toml = config(&case, &sandbox);
        let label = format!("{} ({:?})", case.name, case.generation);

        // Act
        let (checked, said) = check(toml.clone()).await;
        let delivered = delivers(&toml, sandbox.clone()).await;

        // Assert
        assert_eq!(
            checked, delivered,
            "{label}: check and delivery disagree:\n{said}"
        );
        assert_eq!(checked, case.fix.is_none(), "{label}:\n{said}");
        match case.fix {
            Some(fix) => assert!(
                said.contains(fix),
                "{label}: the fix {fix:?} is not named:\n{said}"
            ),
            None => {
                assert!(
                    said.contains("ok: leads will be delivered"),
                    "{label}:\n{said}"
                );
                assert!(said.contains("the route exists"), "{label}:\n{said}");
            }
        }
        assert_eq!(
            sandbox.lead_emails().len(),
            usize::from(delivered),
            "{label}"
        );
    }
}
