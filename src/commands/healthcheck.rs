//! `leadrelay healthcheck [--url U]`: exit 0 when the running service is ready
//! (for Docker's HEALTHCHECK).

use std::{process::ExitCode, time::Duration};

use anyhow::Context;
use url::Url;

/// Asks the service's readiness route; exit 0 on a 2xx answer.
pub(crate) async fn run(url: &str) -> anyhow::Result<ExitCode> {
    let url = readiness_url(url)?;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()?;
    match client.get(url.clone()).send().await {
        Ok(response) if response.status().is_success() => Ok(ExitCode::SUCCESS),
        Ok(response) => {
            eprintln!("leadrelay: not ready: {url} answered {}", response.status());
            Ok(ExitCode::FAILURE)
        }
        Err(error) => {
            eprintln!("leadrelay: not ready: {url}: {}", error.without_url());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// The URL to ask: as given, except that a service's base URL (no path, as users
/// write it: `http://host:8080`, even `host:8080`) means its `/readyz`.
fn readiness_url(given: &str) -> anyhow::Result<Url> {
    let given = given.trim();
    let absolute = if given.contains("://") {
        given.to_owned()
    } else {
        format!("http://{given}")
    };
    let mut url = Url::parse(&absolute)
        .with_context(|| format!("--url {given:?} is not a URL such as http://127.0.0.1:8080"))?;
    if url.path() == "/" {
        url.set_path("/readyz");
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_means_its_readyz() {
        for (given, asked) in [
            ("http://host:8080", "http://host:8080/readyz"),
            ("http://host:8080/", "http://host:8080/readyz"),
            ("host:8080", "http://host:8080/readyz"),
            (
                "https://leads.example.com",
                "https://leads.example.com/readyz",
            ),
            ("http://host:8080/readyz", "http://host:8080/readyz"),
            ("http://host:8080/healthz", "http://host:8080/healthz"),
            ("http://host/relay/readyz", "http://host/relay/readyz"),
        ] {
            assert_eq!(readiness_url(given).unwrap().as_str(), asked, "{given}");
        }
        assert!(readiness_url("http://").is_err());
    }
}
