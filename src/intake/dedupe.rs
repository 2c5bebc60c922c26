//! When a submission is one already stored: the sender's idempotency key (a
//! retry), or the same form, e-mail and content within
//! `storage.dedupe_window_secs` (a double click). Storage answers such a
//! submission with the first lead's ID and stores nothing; this module says
//! what it compares.

use axum::http::HeaderMap;
use sha2::{Digest, Sha256};

use super::Submission;

/// What storage compares to find an earlier lead that answers for a new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sameness {
    /// The caller's idempotency key, scoped like the hash.
    pub(crate) idempotency_key: Option<String>,
    /// Hash of form + e-mail + content.
    pub(crate) dedupe_hash: String,
    /// Leads with the same hash stored at or after this instant (unix ms) are the same.
    pub(crate) dedupe_since_ms: i64,
}

impl Sameness {
    /// The key and hash of a submission to `form` with this (normalized)
    /// `email`, and its window of `window_secs`, which ends at `now_ms`. A test never answers
    /// for a real submission, nor a real one for a test: a test's key and hash
    /// are kept apart.
    pub(crate) fn of(
        form: &str,
        email: &str,
        submission: &Submission,
        headers: &HeaderMap,
        test: bool,
        now_ms: i64,
        window_secs: u64,
    ) -> Self {
        let scope = |text: &str| {
            if test {
                format!("test:{text}")
            } else {
                text.to_owned()
            }
        };
        Self {
            idempotency_key: idempotency_key(headers).map(|key| scope(&key)),
            dedupe_hash: dedupe_hash(&scope(form), email, submission),
            dedupe_since_ms: now_ms - (window_secs * 1000) as i64,
        }
    }
}

/// The caller's `Idempotency-Key`, else the Standard Webhooks `webhook-id`.
fn idempotency_key(headers: &HeaderMap) -> Option<String> {
    ["idempotency-key", "webhook-id"].iter().find_map(|name| {
        headers
            .get(*name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(|v| v.chars().take(255).collect())
    })
}

/// Same form + e-mail + content = the same submission (double clicks, sender retries).
fn dedupe_hash(form: &str, email: &str, submission: &Submission) -> String {
    let mut hasher = Sha256::new();
    hasher.update(form.as_bytes());
    hasher.update([0]);
    hasher.update(email.as_bytes());
    for (key, value) in &submission.fields {
        hasher.update([0]);
        hasher.update(key.as_bytes());
        hasher.update([1]);
        hasher.update(value.as_bytes());
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn a_test_is_never_the_same_as_a_real_submission() {
        let mut headers = HeaderMap::new();
        headers.insert("idempotency-key", HeaderValue::from_static(" k-1 "));
        let sent = Submission::from_fields(&[("email", "a@b.co")]);

        let real = Sameness::of("contact", "a@b.co", &sent, &headers, false, 10_000, 2);
        let test = Sameness::of("contact", "a@b.co", &sent, &headers, true, 10_000, 2);

        assert_eq!(real.idempotency_key.as_deref(), Some("k-1"));
        assert_eq!(test.idempotency_key.as_deref(), Some("test:k-1"));
        assert_ne!(real.dedupe_hash, test.dedupe_hash);
        assert_eq!(real.dedupe_since_ms, 8_000);
    }

    #[test]
    fn the_hash_tells_forms_e_mails_and_contents_apart() {
        let headers = HeaderMap::new();
        let hash = |form, email, fields: &[(&str, &str)]| {
            Sameness::of(
                form,
                email,
                &Submission::from_fields(fields),
                &headers,
                false,
                0,
                0,
            )
            .dedupe_hash
        };
        let first = hash("a", "x@y.co", &[("m", "hi")]);
        assert_eq!(first, hash("a", "x@y.co", &[("m", "hi")]));
        assert_ne!(first, hash("b", "x@y.co", &[("m", "hi")]));
        assert_ne!(first, hash("a", "z@y.co", &[("m", "hi")]));
        assert_ne!(first, hash("a", "x@y.co", &[("m", "hi!")]));
        assert_ne!(first, hash("a", "x@y.co", &[("mh", "i")]));
    }

    #[test]
    fn webhook_id_is_the_key_when_no_idempotency_key_is_sent() {
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", HeaderValue::from_static("msg_1"));
        headers.insert("idempotency-key", HeaderValue::from_static("  "));
        let sent = Submission::from_fields(&[]);
        let sameness = Sameness::of("f", "", &sent, &headers, false, 0, 0);
        assert_eq!(sameness.idempotency_key.as_deref(), Some("msg_1"));
    }
}
