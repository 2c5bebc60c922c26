//! Matching by meaning through the whole mapping: each class of names real
//! senders use, the order of precedence, and what cannot be mapped.

use serde_json::json;

use super::*;
use crate::config::{FieldSources, FormSettings};

fn map(fields: &[(&str, &str)]) -> Result<Member, MappingError> {
    map_submission(
        &Submission::from_fields(fields),
        &SubmissionMeta::default(),
        &FormSettings::default(),
    )
}

fn json_submission(body: &serde_json::Value) -> Submission {
    let limits = crate::intake::Limits {
        max_fields: 200,
        max_field_bytes: 16_384,
    };
    futures::executor::block_on(crate::intake::parse_body(
        Some("application/json"),
        body.to_string().into(),
        limits,
    ))
    .expect("the body parses")
}

#[test]
fn decorated_names_map() {
    let member = map(&[
        ("\n   Owner Email* ", "jane@example.com"),
        ("No Label first_name", "Jane"),
        ("LAST NAME*", "Doe"),
        ("Phone 2", "+1 555 010 0123"),
        ("Company *", "Acme"),
    ])
    .unwrap();
    assert_eq!(member.email.as_str(), "jane@example.com");
    assert_eq!(
        (member.first_name.as_str(), member.last_name.as_str()),
        ("Jane", "Doe")
    );
    assert_eq!(member.contact_no.as_deref(), Some("+1 555 010 0123"));
    assert_eq!(member.extra["companyName"], "Acme");
    assert!(member.extra.get("notes").is_none(), "{:?}", member.extra);
}

#[test]
fn an_empty_guessed_input_leaves_the_field_to_the_next() {
    let member = map(&[
        ("Your first name (optional)", ""),
        ("Prénom", "Jean"),
        ("Adresse e-mail", "jean@example.fr"),
    ])
    .unwrap();
    assert_eq!(member.first_name, "Jean");
}

#[test]
fn question_labels_map() {
    let member = map(&[
        ("What is your first name?", "Jane"),
        ("And your last name?", "Doe"),
        ("What's the best email to reach you?", "jane@example.com"),
        ("Which number can we call you on?", "+1 555 010 0123"),
        ("Tell us about your project", "A bakery site"),
    ])
    .unwrap();
    assert_eq!(
        (member.first_name.as_str(), member.last_name.as_str()),
        ("Jane", "Doe")
    );
    assert_eq!(member.email.as_str(), "jane@example.com");
    assert_eq!(member.contact_no.as_deref(), Some("+1 555 010 0123"));
    assert_eq!(member.extra["notes"], "A bakery site");
}

#[test]
fn a_french_form_maps_prenom_and_nom() {
    let member = map(&[
        ("Prénom", "Jean"),
        ("Nom", "Dupont"),
        ("Adresse e-mail", "jean.dupont@example.fr"),
        ("Téléphone", "06 12 34 56 78"),
        ("Société", "Dupont SARL"),
        ("Votre message", "Bonjour"),
    ])
    .unwrap();
    assert_eq!(
        (member.first_name.as_str(), member.last_name.as_str()),
        ("Jean", "Dupont")
    );
    assert_eq!(member.email.as_str(), "jean.dupont@example.fr");
    assert_eq!(member.contact_no.as_deref(), Some("06 12 34 56 78"));
    assert_eq!(member.extra["companyName"], "Dupont SARL");
    assert_eq!(member.extra["notes"], "Bonjour");
}

#[test]
fn german_spanish_italian_and_dutch_name_pairs_map() {
    let cases = [
        [
            ("Vorname", "Max"),
            ("Name", "Mustermann"),
            ("E-Mail-Adresse", "max@example.de"),
        ],
        [
            ("Nombre", "María"),
            ("Apellidos", "García López"),
            ("Correo electrónico", "maria@example.es"),
        ],
        [
            ("Nome", "Mario"),
            ("Cognome", "Rossi"),
            ("Indirizzo email", "mario@example.it"),
        ],
        [
            ("Voornaam", "Jan"),
            ("Achternaam", "de Vries"),
            ("E-mailadres", "jan@example.nl"),
        ],
    ];
    let expected = [
        ("Max", "Mustermann"),
        ("María", "García López"),
        ("Mario", "Rossi"),
        ("Jan", "de Vries"),
    ];
    for (fields, (first, last)) in cases.iter().zip(expected) {
        let member = map(fields).unwrap();
        assert_eq!(
            (member.first_name.as_str(), member.last_name.as_str()),
            (first, last)
        );
        assert_eq!(member.email.as_str(), fields[2].1);
    }
}

#[test]
fn keys_that_are_only_ids_are_read_by_their_values() {
    let member = map(&[
        ("1", "Jane Doe"),
        ("2", "jane@example.com"),
        ("3", "(555) 010-0123"),
        ("4", "We need a new website."),
    ])
    .unwrap();
    assert_eq!(
        (member.first_name.as_str(), member.last_name.as_str()),
        ("Jane", "Doe")
    );
    assert_eq!(member.email.as_str(), "jane@example.com");
    assert_eq!(member.contact_no.as_deref(), Some("(555) 010-0123"));
    assert_eq!(member.extra["notes"], "4: We need a new website.");
}

#[test]
fn shapes_never_read_keys_that_say_what_they_hold() {
    let member = map(&[
        ("entry_id", "5550100123"),
        ("created_at", "2024-05-02 10:11:12"),
        ("field_9", "1714650000"),
        ("Contact", "jane@example.com"),
    ])
    .unwrap();
    assert_eq!(member.email.as_str(), "jane@example.com");
    assert_eq!(member.contact_no, None);
}

#[test]
fn the_fields_mapping_always_wins_then_exact_aliases_then_guesses() {
    let fields = [
        ("Best e-mail to reach you", "guess@example.com"),
        ("email", "alias@example.com"),
        ("contact.work", "pinned@example.com"),
    ];
    assert_eq!(map(&fields).unwrap().email.as_str(), "alias@example.com");
    let mut form = FormSettings::default();
    form.fields
        .insert("email".into(), FieldSources::One("contact.work".into()));
    let member = map_submission(
        &Submission::from_fields(&fields),
        &SubmissionMeta::default(),
        &form,
    )
    .unwrap();
    assert_eq!(member.email.as_str(), "pinned@example.com");
    let notes = member.extra["notes"].as_str().unwrap();
    assert!(notes.contains("email: alias@example.com"), "{notes}");
    let member = map(&[fields[0], fields[2]]).unwrap();
    assert_eq!(
        member.email.as_str(),
        "guess@example.com",
        "a guess beats a lone address"
    );
}

#[test]
fn explain_says_which_rule_guessed_which_input() {
    let form = FormSettings::default();
    let explanation = explain(
        &Submission::from_fields(&[
            ("What is your first name?", "Jane"),
            ("7", "jane@example.com"),
        ]),
        &SubmissionMeta::default(),
        &form,
    );
    let text = explanation.to_string();
    assert!(
        text.contains(
            r#"input "What is your first name?" (guessed: its name contains "first name")"#
        ),
        "{text}"
    );
    assert!(
        text.contains(r#"input "7" (guessed: the only e-mail address among the values)"#),
        "{text}"
    );
    assert!(
        text.contains(r#"email = ["7"], firstName = ["What is your first name?"]"#),
        "{text}"
    );
}

#[test]
fn an_empty_or_mistyped_address_is_the_visitors_to_fix() {
    let cases = [
        ("email", "", "input \"email\" is empty"),
        (
            "Your e-mail*",
            "jane.example.com",
            "\"jane.example.com\" is not a valid",
        ),
        ("Courriel", "jane@", "\"jane@\" is not a valid"),
        (
            "What's your e-mail?",
            "",
            "input \"What's your e-mail?\" is empty",
        ),
        ("What's your e-mail?", "jane at example", "is not a valid"),
    ];
    for (name, value, problem) in cases {
        let error = map(&[("name", "Jane"), (name, value)]).unwrap_err();
        assert!(error.visitor_can_fix, "{name}: {error:?}");
        assert!(error.fields["email"].contains(problem), "{error:?}");
    }
}

#[test]
fn no_e_mail_input_at_all_is_the_configs_to_fix() {
    let error = map(&[("name", "Jane"), ("message", "Call me")]).unwrap_err();
    assert!(!error.visitor_can_fix);
    assert_eq!(error.message, "no e-mail input in the submission");
    assert!(
        error.reason().contains("email: missing: tried email"),
        "{}",
        error.reason()
    );
}

#[test]
fn several_unnamed_addresses_are_ambiguous() {
    let error = map(&[("1", "a@example.com"), ("2", "b@example.com")]).unwrap_err();
    assert!(!error.visitor_can_fix);
    assert!(
        error.message.contains(r#"inputs "1", "2""#),
        "{}",
        error.message
    );
}

#[test]
fn payloads_of_ids_are_held_with_a_reason_that_says_so() {
    let facebook = json!({"object": "page", "entry": [{"id": "1029384756", "time": 1714650000,
        "changes": [{"field": "leadgen", "value": {"ad_id": "1", "form_id": "2",
        "leadgen_id": "3141592653", "created_time": 1714650000, "page_id": "4", "adgroup_id": "5"}}]}]});
    let hubspot = json!([{"eventId": 100, "subscriptionId": 200, "portalId": 300, "appId": 400,
        "occurredAt": 1714650000000u64, "subscriptionType": "contact.creation",
        "attemptNumber": 0, "objectId": 123456, "changeFlag": "CREATED", "changeSource": "CRM"}]);
    let plain_ids = json!({"form_id": 12, "entry_id": 345, "submitted_at": "2024-05-02T10:11:12Z"});
    for (body, says) in [
        (
            facebook,
            "Facebook Lead Ads sends only the lead's ID (leadgen_id)",
        ),
        (
            hubspot,
            "HubSpot webhooks send only the record's ID (objectId)",
        ),
        (plain_ids, "only IDs, numbers and times"),
    ] {
        let error = map_submission(
            &json_submission(&body),
            &SubmissionMeta::default(),
            &FormSettings::default(),
        )
        .unwrap_err();
        assert!(!error.visitor_can_fix);
        assert!(error.reason().contains(says), "{}", error.reason());
    }
}

#[test]
fn a_large_tally_like_form_with_options_maps() {
    let mut fields = vec![
        json!({"key": "question_a1", "label": "What is your name?", "type": "INPUT_TEXT", "value": "Jane Doe"}),
        json!({"key": "question_a2", "label": "Your e-mail", "type": "INPUT_EMAIL", "value": "jane@example.com"}),
    ];
    for n in 0..148 {
        fields.push(json!({"key": format!("question_q{n}"), "label": format!("Question {n}?"),
            "type": "MULTIPLE_CHOICE", "value": [format!("o{n}a")],
            "options": [{"id": format!("o{n}a"), "text": "Yes"}, {"id": format!("o{n}b"), "text": "No"},
                        {"id": format!("o{n}c"), "text": "Maybe"}]}));
    }
    let body = json!({"eventId": "e1", "eventType": "FORM_RESPONSE", "data": {"formId": "f", "fields": fields}});
    let form = FormSettings {
        preset: Some("tally".into()),
        ..FormSettings::default()
    };
    let member =
        map_submission(&json_submission(&body), &SubmissionMeta::default(), &form).unwrap();
    assert_eq!(member.email.as_str(), "jane@example.com");
    assert_eq!(
        (member.first_name.as_str(), member.last_name.as_str()),
        ("Jane", "Doe")
    );
    let notes = member.extra["notes"].as_str().unwrap();
    assert!(
        notes.starts_with("Question 0?: Yes\nQuestion 1?: Yes"),
        "{notes}"
    );
}
