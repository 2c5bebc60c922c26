use serde::Serialize;
use serde_json::value::RawValue;

use crate::domain::{LeadId, LeadState};

/// A lead to store.
#[derive(Debug, Clone)]
pub struct NewLead {
    /// Its new ID.
    pub id: LeadId,
    /// The form it came through.
    pub form: String,
    /// The workspace it goes to.
    pub workspace: String,
    /// `pending`, `spam` or `test`.
    pub state: LeadState,
    /// Lower-cased e-mail, for dedupe and erasure.
    pub email: String,
    /// The person's name as mapped (`first last`; empty when unknown), for
    /// listings and search.
    pub name: String,
    /// The mapped member (JSON of [`crate::mapping::Member`]), serialized once
    /// by intake and stored as it is.
    pub member: Box<RawValue>,
    /// The original submission and its metadata, serialized once likewise.
    pub submission: Box<RawValue>,
    /// Caller's `Idempotency-Key` (or `webhook-id`), scoped to the form.
    pub idempotency_key: Option<String>,
    /// Hash of form + e-mail + content, for the dedupe window.
    pub dedupe_hash: String,
    /// Leads with the same hash created at or after this instant (unix ms) count as the same.
    pub dedupe_since_ms: i64,
    /// Why the lead is held back from delivery (a spam verdict, `CODE: reason`),
    /// stored as its last error: shown with the lead, and found by
    /// [`super::LeadAdmin::release_noted`].
    pub reason: Option<String>,
}

/// What `enqueue` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Enqueued {
    /// The lead's ID: the new one, or the one stored first.
    pub id: LeadId,
    /// False when an earlier lead answered for this one.
    pub created: bool,
}

/// A lead claimed for delivery.
#[derive(Debug, Clone)]
pub struct ClaimedLead {
    /// Its ID.
    pub id: LeadId,
    /// The form it came through.
    pub form: String,
    /// Its workspace.
    pub(crate) workspace: String,
    /// The member to send, as stored: the JSON of a [`crate::mapping::Member`]
    /// (read by the worker, which turns one it cannot read into a dead lead).
    pub member: String,
    /// Attempts made before this one.
    pub(crate) attempts: u32,
}

/// What a delivery attempt did to a lead.
#[derive(Debug, Clone)]
pub struct DeliveryOutcome {
    /// The lead.
    pub id: LeadId,
    /// The form it came through (the funnel counts deliveries per form).
    pub form: String,
    /// Its new state: delivered, duplicate, retrying or dead.
    pub state: LeadState,
    /// Agencyhandy's member ID, once delivered.
    pub member_id: Option<String>,
    /// When to try again (for `retrying`), unix ms.
    pub next_attempt_at_ms: Option<i64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// The attempt, for the audit trail.
    pub attempt: AttemptRecord,
}

/// One delivery attempt, as stored.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptRecord {
    /// When it started (unix ms).
    pub at_ms: i64,
    /// HTTP status, when a response came.
    pub status: Option<u16>,
    /// A short excerpt of the response, or the error.
    pub excerpt: String,
    /// How long it took, in milliseconds.
    pub duration_ms: u64,
}

/// Filter for listing leads.
#[derive(Debug, Clone, Default)]
pub struct LeadFilter {
    /// Only this state.
    pub state: Option<LeadState>,
    /// Only this form.
    pub form: Option<String>,
    /// Only leads whose e-mail or name contains this text (ignoring ASCII case).
    pub search: Option<String>,
    /// Only leads received at or after this instant (unix ms).
    pub received_from_ms: Option<i64>,
    /// Only leads received before this instant (unix ms).
    pub received_before_ms: Option<i64>,
    /// At most this many (default 50).
    pub limit: Option<u32>,
}

impl LeadFilter {
    /// The `LIKE` pattern of [`LeadFilter::search`] (`\` escapes), when there is one.
    pub(crate) fn search_pattern(&self) -> Option<String> {
        let text = self
            .search
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())?;
        let mut pattern = String::with_capacity(text.len() + 2);
        pattern.push('%');
        for c in text.chars() {
            if matches!(c, '%' | '_' | '\\') {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push('%');
        Some(pattern)
    }
}

/// A lead in a listing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeadSummary {
    /// Its ID.
    pub id: LeadId,
    /// The form it came through.
    pub form: String,
    /// Its workspace.
    pub workspace: String,
    /// Its state.
    pub state: LeadState,
    /// The e-mail address (lower-cased).
    pub email: String,
    /// The person's name as mapped (empty when unknown).
    pub name: String,
    /// Attempts made.
    pub attempts: u32,
    /// The last error, if any.
    pub last_error: Option<String>,
    /// Agencyhandy's member ID once delivered.
    pub member_id: Option<String>,
    /// When it arrived (unix ms).
    pub(crate) created_at_ms: i64,
    /// When the next attempt is due (unix ms).
    pub next_attempt_at_ms: i64,
}

/// A lead with everything stored about it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeadDetail {
    /// The summary fields.
    #[serde(flatten)]
    pub summary: LeadSummary,
    /// The mapped member.
    #[schema(value_type = Object)]
    pub member: serde_json::Value,
    /// The original submission (`null` once purged).
    #[schema(value_type = Option<Object>)]
    pub submission: Option<serde_json::Value>,
    /// Every delivery attempt, oldest first.
    pub attempt_log: Vec<AttemptRecord>,
}

/// How many times one funnel step happened for one form on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunnelCount {
    /// The form.
    pub form: String,
    /// The UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// The step (`views`, `starts`, `submissions`, `delivered`, `spam`, `held`).
    pub step: String,
    /// How many times.
    pub count: u64,
}
