//! Company and client-role discovery, the cache, and stale IDs.

use std::{sync::Arc, time::Duration};

use leadrelay::{
    agencyhandy::{LeadResult, ResolvedIds, Route, UpstreamError, WorkspaceClient},
    config::{EndpointKind, WorkspaceSettings},
    sandbox::{Generation, Sandbox, SandboxOptions},
};

use super::{member, sandbox_client, settings, within};
use crate::helpers::sandbox_at;

/// The IDs a route sends, or a panic.
fn ids_of(route: Route) -> ResolvedIds {
    route.ids().cloned().expect("a route with IDs")
}

#[tokio::test]
async fn discovery_uses_the_outer_id_of_a_client_role_that_is_not_first() {
    for generation in [Generation::CompanyBulkClient, Generation::BulkLeadWithRole] {
        let sandbox = sandbox_at(generation).await;
        let client = sandbox_client(&sandbox, EndpointKind::Auto);

        let ids = ids_of(client.resolve().await.unwrap());
        let response = client
            .create_leads(&[member("ada@example.com")])
            .await
            .unwrap();

        assert_eq!(ids.company_id, sandbox.company_id());
        assert_eq!(ids.client_role_id, sandbox.client_role_id());
        assert_ne!(ids.client_role_id, sandbox.client_role_inner_id());
        assert!(matches!(
            response.results[..],
            [LeadResult::Created { member_id: Some(_) }]
        ));
        assert_eq!(sandbox.leads()[0]["role"], sandbox.client_role_id());
    }
}

#[tokio::test]
async fn the_inner_role_id_is_refused_by_the_sandbox() {
    let sandbox = sandbox_at(Generation::CompanyBulkClient).await;
    let configured = WorkspaceSettings {
        company_id: Some(sandbox.company_id().into()),
        client_role_id: Some(sandbox.client_role_inner_id()),
        ..settings(
            &sandbox.url(),
            sandbox.api_key(),
            EndpointKind::CompanyMembers,
        )
    };
    let client = WorkspaceClient::new("test", &configured).unwrap();

    let err = client
        .create_leads(&[member("ada@example.com")])
        .await
        .unwrap_err();

    assert!(
        matches!(&err, UpstreamError::Rejected { status: 400, excerpt } if excerpt.contains("role not found")),
        "{err}"
    );
    assert!(sandbox.leads().is_empty());
}

#[tokio::test]
async fn company_name_picks_among_several_companies() {
    let sandbox = sandbox_at(Generation::BulkLeadWithRole).await;
    let other = sandbox.company_id_named("Other Agency").unwrap().to_owned();
    let by_name = WorkspaceSettings {
        company_name: Some("other AGENCY".into()),
        ..settings(&sandbox.url(), sandbox.api_key(), EndpointKind::BulkLead)
    };
    let client = WorkspaceClient::new("test", &by_name).unwrap();

    let ids = ids_of(client.resolve().await.unwrap());
    client
        .create_leads(&[member("ada@example.com")])
        .await
        .unwrap();

    assert_eq!(ids.company_id, other);
    assert_ne!(ids.company_id, sandbox.company_id());
    assert_eq!(sandbox.lead_emails(), ["ada@example.com"]);
}

#[tokio::test]
async fn an_absent_company_name_lists_the_companies_available() {
    let sandbox = sandbox_at(Generation::CompanyBulkClient).await;
    let by_name = WorkspaceSettings {
        company_name: Some("Nobody Ltd".into()),
        ..settings(
            &sandbox.url(),
            sandbox.api_key(),
            EndpointKind::CompanyMembers,
        )
    };
    let client = WorkspaceClient::new("test", &by_name).unwrap();

    let err = client.resolve().await.unwrap_err();

    let UpstreamError::Discovery { problem, fix } = &err else {
        panic!("not a discovery error: {err:?}");
    };
    assert!(
        problem.contains("Nobody Ltd")
            && problem.contains("Sandbox Agency")
            && problem.contains("Other Agency"),
        "{problem}"
    );
    assert!(fix.contains("workspaces.test.company_name"), "{fix}");
}

#[tokio::test]
async fn configured_ids_skip_discovery_on_a_pinned_endpoint() {
    let sandbox = sandbox_at(Generation::CompanyBulkClient).await;
    let configured = WorkspaceSettings {
        company_id: Some(sandbox.company_id().into()),
        client_role_id: Some(sandbox.client_role_id().into()),
        ..settings(
            &sandbox.url(),
            sandbox.api_key(),
            EndpointKind::CompanyMembers,
        )
    };
    let client = WorkspaceClient::new("test", &configured).unwrap();

    client.resolve().await.unwrap();
    client
        .create_leads(&[member("ada@example.com")])
        .await
        .unwrap();

    let stats = sandbox.stats();
    assert_eq!(
        (stats.companies_calls, stats.roles_calls, stats.create_calls),
        (0, 0, 1)
    );
    assert_eq!(sandbox.lead_emails(), ["ada@example.com"]);
}

#[tokio::test]
async fn fifty_concurrent_creates_on_a_fresh_client_discover_once() {
    let sandbox = Sandbox::start_with(SandboxOptions {
        latency: Duration::from_millis(50),
        ..SandboxOptions::default()
    })
    .await
    .unwrap();
    let client = Arc::new(sandbox_client(&sandbox, EndpointKind::Auto));

    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let client = client.clone();
            tokio::spawn(async move {
                if i % 5 == 0 {
                    client.resolve().await.map(|_| ())
                } else {
                    client
                        .create_leads(&[member(&format!("lead{i}@example.com"))])
                        .await
                        .map(|_| ())
                }
            })
        })
        .collect();
    within(Duration::from_secs(20), async {
        for task in tasks {
            task.await.unwrap().unwrap();
        }
    })
    .await;

    let stats = sandbox.stats();
    assert_eq!(stats.companies_calls, 1);
    assert_eq!(stats.roles_calls, 1);
    assert_eq!(stats.probe_calls, 1);
    assert_eq!(stats.create_calls, 40);
    assert_eq!(sandbox.leads().len(), 40);
}

#[tokio::test]
async fn stale_client_role_is_re_resolved_and_the_create_retried_once() {
    let sandbox = sandbox_at(Generation::CompanyBulkClient).await;
    let client = sandbox_client(&sandbox, EndpointKind::CompanyMembers);
    client.resolve().await.unwrap();
    let new_role = sandbox.rotate_client_role();

    let response = client
        .create_leads(&[member("ada@example.com")])
        .await
        .unwrap();

    assert!(matches!(response.results[..], [LeadResult::Created { .. }]));
    assert_eq!(
        ids_of(client.resolve().await.unwrap()).client_role_id,
        new_role
    );
    assert_eq!(sandbox.leads()[0]["role"], new_role.as_str());
    let stats = sandbox.stats();
    assert_eq!(
        (stats.roles_calls, stats.create_calls, stats.rejected_calls),
        (2, 2, 1)
    );
}

#[tokio::test]
async fn a_rejection_that_re_resolving_cannot_fix_is_not_retried() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox_client(&sandbox, EndpointKind::BulkLead);
    sandbox.reject_email("bad@example.com");

    let err = client
        .create_leads(&[member("bad@example.com")])
        .await
        .unwrap_err();

    assert!(
        matches!(err, UpstreamError::Rejected { status: 400, .. }),
        "{err:?}"
    );
    assert_eq!(sandbox.stats().create_calls, 1);
}

#[tokio::test]
async fn a_company_name_that_matches_nothing_matters_only_where_a_company_is_needed() {
    for generation in [Generation::BulkLeadWithRole, Generation::BulkLead] {
        let sandbox = sandbox_at(generation).await;
        let by_name = WorkspaceSettings {
            company_name: Some("Nobody Ltd".into()),
            ..settings(&sandbox.url(), sandbox.api_key(), EndpointKind::Auto)
        };
        let client = WorkspaceClient::new("test", &by_name).unwrap();

        let created = client.create_leads(&[member("ada@example.com")]).await;

        match generation {
            Generation::BulkLead => {
                assert!(
                    created.is_ok(),
                    "the newest API needs no company: {created:?}"
                );
                assert_eq!(sandbox.lead_emails(), ["ada@example.com"]);
            }
            _ => {
                let err = created.unwrap_err();
                assert!(err.to_string().contains("Nobody Ltd"), "{err}");
                assert!(sandbox.leads().is_empty());
            }
        }
    }
}
