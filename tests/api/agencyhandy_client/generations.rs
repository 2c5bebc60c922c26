//! Every generation of the API, found out with `endpoint = "auto"`, and the
//! API changing under a client: the route found again after a 404, the same
//! leads sent once by the new route, nothing created by finding out.

use leadrelay::{
    agencyhandy::{Generation, LeadResult, Route, UpstreamError},
    config::EndpointKind,
};

use super::{member, sandbox_client};
use crate::helpers::sandbox_at;

#[tokio::test]
async fn auto_finds_each_generation_without_creating_anything() {
    for generation in Generation::ALL {
        let sandbox = sandbox_at(generation).await;
        let client = sandbox_client(&sandbox, EndpointKind::Auto);

        let route = client.resolve().await.unwrap();
        let found = sandbox.stats();
        let response = client
            .create_leads(&[member("ada@example.com")])
            .await
            .unwrap();

        assert_eq!(route.generation(), generation, "{route}");
        assert_eq!(
            found.create_calls, 0,
            "{generation:?}: finding out created nothing"
        );
        assert!(found.probe_calls >= 1, "{generation:?}: {found:?}");
        assert!(matches!(response.results[..], [LeadResult::Created { .. }]));
        assert_eq!(sandbox.lead_emails(), ["ada@example.com"], "{generation:?}");
        assert_eq!(sandbox.stats().bulk_client_calls, 0);
        let sent = &sandbox.leads()[0];
        assert_eq!(
            sent.get("role").is_some(),
            generation != Generation::BulkLead,
            "{generation:?}: {sent}"
        );
    }
}

#[tokio::test]
async fn the_route_is_found_again_when_the_api_changes_under_a_client() {
    for (before, after) in [
        (Generation::CompanyBulkClient, Generation::BulkLead),
        (Generation::CompanyBulkClient, Generation::BulkLeadWithRole),
        (Generation::BulkLeadWithRole, Generation::BulkLead),
        (Generation::BulkLead, Generation::CompanyBulkClient),
    ] {
        let sandbox = sandbox_at(before).await;
        let client = sandbox_client(&sandbox, EndpointKind::Auto);
        client
            .create_leads(&[member("first@example.com")])
            .await
            .unwrap();
        sandbox.set_generation(after);

        let response = client
            .create_leads(&[member("second@example.com"), member("third@example.com")])
            .await
            .unwrap();

        assert!(
            response
                .results
                .iter()
                .all(|r| matches!(r, LeadResult::Created { .. })),
            "{before:?} → {after:?}: {response:?}"
        );
        assert_eq!(
            sandbox.lead_emails(),
            [
                "first@example.com",
                "second@example.com",
                "third@example.com"
            ],
            "{before:?} → {after:?}: each lead created once"
        );
        // The 2026-07 API takes the 2026-06 call as it is (its extra role and
        // header are ignored): nothing makes the client find out again then.
        let still_taken = (before, after) == (Generation::BulkLeadWithRole, Generation::BulkLead);
        let expected = if still_taken { before } else { after };
        assert_eq!(client.resolve().await.unwrap().generation(), expected);
    }
}

#[tokio::test]
async fn a_pinned_bulk_lead_works_on_both_of_its_generations() {
    for generation in [Generation::BulkLeadWithRole, Generation::BulkLead] {
        let sandbox = sandbox_at(generation).await;
        let client = sandbox_client(&sandbox, EndpointKind::BulkLead);

        client
            .create_leads(&[member("ada@example.com")])
            .await
            .unwrap();

        assert_eq!(sandbox.lead_emails(), ["ada@example.com"], "{generation:?}");
        assert_eq!(sandbox.stats().probe_calls, 0, "a pin probes nothing");
        let route = client.resolve().await.unwrap();
        assert_eq!(route.generation(), generation);
    }
}

#[tokio::test]
async fn a_pin_the_api_lacks_says_how_to_unpin() {
    let current = sandbox_at(Generation::BulkLead).await;
    let seed_pinned = sandbox_client(&current, EndpointKind::CompanyMembers);
    let old = sandbox_at(Generation::CompanyBulkClient).await;
    let bulk_pinned = sandbox_client(&old, EndpointKind::BulkLead);

    let no_roles = seed_pinned
        .create_leads(&[member("ada@example.com")])
        .await
        .unwrap_err();
    let no_route = bulk_pinned
        .create_leads(&[member("ada@example.com")])
        .await
        .unwrap_err();

    assert!(
        matches!(no_roles, UpstreamError::Discovery { .. }),
        "{no_roles:?}"
    );
    assert!(
        matches!(no_route, UpstreamError::RouteMissing { .. }),
        "{no_route:?}"
    );
    for (client, err) in [(&seed_pinned, &no_roles), (&bulk_pinned, &no_route)] {
        let fix = client.diagnose(err).fix;
        assert!(fix.contains("workspaces.test.endpoint = \"auto\""), "{fix}");
    }
    assert!(current.leads().is_empty() && old.leads().is_empty());
}

#[tokio::test]
async fn the_probe_proves_a_route_without_creating_a_lead() {
    let sandbox = sandbox_at(Generation::BulkLead).await;
    let client = sandbox_client(&sandbox, EndpointKind::Auto);

    let exists = client.probe(&Route::BulkLead).await.unwrap();
    sandbox.set_generation(Generation::CompanyBulkClient);
    let gone = client.probe(&Route::BulkLead).await.unwrap_err();

    assert_eq!(exists.status, 400, "a strict API refuses the empty list");
    assert!(
        matches!(gone, UpstreamError::RouteMissing { .. }),
        "{gone:?}"
    );
    assert!(sandbox.leads().is_empty());
    assert_eq!(sandbox.stats().create_calls, 0);
}
