//! Reading stored values back, the same for every backend: a corrupt row is a
//! storage error, never a panic.

use super::{StorageError, StorageResult};
use crate::domain::{LeadId, LeadState};

/// A stored lead ID.
pub(super) fn parse_id(id: &str) -> StorageResult<LeadId> {
    id.parse()
        .map_err(|e| StorageError(anyhow::anyhow!("stored lead id {id:?} is not a UUID: {e}")))
}

/// A stored lead state.
pub(super) fn parse_state(state: &str) -> StorageResult<LeadState> {
    state
        .parse()
        .map_err(|e| StorageError(anyhow::Error::new(e)))
}

/// A stored JSON document (member or submission).
pub(super) fn parse_json(text: &str) -> StorageResult<serde_json::Value> {
    serde_json::from_str(text)
        .map_err(|e| StorageError(anyhow::anyhow!("stored JSON is corrupt: {e}")))
}
