//! A CAPTCHA provider that does not answer (network, timeout, its own error):
//! every submission it could not judge is counted
//! (`leadrelay_captcha_unavailable_total{form, provider}`), and the outage is
//! logged once when it starts and once when the provider answers again, so a
//! flood of real leads kept as spam is loud without flooding the log.

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
    time::Instant,
};

/// The counter of submissions kept as spam because the provider did not answer.
pub(crate) const UNAVAILABLE_TOTAL: &str = "leadrelay_captcha_unavailable_total";

/// Shows the counter at 0 for each form with a CAPTCHA (name and provider), so
/// that an `increase()` alert sees the first outage too.
pub(crate) fn count_from_zero<'a>(forms: impl IntoIterator<Item = (&'a str, &'static str)>) {
    for (form, provider) in forms {
        metrics::counter!(UNAVAILABLE_TOTAL, "form" => form.to_owned(), "provider" => provider)
            .increment(0);
    }
}

/// An outage of one verify endpoint.
struct Outage {
    since: Instant,
    submissions: u64,
}

/// Outages by verify URL (one provider endpoint serves every form that uses it).
fn outages() -> std::sync::MutexGuard<'static, HashMap<String, Outage>> {
    static OUTAGES: OnceLock<Mutex<HashMap<String, Outage>>> = OnceLock::new();
    OUTAGES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Counts a submission of `form` that `provider` (at `verify_url`) could not
/// judge; logs a warning when this starts an outage.
pub(super) fn not_answered(form: &str, provider: &'static str, verify_url: &str, cause: &str) {
    metrics::counter!(UNAVAILABLE_TOTAL, "form" => form.to_owned(), "provider" => provider)
        .increment(1);
    let mut outages = outages();
    if let Some(outage) = outages.get_mut(verify_url) {
        outage.submissions += 1;
        tracing::debug!(
            form,
            provider,
            error = cause,
            "captcha provider still unavailable"
        );
        return;
    }
    outages.insert(
        verify_url.to_owned(),
        Outage {
            since: Instant::now(),
            submissions: 1,
        },
    );
    tracing::warn!(
        form,
        provider,
        error = cause,
        "captcha provider unavailable: submissions are kept as spam until it answers; \
         release them with `leadrelay leads release --reason captcha-unavailable`"
    );
}

/// `provider` (at `verify_url`) answered: ends its outage, if it had one.
pub(super) fn answered(provider: &'static str, verify_url: &str) {
    let Some(outage) = outages().remove(verify_url) else {
        return;
    };
    tracing::info!(
        provider,
        kept_as_spam = outage.submissions,
        down_secs = outage.since.elapsed().as_secs(),
        "captcha provider answers again; the submissions kept meanwhile wait for \
         `leadrelay leads release --reason captcha-unavailable`"
    );
}
