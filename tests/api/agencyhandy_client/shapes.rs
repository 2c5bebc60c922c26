//! The exact wire: paths, headers and bodies sent, and both response shapes
//! understood on both endpoints (wiremock answers whatever shape we ask).

use leadrelay::{
    agencyhandy::{LeadResult, UpstreamError, WorkspaceClient},
    config::{EndpointKind, WorkspaceSettings},
};
use serde_json::{json, Value};
use wiremock::{
    matchers::{body_json, header, method, path, query_param},
    Mock, MockServer, ResponseTemplate,
};

use super::{member, settings};

const KEY: &str = "wire-key";

fn created_members() -> Value {
    json!({"message": "Lead created successfully", "createdMembers": [
        {"_id": "m-a", "name": "Ada Lovelace", "status": "New", "role": "client"},
        {"_id": "m-b", "name": "Ada Lovelace", "status": "New", "role": "client"}
    ]})
}

fn added_leads() -> Value {
    json!({"success": true, "data": {
        "addedLeads": [{"_id": "m-b", "email": "b@example.com", "firstName": "Ada", "status": "New"}],
        "notAddedLeads": [{"email": "a@example.com", "reason": "Email already exists"}]
    }})
}

/// A server doing discovery the documented way (client role not first).
async fn upstream() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/accounts/companies"))
        .and(header("x-api-key", KEY))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"companies": [{"_id": "co1", "name": "One"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/roles"))
        .and(query_param("type", "company"))
        .and(header("x-api-key", KEY))
        .and(header("companyid", "co1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"roles": [
            {"_id": "outer-admin", "role": {"_id": "inner-admin", "name": "admin"}},
            {"_id": "outer-client", "role": {"_id": "inner-client", "name": "client"}}
        ]})))
        .mount(&server)
        .await;
    server
}

async fn create_with(
    endpoint: EndpointKind,
    status: u16,
    body: Value,
) -> (Vec<LeadResult>, Value, MockServer) {
    let server = upstream().await;
    let create_path = match endpoint {
        EndpointKind::CompanyMembers => "/company/co1/members/bulk-client",
        EndpointKind::BulkLead => "/members/bulk-lead",
        EndpointKind::Auto => unreachable!("pinned endpoints only: auto also probes"),
    };
    Mock::given(method("POST"))
        .and(path(create_path))
        .and(header("x-api-key", KEY))
        .and(header("companyid", "co1"))
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .expect(1)
        .mount(&server)
        .await;
    let client = WorkspaceClient::new("test", &settings(&server.uri(), KEY, endpoint)).unwrap();
    let response = client
        .create_leads(&[member("a@example.com"), member("b@example.com")])
        .await
        .unwrap();
    let requests = server.received_requests().await.unwrap();
    let sent: Value = requests.last().unwrap().body_json().unwrap();
    (response.results, sent, server)
}

#[tokio::test]
async fn both_shapes_are_understood_on_both_endpoints() {
    for endpoint in [EndpointKind::CompanyMembers, EndpointKind::BulkLead] {
        let (by_position, ..) = create_with(endpoint, 200, created_members()).await;
        let (by_email, ..) = create_with(endpoint, 201, added_leads()).await;

        assert_eq!(
            by_position,
            [
                LeadResult::Created {
                    member_id: Some("m-a".into())
                },
                LeadResult::Created {
                    member_id: Some("m-b".into())
                }
            ],
            "{endpoint:?}"
        );
        assert_eq!(
            by_email,
            [
                LeadResult::Duplicate {
                    reason: "Email already exists".into()
                },
                LeadResult::Created {
                    member_id: Some("m-b".into())
                }
            ],
            "{endpoint:?}"
        );
    }
}

#[tokio::test]
async fn company_members_body_is_wrapped_and_uses_the_outer_role() {
    let (_, sent, _server) =
        create_with(EndpointKind::CompanyMembers, 200, created_members()).await;

    let members = sent["members"].as_array().expect("a members array");
    assert_eq!(members.len(), 2);
    assert_eq!(members[0]["role"], "outer-client");
    assert_eq!(members[0]["isConvertedClient"], false);
    assert_eq!(members[0]["positionInBoard"], 1);
    assert_eq!(members[0]["source"], "website");
    assert!(members[0].get("sendInvitationEmail").is_none());
}

#[tokio::test]
async fn bulk_lead_body_is_a_bare_array_without_invitations() {
    let (_, sent, server) = create_with(EndpointKind::BulkLead, 201, added_leads()).await;

    let leads = sent.as_array().expect("a bare array");
    assert_eq!(leads[1]["email"], "b@example.com");
    assert_eq!(leads[1]["type"], "individual");
    assert_eq!(leads[1]["sendInvitationEmail"], false);
    assert_eq!(leads[1]["role"], "outer-client");
    let requests = server.received_requests().await.unwrap();
    let agent = requests[0]
        .headers
        .get("user-agent")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(agent.starts_with("leadrelay/"), "{agent}");
}

#[tokio::test]
async fn the_newest_generation_gets_the_key_alone_and_no_ids() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/accounts/companies"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"companies": [{"_id": "co1", "name": "One"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/roles"))
        .respond_with(ResponseTemplate::new(404).set_body_string("Cannot GET /roles"))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/members/bulk-lead"))
        .and(body_json(json!([])))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"type": "ValidationError", "message": "\"value\" must contain at least 1 items"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/members/bulk-lead"))
        .respond_with(ResponseTemplate::new(201).set_body_json(added_leads()))
        .expect(1)
        .mount(&server)
        .await;
    let client =
        WorkspaceClient::new("test", &settings(&server.uri(), KEY, EndpointKind::Auto)).unwrap();

    let response = client
        .create_leads(&[member("a@example.com"), member("b@example.com")])
        .await
        .unwrap();

    assert!(matches!(response.results[1], LeadResult::Created { .. }));
    let requests = server.received_requests().await.unwrap();
    let create = requests.last().unwrap();
    assert!(create.headers.get("companyid").is_none(), "no company sent");
    let sent: Value = create.body_json().unwrap();
    for lead in sent.as_array().expect("a bare array") {
        assert_eq!(lead["type"], "individual");
        assert_eq!(lead["status"], "New");
        assert_eq!(lead["sendInvitationEmail"], false);
        for absent in ["role", "isConvertedClient", "positionInBoard"] {
            assert!(lead.get(absent).is_none(), "{absent}: {lead}");
        }
    }
    assert!(
        requests
            .iter()
            .all(|r| !r.url.path().starts_with("/company/")),
        "no call to the company-scoped route"
    );
}

#[tokio::test]
async fn a_non_json_success_page_is_transient_not_created() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(200).set_body_string("<html><body>Welcome!</body></html>"),
        )
        .mount(&server)
        .await;
    let configured = WorkspaceSettings {
        company_id: Some("co1".into()),
        client_role_id: Some("r1".into()),
        ..settings(&server.uri(), KEY, EndpointKind::BulkLead)
    };
    let client = WorkspaceClient::new("test", &configured).unwrap();

    let err = client
        .create_leads(&[member("a@example.com")])
        .await
        .unwrap_err();

    assert!(
        matches!(&err, UpstreamError::Transient { message, .. } if message.contains("Welcome")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_missing_company_is_re_resolved_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/accounts/companies"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"companies": [{"_id": "co2", "name": "New"}]})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/company/co-gone/members/bulk-client"))
        .respond_with(
            ResponseTemplate::new(404).set_body_json(json!({"message": "Company not found"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/company/co2/members/bulk-client"))
        .and(header("companyid", "co2"))
        .respond_with(ResponseTemplate::new(201).set_body_json(created_members()))
        .expect(1)
        .mount(&server)
        .await;
    let configured_role = WorkspaceSettings {
        company_name: None,
        client_role_id: Some("r1".into()),
        ..settings(&server.uri(), KEY, EndpointKind::CompanyMembers)
    };
    // The company is discovered; make the first discovery answer a company that then vanishes.
    Mock::given(method("GET"))
        .and(path("/accounts/companies"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"companies": [{"_id": "co-gone", "name": "Old"}]})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let client = WorkspaceClient::new("test", &configured_role).unwrap();

    let response = client
        .create_leads(&[member("a@example.com")])
        .await
        .unwrap();

    assert!(matches!(response.results[0], LeadResult::Created { .. }));
    let route = client.resolve().await.unwrap();
    assert_eq!(route.ids().unwrap().company_id, "co2");
}
