//! An empty secret is a config error, wherever it comes from: `serve` stops at
//! once with one line naming the key. (An empty `server.admin_token` from an env
//! file line `LEADRELAY_SERVER__ADMIN_TOKEN=` used to open `/admin` to requests
//! with no `Authorization` at all.)

use std::{path::Path, time::Duration};

use crate::helpers::process::leadrelay;

const CONFIG: &str = r#"
[server]
listen = "127.0.0.1:0"
admin_token = "a-real-admin-token"

[log]
format = "json"

[forms.zap]
token = "a-real-form-token"
"#;

/// A config, environment variables over it, and the key it must be refused for.
type Case<'a> = (String, Vec<(&'a str, &'a str)>, &'a str);

/// Runs `serve` with `config` and `env`; returns its stderr once it exited (it must).
async fn serve_refused(dir: &Path, config: &str, env: &[(&str, &str)]) -> Vec<String> {
    let path = dir.join("leadrelay.toml");
    std::fs::write(&path, config).unwrap();
    let mut command = tokio::process::Command::from(leadrelay(&["serve", "--config"]));
    command
        .arg(&path)
        .current_dir(dir)
        .env("LEADRELAY_AGENCYHANDY__API_KEY", "a-real-api-key")
        .env(
            "LEADRELAY_STORAGE__URL",
            format!("sqlite://{}/leads.db", dir.display()),
        );
    for (name, value) in env {
        command.env(name, value);
    }
    let output = tokio::time::timeout(Duration::from_secs(20), command.kill_on_drop(true).output())
        .await
        .expect("serve must stop at once, not start")
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "serve started: {stderr}");
    stderr
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

#[tokio::test]
async fn an_empty_secret_from_an_env_file_line_a_file_or_the_config_stops_startup() {
    let dir = tempfile::tempdir().unwrap();
    let empty_file = dir.path().join("empty-secret");
    std::fs::write(&empty_file, "\n").unwrap();
    let empty_file = empty_file.to_str().unwrap();
    let with_form = |extra: &str| format!("{CONFIG}\n[forms.other]\n{extra}\n");
    let cases: Vec<Case> = vec![
        (
            CONFIG.into(),
            vec![("LEADRELAY_SERVER__ADMIN_TOKEN", "")],
            "server.admin_token",
        ),
        (
            CONFIG.into(),
            vec![("LEADRELAY_AGENCYHANDY__API_KEY", "")],
            "agencyhandy.api_key",
        ),
        (
            CONFIG.into(),
            vec![("LEADRELAY_FORMS__ZAP__TOKEN_FILE", empty_file)],
            "forms.zap.token",
        ),
        (
            format!("{CONFIG}\n[workspaces.b]\napi_key = \"k\"\n"),
            vec![("LEADRELAY_WORKSPACES__B__API_KEY", " ")],
            "workspaces.b.api_key",
        ),
        (
            with_form("signing_secret = \"\""),
            vec![],
            "forms.other.signing_secret",
        ),
        (
            with_form("signature_secret = \"  \""),
            vec![],
            "forms.other.signature_secret",
        ),
        (
            with_form("captcha = { provider = \"turnstile\", secret = \"\" }"),
            vec![],
            "forms.other.captcha.secret",
        ),
    ];

    for (config, env, key) in cases {
        let lines = serve_refused(dir.path(), &config, &env).await;

        assert_eq!(lines.len(), 1, "{key}: one line: {lines:?}");
        assert!(
            lines[0].starts_with(&format!("leadrelay: config: {key} is empty")),
            "{key}: {lines:?}"
        );
    }
}

#[tokio::test]
async fn log_admin_token_is_refused_with_a_pointer_to_server_admin_token() {
    let dir = tempfile::tempdir().unwrap();

    let lines = serve_refused(
        dir.path(),
        CONFIG,
        &[("LEADRELAY_LOG__ADMIN_TOKEN", "the-old-place")],
    )
    .await;

    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("log.admin_token"), "{lines:?}");
    assert!(lines[0].contains("server.admin_token"), "{lines:?}");
    assert!(!lines[0].contains("the-old-place"), "{lines:?}");
}
