use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A stored lead's ID: a UUIDv7, so IDs sort by arrival.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(transparent)]
#[schema(value_type = String, example = "01890f5e-3c1a-7cc2-8a51-5b1b2f3e4d5c")]
pub struct LeadId(Uuid);

impl LeadId {
    /// A new, time-ordered ID.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for LeadId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for LeadId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for LeadId {
    type Err = uuid::Error;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Uuid::parse_str(s.trim()).map(Self)
    }
}

/// Where a lead stands: `pending` → (`delivering`) → `delivered` | `duplicate` | `retrying` → … → `dead`; `spam`, `held` and `test` aside.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LeadState {
    /// Stored, waiting for its first attempt.
    Pending,
    /// Claimed by a worker, being sent.
    Delivering,
    /// Agencyhandy created it.
    Delivered,
    /// Agencyhandy already had this e-mail: final.
    Duplicate,
    /// An attempt failed; another is scheduled.
    Retrying,
    /// No more attempts (kept, replayable).
    Dead,
    /// Judged spam: kept, never forwarded, releasable.
    Spam,
    /// No lead could be made from it (no e-mail input, only IDs): kept with the
    /// reason and the original body, never forwarded; `leads remap` sends it
    /// once the config maps it.
    Held,
    /// Sent in test mode (the form's `test_token`): the whole pipeline ran,
    /// the request body it would send is kept, and it is never forwarded.
    Test,
}

impl LeadState {
    /// Every state, in lifecycle order.
    pub const ALL: [LeadState; 9] = [
        Self::Pending,
        Self::Delivering,
        Self::Delivered,
        Self::Duplicate,
        Self::Retrying,
        Self::Dead,
        Self::Spam,
        Self::Held,
        Self::Test,
    ];

    /// The stored and displayed name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivering => "delivering",
            Self::Delivered => "delivered",
            Self::Duplicate => "duplicate",
            Self::Retrying => "retrying",
            Self::Dead => "dead",
            Self::Spam => "spam",
            Self::Held => "held",
            Self::Test => "test",
        }
    }
}

impl fmt::Display for LeadState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown lead state name.
#[derive(Debug, thiserror::Error)]
#[error("unknown lead state {0:?} (expected one of {names})", names = LeadState::ALL.map(LeadState::as_str).join(", "))]
pub struct UnknownState(String);

impl FromStr for LeadState {
    type Err = UnknownState;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|state| state.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| UnknownState(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_round_trip_through_their_names() {
        for state in LeadState::ALL {
            assert_eq!(state.as_str().parse::<LeadState>().unwrap(), state);
        }
        assert!("nope".parse::<LeadState>().is_err());
    }

    #[test]
    fn lead_ids_parse_back() {
        let id = LeadId::new();
        assert_eq!(id.to_string().parse::<LeadId>().unwrap(), id);
        assert!("not-a-uuid".parse::<LeadId>().is_err());
    }
}
