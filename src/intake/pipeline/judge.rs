//! What a submission is: a test or not, spam or not, and the lead it maps to,
//! or why none can be made.

use axum::http::header;
use bytes::Bytes;

use super::{Door, Pipeline, SubmitError, SubmitRequest};
use crate::{
    config::FormSettings,
    domain::LeadState,
    intake::{parse_body, spam, test_mode, Limits, Submission, SubmissionMeta},
    mapping,
};

/// What the pipeline made of a submission.
pub(super) struct Judged {
    /// The submission as read (the test token taken out).
    pub(crate) submission: Submission,
    /// The `_next` field, when sent.
    pub(crate) next: Option<String>,
    /// It carried the form's test token.
    pub(crate) test: bool,
    /// Why it is spam, when it is.
    pub(crate) verdict: Option<spam::SpamVerdict>,
    /// The lead, when one can be made.
    pub(crate) member: Option<mapping::Member>,
    /// Why no lead can be made with today's config, when none can.
    held: Option<String>,
    /// Test leads: the create call the lead would have gone out as.
    pub(crate) would_send: Option<serde_json::Value>,
}

impl Judged {
    /// The state the lead is stored in.
    pub(crate) fn state(&self) -> LeadState {
        match (self.test, &self.verdict, &self.held) {
            (true, _, _) => LeadState::Test,
            (false, Some(_), _) => LeadState::Spam,
            (false, None, Some(_)) => LeadState::Held,
            (false, None, None) => LeadState::Pending,
        }
    }

    /// Why the lead is kept back, stored as its last error: a spam verdict
    /// (`CODE: reason`), why it is held, or what a test lead would have become.
    pub(crate) fn reason(&self) -> Option<String> {
        let verdict = self.verdict.as_ref().map(spam::SpamVerdict::note);
        if !self.test {
            return verdict.or_else(|| self.held.clone());
        }
        Some(match (verdict, &self.held) {
            (Some(verdict), _) => format!("test: would be kept as spam ({verdict}); never sent"),
            (None, Some(held)) => format!("test: would be held ({held}); never sent"),
            (None, None) => "test: would be sent to Agencyhandy as shown; never sent".to_owned(),
        })
    }
}

impl Pipeline {
    /// Reads the body, takes out the test token, judges spam and maps the lead.
    pub(super) async fn judge(
        &self,
        request: &SubmitRequest<'_>,
        form: &FormSettings,
        meta: &SubmissionMeta,
        body: Bytes,
    ) -> Result<Judged, SubmitError> {
        let server = &self.parts.settings.server;
        let limits = Limits {
            max_fields: server.max_fields,
            max_field_bytes: server.max_field_bytes,
        };
        let content_type = header_str(request, header::CONTENT_TYPE.as_str());
        let mut submission = parse_body(content_type, body, limits).await?;
        let test_header = header_str(request, test_mode::TEST_HEADER);
        let test = test_mode::take_test_token(form, test_header, &mut submission)?;
        let next = submission.get("_next").map(str::to_owned);
        let now_ms = self.parts.clock.now_ms();
        let ip = meta.ip.as_deref();
        let verdict = spam::judge(request.form_name, form, &submission, ip, now_ms, test).await;
        // A mapping gap the visitor cannot fix is the config's: the lead is held.
        let (member, held) = match mapping::map_submission(&submission, meta, form) {
            Ok(member) => (Some(member), None),
            Err(_) if verdict.is_some() => (None, None),
            Err(error) if request.door == Door::Form && error.visitor_can_fix => {
                return Err(error.into())
            }
            Err(error) => (None, Some(error.reason())),
        };
        let would_send = match (&member, test) {
            (Some(member), true) => {
                let client = self.parts.clients.get(&form.workspace).map(AsRef::as_ref);
                Some(test_mode::would_send(client, member).await)
            }
            _ => None,
        };
        Ok(Judged {
            submission,
            next,
            test,
            verdict,
            member,
            held,
            would_send,
        })
    }
}

fn header_str<'a>(request: &SubmitRequest<'a>, name: &str) -> Option<&'a str> {
    request.headers.get(name).and_then(|v| v.to_str().ok())
}
