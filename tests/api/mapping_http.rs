//! Mapping through HTTP: templates, attribution, consent, constants, custom
//! fields, dotted keys, and real senders' payloads from `tests/fixtures/`.

use crate::helpers::{sandbox_leads, spawn_app};
use serde_json::{json, Value};

const FORMS: &str = r#"
[forms.templated]
source = "website/{utm_source}"

[forms.gdpr]
consent_field = "consent"
consent_required = true
consent_text = "I agree to be contacted about my enquiry."

[forms.crm]
[forms.crm.constants]
status = "Qualified"
category = ["label-1"]
"customFields.6651f0c2a1" = 5000
[forms.crm.fields]
companyName = ["company.name"]
"customFields.6651f0c2b2" = ["service"]

[forms.elementor]
preset = "elementor"

[forms.jotform]
preset = "jotform"

[forms.calendly]
preset = "calendly"

[forms.ninja]
preset = "ninja-forms"

[forms.tally]
preset = "tally"
"#;

/// A fixture's content type (its first line) and body (after a blank line).
fn fixture(name: &str) -> (String, String) {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).expect("fixture");
    let (header, body) = text.split_once("\n\n").expect("fixture header");
    let content_type = header.trim_start_matches("Content-Type:").trim().to_owned();
    let body = if content_type.starts_with("multipart/") {
        body.replace('\n', "\r\n")
    } else {
        body.trim().to_owned()
    };
    (content_type, body)
}

#[tokio::test]
async fn the_source_template_is_filled_from_a_utm_field() {
    let app = spawn_app(FORMS).await;

    let response = app
        .post_json(
            "templated",
            &json!({"email": "t@example.com", "utm_source": "google", "utm_medium": "cpc"}),
        )
        .await;

    assert_eq!(response.status(), 200);
    let lead = &sandbox_leads(&app.sandbox, 1).await[0];
    assert_eq!(lead["source"], "website/google");
    assert_eq!(lead["utm"], json!({"source": "google", "medium": "cpc"}));
}

#[tokio::test]
async fn the_referer_gives_page_url_utm_and_source_and_the_notes_show_them() {
    let app = spawn_app(FORMS).await;
    let page = "https://example.com/pricing?utm_source=newsletter&utm_campaign=may";

    let response = app
        .http
        .post(format!("{}/forms/templated", app.address))
        .header("referer", page)
        .header("user-agent", "Mozilla/5.0 (test)")
        .json(&json!({"email": "r@example.com", "message": "Call me"}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200);
    let lead = &sandbox_leads(&app.sandbox, 1).await[0];
    assert_eq!(lead["source"], "website/newsletter");
    assert_eq!(lead["pageUrl"], page);
    assert_eq!(
        lead["utm"],
        json!({"source": "newsletter", "campaign": "may"})
    );
    assert_eq!(
        lead["notes"],
        format!("Call me\n\nPage: {page}\nUTM: campaign=may, source=newsletter")
    );
    assert!(lead.get("ip").is_none() && lead.get("userAgent").is_none());
}

#[tokio::test]
async fn required_consent_is_422_naming_the_field() {
    let app = spawn_app(FORMS).await;

    let response = app
        .post_json("gdpr", &json!({"email": "c@example.com", "consent": ""}))
        .await;

    assert_eq!(response.status(), 422);
    let body: Value = response.json().await.unwrap();
    let problem = body["error"]["fields"]["consent"]
        .as_str()
        .unwrap_or_default();
    assert!(problem.contains("\"consent\""), "{body}");
    assert!(app.sandbox.leads().is_empty());
}

#[tokio::test]
async fn given_consent_is_recorded_with_its_text_value_and_time() {
    let app = spawn_app(FORMS).await;

    let response = app
        .post_form("gdpr", &[("email", "c@example.com"), ("consent", "yes")])
        .await;

    assert_eq!(response.status(), 200);
    let lead = &sandbox_leads(&app.sandbox, 1).await[0];
    let consent = &lead["consent"];
    assert_eq!(consent["given"], true);
    assert_eq!(consent["field"], "consent");
    assert_eq!(consent["value"], "yes");
    assert_eq!(consent["text"], "I agree to be contacted about my enquiry.");
    let at = consent["at"].as_str().unwrap_or_default();
    assert!(
        chrono::DateTime::parse_from_rfc3339(at).is_ok(),
        "{consent}"
    );
    assert!(lead.get("notes").is_none(), "the consent box is not a note");
}

#[tokio::test]
async fn constants_and_custom_fields_by_id_reach_agencyhandy() {
    let app = spawn_app(FORMS).await;
    app.sandbox.add_category("label-1");

    app.post_json(
        "crm",
        &json!({"email": "k@example.com", "service": "SEO", "company": {"name": "Acme"}}),
    )
    .await;

    let lead = &sandbox_leads(&app.sandbox, 1).await[0];
    assert_eq!(lead["status"], "Qualified");
    assert_eq!(lead["category"], json!(["label-1"]));
    assert_eq!(lead["companyName"], "Acme");
    let custom = lead["customFields"].as_array().expect("customFields");
    assert!(custom.contains(&json!({"_id": "6651f0c2a1", "numberValue": 5000})));
    assert!(custom.contains(&json!({"_id": "6651f0c2b2", "stringValue": "SEO"})));
}

#[tokio::test]
async fn a_literal_dotted_key_wins_over_the_path_in_either_order() {
    let app = spawn_app(FORMS).await;
    app.sandbox.add_category("label-1");

    app.post_json(
        "crm",
        &json!({"email": "a@example.com", "company": {"name": "Path Ltd"}, "company.name": "Literal Ltd"}),
    )
    .await;
    app.post_json(
        "crm",
        &json!({"company.name": "Literal Ltd", "company": {"name": "Path Ltd"}, "email": "b@example.com"}),
    )
    .await;

    let leads = sandbox_leads(&app.sandbox, 2).await;
    for lead in &leads {
        assert_eq!(lead["companyName"], "Literal Ltd", "{lead}");
    }
}

#[tokio::test]
async fn an_elementor_advanced_mode_post_is_read() {
    let app = spawn_app(FORMS).await;
    let (content_type, body) = fixture("elementor.txt");

    let response = app.post_raw("/hooks/elementor", &content_type, body).await;

    assert_eq!(response.status(), 200);
    let lead = &sandbox_leads(&app.sandbox, 1).await[0];
    assert_eq!(lead["email"], "jane.doe@example.com");
    assert_eq!(
        (lead["firstName"].as_str(), lead["lastName"].as_str()),
        (Some("Jane"), Some("Doe"))
    );
    assert_eq!(lead["contactNo"], "+44 20 7946 0958");
    assert_eq!(lead["pageUrl"], "https://example.com/contact/");
    assert_eq!(
        lead["notes"],
        "Please call me back.\n\nService: SEO\nPage: https://example.com/contact/"
    );
}

#[tokio::test]
async fn a_jotform_multipart_post_is_read_from_its_raw_request() {
    let app = spawn_app(FORMS).await;
    let (content_type, body) = fixture("jotform.txt");

    let response = app.post_raw("/hooks/jotform", &content_type, body).await;

    assert_eq!(response.status(), 200);
    let lead = &sandbox_leads(&app.sandbox, 1).await[0];
    assert_eq!(lead["email"], "jane.doe@example.com");
    assert_eq!(lead["firstName"], "Jane");
    assert_eq!(lead["lastName"], "Doe");
    assert_eq!(lead["contactNo"], "(555) 010-0123");
    assert_eq!(
        lead["notes"],
        "Do you build online shops?\n\nhowDid: Google"
    );
}

#[tokio::test]
async fn a_calendly_booking_becomes_the_invitee_never_the_host() {
    let app = spawn_app(FORMS).await;
    let body = std::fs::read_to_string(format!(
        "{}/tests/fixtures/calendly.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();

    let response = app
        .post_raw("/hooks/calendly", "application/json", body)
        .await;

    assert_eq!(response.status(), 200);
    let lead = &sandbox_leads(&app.sandbox, 1).await[0];
    assert_eq!(lead["email"], "jane.doe@example.com");
    assert_eq!(lead["firstName"], "Jane");
    assert_eq!(lead["contactNo"], "+1 555 010 0123");
    assert_eq!(lead["companyName"], "Acme Bakery");
    assert!(!lead.to_string().contains("host@agency.example"), "{lead}");
}

#[tokio::test]
async fn a_ninja_forms_post_with_json_encoded_args_is_read() {
    let app = spawn_app(FORMS).await;
    let (content_type, body) = fixture("ninja-forms.txt");

    let response = app.post_raw("/hooks/ninja", &content_type, body).await;

    assert_eq!(response.status(), 200);
    let lead = &sandbox_leads(&app.sandbox, 1).await[0];
    assert_eq!(lead["email"], "jane.doe@example.com");
    assert_eq!(lead["lastName"], "Doe");
}

#[tokio::test]
async fn a_tally_form_of_150_questions_with_options_is_accepted() {
    let app = spawn_app(FORMS).await;
    let mut fields = vec![
        json!({"key": "q_mail", "label": "Email", "type": "INPUT_EMAIL",
                                 "value": "big@example.com"}),
    ];
    for n in 0..149 {
        fields.push(json!({"key": format!("q{n}"), "label": format!("Question {n}"),
            "type": "MULTIPLE_CHOICE", "value": [format!("a{n}")],
            "options": [{"id": format!("a{n}"), "text": "Yes"}, {"id": format!("b{n}"), "text": "No"},
                        {"id": format!("c{n}"), "text": "Maybe"}]}));
    }
    let body = json!({"eventId": "e", "eventType": "FORM_RESPONSE", "data": {"fields": fields}});

    let response = app
        .http
        .post(format!("{}/hooks/tally", app.address))
        .json(&body)
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let lead = &sandbox_leads(&app.sandbox, 1).await[0];
    assert_eq!(lead["email"], "big@example.com");
    assert!(lead["notes"]
        .as_str()
        .unwrap()
        .starts_with("Question 0: Yes"));
}
