use serde::{Deserialize, Serialize};

use crate::domain::Email;

/// A lead as Agencyhandy will receive it, minus what is resolved at send time
/// (the client role ID, and the endpoint-specific fields).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    /// Given name (may be empty when only an e-mail is known).
    pub first_name: String,
    /// Family name (may be empty).
    pub last_name: String,
    /// The lead's e-mail address.
    pub email: Email,
    /// Phone number, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_no: Option<String>,
    /// Pipeline status (`New` by default).
    pub status: String,
    /// Where the lead came from.
    pub source: String,
    /// Position on the pipeline board.
    pub position_in_board: u32,
    /// bulk-lead only: whether Agencyhandy e-mails the lead an invitation.
    #[serde(default)]
    pub send_invitation_email: bool,
    /// Further lead fields passed through (companyName, website, city, notes, customFields ...).
    #[serde(default, flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Member {
    /// The person's name as shown beside the e-mail: `first last`, trimmed
    /// (empty when neither is known).
    pub(crate) fn full_name(&self) -> String {
        format!("{} {}", self.first_name.trim(), self.last_name.trim())
            .trim()
            .to_owned()
    }
}
