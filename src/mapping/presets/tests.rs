//! One test per preset, from a realistic payload in `tests/fixtures/`.

use bytes::Bytes;
use serde_json::json;

use crate::{
    config::FormSettings,
    intake::{parse_body, Limits, Submission, SubmissionMeta},
    mapping::{map_submission, Member},
};

/// Parses a fixture: `.json` as `application/json`; `.txt` starts with a
/// `Content-Type:` line and a blank line (multipart bodies get CRLF line ends).
fn load(name: &str, text: &str) -> Submission {
    let (content_type, body) = if name.ends_with(".json") {
        ("application/json".to_owned(), text.to_owned())
    } else {
        let (header, body) = text.split_once("\n\n").expect("fixture header");
        let content_type = header.trim_start_matches("Content-Type:").trim().to_owned();
        let body = if content_type.starts_with("multipart/") {
            body.replace('\n', "\r\n")
        } else {
            body.trim().to_owned()
        };
        (content_type, body)
    };
    let limits = Limits {
        max_fields: 200,
        max_field_bytes: 16_384,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime
        .block_on(parse_body(Some(&content_type), Bytes::from(body), limits))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn map_fixture(preset: &str, name: &str, text: &str) -> Member {
    let form = FormSettings {
        preset: Some(preset.into()),
        ..FormSettings::default()
    };
    map_submission(&load(name, text), &SubmissionMeta::default(), &form)
        .unwrap_or_else(|e| panic!("{name}: {e} {:?}", e.fields))
}

fn assert_lead(member: &Member, first: &str, last: &str, phone: Option<&str>, notes: &str) {
    assert_eq!(member.first_name, first);
    assert_eq!(member.last_name, last);
    assert_eq!(member.email.as_str(), "jane.doe@example.com");
    assert_eq!(member.contact_no.as_deref(), phone);
    assert_eq!(
        member.extra.get("notes").and_then(|n| n.as_str()),
        Some(notes)
    );
}

macro_rules! fixture {
    ($preset:literal, $file:literal) => {
        map_fixture(
            $preset,
            $file,
            include_str!(concat!("../../../tests/fixtures/", $file)),
        )
    };
}

#[test]
fn contact_form_7() {
    let member = fixture!("contact-form-7", "contact-form-7.json");
    let notes = "Hi, we need a new website for our bakery.\n\nsubject: Website redesign\nmenu-214: Small business\nacceptance-231: 1";
    assert_lead(&member, "Jane", "Doe", Some("+1 555 010 0123"), notes);
}

#[test]
fn elementor_advanced_and_simple() {
    for member in [
        fixture!("elementor", "elementor.txt"),
        fixture!("elementor", "elementor-simple.txt"),
    ] {
        assert_lead(
            &member,
            "Jane",
            "Doe",
            Some("+44 20 7946 0958"),
            "Please call me back.\n\nService: SEO\nPage: https://example.com/contact/",
        );
        assert_eq!(member.extra["pageUrl"], "https://example.com/contact/");
    }
}

#[test]
fn wpforms() {
    let member = fixture!("wpforms", "wpforms.json");
    let notes = "We would like a quote for a new site.\n\nWhich services are you interested in?: Web Design\nSEO";
    assert_lead(&member, "Jane", "Doe", Some("(555) 010-0123"), notes);
}

#[test]
fn gravity_forms() {
    let member = fixture!("gravity-forms", "gravity-forms.json");
    let notes =
        "We are opening a second store and need help with local SEO.\n\nField 5.1: Local SEO";
    assert_lead(&member, "Jane", "Doe", Some("(555) 010-0123"), notes);
    assert_eq!(member.extra["address"], "12 Main Street");
    assert_eq!(member.extra["city"], "Springfield");
    assert_eq!(member.extra["state"], "Illinois");
    assert_eq!(member.extra["zipCode"], "62701");
    assert_eq!(member.extra["country"], "United States");
}

#[test]
fn webflow() {
    let member = fixture!("webflow", "webflow.json");
    assert_lead(
        &member,
        "Jane",
        "Doe",
        Some("+1 555 010 0123"),
        "Interested in a Webflow redesign.",
    );
    assert_eq!(member.extra["companyName"], "Acme Bakery");
}

#[test]
fn typeform() {
    let member = fixture!("typeform", "typeform.json");
    let notes = "We need a booking system.\n\nSubscribe to our newsletter?: yes\nUTM: medium=email, source=newsletter";
    assert_lead(&member, "Jane", "Doe", Some("+15550100123"), notes);
    assert_eq!(member.extra["leadValue"], "$5k-$10k");
    assert_eq!(
        member.extra["utm"],
        json!({"medium": "email", "source": "newsletter"})
    );
}

#[test]
fn tally() {
    let member = fixture!("tally", "tally.json");
    let notes = "What do you need?: A new website\nAnything else?: Launch is in June.\nUTM: source=linkedin";
    assert_lead(&member, "Jane", "Doe", Some("+15550100123"), notes);
    assert_eq!(member.extra["utm"], json!({"source": "linkedin"}));
}

#[test]
fn jotform() {
    let member = fixture!("jotform", "jotform.txt");
    let notes = "Do you build online shops?\n\nhowDid: Google";
    assert_lead(&member, "Jane", "Doe", Some("(555) 010-0123"), notes);
}

#[test]
fn google_forms() {
    let member = fixture!("google-forms", "google-forms.json");
    let notes = "Which services are you interested in?: Web design, SEO\nAnything else we should know?: We open a second store in June.";
    assert_lead(&member, "Jane", "Doe", Some("+1 555 010 0123"), notes);
    assert_eq!(member.extra["companyName"], "Acme Bakery");
}

#[test]
fn zapier() {
    let member = fixture!("zapier", "zapier.json");
    let notes = "Lead from the LinkedIn lead-gen form.\n\ncampaign_name: Spring promo\nUTM: source=linkedin";
    assert_lead(&member, "Jane", "Doe", Some("+1 555 010 0123"), notes);
    assert_eq!(member.extra["companyName"], "Acme Bakery");
    assert_eq!(member.extra["website"], "https://acmebakery.example");
    assert_eq!(member.extra["utm"], json!({"source": "linkedin"}));
}

#[test]
fn jotform_without_a_preset_can_use_a_path_into_raw_request() {
    let submission = load(
        "jotform.txt",
        include_str!("../../../tests/fixtures/jotform.txt"),
    );
    let mut form = FormSettings::default();
    for (key, path) in [
        ("firstName", "rawRequest.q3_name.first"),
        ("email", "rawRequest.q4_email"),
    ] {
        form.fields
            .insert(key.into(), crate::config::FieldSources::One(path.into()));
    }
    let member = map_submission(&submission, &SubmissionMeta::default(), &form).unwrap();
    assert_eq!(member.first_name, "Jane");
    assert_eq!(member.email.as_str(), "jane.doe@example.com");
}

#[test]
fn netlify() {
    let member = fixture!("netlify", "netlify.json");
    let notes = "We need a new website for our bakery.\n\nYour role: Owner\nPage: https://acmebakery.example/contact/";
    assert_lead(&member, "Jane", "Doe", Some("+1 555 010 0123"), notes);
    assert_eq!(member.extra["companyName"], "Acme Bakery");
    assert_eq!(
        member.extra["pageUrl"],
        "https://acmebakery.example/contact/"
    );
}

#[test]
fn fluent_forms() {
    let member = fixture!("fluent-forms", "fluent-forms.json");
    let notes = "We are opening a second store.\n\ncheckbox: Web design, SEO";
    assert_lead(&member, "Jane", "Doe", Some("+1 555 010 0123"), notes);
    assert_eq!(member.extra["address"], "12 Main Street");
    assert_eq!(member.extra["city"], "Springfield");
    assert_eq!(member.extra["state"], "Illinois");
    assert_eq!(member.extra["zipCode"], "62701");
    assert_eq!(member.extra["country"], "US");
}

#[test]
fn ninja_forms_args_encoded_under_one_key() {
    let member = fixture!("ninja-forms", "ninja-forms.txt");
    let notes = "Can you call me back?\n\nservice: Web design";
    assert_lead(&member, "Jane", "Doe", Some("+1 555 010 0123"), notes);
}

#[test]
fn ninja_forms_fields_are_read_by_type() {
    let body = json!({"form_id": "1", "fields": {
        "1": {"id": 1, "key": "firstname_1", "label": "Prénom", "type": "firstname", "value": "Jane"},
        "2": {"id": 2, "key": "lastname_2", "label": "Nom", "type": "lastname", "value": "Doe"},
        "3": {"id": 3, "key": "email_3", "label": "Courriel", "type": "email", "value": "jane.doe@example.com"},
        "4": {"id": 4, "key": "phone_4", "label": "Téléphone", "type": "phone", "value": "+33 6 12 34 56 78"},
        "5": {"id": 5, "key": "textarea_5", "label": "Message", "type": "textarea", "value": "Bonjour"},
        "6": {"id": 6, "key": "submit_6", "label": "Envoyer", "type": "submit", "value": ""}
    }});
    let submission = load("ninja.json", &body.to_string());
    let form = FormSettings {
        preset: Some("ninja-forms".into()),
        ..FormSettings::default()
    };
    let member = map_submission(&submission, &SubmissionMeta::default(), &form).unwrap();
    assert_lead(&member, "Jane", "Doe", Some("+33 6 12 34 56 78"), "Bonjour");
}

#[test]
fn formidable_keys_say_nothing_so_the_values_speak() {
    let member = fixture!("formidable", "formidable.json");
    let notes = "We need a booking page for our bakery.\n\nocfup1: Acme\nuc580i: Web design, SEO";
    assert_lead(&member, "Jane", "Doe", Some("(555) 010-0123"), notes);
}

#[test]
fn wpforms_webhooks_add_on_with_keys_of_your_choosing() {
    let member = fixture!("wpforms", "wpforms-webhooks.json");
    let notes = "We would like a quote for a new site.\n\nWhich services?: Web Design\nSEO";
    assert_lead(&member, "Jane", "Doe", Some("(555) 010-0123"), notes);
}

#[test]
fn calendly_takes_the_invitee_never_the_host() {
    let member = fixture!("calendly", "calendly.json");
    let notes = "We need a new website before June.\n\nEvent: 30 Minute Discovery Call\nEvent start: 2024-05-06T15:00:00.000000Z\nTime zone: America/Chicago\nUTM: campaign=spring, source=newsletter";
    assert_lead(&member, "Jane", "Doe", Some("+1 555 010 0123"), notes);
    assert_eq!(member.extra["companyName"], "Acme Bakery");
    let text = serde_json::to_string(&member).unwrap();
    assert!(!text.contains("host@agency.example"), "{text}");
}

#[test]
fn every_preset_is_listed_and_has_a_fixture() {
    let fixtures = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect::<Vec<_>>();
    for preset in crate::mapping::PRESETS {
        assert!(
            fixtures.iter().any(|f| f.starts_with(preset)),
            "no fixture for {preset}: {fixtures:?}"
        );
    }
}
