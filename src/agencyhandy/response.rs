//! Reading a create call's 2xx answer back into one result per member sent.
//!
//! Both shapes are understood on both endpoints, at the top level or under
//! `data`: `createdMembers` / `addedLeads` (created) and `notAddedLeads`
//! (skipped, with a reason). Matching, in this order:
//! 1. entries carrying an `email` go to the first unmatched member with that
//!    e-mail (ignoring case);
//! 2. created entries without an e-mail (the 2023 generation's `createdMembers` carry only
//!    `_id, name, status, role`) go, in order, to the members still unmatched;
//!    then likewise skipped entries without an e-mail;
//! 3. when the answer accounts for no member at all (`{"message": "Lead created
//!    successfully"}`, an empty body), every member counts as created, ID unknown;
//!    otherwise a member still unmatched is `Unaccounted`, so the caller can
//!    try it again instead of assuming it arrived (a lead that did arrive
//!    comes back as a duplicate).

use serde_json::Value;

use super::classify::mentions_workspace_setting;
use crate::mapping::Member;

/// What Agencyhandy said of one create call.
#[derive(Debug, Clone)]
pub struct CreateResponse {
    /// HTTP status.
    pub status: u16,
    /// One result per member sent, in the order sent.
    pub results: Vec<LeadResult>,
    /// Start of the response body, for the audit trail (API key scrubbed).
    pub excerpt: String,
}

/// What became of one member of a create call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LeadResult {
    /// Created; Agencyhandy's member ID when it said one.
    Created {
        /// The new member's `_id`.
        member_id: Option<String>,
    },
    /// Skipped because the e-mail already exists: final.
    Duplicate {
        /// Agencyhandy's reason.
        reason: String,
    },
    /// Not added for another reason.
    NotAdded {
        /// Agencyhandy's reason.
        reason: String,
    },
    /// The answer lists other leads but says nothing of this one.
    Unaccounted,
}

/// Why a 2xx body cannot be read as a create answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum UnreadableResponse {
    /// Not JSON (an HTML page, a cut body ...): nothing can be concluded.
    #[error("the response is not JSON")]
    NotJson,
    /// `"success": false`.
    #[error("the response says success: false")]
    NotSuccessful,
}

/// Reads either response shape; see the module docs for how entries are matched to `sent`.
pub(crate) fn parse_create_response(
    body: &[u8],
    sent: &[Member],
) -> Result<Vec<LeadResult>, UnreadableResponse> {
    let json: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Null
    } else {
        serde_json::from_slice(body).map_err(|_| UnreadableResponse::NotJson)?
    };
    if json.get("success").and_then(Value::as_bool) == Some(false) {
        return Err(UnreadableResponse::NotSuccessful);
    }
    let created = entries(&json, &["createdMembers", "addedLeads"]);
    let skipped = entries(&json, &["notAddedLeads"]);
    let emails: Vec<String> = sent.iter().map(|m| m.email.normalized()).collect();
    let mut results: Vec<Option<LeadResult>> = vec![None; sent.len()];

    let mut created_without_email = Vec::new();
    for entry in &created {
        let result = LeadResult::Created {
            member_id: string_field(entry, "_id"),
        };
        match string_field(entry, "email") {
            Some(email) => assign_by_email(&mut results, &emails, &email, result),
            None => created_without_email.push(result),
        }
    }
    let mut skipped_without_email = Vec::new();
    for entry in &skipped {
        let result = skip_result(entry);
        match string_field(entry, "email") {
            Some(email) => assign_by_email(&mut results, &emails, &email, result),
            None => skipped_without_email.push(result),
        }
    }
    let mut in_order = created_without_email
        .into_iter()
        .chain(skipped_without_email);
    for slot in results.iter_mut().filter(|slot| slot.is_none()) {
        match in_order.next() {
            Some(result) => *slot = Some(result),
            None => break,
        }
    }

    let accounted_for_none = created.is_empty() && skipped.is_empty();
    Ok(results
        .into_iter()
        .map(|slot| {
            slot.unwrap_or(if accounted_for_none {
                LeadResult::Created { member_id: None }
            } else {
                LeadResult::Unaccounted
            })
        })
        .collect())
}

/// The objects listed under any of `keys`, at the top level or under `data`.
fn entries<'a>(json: &'a Value, keys: &[&str]) -> Vec<&'a Value> {
    [Some(json), json.get("data")]
        .into_iter()
        .flatten()
        .flat_map(|level| keys.iter().filter_map(move |key| level.get(*key)))
        .filter_map(Value::as_array)
        .flatten()
        .filter(|entry| entry.is_object())
        .collect()
}

fn string_field(entry: &Value, key: &str) -> Option<String> {
    entry
        .get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

fn assign_by_email(
    results: &mut [Option<LeadResult>],
    emails: &[String],
    email: &str,
    result: LeadResult,
) {
    let email = email.to_lowercase();
    let slot = emails
        .iter()
        .zip(results.iter_mut())
        .find(|(sent, slot)| **sent == email && slot.is_none());
    if let Some((_, slot)) = slot {
        *slot = Some(result);
    }
}

/// A skipped entry: `Duplicate` when the reason says the lead already exists
/// (and names no workspace setting: "category does not exist" is no duplicate).
fn skip_result(entry: &Value) -> LeadResult {
    let reason = string_field(entry, "reason")
        .or_else(|| string_field(entry, "message"))
        .unwrap_or_else(|| "not added (no reason given)".into());
    let lower = reason.to_lowercase();
    let says_exists = ["already exist", "duplicate", "exists"]
        .iter()
        .any(|word| lower.contains(word));
    if says_exists && !mentions_workspace_setting(&reason) {
        LeadResult::Duplicate { reason }
    } else {
        LeadResult::NotAdded { reason }
    }
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
