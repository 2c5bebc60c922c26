use proptest::prelude::*;
use serde_json::json;

use super::*;
use crate::config::{FieldSources, FormSettings};

fn map(fields: &[(&str, &str)], form: &FormSettings) -> Result<Member, MappingError> {
    map_submission(
        &Submission::from_fields(fields),
        &SubmissionMeta::default(),
        form,
    )
}

fn form_with(fields: &[(&str, &[&str])]) -> FormSettings {
    let mut form = FormSettings::default();
    for (key, names) in fields {
        let names = names.iter().map(|n| (*n).to_owned()).collect();
        form.fields
            .insert((*key).to_owned(), FieldSources::Many(names));
    }
    form
}

#[test]
fn a_plain_contact_form_maps_through_the_alias_table() {
    let member = map(
        &[
            ("your-name", "  Jane Mary Doe "),
            ("E-mail", " jane@example.com "),
            ("Phone Number", "+1 555 0100"),
            ("Company", "Acme"),
            ("Budget", "$5,000"),
            ("your-message", "Hello there"),
            ("_wpcf7", "12"),
            ("g-recaptcha-response", "token"),
            ("utm_source", "google"),
            ("Referral", "a friend"),
        ],
        &FormSettings::default(),
    )
    .unwrap();
    assert_eq!(member.first_name, "Jane Mary");
    assert_eq!(member.last_name, "Doe");
    assert_eq!(member.email.as_str(), "jane@example.com");
    assert_eq!(member.contact_no.as_deref(), Some("+1 555 0100"));
    assert_eq!(member.status, "New");
    assert_eq!(member.source, "website");
    assert_eq!(member.position_in_board, 1);
    assert_eq!(member.extra["companyName"], "Acme");
    assert_eq!(member.extra["leadValue"], "$5,000");
    assert_eq!(
        member.extra["notes"],
        "Hello there\n\nReferral: a friend\nUTM: source=google"
    );
    assert_eq!(member.extra["utm"], json!({"source": "google"}));
    let value = serde_json::to_value(&member).unwrap();
    assert_eq!(value["firstName"], "Jane Mary");
    assert_eq!(value["contactNo"], "+1 555 0100");
    assert_eq!(value["positionInBoard"], 1);
    assert!(value.get("role").is_none() && value.get("type").is_none());
}

#[test]
fn first_and_last_name_fields_beat_a_whole_name() {
    let member = map(
        &[
            ("fname", "Jane"),
            ("Surname", "Doe"),
            ("name", "J. Doe"),
            ("email", "j@example.com"),
        ],
        &FormSettings::default(),
    )
    .unwrap();
    assert_eq!(
        (member.first_name.as_str(), member.last_name.as_str()),
        ("Jane", "Doe")
    );
    let member = map(
        &[("Name", "Doe, Jane"), ("email", "j@example.com")],
        &FormSettings::default(),
    )
    .unwrap();
    assert_eq!(
        (member.first_name.as_str(), member.last_name.as_str()),
        ("Jane", "Doe")
    );
    let member = map(
        &[("Name", "Cher"), ("email", "c@example.com")],
        &FormSettings::default(),
    )
    .unwrap();
    assert_eq!(
        (member.first_name.as_str(), member.last_name.as_str()),
        ("Cher", "")
    );
}

#[test]
fn overrides_win_and_a_dotted_key_is_tried_literally_first() {
    let form = form_with(&[
        ("email", &["contact.email"]),
        ("contactNo", &["missing", "cell_no"]),
    ]);
    let submission = Submission {
        fields: vec![
            ("contact.email".into(), "literal@example.com".into()),
            ("email".into(), "alias@example.com".into()),
            ("cell_no".into(), "555".into()),
        ],
        json: Some(json!({"contact": {"email": "path@example.com"}})),
    };
    let member = map_submission(&submission, &SubmissionMeta::default(), &form).unwrap();
    assert_eq!(member.email.as_str(), "literal@example.com");
    assert_eq!(member.contact_no.as_deref(), Some("555"));
    assert_eq!(member.extra["notes"], "email: alias@example.com");

    let submission = Submission {
        fields: vec![("contact.email".into(), "path@example.com".into())],
        json: Some(json!({"contact": {"email": "path@example.com"}})),
    };
    let form = form_with(&[("email", &["contact.email"])]);
    assert_eq!(
        map_submission(&submission, &SubmissionMeta::default(), &form)
            .unwrap()
            .email
            .as_str(),
        "path@example.com"
    );
}

#[test]
fn constants_templates_and_custom_fields() {
    let mut form = form_with(&[("customFields.64ab", &["service"])]);
    form.source = "website/{utm_source}/{utm_campaign}".into();
    form.status = "Contacted".into();
    form.constants.insert("country".into(), json!("Germany"));
    form.constants.insert("positionInBoard".into(), json!(3));
    form.constants.insert("customFields.64cd".into(), json!(42));
    form.constants.insert("role".into(), json!("hijack"));
    let member = map(
        &[
            ("email", "a@example.com"),
            ("country", "France"),
            ("service", "SEO"),
            ("utm_campaign", "spring"),
        ],
        &form,
    )
    .unwrap();
    assert_eq!(member.source, "website/spring");
    assert_eq!(member.status, "Contacted");
    assert_eq!(member.position_in_board, 3);
    assert_eq!(member.extra["country"], "Germany");
    assert_eq!(
        member.extra["customFields"],
        json!([{"_id": "64ab", "stringValue": "SEO"}, {"_id": "64cd", "numberValue": 42}])
    );
    assert!(!member.extra.contains_key("role"));
    assert_eq!(
        member.extra["notes"],
        "country: France\nUTM: campaign=spring"
    );
}

#[test]
fn missing_email_names_what_was_tried() {
    let form = form_with(&[("email", &["contact.mail"])]);
    let error = map(&[("name", "Jane")], &form).unwrap_err();
    assert_eq!(error.message, "no e-mail input in the submission");
    assert!(!error.visitor_can_fix, "only the config can fix it: held");
    let problem = &error.fields["email"];
    assert!(
        problem.starts_with("missing: tried contact.mail, email, e-mail, your-email"),
        "{problem}"
    );
}

#[test]
fn an_invalid_email_is_quoted() {
    let error = map(&[("email", " bob@ ")], &FormSettings::default()).unwrap_err();
    assert_eq!(
        error.fields["email"],
        "\"bob@\" is not a valid e-mail address"
    );
}

#[test]
fn consent_is_recorded_and_can_be_required() {
    let mut form = FormSettings {
        consent_field: Some("gdpr".into()),
        consent_required: true,
        consent_text: Some("I agree to be contacted".into()),
        ..FormSettings::default()
    };
    let meta = SubmissionMeta {
        received_at: "2024-05-02T10:00:00Z".into(),
        ..SubmissionMeta::default()
    };
    let member = map_submission(
        &Submission::from_fields(&[("email", "a@example.com"), ("gdpr", "on")]),
        &meta,
        &form,
    )
    .unwrap();
    assert_eq!(
        member.extra["consent"],
        json!({"given": true, "field": "gdpr", "value": "on", "text": "I agree to be contacted", "at": "2024-05-02T10:00:00Z"})
    );
    assert!(!member.extra.contains_key("notes"));
    let error = map(&[("email", "a@example.com")], &form).unwrap_err();
    assert!(error.fields["consent"].starts_with("required"));
    form.consent_required = false;
    let member = map(&[("email", "a@example.com"), ("gdpr", "0")], &form).unwrap();
    assert_eq!(member.extra["consent"]["given"], false);
}

#[test]
fn overlong_values_are_cut_and_honeypots_skipped() {
    let long = "x".repeat(6000);
    let form = FormSettings {
        honeypot: Some("website_url".into()),
        ..FormSettings::default()
    };
    let member = map(
        &[
            ("email", "a@example.com"),
            ("first name", &long),
            ("message", &long),
            ("website_url", ""),
        ],
        &form,
    )
    .unwrap();
    assert_eq!(member.first_name.len(), 100);
    assert_eq!(member.extra["notes"].as_str().map(str::len), Some(5000));
}

#[test]
fn explain_says_where_each_value_came_from() {
    let form = form_with(&[("contactNo", &["cell"])]);
    let explanation = explain(
        &Submission::from_fields(&[
            ("Email Address", "a@example.com"),
            ("cell", "555"),
            ("referral", "x"),
        ]),
        &SubmissionMeta::default(),
        &form,
    );
    let email = explanation
        .fields
        .iter()
        .find(|t| t.field == "email")
        .unwrap();
    assert_eq!(email.from.as_deref(), Some("input \"Email Address\""));
    let phone = explanation
        .fields
        .iter()
        .find(|t| t.field == "contactNo")
        .unwrap();
    assert_eq!(phone.from.as_deref(), Some("fields override \"cell\""));
    assert_eq!(explanation.into_notes, ["referral"]);
    let printed = explanation.to_string();
    assert!(
        printed.contains("a lead can be made for a@example.com"),
        "{printed}"
    );
}

proptest! {
    #[test]
    fn mapping_never_panics(
        fields in proptest::collection::vec(("\\PC{0,12}", "\\PC{0,40}"), 0..12),
        preset in proptest::option::of(proptest::sample::select(PRESETS.to_vec())),
        source in "\\PC{0,20}",
    ) {
        let submission = Submission {
            fields: fields.clone(),
            json: Some(serde_json::Value::Object(
                fields.into_iter().map(|(k, v)| (k, serde_json::Value::String(v))).collect(),
            )),
        };
        let form = FormSettings {
            preset: preset.map(str::to_owned),
            source,
            ..FormSettings::default()
        };
        let _ = explain(&submission, &SubmissionMeta::default(), &form);
    }
}
