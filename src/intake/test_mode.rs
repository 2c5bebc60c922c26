//! Test mode: a submission that carries its form's `test_token` runs the whole
//! pipeline (mapping, spam, CAPTCHA) and is stored as `test` with the request
//! it would go out as, never forwarded. The token is a secret: it is taken out
//! of the submission before anything is stored.

use std::time::Duration;

use secrecy::ExposeSecret;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use super::Submission;
use crate::{agencyhandy::WorkspaceClient, config::FormSettings, mapping::Member};

/// The header a test submission may carry its form's `test_token` in.
pub(crate) const TEST_HEADER: &str = "leadrelay-test";

/// The field a test submission may carry its form's `test_token` in.
const TEST_FIELD: &str = "_leadrelay_test";

/// How long finding out a test lead's route may take before the preview says so.
const PREVIEW_TIMEOUT: Duration = Duration::from_secs(5);

/// A test token was sent that is not the form's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum TestTokenRefused {
    /// The form has no `test_token`.
    #[error("this form takes no test submissions (it has no test_token)")]
    NotEnabled,
    /// The token differs from the form's.
    #[error("the test token does not match this form's test_token")]
    Wrong,
}

/// Takes the test token out of `submission` (every `_leadrelay_test` field)
/// and says whether the submission is a test: `Ok(true)` when the header's or
/// the field's token is the form's, `Ok(false)` when none was sent.
pub(crate) fn take_test_token(
    form: &FormSettings,
    header: Option<&str>,
    submission: &mut Submission,
) -> Result<bool, TestTokenRefused> {
    let field = submission.get(TEST_FIELD).map(str::to_owned);
    submission.fields.retain(|(name, _)| name != TEST_FIELD);
    if let Some(Value::Object(document)) = submission.json.as_mut() {
        document.remove(TEST_FIELD);
    }
    let Some(sent) = header
        .or(field.as_deref())
        .map(str::trim)
        .filter(|token| !token.is_empty())
    else {
        return Ok(false);
    };
    let expected = form
        .test_token
        .as_ref()
        .ok_or(TestTokenRefused::NotEnabled)?;
    if bool::from(sent.as_bytes().ct_eq(expected.expose_secret().as_bytes())) {
        Ok(true)
    } else {
        Err(TestTokenRefused::Wrong)
    }
}

/// What a test lead would go out as: method, URL, headers and the exact body
/// on the workspace's route, or why that cannot be said now.
pub(crate) async fn would_send(client: Option<&WorkspaceClient>, member: &Member) -> Value {
    let Some(client) = client else {
        return json!({"error": "the form's workspace is not configured"});
    };
    match tokio::time::timeout(PREVIEW_TIMEOUT, client.preview_create(member)).await {
        Ok(Ok(preview)) => serde_json::to_value(preview).unwrap_or(Value::Null),
        Ok(Err(error)) => json!({
            "error": format!("Agencyhandy could not be asked which route leads take: {error}")
        }),
        Err(_) => json!({
            "error": format!("Agencyhandy did not say which route leads take within {PREVIEW_TIMEOUT:?}")
        }),
    }
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn form(token: Option<&str>) -> FormSettings {
        FormSettings {
            test_token: token.map(SecretString::from),
            ..FormSettings::default()
        }
    }

    #[test]
    fn the_token_is_taken_out_whether_it_matches_or_not() {
        let mut sent = Submission::from_fields(&[("email", "a@b.co"), (TEST_FIELD, "t0k")]);
        assert_eq!(
            take_test_token(&form(Some("t0k")), None, &mut sent),
            Ok(true)
        );
        assert_eq!(sent.fields, [("email".to_owned(), "a@b.co".to_owned())]);

        let mut wrong = Submission::from_fields(&[(TEST_FIELD, "guess")]);
        assert_eq!(
            take_test_token(&form(Some("t0k")), None, &mut wrong),
            Err(TestTokenRefused::Wrong)
        );
        assert!(wrong.fields.is_empty());
    }

    #[test]
    fn the_header_counts_and_a_form_without_test_mode_refuses_it() {
        let mut plain = Submission::from_fields(&[("email", "a@b.co")]);
        assert_eq!(
            take_test_token(&form(Some("t0k")), Some("t0k"), &mut plain),
            Ok(true)
        );
        assert_eq!(
            take_test_token(&form(Some("t0k")), None, &mut plain),
            Ok(false)
        );
        assert_eq!(
            take_test_token(&form(None), Some("t0k"), &mut plain),
            Err(TestTokenRefused::NotEnabled)
        );
        assert_eq!(
            take_test_token(&form(None), Some("  "), &mut plain),
            Ok(false)
        );
    }

    #[test]
    fn a_json_body_loses_its_token_too() {
        let mut sent = Submission {
            fields: vec![(TEST_FIELD.to_owned(), "t0k".to_owned())],
            json: Some(json!({"email": "a@b.co", TEST_FIELD: "t0k"})),
        };
        assert_eq!(
            take_test_token(&form(Some("t0k")), None, &mut sent),
            Ok(true)
        );
        assert_eq!(sent.json, Some(json!({"email": "a@b.co"})));
    }
}
