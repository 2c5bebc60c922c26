//! Micro-benchmarks of the pure hot paths of intake: body parsing and mapping.
//! Run with `cargo bench --bench hot_paths`; compare against a saved baseline
//! (`-- --save-baseline main`, then `-- --baseline main`) to see regressions.

use std::hint::black_box;

use bytes::Bytes;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use leadrelay::{
    config::{FormSettings, Settings},
    intake::{parse_body, Limits, Submission, SubmissionMeta},
    mapping::map_submission,
};

const LIMITS: Limits = Limits {
    max_fields: 200,
    max_field_bytes: 16_384,
};

/// The body `bench/post.lua` sends: a typical contact form as JSON.
const JSON_BODY: &str = r#"{"name":"Ada Lovelace","email":"ada+1-1-1@example.com","phone":"+44 20 7946 0958","company":"Analytical Engines Ltd","message":"Hello, I would like a quote for a new website.","utm_source":"newsletter"}"#;

/// The same contact form as a browser posts it.
const URLENCODED_BODY: &str = "name=Ada+Lovelace&email=ada%2B1-1-1%40example.com&phone=%2B44+20+7946+0958&company=Analytical+Engines+Ltd&message=Hello%2C+I+would+like+a+quote+for+a+new+website.&utm_source=newsletter&_gotcha=";

/// A form whose labels are in no alias table: decorated, question-style and
/// French, matched by meaning.
const LABELLED_JSON_BODY: &str = r#"{"What is your first name?":"Ada","Nom de famille":"Lovelace","Adresse e-mail*":"ada@example.com","Téléphone (portable)":"+44 20 7946 0958","Name of your company":"Analytical Engines Ltd","Votre message":"Hello, I would like a quote.","utm_source":"newsletter"}"#;

/// A nested webhook payload (Zapier-style), flattened to dotted paths.
const NESTED_JSON_BODY: &str = r#"{"contact":{"first_name":"Ada","last_name":"Lovelace","email":"ada@example.com","phone":"+44 20 7946 0958"},"company":{"name":"Analytical Engines Ltd","website":"https://example.com"},"fields":[{"name":"Budget","value":"5000"},{"name":"Message","value":"Hello"}],"utm":{"source":"newsletter","campaign":"launch"}}"#;

fn parse(content_type: &str, body: &'static str) -> Submission {
    futures::executor::block_on(parse_body(
        Some(content_type),
        Bytes::from_static(body.as_bytes()),
        LIMITS,
    ))
    .expect("the benchmark body parses")
}

fn parsing(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse_body");
    for (name, content_type, body) in [
        ("json", "application/json", JSON_BODY),
        ("json_nested", "application/json", NESTED_JSON_BODY),
        (
            "urlencoded",
            "application/x-www-form-urlencoded",
            URLENCODED_BODY,
        ),
    ] {
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| parse(black_box(content_type), black_box(body)))
        });
    }
    group.finish();
}

fn mapping(c: &mut Criterion) {
    let meta = SubmissionMeta {
        ip: Some("192.0.2.10".into()),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64)".into()),
        referer: Some("https://example.com/contact".into()),
        origin: Some("https://example.com".into()),
        received_at: "2025-01-01T12:00:00.000Z".into(),
    };
    let plain = FormSettings {
        honeypot: Some("_gotcha".into()),
        ..FormSettings::default()
    };
    let configured = Settings::from_toml(
        r#"
[forms.zap]
source = "zapier/{utm_source}"
[forms.zap.fields]
firstName = "contact.first_name"
lastName = "contact.last_name"
email = "contact.email"
contactNo = ["contact.phone", "phone"]
companyName = "company.name"
"#,
    )
    .expect("the benchmark config parses");
    let zap = &configured.forms["zap"];

    let mut group = c.benchmark_group("map_submission");
    for (name, submission, form) in [
        (
            "json_alias_table",
            parse("application/json", JSON_BODY),
            &plain,
        ),
        (
            "urlencoded_alias_table",
            parse("application/x-www-form-urlencoded", URLENCODED_BODY),
            &plain,
        ),
        (
            "nested_json_configured_paths",
            parse("application/json", NESTED_JSON_BODY),
            zap,
        ),
        (
            "json_labels_by_meaning",
            parse("application/json", LABELLED_JSON_BODY),
            &plain,
        ),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| map_submission(black_box(&submission), black_box(&meta), black_box(form)))
        });
    }
    group.finish();
}

criterion_group!(benches, parsing, mapping);
criterion_main!(benches);
