/// What Agencyhandy said of one create call.
#[derive(Debug, Clone)]
pub struct CreateResponse {
    /// HTTP status.
    pub status: u16,
    /// One result per member sent, in the order sent.
    pub results: Vec<LeadResult>,
    /// Start of the response body, for the audit trail.
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
}

/// Reads either response shape.
pub fn parse_create_response(_status: u16, _body: &[u8], _sent: usize) -> Vec<LeadResult> {
    Vec::new()
}
