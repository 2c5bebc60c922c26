//! `docs/states.md` against `LeadState`: every state has its row, no other
//! state is described, and the remappable states are the code's.

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

#[test]
fn the_remappable_states_are_the_codes() {
    let line = DOC
        .lines()
        .find_map(|line| line.strip_prefix("Remappable states: "))
        .expect("docs/states.md names the remappable states");
    let documented: Vec<&str> = line.split('`').skip(1).step_by(2).collect();
    let code: Vec<&str> = LeadState::REMAPPABLE.iter().map(|s| s.as_str()).collect();
    assert_eq!(documented, code, "docs/states.md: the remappable states");
}
