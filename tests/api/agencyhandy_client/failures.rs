//! Errors: classified by what the caller should do, never carrying the key.

use std::time::{Duration, SystemTime};

use leadrelay::{
    agencyhandy::{UpstreamError, WorkspaceClient},
    config::EndpointKind,
    sandbox::{Generation, Sandbox, SandboxOptions},
};
use wiremock::{matchers::any, Mock, MockServer, ResponseTemplate};

use super::{member, sandbox_client, settings};

const KEY: &str = "sk-live-5f1e0c2b9d7a4e6f8c3b";

async fn sandbox_with_secret_key() -> Sandbox {
    sandbox_with_secret_key_at(Generation::BulkLead).await
}

async fn sandbox_with_secret_key_at(generation: Generation) -> Sandbox {
    Sandbox::start_with(SandboxOptions {
        api_key: KEY.into(),
        generation,
        ..SandboxOptions::default()
    })
    .await
    .unwrap()
}

fn assert_no_key(err: &UpstreamError) {
    for shown in [err.to_string(), format!("{err:?}")] {
        assert!(!shown.contains(KEY), "the key leaked: {shown}");
    }
}

#[tokio::test]
async fn a_revoked_key_is_unauthorized() {
    let sandbox = sandbox_with_secret_key_at(Generation::CompanyBulkClient).await;
    let client = sandbox_client(&sandbox, EndpointKind::CompanyMembers);
    client.resolve().await.unwrap();
    sandbox.set_key_revoked(true);

    let create = client
        .create_leads(&[member("a@example.com")])
        .await
        .unwrap_err();
    let fresh = sandbox_client(&sandbox, EndpointKind::CompanyMembers);
    let discovery = fresh.resolve().await.unwrap_err();

    for err in [&create, &discovery] {
        assert!(
            matches!(err, UpstreamError::Unauthorized { status: 401, excerpt } if excerpt.contains("PermissionError")),
            "{err:?}"
        );
        assert_no_key(err);
    }
}

#[tokio::test]
async fn a_wrong_key_is_unauthorized() {
    let sandbox = sandbox_with_secret_key().await;
    let client = WorkspaceClient::new(
        "test",
        &settings(&sandbox.url(), "wrong", EndpointKind::BulkLead),
    )
    .unwrap();

    let err = client.resolve().await.unwrap_err();

    assert!(
        matches!(err, UpstreamError::Unauthorized { status: 401, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn server_errors_are_transient_with_retry_after_in_seconds() {
    let sandbox = sandbox_with_secret_key().await;
    let client = sandbox_client(&sandbox, EndpointKind::BulkLead);
    sandbox.fail_next(1, 503, Some("7".into()));

    let err = client
        .create_leads(&[member("a@example.com")])
        .await
        .unwrap_err();
    let recovered = client.create_leads(&[member("a@example.com")]).await;

    assert!(
        matches!(err, UpstreamError::Transient { status: Some(503), retry_after: Some(d), .. } if d == Duration::from_secs(7)),
        "{err:?}"
    );
    assert_no_key(&err);
    assert!(recovered.is_ok(), "{recovered:?}");
    assert_eq!(sandbox.lead_emails(), ["a@example.com"]);
}

#[tokio::test]
async fn server_errors_are_transient_with_retry_after_as_a_date() {
    let sandbox = sandbox_with_secret_key().await;
    let client = sandbox_client(&sandbox, EndpointKind::Auto);
    let at = httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(120));
    sandbox.fail_next(1, 500, Some(at));

    let err = client
        .create_leads(&[member("a@example.com")])
        .await
        .unwrap_err();

    let UpstreamError::Transient {
        status: Some(500),
        retry_after: Some(wait),
        ..
    } = err
    else {
        panic!("not a transient 500 with Retry-After: {err:?}");
    };
    assert!(
        (Duration::from_secs(115)..=Duration::from_secs(120)).contains(&wait),
        "{wait:?}"
    );
}

#[tokio::test]
async fn rate_limits_are_transient_other_4xx_rejected() {
    let sandbox = sandbox_with_secret_key().await;
    let client = sandbox_client(&sandbox, EndpointKind::BulkLead);
    sandbox.fail_next(1, 429, None);
    let limited = client
        .create_leads(&[member("a@example.com")])
        .await
        .unwrap_err();
    sandbox.reject_email("b@example.com");
    let rejected = client
        .create_leads(&[member("b@example.com")])
        .await
        .unwrap_err();

    assert!(
        matches!(
            limited,
            UpstreamError::Transient {
                status: Some(429),
                retry_after: None,
                ..
            }
        ),
        "{limited:?}"
    );
    assert!(
        matches!(&rejected, UpstreamError::Rejected { status: 400, excerpt } if excerpt.contains("ValidationError")),
        "{rejected:?}"
    );
    assert_no_key(&rejected);
}

#[tokio::test]
async fn connection_refused_is_transient() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client =
        WorkspaceClient::new("test", &settings(&url, KEY, EndpointKind::BulkLead)).unwrap();

    let err = client
        .create_leads(&[member("a@example.com")])
        .await
        .unwrap_err();

    assert!(
        matches!(err, UpstreamError::Transient { status: None, .. }),
        "{err:?}"
    );
    assert_no_key(&err);
}

#[tokio::test]
async fn a_slow_answer_times_out_as_transient() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let quick = leadrelay::config::WorkspaceSettings {
        timeout_secs: 1,
        ..settings(&server.uri(), KEY, EndpointKind::BulkLead)
    };
    let client = WorkspaceClient::new("test", &quick).unwrap();

    let err = client.resolve().await.unwrap_err();

    assert!(
        matches!(&err, UpstreamError::Transient { status: None, message, .. } if message.contains("timed out")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_key_echoed_by_the_server_is_scrubbed_from_every_error() {
    for status in [400, 401, 403, 404, 422, 500, 503] {
        let server = MockServer::start().await;
        let echo =
            format!("{{\"message\": \"bad request with x-api-key {KEY}\", \"key\": \"{KEY}\"}}");
        Mock::given(any())
            .respond_with(ResponseTemplate::new(status).set_body_string(echo))
            .mount(&server)
            .await;
        let configured = leadrelay::config::WorkspaceSettings {
            company_id: Some("c1".into()),
            client_role_id: Some("r1".into()),
            ..settings(&server.uri(), KEY, EndpointKind::CompanyMembers)
        };
        let client = WorkspaceClient::new("test", &configured).unwrap();

        let err = client
            .create_leads(&[member("a@example.com")])
            .await
            .unwrap_err();

        assert_eq!(err.status(), Some(status));
        assert_no_key(&err);
        assert!(err.to_string().contains("[redacted]"), "{err}");
    }
}
