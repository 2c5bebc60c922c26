//! `leadrelay leads remap`: the stored submission and request meta are mapped
//! again with today's config, and attribution survives.

use std::time::Duration;

use crate::helpers::process::leadrelay;
use crate::helpers::{eventually, spawn_app};
use leadrelay::{
    config::Settings,
    domain::LeadState,
    outbox::{self, LeadFilter},
};
use serde_json::json;

#[tokio::test]
async fn a_remap_keeps_page_url_and_utm_from_the_stored_referer() {
    // Arrange: a lead Agencyhandy refuses while another goes through (so the
    // lead is at fault: dead), sent from a page with UTM parameters.
    let app = spawn_app(
        "[forms.templated]\nsource = \"website/{utm_source}\"\n[delivery]\npause_secs = 1",
    )
    .await;
    app.sandbox.reject_email("remap@example.com");
    let page = "https://example.com/offer?utm_source=newsletter&utm_medium=email";
    let response = app
        .http
        .post(format!("{}/forms/templated", app.address))
        .header("referer", page)
        .json(&json!({"email": "remap@example.com", "message": "Hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    app.post_json("templated", &json!({"email": "fine@example.com"}))
        .await;
    let dead = eventually("the lead to die", Duration::from_secs(15), || async {
        let leads = app.state.outbox.list(&LeadFilter::default()).await.ok()?;
        leads.into_iter().find(|l| l.state == LeadState::Dead)
    })
    .await;
    let (_sandbox, dir) = app.stop().await;
    let toml = format!(
        "[agencyhandy]\napi_key = \"unused\"\n[storage]\nurl = \"sqlite://{}/leads.db\"\n\
         [forms.templated]\nsource = \"ads/{{utm_source}}/{{utm_medium}}\"\n",
        dir.path().display()
    );
    let config = dir.path().join("leadrelay.toml");
    std::fs::write(&config, &toml).unwrap();

    // Act
    let output = leadrelay(&["leads", "remap", &dead.id.to_string(), "--config"])
        .arg(&config)
        .output()
        .expect("leadrelay runs");

    // Assert
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(String::from_utf8_lossy(&output.stdout).contains("remapped"));
    let settings = Settings::from_toml(&toml).unwrap();
    let outbox = outbox::open(&settings.storage).await.unwrap();
    let lead = outbox.get(dead.id).await.unwrap().expect("the lead");
    outbox.close().await;
    assert_eq!(lead.summary.state, LeadState::Pending);
    assert_eq!(lead.member["source"], "ads/newsletter/email");
    assert_eq!(lead.member["pageUrl"], page);
    assert_eq!(
        lead.member["utm"],
        json!({"source": "newsletter", "medium": "email"})
    );
    assert_eq!(
        lead.member["notes"],
        format!("Hello\n\nPage: {page}\nUTM: medium=email, source=newsletter")
    );
    let meta = &lead.submission.expect("the stored submission")["meta"];
    assert_eq!(meta["referer"], page);
    assert!(meta["ip"].as_str().is_some_and(|ip| !ip.is_empty()));
}
