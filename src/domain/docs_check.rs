//! `docs/states.md` against `LeadState`: every state has its row, no other
//! state is described, and the lists of states each transition takes are
//! `src/domain/transitions.rs`'s.

use std::collections::BTreeSet;

use super::LeadState;

const DOC: &str = include_str!("../../docs/states.md");

/// The first cells of the table under `## The states`.
fn documented_states() -> BTreeSet<String> {
    DOC.split("## The states")
        .nth(1)
        .expect("docs/states.md has a `## The states` section")
        .split("\n## ")
        .next()
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|row| row.split('`').next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_state_is_documented_and_no_other() {
    let code: BTreeSet<String> = LeadState::ALL
        .iter()
        .map(|s| s.as_str().to_owned())
        .collect();
    assert_eq!(
        code,
        documented_states(),
        "docs/states.md: the states table"
    );
}

/// The states a `NAME states: `a`, `b`.` line of the page lists, in order.
fn documented_list(name: &str) -> Vec<&'static str> {
    let prefix = format!("{name} states: ");
    let line = DOC
        .lines()
        .find_map(|line| line.strip_prefix(prefix.as_str()))
        .unwrap_or_else(|| panic!("docs/states.md has no `{prefix}` line"));
    line.split('`').skip(1).step_by(2).collect()
}

#[test]
fn the_transition_lists_are_the_codes() {
    let lists: [(&str, &[LeadState]); 6] = [
        ("Claimable", &LeadState::CLAIMABLE),
        ("Retryable", &LeadState::RETRYABLE),
        ("Bulk-retryable", &LeadState::BULK_RETRYABLE),
        ("Releasable", &LeadState::RELEASABLE),
        ("Remappable", &LeadState::REMAPPABLE),
        ("Settled", &LeadState::SETTLED),
    ];
    for (name, states) in lists {
        let code: Vec<&str> = states.iter().map(|s| s.as_str()).collect();
        assert_eq!(
            documented_list(name),
            code,
            "docs/states.md: the {name} states"
        );
    }
}
