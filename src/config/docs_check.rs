//! `docs/config.md` against the code: every key `Settings` takes is documented
//! with its env name and its default, every documented key is taken, and the
//! example config (`config/leadrelay.example.toml`) shows the same keys.

use std::collections::BTreeSet;

use figment::{
    providers::{Format, Toml},
    Figment,
};

use super::{FormSettings, Settings};

const DOC: &str = include_str!("../../docs/config.md");
const EXAMPLE: &str = include_str!("../../config/leadrelay.example.toml");

/// The sections whose keys the docs write `SECTION.KEY`, with the TOML that opens each.
const SECTIONS: [(&str, &str); 8] = [
    ("server", "[server]"),
    ("log", "[log]"),
    ("agencyhandy", "[agencyhandy]"),
    ("workspaces.NAME", "[workspaces.x]"),
    ("storage", "[storage]"),
    ("delivery", "[delivery]"),
    ("forms.NAME", "[forms.x]"),
    (
        "forms.NAME.captcha",
        "[forms.x.captcha]\nprovider = \"turnstile\"\nsecret = \"s\"",
    ),
];

/// One row of a key table: `| key | default | env | what |`.
struct Row {
    key: String,
    default: String,
    env: String,
}

fn rows(doc: &str) -> Vec<Row> {
    doc.lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let cells: Vec<&str> = line.split(" | ").map(str::trim).collect();
            let code = |cell: &str| {
                cell.trim_matches(|c| matches!(c, '|' | '`' | ' '))
                    .to_owned()
            };
            Row {
                key: code(cells[0]),
                default: cells.get(1).map(|c| c.to_string()).unwrap_or_default(),
                env: cells.get(2).map(|c| code(c)).unwrap_or_default(),
            }
        })
        .collect()
}

/// The keys a table of `Settings` takes, as serde names them when it refuses an unknown one.
fn fields_of(table: &str) -> Vec<&'static str> {
    let toml = format!("{table}\nnot_a_setting_at_all = 1\n");
    let error = Figment::from(Toml::string(&toml))
        .extract::<Settings>()
        .expect_err("an unknown key is refused");
    match error.kind {
        figment::error::Kind::UnknownField(_, expected) => expected.to_vec(),
        other => panic!("{table}: expected an unknown-field error, got {other}"),
    }
}

/// Every key the code takes, written as the docs write it.
fn code_keys() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    for (prefix, table) in SECTIONS {
        for field in fields_of(table) {
            keys.insert(format!("{prefix}.{field}"));
        }
    }
    let workspace: BTreeSet<String> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("workspaces.NAME."))
        .map(str::to_owned)
        .collect();
    let agencyhandy: BTreeSet<String> = keys
        .iter()
        .filter_map(|k| k.strip_prefix("agencyhandy."))
        .map(str::to_owned)
        .collect();
    assert_eq!(
        workspace, agencyhandy,
        "[workspaces.NAME] takes the keys of [agencyhandy]"
    );
    keys.retain(|k| !k.starts_with("workspaces.NAME."));
    keys.insert("workspaces.NAME.KEY".into());
    keys
}

#[test]
fn every_key_the_code_takes_is_documented_and_no_other() {
    let documented: BTreeSet<String> = rows(DOC).into_iter().map(|row| row.key).collect();
    let code = code_keys();
    let undocumented: Vec<_> = code.difference(&documented).collect();
    let unknown: Vec<_> = documented.difference(&code).collect();
    assert!(
        undocumented.is_empty(),
        "keys missing from docs/config.md: {undocumented:?}"
    );
    assert!(
        unknown.is_empty(),
        "docs/config.md documents keys the code does not take: {unknown:?}"
    );
    for section in fields_of("") {
        assert!(
            DOC.contains(&format!("`[{section}")),
            "docs/config.md has no [{section}] section"
        );
    }
}

#[test]
fn every_documented_env_name_is_the_keys_path() {
    for row in rows(DOC) {
        let env = format!("LEADRELAY_{}", row.key.replace('.', "__").to_uppercase());
        assert!(
            row.env == env || row.env.starts_with(&format!("{env}__")),
            "docs/config.md: {} has env {}, expected {env}",
            row.key,
            row.env
        );
    }
}

/// The TOML of a table's documented defaults (cells holding one TOML value in backticks).
fn documented_defaults(prefix: &str) -> String {
    rows(DOC)
        .into_iter()
        .filter_map(|row| {
            let field = row.key.strip_prefix(&format!("{prefix}."))?.to_owned();
            let value = row.default.strip_prefix('`')?.strip_suffix('`')?.to_owned();
            (!field.contains('.') && !value.contains('`')).then(|| format!("{field} = {value}\n"))
        })
        .collect()
}

#[test]
fn documented_defaults_are_the_codes() {
    let default = Settings::from_toml("").unwrap();
    let documented = Settings::from_toml(
        &["server", "log", "agencyhandy", "storage", "delivery"]
            .map(|section| format!("[{section}]\n{}", documented_defaults(section)))
            .join("\n"),
    )
    .unwrap();
    for (name, ours, theirs) in [
        (
            "server",
            format!("{:?}", documented.server),
            format!("{:?}", default.server),
        ),
        (
            "log",
            format!("{:?}", documented.log),
            format!("{:?}", default.log),
        ),
        (
            "agencyhandy",
            format!("{:?}", documented.agencyhandy),
            format!("{:?}", default.agencyhandy),
        ),
        (
            "storage",
            format!("{:?}", documented.storage),
            format!("{:?}", default.storage),
        ),
        (
            "delivery",
            format!("{:?}", documented.delivery),
            format!("{:?}", default.delivery),
        ),
    ] {
        assert_eq!(
            ours, theirs,
            "docs/config.md: a default of [{name}] is not the code's"
        );
    }
    let form =
        Settings::from_toml(&format!("[forms.x]\n{}", documented_defaults("forms.NAME"))).unwrap();
    assert_eq!(
        format!("{:?}", form.forms["x"]),
        format!("{:?}", FormSettings::default()),
        "docs/config.md: a default of [forms.NAME] is not the code's"
    );
    let captcha = |extra: &str| {
        let toml = format!("[forms.x.captcha]\nprovider = \"turnstile\"\nsecret = \"s\"\n{extra}");
        format!(
            "{:?}",
            Settings::from_toml(&toml).unwrap().forms["x"].captcha
        )
    };
    assert_eq!(
        captcha(&documented_defaults("forms.NAME.captcha")),
        captcha(""),
        "docs/config.md: a default of [forms.NAME.captcha] is not the code's"
    );
}

/// The keys the example config sets or shows commented out, written as the docs write them.
fn example_keys() -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut section = String::new();
    for line in EXAMPLE.lines() {
        let bare = line.strip_prefix("# ").unwrap_or(line).trim_end();
        if let Some(header) = bare.strip_prefix('[').and_then(|h| h.split(']').next()) {
            let mut parts: Vec<&str> = header.split('.').collect();
            if matches!(parts.first(), Some(&"forms" | &"workspaces")) && parts.len() > 1 {
                parts[1] = "NAME";
            }
            if parts.len() == 3 && parts[0] == "forms" && parts[2] != "captcha" {
                // `[forms.NAME.fields]`, `[forms.NAME.constants]`: lead fields, not keys.
                keys.insert(parts.join("."));
                section = String::new();
            } else {
                section = parts.join(".");
            }
            continue;
        }
        let Some((key, _)) = bare.split_once(" = ") else {
            continue;
        };
        let key = key.trim();
        if section.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            continue;
        }
        if section == "workspaces.NAME" {
            keys.insert(format!("agencyhandy.{key}"));
        } else {
            keys.insert(format!("{section}.{key}"));
        }
    }
    keys
}

#[test]
fn the_example_config_shows_every_key() {
    let example = example_keys();
    let mut code = code_keys();
    code.remove("workspaces.NAME.KEY");
    // The captcha table is shown inline: `# captcha = { provider = "...", ... }`.
    code.retain(|key| match key.strip_prefix("forms.NAME.captcha.") {
        Some(field) => {
            assert!(
                EXAMPLE.contains(&format!("{field} = ")),
                "example config lacks captcha {field}"
            );
            false
        }
        None => true,
    });
    let missing: Vec<_> = code.difference(&example).collect();
    let unknown: Vec<_> = example.difference(&code).collect();
    assert!(
        missing.is_empty(),
        "config/leadrelay.example.toml lacks {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "config/leadrelay.example.toml shows keys the code does not take: {unknown:?}"
    );
}
