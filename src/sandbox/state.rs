//! The sandbox's data: the generation it serves, companies, their roles, the
//! labels (categories), the leads and clients created, and the knobs tests
//! turn (failures, revoked key, rejected, skipped and existing e-mails).

use std::{
    collections::{HashMap, HashSet},
    sync::{Mutex, MutexGuard, PoisonError},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use serde_json::{json, Value};

use super::SandboxStats;
use crate::agencyhandy::Generation;

/// A company the sandbox's key gives access to.
pub(crate) struct Company {
    pub(crate) id: String,
    pub(crate) name: String,
}

/// One entry of `GET /roles`: its OUTER `_id` is what lead creation wants; the
/// inner `role._id` is a different ID, the documented trap.
#[derive(Clone)]
pub(crate) struct RoleEntry {
    pub(crate) outer_id: String,
    pub(crate) inner_id: String,
    pub(crate) name: &'static str,
}

impl RoleEntry {
    fn new(name: &'static str) -> Self {
        Self {
            outer_id: object_id(),
            inner_id: object_id(),
            name,
        }
    }

    /// The entry as `GET /roles?type=company` lists it.
    pub(crate) fn to_json(&self, company_id: &str) -> Value {
        json!({
            "_id": self.outer_id,
            "role": {"_id": self.inner_id, "responsibility": "", "name": self.name},
            "company": company_id,
            "createdAt": "2024-01-15T10:00:00.000Z",
            "updatedAt": "2024-01-15T10:00:00.000Z",
            "__v": 0,
            "type": "company",
        })
    }
}

/// Injected failures for the next create calls.
pub(crate) struct Failures {
    pub(crate) remaining: usize,
    pub(crate) status: u16,
    pub(crate) retry_after: Option<String>,
}

/// Everything that changes while the sandbox runs.
pub(crate) struct State {
    /// The generation of the API served.
    pub(crate) generation: Generation,
    /// Roles by company `_id`; the client role is never the first.
    pub(crate) roles: HashMap<String, Vec<RoleEntry>>,
    /// Label (category) IDs that exist.
    pub(crate) categories: HashSet<String>,
    pub(crate) leads: Vec<Value>,
    /// How many times each lower-cased e-mail came in a valid create call,
    /// created or skipped: more than once means a lead was sent twice.
    pub(crate) received: HashMap<String, usize>,
    /// Members created as clients by `POST /members/bulk-client`.
    pub(crate) clients: Vec<Value>,
    /// Lower-cased e-mails skipped with this reason in `notAddedLeads`.
    pub(crate) skipped: HashMap<String, String>,
    /// Lower-cased e-mails that already exist in the workspace.
    pub(crate) existing: HashSet<String>,
    /// Lower-cased e-mails whose create calls are refused with a ValidationError.
    pub(crate) rejected: HashSet<String>,
    pub(crate) failures: Option<Failures>,
    pub(crate) revoked: bool,
    pub(crate) latency: Duration,
    pub(crate) stats: SandboxStats,
}

/// What handlers and the [`super::Sandbox`] handle share.
pub(crate) struct Shared {
    pub(crate) api_key: String,
    pub(crate) companies: Vec<Company>,
    /// The first company's client role, as it was at start.
    pub(crate) initial_client_role_id: String,
    state: Mutex<State>,
}

const ROLE_NAMES: [&str; 4] = ["admin", "member", "client", "viewer"];

impl Shared {
    /// Two companies ("Sandbox Agency" first, "Other Agency" second), each with
    /// its own roles; one label.
    pub(crate) fn new(api_key: String, latency: Duration, generation: Generation) -> Self {
        let companies = vec![
            Company {
                id: object_id(),
                name: "Sandbox Agency".into(),
            },
            Company {
                id: object_id(),
                name: "Other Agency".into(),
            },
        ];
        let roles: HashMap<String, Vec<RoleEntry>> = companies
            .iter()
            .map(|c| (c.id.clone(), ROLE_NAMES.map(RoleEntry::new).to_vec()))
            .collect();
        let initial_client_role_id = roles[&companies[0].id]
            .iter()
            .find(|r| r.name == "client")
            .map(|r| r.outer_id.clone())
            .unwrap_or_default();
        Self {
            api_key,
            companies,
            initial_client_role_id,
            state: Mutex::new(State {
                generation,
                roles,
                categories: HashSet::from([object_id()]),
                leads: Vec::new(),
                received: HashMap::new(),
                clients: Vec::new(),
                skipped: HashMap::new(),
                existing: HashSet::new(),
                rejected: HashSet::new(),
                failures: None,
                revoked: false,
                latency,
                stats: SandboxStats::default(),
            }),
        }
    }

    /// The state; a panic elsewhere while it was held does not make it unusable.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether `id` is a company's `_id`.
    pub(crate) fn has_company(&self, id: &str) -> bool {
        self.companies.iter().any(|c| c.id == id)
    }
}

impl State {
    /// The client role of a company.
    pub(crate) fn client_role(&self, company_id: &str) -> Option<&RoleEntry> {
        self.roles
            .get(company_id)?
            .iter()
            .find(|r| r.name == "client")
    }

    /// Gives a company's client role new IDs (as if it were recreated); returns the new outer `_id`.
    pub(crate) fn rotate_client_role(&mut self, company_id: &str) -> Option<String> {
        let role = self
            .roles
            .get_mut(company_id)?
            .iter_mut()
            .find(|r| r.name == "client")?;
        *role = RoleEntry::new("client");
        Some(role.outer_id.clone())
    }

    /// Renames the first company's client role away (`missing`) or back.
    pub(crate) fn set_client_role_missing(&mut self, company_id: &str, missing: bool) {
        let (from, to) = if missing {
            ("client", "customer")
        } else {
            ("customer", "client")
        };
        if let Some(role) = self
            .roles
            .get_mut(company_id)
            .and_then(|roles| roles.iter_mut().find(|r| r.name == from))
        {
            role.name = to;
        }
    }

    /// Takes one injected failure, if any is pending.
    pub(crate) fn take_failure(&mut self) -> Option<(u16, Option<String>)> {
        let failures = self.failures.as_mut()?;
        let taken = (failures.status, failures.retry_after.clone());
        failures.remaining -= 1;
        if failures.remaining == 0 {
            self.failures = None;
        }
        Some(taken)
    }
}

/// A Mongo-style 24-hex-digit ID: 4 bytes of seconds, 8 random bytes.
pub(crate) fn object_id() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!(
        "{:08x}{}",
        secs as u32,
        hex::encode(rand::random::<[u8; 8]>())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_ids_look_like_mongo_ids() {
        let id = object_id();
        assert_eq!(id.len(), 24);
        assert!(id.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(id, object_id());
    }

    #[test]
    fn client_role_is_not_first_and_its_ids_differ() {
        let shared = Shared::new("k".into(), Duration::ZERO, Generation::CompanyBulkClient);
        let state = shared.lock();
        let roles = &state.roles[&shared.companies[0].id];
        assert_ne!(roles[0].name, "client");
        let client = state.client_role(&shared.companies[0].id).unwrap();
        assert_ne!(client.outer_id, client.inner_id);
        assert_eq!(client.outer_id, shared.initial_client_role_id);
    }
}
