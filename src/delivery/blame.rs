//! Whose fault a refusal is: the one rule between pausing a workspace and
//! marking a lead dead.
//!
//! A workspace's fault pauses the workspace: its leads wait, spend no
//! attempt, and are sent again when the pause ends. A lead is dead only when
//! it is provably at fault:
//!
//! 1. A call that fails for the workspace is the workspace's, however many
//!    leads it carried: the key refused (401/403), a 404 (the route, or the
//!    company in it, is not there), finding out the route failed, or an answer
//!    naming a workspace setting (the company, the client role, a category,
//!    custom field or agent ID, the plan).
//! 2. In an answered call, a lead Agencyhandy did not add is
//!    - the workspace's when the reason names a workspace setting
//!      (`One or more category not found`), or when the call carried several
//!      leads, none went through, and every one got the same reason;
//!    - its own otherwise: dead, with the reason.
//! 3. A call refused as a whole for another reason (a 400 naming a field) is
//!    split in halves until each part goes through or is one lead refused
//!    alone. A lead refused alone is
//!    - its own fault (dead) when another lead of the workspace went through
//!      in the same round, or went through after this lead was last refused;
//!    - the workspace's when another lead was refused alone too and nothing
//!      went through since: every lead is refused;
//!    - unproven otherwise: it waits (no attempt spent) and is sent again
//!      later, without pausing the workspace; the next lead decides.
//!
//! So one bad lead never pauses a workspace (it waits until another lead goes
//! through, then dies), and a workspace's fault never kills a lead (it
//! refuses every lead, so none goes through to prove one at fault).

use crate::agencyhandy::{mentions_workspace_setting, LeadResult, UpstreamError};

/// What a failed call means for the leads it carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallBlame {
    /// Try again later, spending an attempt (408/429/5xx, no answer).
    Transient,
    /// The workspace's: the leads wait, the workspace pauses.
    Workspace,
    /// Refused as a whole for a reason that may be one lead's: split the call.
    Leads,
}

/// Rule 1: what a failed call means.
pub(crate) fn blame_call(err: &UpstreamError) -> CallBlame {
    match err {
        UpstreamError::Transient { .. } => CallBlame::Transient,
        UpstreamError::Unauthorized { .. }
        | UpstreamError::RouteMissing { .. }
        | UpstreamError::Discovery { .. } => CallBlame::Workspace,
        UpstreamError::Rejected { status: 404, .. } => CallBlame::Workspace,
        UpstreamError::Rejected { excerpt, .. } if mentions_workspace_setting(excerpt) => {
            CallBlame::Workspace
        }
        UpstreamError::Rejected { .. } => CallBlame::Leads,
    }
}

/// What became of one lead of an answered call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Share {
    /// Created; Agencyhandy's member ID when given.
    Delivered(Option<String>),
    /// Already there: final.
    Duplicate(String),
    /// Not added for its own reason: dead.
    Dead(String),
    /// Not added for the workspace's reason: waits, and the workspace pauses.
    Waits(String),
    /// Not mentioned in the answer: sent again, spending an attempt.
    Unaccounted,
}

/// Rule 2: each lead's share of an answered call.
pub(crate) fn share_answer(results: Vec<LeadResult>) -> Vec<Share> {
    let any_through = results
        .iter()
        .any(|r| matches!(r, LeadResult::Created { .. } | LeadResult::Duplicate { .. }));
    let reasons: Vec<&str> = results
        .iter()
        .filter_map(|r| match r {
            LeadResult::NotAdded { reason } => Some(reason.as_str()),
            _ => None,
        })
        .collect();
    let all_refused_alike = !any_through
        && reasons.len() >= 2
        && reasons.len() == results.len()
        && reasons.iter().all(|r| r.eq_ignore_ascii_case(reasons[0]));
    results
        .into_iter()
        .map(|result| match result {
            LeadResult::Created { member_id } => Share::Delivered(member_id),
            LeadResult::Duplicate { reason } => Share::Duplicate(reason),
            LeadResult::NotAdded { reason }
                if all_refused_alike || mentions_workspace_setting(&reason) =>
            {
                Share::Waits(reason)
            }
            LeadResult::NotAdded { reason } => Share::Dead(reason),
            LeadResult::Unaccounted => Share::Unaccounted,
        })
        .collect()
}

/// What is known when a lead was refused alone.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LoneEvidence {
    /// Another lead of the workspace went through in the same round.
    pub(crate) others_went_through: bool,
    /// This lead was refused alone before, and a lead went through since.
    pub(crate) went_through_since_refused: bool,
    /// Another lead was refused alone too, with nothing through since.
    pub(crate) others_refused: bool,
}

/// Rule 3's verdict on a lead refused alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LoneBlame {
    /// Its own fault: dead.
    Lead,
    /// Every lead is refused: the workspace pauses.
    Workspace,
    /// Not known yet: it waits, and the workspace goes on.
    Unproven,
}

/// Rule 3: judges a lead refused alone.
pub(crate) fn blame_lone(evidence: LoneEvidence) -> LoneBlame {
    if evidence.others_went_through || evidence.went_through_since_refused {
        LoneBlame::Lead
    } else if evidence.others_refused {
        LoneBlame::Workspace
    } else {
        LoneBlame::Unproven
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(status: u16, excerpt: &str) -> UpstreamError {
        UpstreamError::Rejected {
            status,
            excerpt: excerpt.into(),
        }
    }

    #[test]
    fn calls_failing_for_the_workspace_are_the_workspaces() {
        for err in [
            UpstreamError::Unauthorized {
                status: 401,
                excerpt: "Invalid or revoked API key".into(),
            },
            UpstreamError::Unauthorized {
                status: 403,
                excerpt: "PermissionError".into(),
            },
            UpstreamError::RouteMissing {
                path: "POST /members/bulk-lead".into(),
                excerpt: "Route not found".into(),
            },
            UpstreamError::Discovery {
                problem: "no client role".into(),
                fix: "create one".into(),
            },
            rejected(404, "Company not found"),
            rejected(400, r#""[0].role" role not found"#),
            rejected(400, r#""companyid" header is required"#),
        ] {
            assert_eq!(blame_call(&err), CallBlame::Workspace, "{err}");
        }
        assert_eq!(
            blame_call(&rejected(400, r#""[3].email" must be a valid email"#)),
            CallBlame::Leads
        );
        let unavailable = UpstreamError::Transient {
            status: Some(503),
            retry_after: None,
            message: "down".into(),
        };
        assert_eq!(blame_call(&unavailable), CallBlame::Transient);
    }

    fn not_added(reason: &str) -> LeadResult {
        LeadResult::NotAdded {
            reason: reason.into(),
        }
    }

    fn created() -> LeadResult {
        LeadResult::Created { member_id: None }
    }

    #[test]
    fn a_lead_not_added_for_its_own_reason_is_dead() {
        let shares = share_answer(vec![created(), not_added("Invalid phone number")]);
        assert_eq!(shares[1], Share::Dead("Invalid phone number".into()));
        let alone = share_answer(vec![not_added("Invalid phone number")]);
        assert_eq!(alone, [Share::Dead("Invalid phone number".into())]);
    }

    #[test]
    fn a_reason_about_the_workspace_or_shared_by_every_lead_makes_them_wait() {
        let category = share_answer(vec![created(), not_added("One or more category not found")]);
        assert!(matches!(category[1], Share::Waits(_)), "{category:?}");
        let alike = share_answer(vec![not_added("Not allowed"), not_added("not allowed")]);
        assert!(
            alike.iter().all(|s| matches!(s, Share::Waits(_))),
            "{alike:?}"
        );
        let through = share_answer(vec![
            LeadResult::Duplicate {
                reason: "Email already exists".into(),
            },
            not_added("Not allowed"),
            not_added("Not allowed"),
        ]);
        assert!(
            matches!(through[1], Share::Dead(_)),
            "one went through: {through:?}"
        );
        assert_eq!(
            share_answer(vec![LeadResult::Unaccounted]),
            [Share::Unaccounted]
        );
    }

    #[test]
    fn a_lead_refused_alone_dies_only_with_evidence() {
        let verdict = |others_went_through, went_through_since_refused, others_refused| {
            blame_lone(LoneEvidence {
                others_went_through,
                went_through_since_refused,
                others_refused,
            })
        };
        assert_eq!(verdict(true, false, false), LoneBlame::Lead);
        assert_eq!(verdict(false, true, false), LoneBlame::Lead);
        assert_eq!(verdict(true, false, true), LoneBlame::Lead);
        assert_eq!(verdict(false, false, true), LoneBlame::Workspace);
        assert_eq!(verdict(false, false, false), LoneBlame::Unproven);
    }
}
