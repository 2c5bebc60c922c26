//! The form funnel: per form and UTC day, how many page views, starts (a
//! visitor's first interaction with the form), submissions, deliveries, spam
//! verdicts and held leads. Counts only: no address, no cookie, nothing that
//! tells one visitor from another.
//!
//! Steps are counted in memory as they happen and added to storage every few
//! seconds, at shutdown and before every read, so a page view costs no write
//! of its own and replicas sharing a database add up.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use chrono::{Days, Utc};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::{
    domain::LeadState,
    outbox::{FunnelCount, Outbox, StorageResult},
};

/// How often counted steps are added to storage.
const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// One step of the funnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Step {
    /// The form was shown (reported by `embed.js`).
    Views,
    /// A visitor first interacted with the form (reported by `embed.js`).
    Starts,
    /// A submission was stored as a new lead (tests and replays aside).
    Submissions,
    /// Agencyhandy created a lead of the form.
    Delivered,
    /// A submission was stored as spam.
    Spam,
    /// A submission was stored without a lead that can be sent yet.
    Held,
}

impl Step {
    /// Every step, in funnel order.
    pub(crate) const ALL: [Step; 6] = [
        Self::Views,
        Self::Starts,
        Self::Submissions,
        Self::Delivered,
        Self::Spam,
        Self::Held,
    ];

    /// The stored and displayed name.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Views => "views",
            Self::Starts => "starts",
            Self::Submissions => "submissions",
            Self::Delivered => "delivered",
            Self::Spam => "spam",
            Self::Held => "held",
        }
    }

    /// The step a page reports (`view`, `start`); the others are leadrelay's own.
    pub(crate) fn reported(name: &str) -> Option<Self> {
        match name {
            "view" => Some(Self::Views),
            "start" => Some(Self::Starts),
            _ => None,
        }
    }

    /// The steps a newly stored lead in `state` counts for.
    fn of_new_lead(state: LeadState) -> &'static [Step] {
        match state {
            LeadState::Spam => &[Self::Submissions, Self::Spam],
            LeadState::Held => &[Self::Submissions, Self::Held],
            // A test never counts: it is not a visitor.
            LeadState::Test => &[],
            LeadState::Pending
            | LeadState::Delivering
            | LeadState::Delivered
            | LeadState::Duplicate
            | LeadState::Retrying
            | LeadState::Dead => &[Self::Submissions],
        }
    }
}

/// Counts per step of one form on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
struct FunnelDay {
    /// The UTC day, `YYYY-MM-DD`.
    day: String,
    /// Step name → count, every step present, in funnel order.
    #[schema(value_type = Object, example = json!({"views": 40, "starts": 12, "submissions": 5, "delivered": 4, "spam": 1, "held": 0}))]
    counts: serde_json::Map<String, serde_json::Value>,
}

/// One form's funnel over a run of days, oldest first, with its totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub(crate) struct FormFunnel {
    /// The form.
    form: String,
    /// Each day of the period (days without counts show zeros).
    days: Vec<FunnelDay>,
    /// Step name → count over the period.
    #[schema(value_type = Object)]
    totals: serde_json::Map<String, serde_json::Value>,
}

type Key = (String, String, Step);

/// The funnel's counter: steps counted in memory, added to storage in batches.
pub(crate) struct Funnel {
    outbox: Arc<dyn Outbox>,
    pending: Mutex<HashMap<Key, u64>>,
    /// Held while counts taken from `pending` are on their way to storage, so
    /// that a read waits for them instead of seeing them nowhere.
    flushing: tokio::sync::Mutex<()>,
}

impl Funnel {
    /// A counter adding to `outbox`.
    pub(crate) fn new(outbox: Arc<dyn Outbox>) -> Self {
        Self {
            outbox,
            pending: Mutex::new(HashMap::new()),
            flushing: tokio::sync::Mutex::new(()),
        }
    }

    /// Counts one `step` of `form` today.
    pub(crate) fn record(&self, form: &str, step: Step) {
        metrics::counter!("leadrelay_funnel_events_total", "form" => form.to_owned(), "step" => step.as_str())
            .increment(1);
        let key = (form.to_owned(), today(), step);
        *self.lock().entry(key).or_default() += 1;
    }

    /// Counts a newly stored lead of `form` in `state` (see [`Step::of_new_lead`]).
    pub(crate) fn record_new_lead(&self, form: &str, state: LeadState) {
        for step in Step::of_new_lead(state) {
            self.record(form, *step);
        }
    }

    /// Adds what was counted to storage; on failure the counts are kept for the next try.
    pub(crate) async fn flush(&self) -> StorageResult<()> {
        let _flushing = self.flushing.lock().await;
        let taken = std::mem::take(&mut *self.lock());
        if taken.is_empty() {
            return Ok(());
        }
        let counts: Vec<FunnelCount> = taken
            .iter()
            .map(|((form, day, step), count)| FunnelCount {
                form: form.clone(),
                day: day.clone(),
                step: step.as_str().to_owned(),
                count: *count,
            })
            .collect();
        let added = self.outbox.add_funnel_counts(&counts).await;
        if added.is_err() {
            let mut pending = self.lock();
            for (key, count) in taken {
                *pending.entry(key).or_default() += count;
            }
        }
        added
    }

    /// Every form's funnel over the last `days` days (today included), oldest first.
    /// `forms` are listed even without counts; forms no longer configured are
    /// listed when they have counts in the period.
    pub(crate) async fn report(&self, forms: &[&str], days: u32) -> StorageResult<Vec<FormFunnel>> {
        let days = days.clamp(1, 366);
        let today = Utc::now().date_naive();
        let first = today
            .checked_sub_days(Days::new(u64::from(days - 1)))
            .unwrap_or(today);
        let all_days: Vec<String> = first
            .iter_days()
            .take(days as usize)
            .map(|d| d.format("%Y-%m-%d").to_string())
            .collect();
        let stored = self.stored_since(&all_days[0]).await?;
        let mut by_form: BTreeMap<String, HashMap<(String, String), u64>> = forms
            .iter()
            .map(|form| ((*form).to_owned(), HashMap::new()))
            .collect();
        for count in stored {
            by_form
                .entry(count.form)
                .or_default()
                .insert((count.day, count.step), count.count);
        }
        Ok(by_form
            .into_iter()
            .map(|(form, counts)| form_funnel(form, &all_days, &counts))
            .collect())
    }

    /// Today's counts per form and step, after adding what was counted.
    pub(crate) async fn today(&self) -> StorageResult<Vec<FunnelCount>> {
        self.stored_since(&today()).await
    }

    async fn stored_since(&self, day: &str) -> StorageResult<Vec<FunnelCount>> {
        if let Err(error) = self.flush().await {
            tracing::warn!(error = %error.0, "funnel counts not stored yet; showing the stored ones");
        }
        self.outbox.funnel_counts(day).await
    }

    /// Adds counts to storage every few seconds until `stop`, then once more.
    pub(crate) async fn run_flusher(self: Arc<Self>, stop: CancellationToken) {
        let mut every = tokio::time::interval(FLUSH_EVERY);
        loop {
            tokio::select! {
                _ = every.tick() => {
                    if let Err(error) = self.flush().await {
                        tracing::warn!(error = %error.0, "failed to store funnel counts; kept for the next try");
                    }
                }
                () = stop.cancelled() => return,
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, u64>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn form_funnel(
    form: String,
    days: &[String],
    counts: &HashMap<(String, String), u64>,
) -> FormFunnel {
    let mut totals = step_map(|_| 0);
    let days = days
        .iter()
        .map(|day| {
            let counts = step_map(|step| {
                counts
                    .get(&(day.clone(), step.as_str().to_owned()))
                    .copied()
                    .unwrap_or(0)
            });
            for (step, count) in &counts {
                let total = totals[step].as_u64().unwrap_or(0) + count.as_u64().unwrap_or(0);
                totals.insert(step.clone(), total.into());
            }
            FunnelDay {
                day: day.clone(),
                counts,
            }
        })
        .collect();
    FormFunnel { form, days, totals }
}

fn step_map(count: impl Fn(Step) -> u64) -> serde_json::Map<String, serde_json::Value> {
    Step::ALL
        .into_iter()
        .map(|step| (step.as_str().to_owned(), count(step).into()))
        .collect()
}

/// Today's UTC day, `YYYY-MM-DD`.
fn today() -> String {
    Utc::now().format("%Y-%m-%d").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_report_only_views_and_starts() {
        assert_eq!(Step::reported("view"), Some(Step::Views));
        assert_eq!(Step::reported("start"), Some(Step::Starts));
        assert_eq!(Step::reported("submissions"), None);
        assert_eq!(Step::reported("delivered"), None);
    }

    #[test]
    fn spam_counts_as_a_submission_and_tests_not_at_all() {
        assert_eq!(
            Step::of_new_lead(LeadState::Spam),
            [Step::Submissions, Step::Spam]
        );
        assert_eq!(Step::of_new_lead(LeadState::Pending), [Step::Submissions]);
        assert!(Step::of_new_lead(LeadState::Test).is_empty());
    }

    #[test]
    fn a_day_without_counts_shows_zeros_and_totals_add_up() {
        let days = ["2026-01-01".to_owned(), "2026-01-02".to_owned()];
        let counts = HashMap::from([
            (("2026-01-01".into(), "views".into()), 3),
            (("2026-01-02".into(), "views".into()), 4),
            (("2026-01-02".into(), "submissions".into()), 1),
        ]);

        let funnel = form_funnel("contact".into(), &days, &counts);

        assert_eq!(funnel.days.len(), 2);
        assert_eq!(funnel.days[0].counts["submissions"], 0);
        assert_eq!(funnel.totals["views"], 7);
        assert_eq!(funnel.totals["submissions"], 1);
        let order: Vec<&String> = funnel.totals.keys().collect();
        assert_eq!(order, Step::ALL.map(Step::as_str));
    }
}
