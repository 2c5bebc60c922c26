use bytes::Bytes;
use proptest::prelude::*;

use super::*;

const LIMITS: Limits = Limits {
    max_fields: 50,
    max_field_bytes: 1000,
};

fn parse(content_type: Option<&str>, body: &'static str) -> Result<Submission, IntakeError> {
    parse_with(content_type, body.as_bytes().to_vec(), LIMITS)
}

fn parse_with(
    content_type: Option<&str>,
    body: Vec<u8>,
    limits: Limits,
) -> Result<Submission, IntakeError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    runtime.block_on(parse_body(content_type, Bytes::from(body), limits))
}

fn pairs(submission: &Submission) -> Vec<(&str, &str)> {
    submission
        .fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[test]
fn urlencoded_keeps_repeated_keys_in_order() {
    let sub = parse(
        Some("application/x-www-form-urlencoded; charset=UTF-8"),
        "name=Jane+Doe&interest=seo&email=jane%40example.com&interest=ads",
    )
    .unwrap();
    assert_eq!(
        pairs(&sub),
        [
            ("name", "Jane Doe"),
            ("interest", "seo"),
            ("email", "jane@example.com"),
            ("interest", "ads")
        ]
    );
    assert_eq!(sub.get_all("interest").collect::<Vec<_>>(), ["seo", "ads"]);
    assert!(sub.json.is_none());
}

#[test]
fn multipart_keeps_text_parts_and_ignores_files() {
    let body = "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nJane Doe\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"cv\"; filename=\"cv.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 binary\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"email\"\r\n\r\njane@example.com\r\n--XyZ--\r\n";
    let sub = parse(Some("multipart/form-data; boundary=XyZ"), body).unwrap();
    assert_eq!(
        pairs(&sub),
        [("name", "Jane Doe"), ("email", "jane@example.com")]
    );
}

#[test]
fn multipart_without_boundary_is_malformed() {
    let err = parse(Some("multipart/form-data"), "x").unwrap_err();
    assert!(matches!(err, IntakeError::Malformed(_)), "{err}");
}

#[test]
fn json_is_flattened_by_dotted_path_and_index() {
    let sub = parse(
        Some("application/json"),
        r#"{"contact": {"name": "Jane", "age": 41, "vip": true, "gone": null},
            "items": [{"sku": "a"}, "b"], "a.b": "literal"}"#,
    )
    .unwrap();
    assert_eq!(
        pairs(&sub),
        [
            ("contact.name", "Jane"),
            ("contact.age", "41"),
            ("contact.vip", "true"),
            ("items.0.sku", "a"),
            ("items.1", "b"),
            ("a.b", "literal"),
        ]
    );
    assert_eq!(sub.get("contact.name"), Some("Jane"));
    assert_eq!(
        sub.json_path("items.0.sku").and_then(|v| v.as_str()),
        Some("a")
    );
}

#[test]
fn json_arrays_of_name_value_objects_become_fields() {
    let sub = parse(
        Some("application/vnd.api+json"),
        r#"{"fields": [{"name": "Email", "value": "jane@example.com"},
                       {"label": "Services", "value": ["SEO", "Ads"]}]}"#,
    )
    .unwrap();
    assert_eq!(sub.get("Email"), Some("jane@example.com"));
    assert_eq!(sub.get("Services"), Some("SEO, Ads"));
    assert_eq!(sub.get("fields.0.value"), Some("jane@example.com"));
}

#[test]
fn top_level_arrays_of_objects_are_accepted_and_scalars_refused() {
    let sub = parse(
        Some("application/json"),
        r#"[{"name": "email", "value": "a@example.com"}]"#,
    )
    .unwrap();
    assert_eq!(pairs(&sub), [("email", "a@example.com")]);
    let sub = parse(Some("application/json"), r#"[{"email": "a@example.com"}]"#).unwrap();
    assert_eq!(pairs(&sub), [("email", "a@example.com")]);
    for body in ["42", "\"text\"", "[1, 2]", "null"] {
        let err = parse_with(Some("application/json"), body.into(), LIMITS).unwrap_err();
        assert!(matches!(err, IntakeError::Malformed(_)), "{body}: {err}");
    }
}

#[test]
fn text_plain_carries_json_or_pairs() {
    let sub = parse(
        Some("text/plain;charset=UTF-8"),
        r#" {"email": "a@example.com"} "#,
    )
    .unwrap();
    assert_eq!(sub.get("email"), Some("a@example.com"));
    assert!(sub.json.is_some());
    let sub = parse(Some("text/plain"), "email=a%40example.com&name=Jo").unwrap();
    assert_eq!(pairs(&sub), [("email", "a@example.com"), ("name", "Jo")]);
    let sub = parse(
        Some("text/plain"),
        "email=a@example.com\r\nmessage=Hi & bye\r\n",
    )
    .unwrap();
    assert_eq!(
        pairs(&sub),
        [("email", "a@example.com"), ("message", "Hi & bye")]
    );
    let err = parse(Some("text/plain"), "just some words").unwrap_err();
    assert!(matches!(err, IntakeError::Malformed(_)));
}

#[test]
fn missing_content_type_is_guessed() {
    assert_eq!(parse(None, "  {\"a\": \"1\"}").unwrap().get("a"), Some("1"));
    assert_eq!(parse(None, "a=1").unwrap().get("a"), Some("1"));
}

#[test]
fn other_content_types_are_unsupported() {
    let err = parse(Some("application/xml"), "<a/>").unwrap_err();
    assert!(matches!(err, IntakeError::UnsupportedMediaType(_)));
    assert_eq!(
        BodyFormat::from_content_type("Application/JSON; charset=utf-8"),
        Some(BodyFormat::Json)
    );
}

#[test]
fn malformed_json_gives_a_short_reason_without_the_body() {
    let err = parse(
        Some("application/json"),
        r#"{"email": "secret@example.com""#,
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(matches!(err, IntakeError::Malformed(_)));
    assert!(!message.contains("secret@example.com"), "{message}");
    let err = parse(Some("application/json"), "   ").unwrap_err();
    assert!(matches!(err, IntakeError::Malformed(_)));
}

#[test]
fn limits_are_enforced() {
    let limits = Limits {
        max_fields: 2,
        max_field_bytes: 8,
    };
    let err = parse_with(
        Some("application/x-www-form-urlencoded"),
        b"a=1&b=2&c=3".to_vec(),
        limits,
    )
    .unwrap_err();
    assert!(matches!(err, IntakeError::TooManyFields { max: 2 }));
    let err = parse_with(None, br#"{"message": "far too long"}"#.to_vec(), limits).unwrap_err();
    assert!(matches!(err, IntakeError::FieldTooLong { ref name, max: 8 } if name == "message"));
    let err = parse_with(None, br#"{"a": "1", "b": "2", "c": "3"}"#.to_vec(), limits).unwrap_err();
    assert!(matches!(err, IntakeError::TooManyFields { max: 2 }));
}

#[test]
fn inputs_are_counted_not_their_sub_keys() {
    let limits = Limits {
        max_fields: 2,
        max_field_bytes: 100,
    };
    let elementor = b"fields[a][id]=a&fields[a][type]=text&fields[a][value]=1\
        &fields[b][id]=b&fields[b][type]=email&fields[b][value]=x&services[]=1&services[]=2";
    let err = parse_with(
        Some("application/x-www-form-urlencoded"),
        elementor.to_vec(),
        limits,
    )
    .unwrap_err();
    assert!(
        matches!(err, IntakeError::TooManyFields { max: 2 }),
        "3 inputs"
    );
    let two_inputs = &elementor[..elementor.len() - "&services[]=1&services[]=2".len()];
    let sub = parse_with(
        Some("application/x-www-form-urlencoded"),
        two_inputs.to_vec(),
        limits,
    )
    .unwrap();
    assert_eq!(sub.fields.len(), 6);
    let answers = br#"{"data": {"fields": [
        {"key": "q1", "label": "A", "value": ["o1"], "options": [{"id": "o1", "text": "x"}, {"id": "o2", "text": "y"}]},
        {"key": "q2", "label": "B", "value": "b"}]}}"#;
    let sub = parse_with(Some("application/json"), answers.to_vec(), limits).unwrap();
    assert!(sub.fields.len() > 2, "every sub-key is still read");
}

#[test]
fn memory_stays_bounded_by_the_body_size() {
    // A 1000-character key above 3000 leaves: each leaf's path repeats it.
    let key = "k".repeat(1000);
    let leaves: Vec<String> = (0..3000).map(|n| format!("\"{n}\":1")).collect();
    let body = format!("{{\"{key}\": {{{}}}}}", leaves.join(","));
    let limits = Limits {
        max_fields: 100_000,
        max_field_bytes: 16_384,
    };
    assert!(body.len() < 64 * 1024);

    let err = parse_with(Some("application/json"), body.into_bytes(), limits).unwrap_err();

    assert!(matches!(err, IntakeError::Sprawling { .. }), "{err}");
}

#[test]
fn invalid_utf8_does_not_panic() {
    let sub = parse_with(
        Some("application/x-www-form-urlencoded"),
        b"name=J\xffne&email=%FF%FE".to_vec(),
        LIMITS,
    )
    .unwrap();
    assert_eq!(sub.get("name"), Some("J\u{fffd}ne"));
    let err = parse_with(
        Some("application/json"),
        b"{\"a\": \"\xff\"}".to_vec(),
        LIMITS,
    )
    .unwrap_err();
    assert!(matches!(err, IntakeError::Malformed(_)));
}

#[test]
fn deep_nesting_is_refused_or_flattened_without_overflow() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = parse_with(Some("application/json"), deep.into_bytes(), LIMITS).unwrap_err();
    assert!(matches!(err, IntakeError::Malformed(_)));
    let nested = |depth: usize| {
        format!("{}\"x\"{}", "{\"a\":".repeat(depth), "}".repeat(depth)).into_bytes()
    };
    let sub = parse_with(Some("application/json"), nested(64), LIMITS).unwrap();
    assert_eq!(sub.fields.len(), 1);
    // Deeper than 64 levels: a lead stored from it might not read back.
    let err = parse_with(Some("application/json"), nested(120), LIMITS).unwrap_err();
    assert!(matches!(err, IntakeError::Malformed(_)));
}

#[test]
fn values_that_are_json_documents_can_be_addressed() {
    let sub = Submission {
        fields: vec![(
            "rawRequest".into(),
            r#"{"q3_name": {"first": "Jane", "last": "Doe"}, "q5_n": 5}"#.into(),
        )],
        json: None,
    };
    assert_eq!(
        sub.value("rawRequest.q3_name.first").as_deref(),
        Some("Jane")
    );
    assert_eq!(sub.value("rawRequest.q5_n").as_deref(), Some("5"));
    assert_eq!(sub.value("rawRequest.missing"), None);
}

#[test]
fn literal_dotted_keys_win_over_paths() {
    let sub = parse(
        Some("application/json"),
        r#"{"contact.email": "literal@example.com", "contact": {"email": "path@example.com"}}"#,
    )
    .unwrap();
    assert_eq!(sub.get("contact.email"), Some("literal@example.com"));
    assert_eq!(
        sub.value("contact.email").as_deref(),
        Some("literal@example.com")
    );
    let path_first = parse(
        Some("application/json"),
        r#"{"contact": {"email": "path@example.com"}, "contact.email": "literal@example.com"}"#,
    )
    .unwrap();
    assert_eq!(path_first.get("contact.email"), Some("literal@example.com"));
    assert_eq!(
        path_first.value("contact.email").as_deref(),
        Some("literal@example.com")
    );
}

proptest! {
    #[test]
    fn parse_body_never_panics(
        content_type in proptest::option::of(prop_oneof![
            Just("application/json".to_owned()),
            Just("application/x-www-form-urlencoded".to_owned()),
            Just("multipart/form-data; boundary=b".to_owned()),
            Just("text/plain".to_owned()),
            ".{0,40}",
        ]),
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let limits = Limits { max_fields: 10, max_field_bytes: 64 };
        let _ = parse_with(content_type.as_deref(), body, limits);
    }

    #[test]
    fn any_json_object_parses_or_fails_cleanly(json in "\\{(\"[a-z.]{0,4}\": ?(\"[a-zA-Z0-9 @.]{0,8}\"|[1-9][0-9]{0,2}|\\[\\]|\\{\\}|null), ?){0,5}\"z\": 1\\}") {
        let result = parse_with(Some("application/json"), json.into_bytes(), LIMITS);
        prop_assert!(result.is_ok());
    }
}
