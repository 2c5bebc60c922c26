//! What a deployment relies on, short of a Docker engine: the binary run with
//! exactly the environment the Dockerfile and `leadrelay.env.example` set, and
//! `config/leadrelay.example.toml` loading as documented.

use std::{collections::BTreeMap, path::Path, time::Duration};

use crate::helpers::{
    process::{free_port, leadrelay, Running},
    sandbox_leads,
};
use leadrelay::{config::Settings, sandbox::Sandbox};

fn repo_file(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `ENV` of the Dockerfile's last stage (the runtime image), continuation lines joined.
fn dockerfile_env() -> BTreeMap<String, String> {
    let text = repo_file("Dockerfile").replace("\\\n", " ");
    let runtime = text.rsplit("\nFROM ").next().unwrap();
    runtime
        .lines()
        .filter_map(|line| line.trim().strip_prefix("ENV "))
        .flat_map(str::split_whitespace)
        .map(|pair| {
            let (key, value) = pair.split_once('=').expect("ENV KEY=VALUE");
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

/// `KEY=VALUE` lines of an env file, as Compose's `env_file` reads them.
fn env_file(name: &str) -> BTreeMap<String, String> {
    repo_file(name)
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            let (key, value) = line.split_once('=').expect("KEY=VALUE");
            (key.to_owned(), value.to_owned())
        })
        .collect()
}

#[tokio::test]
async fn the_image_environment_and_env_example_run_the_service() {
    // Arrange: the image's env plus the example env file. What Docker provides is
    // stood in for: the published port, the /data volume (a temp dir as the
    // working directory) and a secret file for the API key.
    let sandbox = Sandbox::start().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    let image_env = dockerfile_env();
    assert_eq!(image_env["LEADRELAY_SERVER__LISTEN"], "0.0.0.0:8080");
    assert_eq!(
        image_env["LEADRELAY_STORAGE__URL"],
        "sqlite:///data/leadrelay.db"
    );
    assert_eq!(image_env["LEADRELAY_LOG__FORMAT"], "json");
    let mut env = image_env;
    env.extend(env_file("leadrelay.env.example"));
    let port = free_port();
    env.insert(
        "LEADRELAY_SERVER__LISTEN".into(),
        format!("127.0.0.1:{port}"),
    );
    let db = data.path().join("leadrelay.db");
    env.insert(
        "LEADRELAY_STORAGE__URL".into(),
        format!("sqlite://{}", db.display()),
    );
    env.remove("LEADRELAY_AGENCYHANDY__API_KEY");
    let key_file = data.path().join("agencyhandy_api_key");
    std::fs::write(&key_file, format!("{}\n", sandbox.api_key())).unwrap();
    env.insert(
        "LEADRELAY_AGENCYHANDY__API_KEY_FILE".into(),
        key_file.display().to_string(),
    );
    env.insert("LEADRELAY_AGENCYHANDY__API_URL".into(), sandbox.url());
    let mut command = leadrelay(&["serve"]);
    command.env_clear().envs(&env).current_dir(data.path());
    let app = Running::spawn(command);
    let ready = format!("http://127.0.0.1:{port}/readyz");

    // Act: wait as Docker's HEALTHCHECK does, then post as the example site would.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let ready = ready.clone();
        let output = tokio::task::spawn_blocking(move || {
            leadrelay(&["healthcheck", "--url", &ready])
                .output()
                .unwrap()
        })
        .await
        .unwrap();
        if output.status.success() {
            break;
        }
        let lines = app.lines();
        assert!(
            std::time::Instant::now() < deadline,
            "never ready; its log:\n{}",
            lines.join("\n")
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |origin: &'static str| {
        http.post(format!("http://127.0.0.1:{port}/forms/contact"))
            .header("origin", origin)
            .form(&[("name", "Docker Person"), ("email", "docker@example.com")])
            .send()
    };
    let allowed = post("https://example.com").await.unwrap();
    let foreign = post("https://elsewhere.example").await.unwrap();
    let delivered = sandbox_leads(&sandbox, 1).await;
    let lines = app.stop();

    // Assert
    assert_eq!(allowed.status(), 303);
    assert_eq!(allowed.headers()["location"], "https://example.com/thanks");
    assert_eq!(
        foreign.status(),
        403,
        "allowed_origins=[...] is read as a list"
    );
    assert_eq!(delivered[0]["email"], "docker@example.com");
    assert!(db.exists());
    assert!(!lines.is_empty());
    for line in &lines {
        serde_json::from_str::<serde_json::Value>(line)
            .unwrap_or_else(|e| panic!("LEADRELAY_LOG__FORMAT=json: not JSON ({e}): {line}"));
        assert!(!line.contains(sandbox.api_key()), "the key is never logged");
    }
}

#[test]
fn the_example_config_loads_and_validates() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/leadrelay.example.toml");

    let settings = Settings::load(Some(&path)).expect("the example config loads");

    settings.validate().expect("the example config is valid");
    let defaults = Settings::default();
    assert_eq!(settings.server.listen, defaults.server.listen);
    assert_eq!(
        settings.delivery.backoff_secs,
        defaults.delivery.backoff_secs
    );
    assert_eq!(settings.storage.url, defaults.storage.url);
    assert_eq!(
        settings.forms["contact"].allowed_origins,
        ["https://example.com"]
    );
    assert!(settings.forms["zapier"].token.is_some());
}

#[test]
fn the_example_config_mentions_every_key() {
    let example = repo_file("config/leadrelay.example.toml");
    let source: String = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/src/config"))
        .unwrap()
        .map(|entry| std::fs::read_to_string(entry.unwrap().path()).unwrap())
        .collect();
    let keys: Vec<&str> = source
        .lines()
        .filter_map(|line| line.trim_start().strip_prefix("pub "))
        .filter_map(|rest| rest.split_once(':'))
        .map(|(name, _)| name)
        .filter(|name| name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .collect();
    assert!(keys.len() > 40, "found only {keys:?}");

    let missing: Vec<&&str> = keys
        .iter()
        .filter(|key| {
            !(example.contains(&format!("{key} ="))
                || example.contains(&format!("[{key}"))
                || example.contains(&format!(".{key}]")))
        })
        .collect();

    assert!(missing.is_empty(), "not in the example config: {missing:?}");
}
