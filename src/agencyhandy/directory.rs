/// The IDs lead creation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedIds {
    /// The company's `_id`.
    pub company_id: String,
    /// The client role's OUTER `_id`.
    pub client_role_id: String,
}

/// Cache of resolved IDs.
pub struct Directory;
