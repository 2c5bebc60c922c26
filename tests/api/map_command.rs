//! `leadrelay map`: the real binary, a config file, a body from a file or stdin.

use std::{
    io::Write,
    process::{Output, Stdio},
};

use serde_json::Value;

use crate::helpers::process::leadrelay;

const CONFIG: &str = r#"
[agencyhandy]
api_key = "not-used-by-map"
endpoint = "company-members"
client_role_id = "role-outer-id"

[forms.contact]
source = "website/{utm_source}"
honeypot = "_gotcha"

[forms.elementor]
preset = "elementor"

[forms.jotform]
preset = "jotform"
workspace = "eu"

[forms.gdpr]
consent_field = "consent"
consent_required = true

[forms.tally]
preset = "tally"

[workspaces.eu]
api_key = "not-used-either"
endpoint = "bulk-lead"
"#;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("stdout is not JSON ({e}): {}\n{}", self.stdout, self.stderr)
        })
    }
}

/// Runs `leadrelay map --config <CONFIG> --form FORM ARGS…`, with `stdin` piped in.
fn map(form: &str, args: &[&str], stdin: &str) -> Run {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("leadrelay.toml");
    std::fs::write(&config, CONFIG).expect("config written");
    let mut child = leadrelay(&["map"])
        .arg("--config")
        .arg(&config)
        .args(["--form", form])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("leadrelay runs");
    // A usage error may exit before reading stdin: a broken pipe is not a failure.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes());
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("leadrelay exits");
    Run {
        code: status.code().expect("exit code"),
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(stderr).expect("utf-8 stderr"),
    }
}

fn fixture(name: &str) -> String {
    format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_preset_fixture_prints_the_request_body_and_the_explanation() {
    let run = map("elementor", &[&fixture("elementor.txt")], "");

    assert_eq!(run.code, 0, "{}", run.stderr);
    let member = &run.json()["members"][0];
    assert_eq!(member["email"], "jane.doe@example.com");
    assert_eq!(member["firstName"], "Jane");
    assert_eq!(member["contactNo"], "+44 20 7946 0958");
    assert_eq!(member["role"], "role-outer-id");
    assert_eq!(member["isConvertedClient"], false);
    assert_eq!(member["pageUrl"], "https://example.com/contact/");
    assert!(run.stderr.contains("preset: elementor"), "{}", run.stderr);
    assert!(
        run.stderr.contains("<- preset: Email (email field)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("into notes: Service"), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("/members/bulk-client (workspace default)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_body_on_stdin_with_a_content_type_is_mapped() {
    let body = "your-name=Ada+Lovelace&your-email=ada%40example.com&utm_source=google&note=hi";

    let run = map(
        "contact",
        &["--content-type", "application/x-www-form-urlencoded"],
        body,
    );

    assert_eq!(run.code, 0, "{}", run.stderr);
    let member = &run.json()["members"][0];
    assert_eq!(member["email"], "ada@example.com");
    assert_eq!(member["lastName"], "Lovelace");
    assert_eq!(member["source"], "website/google");
    assert_eq!(member["utm"]["source"], "google");
    assert!(
        run.stderr.contains("<- input \"your-email\""),
        "{}",
        run.stderr
    );
}

#[test]
fn a_json_body_on_stdin_is_guessed() {
    let run = map("contact", &[], r#"{"contact": {"email": "b@example.com"}}"#);

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["members"][0]["email"], "b@example.com");
}

#[test]
fn a_multipart_fixture_goes_to_the_bulk_lead_endpoint_of_its_workspace() {
    let run = map("jotform", &[&fixture("jotform.txt")], "");

    assert_eq!(run.code, 0, "{}", run.stderr);
    let body = run.json();
    let member = &body.as_array().expect("bulk-lead body is an array")[0];
    assert_eq!(member["firstName"], "Jane");
    assert_eq!(member["lastName"], "Doe");
    assert_eq!(member["type"], "individual");
    assert_eq!(member["sendInvitationEmail"], false);
    assert!(
        run.stderr.contains("/members/bulk-lead (workspace eu)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_payload_without_an_email_exits_2_saying_what_was_tried() {
    let run = map("contact", &[], r#"{"name": "Ada", "phone": "555"}"#);

    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("no lead can be made"), "{}", run.stderr);
    assert!(
        run.stderr.contains("email: missing: tried email, e-mail"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("a post to /forms/contact or /hooks/contact is stored as held"),
        "{}",
        run.stderr
    );
}

#[test]
fn guesses_are_explained_with_their_rule_and_how_to_pin_them() {
    let body = r#"{"What is your first name?": "Jane", "Familienname": "Doe", "3": "jane@example.com", "Téléphone*": "06 12 34 56 78"}"#;

    let run = map("contact", &[], body);

    assert_eq!(run.code, 0, "{}", run.stderr);
    let member = &run.json()["members"][0];
    assert_eq!(member["firstName"], "Jane");
    assert_eq!(member["lastName"], "Doe");
    assert_eq!(member["email"], "jane@example.com");
    assert_eq!(member["contactNo"], "06 12 34 56 78");
    for line in [
        r#"<- input "What is your first name?" (guessed: its name contains "first name")"#,
        r#"<- input "Familienname" (guessed: its name contains "familienname")"#,
        r#"<- input "3" (guessed: the only e-mail address among the values)"#,
        r#"<- input "Téléphone*" (guessed: its name reads "telephone" without decorations)"#,
        r#"guessed fields can be pinned in [forms.NAME.fields]: email = ["3"], firstName"#,
    ] {
        assert!(run.stderr.contains(line), "{line}\n{}", run.stderr);
    }
}

#[test]
fn a_payload_of_ids_exits_2_saying_it_would_be_held_and_why() {
    let body = r#"{"object": "page", "entry": [{"id": "1", "time": 1714650000, "changes": [{"field": "leadgen", "value": {"leadgen_id": "42", "form_id": "7"}}]}]}"#;

    let run = map("contact", &[], body);

    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("Facebook Lead Ads sends only the lead's ID"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("is stored as held"), "{}", run.stderr);
}

#[test]
fn a_tally_form_of_150_questions_with_options_is_mapped() {
    let mut fields = vec![
        serde_json::json!({"key": "q_email", "label": "Email", "type": "INPUT_EMAIL", "value": "jane@example.com"}),
    ];
    for n in 0..149 {
        fields.push(serde_json::json!({"key": format!("q{n}"), "label": format!("Question {n}"),
            "type": "CHECKBOXES", "value": [format!("a{n}")],
            "options": [{"id": format!("a{n}"), "text": "A"}, {"id": format!("b{n}"), "text": "B"}]}));
    }
    let body = serde_json::json!({"eventId": "e", "eventType": "FORM_RESPONSE", "data": {"fields": fields}});
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("tally-150.json");
    std::fs::write(&path, body.to_string()).unwrap();

    let run = map("tally", &[path.to_str().unwrap()], "");

    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.json()["members"][0]["email"], "jane@example.com");
}

#[test]
fn missing_required_consent_exits_2_naming_the_field() {
    let run = map("gdpr", &[], "email=a%40example.com");

    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("consent: required: \"consent\" was not checked"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_malformed_body_exits_2() {
    let run = map(
        "contact",
        &["--content-type", "application/json"],
        "{not json",
    );

    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("malformed body"), "{}", run.stderr);
}

#[test]
fn a_honeypot_hit_exits_2_as_spam() {
    let run = map("contact", &[], "email=a%40example.com&_gotcha=buy+now");

    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("stored as spam and never sent"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unknown_form_is_a_usage_error_listing_the_known_forms() {
    let run = map("nope", &[], "email=a%40example.com");

    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(
            "no form named \"nope\" in the config (known forms: contact, elementor, gdpr, jotform, tally)"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn an_unsupported_content_type_is_a_usage_error() {
    let run = map("contact", &["--content-type", "text/xml"], "<a/>");

    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("--content-type"), "{}", run.stderr);
}
