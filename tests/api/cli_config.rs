//! The binary's configuration and `check` command, black-box: TOML file, then
//! `LEADRELAY_*` variables, `_FILE` secrets, one clear line for a bad value.

use std::path::Path;

use leadrelay::sandbox::{Generation, Sandbox};

use crate::helpers::{process::leadrelay, sandbox_at};

/// Runs `leadrelay ARGS` with `envs`: (exit code, stdout, stderr).
fn run(args: &[&str], envs: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = leadrelay(args);
    command.env_remove("LEADRELAY_CONFIG");
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().expect("the binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test]
async fn check_prints_the_resolved_ids() {
    let sandbox = sandbox_at(Generation::CompanyBulkClient).await;
    let dir = tempfile::tempdir().unwrap();
    let key_file = write(dir.path(), "key", &format!("{}\n", sandbox.api_key()));
    let config = write(
        dir.path(),
        "c.toml",
        &format!("[agencyhandy]\napi_url = \"{}\"\n", sandbox.url()),
    );

    let (code, stdout, stderr) = tokio::task::spawn_blocking(move || {
        run(
            &["check", "--config", &config],
            &[("LEADRELAY_AGENCYHANDY__API_KEY_FILE", &key_file)],
        )
    })
    .await
    .unwrap();

    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(sandbox.company_id()), "{stdout}");
    assert!(stdout.contains(sandbox.client_role_id()), "{stdout}");
}

#[tokio::test]
async fn check_names_a_refused_key_as_the_problem() {
    let sandbox = Sandbox::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "c.toml",
        &format!(
            "[agencyhandy]\napi_url = \"{}\"\napi_key = \"wrong-key\"\n",
            sandbox.url()
        ),
    );

    let (code, stdout, stderr) =
        tokio::task::spawn_blocking(move || run(&["check", "--config", &config], &[]))
            .await
            .unwrap();

    assert_ne!(code, 0);
    assert!(
        stderr.contains("refused the API key") && stderr.contains("agencyhandy.api_key"),
        "{stdout}{stderr}"
    );
    assert!(
        !stderr.contains("wrong-key"),
        "the key is never echoed: {stderr}"
    );
}

#[test]
fn environment_wins_over_the_file_and_a_bad_value_names_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "c.toml",
        "[server]\nlisten = \"127.0.0.1:1\"\n[forms.contact]\n",
    );

    let (code, _, stderr) = run(
        &["check", "--config", &config],
        &[
            ("LEADRELAY_SERVER__LISTEN", "not an address"),
            ("LEADRELAY_AGENCYHANDY__API_KEY", "k"),
        ],
    );
    assert_ne!(code, 0);
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
    assert!(stderr.contains("server.listen"), "{stderr}");

    let (code, _, stderr) = run(
        &["check", "--config", &config],
        &[
            ("LEADRELAY_DELIVERY__BATCH_SIZE", "lots"),
            ("LEADRELAY_AGENCYHANDY__API_KEY", "k"),
        ],
    );
    assert_ne!(code, 0);
    assert!(stderr.contains("delivery.batch_size"), "{stderr}");

    let (code, _, stderr) = run(&["serve", "--config", &config], &[]);
    assert_ne!(code, 0);
    assert!(
        stderr.contains("agencyhandy.api_key") && stderr.contains("LEADRELAY_AGENCYHANDY__API_KEY"),
        "{stderr}"
    );

    let (code, _, stderr) = run(&["serve", "--config", "/nonexistent/leadrelay.toml"], &[]);
    assert_ne!(code, 0);
    assert!(stderr.contains("/nonexistent/leadrelay.toml"), "{stderr}");
}

#[test]
fn environment_values_are_parsed_into_the_settings() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "c.toml", "[forms.contact]\n");
    let db = format!("sqlite://{}/leads.db", dir.path().display());

    let (code, stdout, stderr) = run(
        &["leads", "list", "--config", &config],
        &[
            ("LEADRELAY_STORAGE__URL", &db),
            (
                "LEADRELAY_FORMS__CONTACT__ALLOWED_ORIGINS",
                "[https://a.example, https://b.example]",
            ),
        ],
    );

    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("0 lead(s)"), "{stdout}");
    assert!(
        dir.path().join("leads.db").exists(),
        "the environment's storage.url was used"
    );
}
