//! Hostile input: arbitrary bytes and content types through both doors of the
//! real HTTP app never get a 5xx, and the app stays healthy; arbitrary JSON
//! documents through `parse_body` and every preset's mapping never panic.

use crate::helpers::spawn_app;
use leadrelay::{
    config::FormSettings,
    intake::{parse_body, Limits, SubmissionMeta},
    mapping::{map_submission, PRESETS},
};
use proptest::{
    prelude::*,
    test_runner::{Config, TestRunner},
};
use serde_json::Value;

/// One form per preset, plus the shared test forms.
fn preset_forms() -> String {
    PRESETS
        .iter()
        .map(|preset| format!("[forms.p-{preset}]\npreset = \"{preset}\"\n"))
        .collect()
}

fn paths() -> Vec<String> {
    let mut paths: Vec<String> = ["ajax", "contact", "plain", "zap"]
        .iter()
        .flat_map(|form| [format!("/forms/{form}"), format!("/hooks/{form}")])
        .collect();
    paths.extend(PRESETS.iter().map(|preset| format!("/hooks/p-{preset}")));
    paths.push("/forms/p-elementor".into());
    paths.push("/forms/p-jotform".into());
    paths
}

fn content_types() -> impl Strategy<Value = Option<String>> {
    proptest::option::weighted(
        0.9,
        prop_oneof![
            4 => proptest::sample::select(vec![
                "application/json",
                "application/json; charset=utf-8",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=XyZ",
                "multipart/form-data",
                "multipart/form-data; boundary=\"\"",
                "text/plain",
                "text/plain;charset=UTF-8",
                "application/vnd.api+json",
                "application/xml",
            ])
            .prop_map(str::to_owned),
            1 => "[ -~]{0,40}",
        ],
    )
}

/// JSON documents shaped like senders' payloads, with hostile values.
fn json_documents() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        proptest::sample::select(vec![
            "email",
            "name",
            "fields",
            "form_response",
            "answers",
            "data",
            "payload",
            "rawRequest",
            "q3_name",
            "value",
            "label",
            "key",
            "type",
            "0",
            "a.b",
            "_gotcha",
        ])
        .prop_map(str::to_owned),
        "\\PC{0,8}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "\\PC{0,24}".prop_map(Value::from),
        "[a-z]{1,6}@[a-z]{1,6}\\.[a-z]{2,3}".prop_map(Value::from),
        Just(Value::from(
            "{\"q3_name\": {\"first\": \"A\"}, \"email\": \"x@y.io\"}"
        )),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key.clone(), inner), 0..6)
                .prop_map(|pairs| Value::Object(pairs.into_iter().collect())),
        ]
    })
}

fn bodies() -> impl Strategy<Value = Vec<u8>> {
    let plausible_lead = ("[a-z]{1,8}", "\\PC{0,20}", json_documents()).prop_map(|(user, name, extra)| {
        serde_json::json!({"email": format!("{user}@example.com"), "name": name, "extra": extra})
            .to_string()
            .into_bytes()
    });
    prop_oneof![
        3 => plausible_lead,
        2 => proptest::collection::vec(any::<u8>(), 0..600),
        2 => json_documents().prop_map(|doc| doc.to_string().into_bytes()),
        1 => "([a-z_%.\\[\\]0-9]{0,8}=[ -~]{0,16}&){0,8}".prop_map(String::into_bytes),
        1 => "--XyZ\r\nContent-Disposition: form-data; name=\"[ -~]{0,10}\"(; filename=\"a\")?\r\n\r\n[ -~]{0,20}\r\n(--XyZ--)?"
            .prop_map(String::into_bytes),
    ]
}

#[test]
fn any_bytes_through_both_doors_never_get_a_5xx() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let app = runtime.block_on(spawn_app(&preset_forms()));
    let mut runner = TestRunner::new(Config {
        cases: 160,
        failure_persistence: None,
        ..Config::default()
    });
    let strategy = (
        proptest::sample::select(paths()),
        content_types(),
        bodies(),
        any::<bool>(),
        any::<bool>(),
    );

    let statuses = std::cell::RefCell::new(std::collections::BTreeSet::new());
    let result = runner.run(
        &strategy,
        |(path, content_type, body, token, accept_json)| {
            let status = runtime.block_on(async {
                let mut request = app
                    .http
                    .post(format!("{}{path}", app.address))
                    .body(body.clone());
                if let Some(content_type) = &content_type {
                    request = request.header("content-type", content_type.as_str());
                }
                if token {
                    request = request.bearer_auth("test-hook-token");
                }
                if accept_json {
                    request = request.header("accept", "application/json");
                }
                request.send().await.expect("the app answers").status()
            });
            statuses.borrow_mut().insert(status.as_u16());
            prop_assert!(
                status.as_u16() < 500,
                "{path} {content_type:?} {:?} → {status}",
                String::from_utf8_lossy(&body)
            );
            Ok(())
        },
    );

    result.unwrap();
    let statuses = statuses.into_inner();
    assert!(
        statuses.contains(&200) && statuses.iter().filter(|s| (400..500).contains(*s)).count() >= 3,
        "the cases reach both acceptance and several refusals: {statuses:?}"
    );
    let health = runtime.block_on(async {
        app.http
            .get(format!("{}/healthz", app.address))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(health, 200);
}

proptest! {
    #![proptest_config(Config { cases: 128, failure_persistence: None, ..Config::default() })]

    #[test]
    fn parsed_json_maps_through_every_preset_or_says_why(document in json_documents()) {
        let limits = Limits { max_fields: 200, max_field_bytes: 16_384 };
        let body = document.to_string().into_bytes();
        let parsed = futures::executor::block_on(parse_body(Some("application/json"), body.into(), limits));
        if let Ok(submission) = parsed {
            for preset in std::iter::once(None).chain(PRESETS.iter().copied().map(Some)) {
                let form = FormSettings { preset: preset.map(str::to_owned), ..FormSettings::default() };
                match map_submission(&submission, &SubmissionMeta::default(), &form) {
                    Ok(member) => prop_assert!(member.email.as_str().contains('@')),
                    Err(error) => prop_assert!(!error.message.is_empty()),
                }
            }
        }
    }
}
