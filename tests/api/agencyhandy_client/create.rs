//! Creating leads on each generation's route against the sandbox.

use leadrelay::{
    agencyhandy::LeadResult,
    config::EndpointKind,
    sandbox::{Generation, Sandbox},
};

use super::{member, sandbox_client};
use crate::helpers::sandbox_at;

#[tokio::test]
async fn company_members_creates_a_batch_in_one_call() {
    let sandbox = sandbox_at(Generation::CompanyBulkClient).await;
    let client = sandbox_client(&sandbox, EndpointKind::CompanyMembers);
    let batch = [
        member("a@example.com"),
        member("b@example.com"),
        member("c@example.com"),
    ];

    let response = client.create_leads(&batch).await.unwrap();

    assert_eq!(response.status, 201);
    let ids: Vec<_> = sandbox
        .leads()
        .iter()
        .map(|l| l["_id"].as_str().unwrap().to_owned())
        .collect();
    let got: Vec<_> = response
        .results
        .iter()
        .map(|r| match r {
            LeadResult::Created {
                member_id: Some(id),
            } => id.clone(),
            other => panic!("not created: {other:?}"),
        })
        .collect();
    assert_eq!(got, ids);
    assert_eq!(
        sandbox.lead_emails(),
        ["a@example.com", "b@example.com", "c@example.com"]
    );
    assert_eq!(sandbox.stats().create_calls, 1);
    let lead = &sandbox.leads()[0];
    assert_eq!(lead["isConvertedClient"], false);
    assert!(lead.get("sendInvitationEmail").is_none(), "{lead}");
    assert!(response.excerpt.contains("createdMembers"));
}

#[tokio::test]
async fn bulk_lead_sends_type_and_no_invitation_email() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox_client(&sandbox, EndpointKind::BulkLead);
    let mut invited = member("b@example.com");
    invited.send_invitation_email = true;

    let response = client
        .create_leads(&[member("a@example.com"), invited])
        .await
        .unwrap();

    assert_eq!(response.status, 201);
    assert!(response
        .results
        .iter()
        .all(|r| matches!(r, LeadResult::Created { member_id: Some(_) })));
    let leads = sandbox.leads();
    assert_eq!(leads[0]["sendInvitationEmail"], false);
    assert_eq!(leads[1]["sendInvitationEmail"], true);
    assert_eq!(leads[0]["type"], "individual");
    assert_eq!(leads[0]["status"], "New");
    assert_eq!(leads[0]["contactNo"], "+44 20 7946 0000");
    for absent in ["role", "isConvertedClient", "positionInBoard"] {
        assert!(leads[0].get(absent).is_none(), "{absent}: {}", leads[0]);
    }
}

#[tokio::test]
async fn existing_emails_are_duplicates_on_every_generation() {
    for generation in Generation::ALL {
        let sandbox = sandbox_at(generation).await;
        let client = sandbox_client(&sandbox, EndpointKind::Auto);
        sandbox.add_existing_email("Old@Example.com");

        let response = client
            .create_leads(&[member("old@example.com"), member("new@example.com")])
            .await
            .unwrap();
        let again = client
            .create_leads(&[member("new@example.com")])
            .await
            .unwrap();

        assert!(
            matches!(&response.results[0], LeadResult::Duplicate { reason } if reason.contains("already exists")),
            "{generation:?}: {response:?}"
        );
        assert!(
            matches!(
                response.results[1],
                LeadResult::Created { member_id: Some(_) }
            ),
            "{generation:?}"
        );
        assert_eq!(again.status, 200, "{generation:?}: all skipped is a 200");
        assert!(
            matches!(again.results[..], [LeadResult::Duplicate { .. }]),
            "{generation:?}: {again:?}"
        );
        assert_eq!(sandbox.lead_emails(), ["new@example.com"]);
    }
}

#[tokio::test]
async fn extra_fields_pass_through_under_todays_field_rules() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox_client(&sandbox, EndpointKind::Auto);
    let mut lead = member("a@example.com");
    lead.extra.insert("companyName".into(), "Acme".into());
    lead.extra.insert("leadValue".into(), 1200.into());
    lead.source = "a campaign whose name runs well past fifty characters in all".into();
    lead.status = "proposal sent".into();

    client.create_leads(&[lead]).await.unwrap();

    let stored = &sandbox.leads()[0];
    assert_eq!(stored["companyName"], "Acme");
    assert_eq!(stored["leadValue"], "1200", "a string, as the API wants");
    assert_eq!(stored["status"], "Proposal Sent");
    assert_eq!(stored["source"].as_str().unwrap().chars().count(), 50);
}

#[tokio::test]
async fn an_empty_batch_makes_no_call() {
    let sandbox = Sandbox::start().await.unwrap();
    let client = sandbox_client(&sandbox, EndpointKind::BulkLead);

    let response = client.create_leads(&[]).await.unwrap();

    assert!(response.results.is_empty());
    assert_eq!(sandbox.stats(), Default::default());
}
