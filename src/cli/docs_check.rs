//! `docs/cli.md` against the command line: every command has its section,
//! every option and argument of a command is in its table, and no other.

use std::collections::{BTreeMap, BTreeSet};

use clap::CommandFactory;

use super::Cli;

const DOC: &str = include_str!("../../docs/cli.md");

/// Every command that does something (a leaf), by its full name, with its
/// options (`--name`) and arguments (`NAME`).
fn commands() -> BTreeMap<String, BTreeSet<String>> {
    let mut root = Cli::command();
    root.build();
    let mut found = BTreeMap::new();
    collect(&root, "leadrelay", &mut found);
    found
}

fn collect(command: &clap::Command, name: &str, found: &mut BTreeMap<String, BTreeSet<String>>) {
    let subcommands: Vec<_> = command
        .get_subcommands()
        .filter(|sub| sub.get_name() != "help")
        .collect();
    if subcommands.is_empty() {
        let args = command
            .get_arguments()
            .filter(|arg| !matches!(arg.get_id().as_str(), "help" | "version"))
            .map(|arg| match arg.get_long() {
                Some(long) => format!("--{long}"),
                None => arg.get_id().as_str().to_uppercase(),
            })
            .collect();
        found.insert(name.to_owned(), args);
    }
    for sub in subcommands {
        collect(sub, &format!("{name} {}", sub.get_name()), found);
    }
}

/// Each `## `leadrelay …`` section's options: the first word of each table row.
fn documented() -> BTreeMap<String, BTreeSet<String>> {
    let mut sections = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in DOC.lines() {
        if let Some(heading) = line.strip_prefix("## `") {
            let name = heading.trim_end_matches('`').to_owned();
            sections.insert(name.clone(), BTreeSet::new());
            current = Some(name);
        } else if let (Some(name), Some(row)) = (&current, line.strip_prefix("| `")) {
            let word = row.split(['`', ' ']).next().unwrap_or_default().to_owned();
            sections.get_mut(name).expect("section").insert(word);
        }
    }
    sections
}

#[test]
fn every_command_and_option_is_documented_and_no_other() {
    let code = commands();
    let doc = documented();
    assert!(code.len() >= 10, "the commands were not read: {code:?}");
    let code_names: BTreeSet<_> = code.keys().collect();
    let doc_names: BTreeSet<_> = doc.keys().collect();
    assert_eq!(code_names, doc_names, "docs/cli.md: the commands' sections");
    for (name, args) in &code {
        assert_eq!(args, &doc[name], "docs/cli.md: the options of `{name}`");
    }
}
