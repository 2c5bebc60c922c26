//! Newtypes that parse their input once, so the rest of the code can trust them.

mod email;
mod lead;
mod transitions;

pub use email::{Email, EmailError};
pub use lead::{LeadId, LeadState, UnknownState};

#[cfg(test)]
mod docs_check;
