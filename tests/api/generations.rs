//! With the default config (`endpoint = "auto"`), leads reach every generation
//! of Agencyhandy's API, and keep reaching it when the API changes under a
//! running relay: each lead created once, none dead, the clients route never used.

use crate::helpers::relay::{all_in, leads_until};
use crate::helpers::{spawn_app_at, TestApp};
use leadrelay::{domain::LeadState, sandbox::Generation};
use serde_json::json;

async fn post(app: &TestApp, emails: &[String]) {
    for email in emails {
        let body = json!({"name": "Grace Hopper", "email": email, "phone": "+1 555 0100"});
        assert_eq!(app.post_json("ajax", &body).await.status(), 200);
    }
}

fn emails(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i}@example.com")).collect()
}

#[tokio::test]
async fn every_generation_takes_leads_with_the_default_config() {
    for generation in Generation::ALL {
        // Arrange
        let app = spawn_app_at(generation, "").await;
        let sent = emails("gen", 3);

        // Act
        post(&app, &sent).await;

        // Assert
        leads_until(&app, "3 leads delivered", |l| {
            all_in(l, 3, LeadState::Delivered)
        })
        .await;
        assert_eq!(app.sandbox.lead_emails().len(), 3, "{generation:?}");
        let lead = &app.sandbox.leads()[0];
        assert_eq!(lead["firstName"], "Grace");
        assert_eq!(lead["contactNo"], "+1 555 0100");
        assert_eq!(lead["status"], "New");
        match generation {
            Generation::BulkLead => {
                assert_eq!(lead["type"], "individual");
                assert_eq!(lead["sendInvitationEmail"], false);
                assert!(lead.get("role").is_none(), "{lead}");
            }
            Generation::BulkLeadWithRole => {
                assert_eq!(lead["role"], app.sandbox.client_role_id());
                assert_eq!(lead["sendInvitationEmail"], false);
            }
            Generation::CompanyBulkClient => {
                assert_eq!(lead["role"], app.sandbox.client_role_id());
                assert_eq!(lead["isConvertedClient"], false);
                assert!(lead.get("sendInvitationEmail").is_none(), "{lead}");
            }
        }
        assert_eq!(app.sandbox.stats().bulk_client_calls, 0);
        assert!(app.sandbox.clients().is_empty());
        app.stop().await;
    }
}

#[tokio::test]
async fn the_api_changing_under_a_running_relay_loses_nothing() {
    for (before, after) in [
        (Generation::CompanyBulkClient, Generation::BulkLead),
        (Generation::BulkLead, Generation::CompanyBulkClient),
    ] {
        // Arrange: leads already flowing on the old generation
        let app = spawn_app_at(before, "").await;
        let early = emails("early", 2);
        post(&app, &early).await;
        leads_until(&app, "the early leads delivered", |l| {
            all_in(l, 2, LeadState::Delivered)
        })
        .await;

        // Act: the API changes, more leads come
        app.sandbox.set_generation(after);
        let late = emails("late", 3);
        post(&app, &late).await;

        // Assert: every lead delivered, each created once, none dead
        leads_until(&app, "every lead delivered", |l| {
            all_in(l, 5, LeadState::Delivered)
        })
        .await;
        let mut created = app.sandbox.lead_emails();
        created.sort();
        let mut expected: Vec<String> = early.iter().chain(&late).cloned().collect();
        expected.sort();
        assert_eq!(created, expected, "{before:?} → {after:?}");
        let newest = app.sandbox.leads().pop().unwrap();
        assert_eq!(
            newest.get("role").is_some(),
            after != Generation::BulkLead,
            "the late leads take the new generation's shape: {newest}"
        );
        assert_eq!(app.sandbox.stats().bulk_client_calls, 0);
        app.stop().await;
    }
}
